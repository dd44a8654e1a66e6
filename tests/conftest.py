"""Fixtures in layers: a database per backend (SQLite file, PostgreSQL), an app, a client, content.

Database tests run twice, on SQLite and on PostgreSQL. PostgreSQL is expected at
TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres); when it is unreachable the PostgreSQL
runs are skipped with a plain message, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from studyapp import create_app
from studyapp.core import content, generation
from studyapp.extensions import db
from studyapp.services import content_sync
from studyapp.services.transaction import writing

ROOT = Path(__file__).resolve().parent.parent
BANK_DIR = ROOT / "questions"
FIXTURE_BANK = Path(__file__).resolve().parent / "fixtures" / "bank"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_postgres_skip_reason: list[str] = []
_seeded: dict[str, bool] = {}


# The name carries the process id, so two runs on one server (a local run beside CI, say) never
# share a database: one run's TRUNCATE would otherwise wait forever on the other's open reads.
_TEST_DATABASE = f"studyapp_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
_DROP_TEST_DATABASE = f'DROP DATABASE IF EXISTS "{_TEST_DATABASE}" WITH (FORCE)'


def _admin(*statements: str) -> None:
    """Run statements on TEST_POSTGRES_URL's server, outside a transaction (CREATE/DROP DATABASE)."""
    engine = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An empty database beside TEST_POSTGRES_URL's for this test process, dropped at its end."""
    try:
        _admin(_DROP_TEST_DATABASE, f'CREATE DATABASE "{_TEST_DATABASE}"')
    except Exception as exc:  # any failure to reach the server
        reason = f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}: {type(exc).__name__}"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
        _postgres_skip_reason.append(reason)
        pytest.skip(f"{reason}; skipping the PostgreSQL runs")
    yield make_url(POSTGRES_URL).set(database=_TEST_DATABASE).render_as_string(hide_password=False)
    _admin(_DROP_TEST_DATABASE)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database of each backend, shared by the session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    commit()


def commit() -> None:
    """Commit what a test added to the session, as the app does: inside the unit of work."""
    with writing(db.session()):
        pass


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Fixtures keep an app context open for the test's own database work; without this, requests
    would share that context's `g` (and its cached CSRF token) and its database session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, **overrides: Any) -> Flask:
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True, **overrides})
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An app on an empty database (content and users removed before the test)."""
    app = make_app(database_url)
    with app.app_context():
        _empty_tables()
        _seeded[database_url] = False
        yield app
        db.session.remove()
        db.engine.dispose()


def import_bank(root: Path) -> content_sync.SyncReport:
    bank = content.load_bank(root)
    return content_sync.import_bank(db.session, bank, generation.generate(bank), datetime.now(UTC))


@pytest.fixture
def content_app(database_url: str) -> Iterator[Flask]:
    """An app on a database holding the real content bank; tests must not change the content."""
    app = make_app(database_url)
    with app.app_context():
        if not _seeded.get(database_url):
            _empty_tables()
            import_bank(BANK_DIR)
            _seeded[database_url] = True
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(content_app: Flask) -> FlaskClient:
    return content_app.test_client()


class QueryCounter:
    """Counts the SQL statements the app sends while active (for no-N+1 assertions)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(content_app: Flask) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _postgres_skip_reason:
        terminalreporter.write_line(
            f"NOTE: the PostgreSQL runs were skipped ({_postgres_skip_reason[0]}); only SQLite was tested.",
            yellow=True,
        )


def review_card(
    user_id: int, question_id: int, *, due: datetime, last_review: datetime, stability: float, **columns: Any
) -> Any:
    """A card in the review state, added to the session (not committed), for tests that need one."""
    from studyapp.core import scheduling
    from studyapp.models import Card

    card = Card(
        user_id=user_id,
        question_id=question_id,
        state=scheduling.REVIEW,
        step=None,
        stability=stability,
        difficulty=5.0,
        due=due,
        last_review=last_review,
        **{"introduced_at": last_review, **columns},
    )
    db.session.add(card)
    return card
