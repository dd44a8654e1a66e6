"""Prepared statements behave as SQLAlchemy's own execution does, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import bindparam, exc, insert, select, update

from studyapp.extensions import db
from studyapp.models import LoginSession, User
from studyapp.services.prepared import Prepared
from studyapp.services.transaction import writing
from tests.conftest import commit

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)

_START_SESSION = Prepared(
    insert(LoginSession).returning(LoginSession.id), columns=("token_hash", "user_id", "created_at")
)
_READ_USER = Prepared(
    select(User.id, User.username, User.learning_steps, User.fsrs_parameters, User.created_at).where(
        User.id == bindparam("user_id")
    )
)
_RENAME = Prepared(update(User).where(User.id == bindparam("user_id")), columns=("username", "updated_at"))


def _add_user(name: str) -> int:
    user = User(
        username=name, username_key=name, password_hash="x", learning_steps=[60, 600], created_at=T0, updated_at=T0
    )
    db.session.add(user)
    commit()
    return user.id


class _Abandon(Exception):
    """Raised to leave a writing() block, which rolls it back."""


def test_rows_come_back_typed_and_inside_the_session_transaction(app: Flask) -> None:
    user_id = _add_user("ada")
    with pytest.raises(_Abandon), writing(db.session()):
        connection = db.session.connection()
        assert _START_SESSION.scalar(connection, {"token_hash": "h", "user_id": user_id, "created_at": T0})
        row = _READ_USER.first(connection, {"user_id": user_id})
        assert row.username == "ada" and row._fields[0] == "id"
        assert row.learning_steps == [60, 600]  # JSON decoded
        assert row.fsrs_parameters is None
        assert row.created_at == T0 and row.created_at.tzinfo is not None  # timezone-aware UTC, to the microsecond
        assert _RENAME.rowcount(connection, {"user_id": user_id, "username": "Ada", "updated_at": T0}) == 1
        assert _RENAME.rowcount(connection, {"user_id": user_id + 1000, "username": "x", "updated_at": T0}) == 0
        raise _Abandon
    # Nothing was committed: the statements ran in the block's transaction, rolled back with it.
    assert _READ_USER.first(db.session.connection(), {"user_id": user_id}).username == "ada"
    assert db.session.scalar(select(LoginSession.id).where(LoginSession.user_id == user_id)) is None


def test_driver_errors_are_sqlalchemy_errors(app: Flask) -> None:
    user_id = _add_user("ada")
    values = {"token_hash": "same", "user_id": user_id, "created_at": T0}
    _START_SESSION.scalar(db.session.connection(), values)
    with pytest.raises(exc.IntegrityError):
        _START_SESSION.scalar(db.session.connection(), values)  # token_hash is unique
    db.session.rollback()


def test_columns_with_python_side_defaults_must_be_given(app: Flask) -> None:
    prepared = Prepared(insert(User), columns=("username", "username_key", "password_hash", "created_at", "updated_at"))
    with pytest.raises(ValueError, match="desired_retention"):
        prepared.rowcount(db.session.connection(), {})


def test_a_missing_parameter_is_refused_before_the_database_sees_it(app: Flask) -> None:
    with pytest.raises(exc.ArgumentError, match="user_id"):
        _READ_USER.first(db.session.connection(), {})


def test_engine_events_see_prepared_statements(app: Flask) -> None:
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(statement)

    user_id = _add_user("ada")
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        _START_SESSION.scalar(db.session.connection(), {"token_hash": "h", "user_id": user_id, "created_at": T0})
        _READ_USER.first(db.session.connection(), {"user_id": user_id})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 2 and seen[0].startswith("INSERT") and seen[1].startswith("SELECT")
    db.session.rollback()


def test_login_session_user_is_one_prepared_statement(app: Flask) -> None:
    from studyapp.services import accounts

    user_id = _add_user("ada")
    token = accounts.start_session(db.session(), db.session.get(User, user_id), T0).session_token  # type: ignore[arg-type]
    learner = accounts.session_user(db.session(), token)
    assert learner is not None and learner.id == user_id and learner.get_id() == token
    assert learner.settings.learning_steps == (60, 600) and learner.settings.timezone == "UTC"
    db.session.execute(
        LoginSession.__table__.delete().where(LoginSession.user_id == user_id)  # type: ignore[attr-defined]
    )
    commit()
    assert accounts.session_user(db.session(), token) is None
