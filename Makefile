# The README's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
EXTRAS := $(if $(findstring postgres,$(DATABASE_URL)),[postgres],)
FLASK  := $(BIN)/flask --app studyapp

.PHONY: run test install install-dev db lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e '.$(EXTRAS)'

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

db: install
	$(FLASK) db upgrade
	$(FLASK) questions import

run: db
	@echo "studyapp is serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
