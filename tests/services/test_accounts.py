"""Account services change the User they load themselves, and say so when it is gone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from studyapp.core.settings import LearnerSettings
from studyapp.extensions import db
from studyapp.services import accounts

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SETTINGS = LearnerSettings(desired_retention=0.85, timezone="Asia/Tokyo")


@pytest.mark.parametrize(
    "change",
    [
        lambda user_id: accounts.update_settings(db.session(), user_id, SETTINGS, NOW),
        lambda user_id: accounts.change_password(
            db.session(), user_id, "old password", "a new passphrase", "token", NOW
        ),
        lambda user_id: accounts.delete_account(db.session(), user_id, "password"),
    ],
)
def test_changing_an_account_deleted_meanwhile_is_a_clear_error(app: Flask, change) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(accounts.AccountError, match="no longer exists") as raised:
        change(987_654)
    assert raised.value.reason is accounts.Reason.ACCOUNT_GONE
    db.session.rollback()


def test_settings_are_saved_from_one_value_and_read_back_by_the_session_user(app: Flask) -> None:
    user = accounts.register(db.session(), "grace", None, "a long passphrase here", NOW)
    learner = accounts.start_session(db.session(), user, NOW)
    accounts.update_settings(db.session(), user.id, SETTINGS, NOW)
    loaded = accounts.session_user(db.session(), learner.session_token)
    assert loaded is not None and loaded.settings == SETTINGS


def test_the_test_profile_hashes_passwords_cheaply_and_production_at_full_cost(app: Flask) -> None:
    from studyapp import config

    assert "$m=64,t=1,p=1$" in accounts.hash_password("a long passphrase here")
    production = config.load(app.instance_path, {"SECRET_KEY": "x"})
    assert (production["ARGON2_TIME_COST"], production["ARGON2_MEMORY_KIB"]) == (3, 65536)
