"""Account services change the User they load themselves, and say so when it is gone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from studyapp.extensions import db
from studyapp.services import accounts

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SETTINGS = accounts.StudySettings(
    desired_retention=0.9,
    new_per_day=20,
    reviews_per_day=200,
    learning_steps=[60, 600],
    relearning_steps=[600],
    timezone="UTC",
    day_start_hour=4,
)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda user_id: accounts.update_settings(db.session(), user_id, SETTINGS, NOW), "desired_retention"),
        (
            lambda user_id: accounts.change_password(
                db.session(), user_id, "old password", "a new passphrase", "token", NOW
            ),
            "current_password",
        ),
        (lambda user_id: accounts.delete_account(db.session(), user_id, "password"), "password"),
    ],
)
def test_changing_an_account_deleted_meanwhile_is_a_clear_error(app: Flask, change, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(accounts.AccountError, match="no longer exists") as raised:
        change(987_654)
    assert raised.value.field == field
    db.session.rollback()
