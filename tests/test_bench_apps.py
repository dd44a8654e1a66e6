"""The bench's baselines must keep rendering the real card fragment, and its plain-execute
comparison must keep running the answer step: a template or statement change that breaks either
would otherwise surface only as a failed `make bench`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from bench.bare import create_bare_app
from studyapp.extensions import db
from studyapp.services import prepared, study
from tests.services.test_study import make_user, submit


def test_the_bare_baseline_renders_the_card_fragment() -> None:
    response = create_bare_app().test_client().post("/bench/baseline")
    assert response.status_code == 200 and b'class="rating rating-4"' in response.data
    assert create_bare_app().test_client().get("/bench/empty").status_code == 200


def test_the_answer_step_runs_through_plain_execute_too(content_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepared, "PLAIN_EXECUTE", True)
    now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    user = make_user("plain-execute")
    for rating in (3, 3, 1):
        shown = study.today(db.session, user, now).card
        assert shown is not None
        assert submit(user, shown, now, rating).outcome is study.Outcome.APPLIED
