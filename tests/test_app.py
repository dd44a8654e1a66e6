"""Configuration, database connection settings and migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from studyapp import config, create_app
from studyapp.extensions import db
from studyapp.models import described_by_models
from studyapp.services.transaction import writing
from tests.conftest import make_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STUDYAPP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="SECRET_KEY must be set"):
        config.load(str(tmp_path))


def test_development_key_is_generated_once_and_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STUDYAPP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.load(str(tmp_path))["SECRET_KEY"]
    assert len(first) == 64 and (tmp_path / "secret_key").exists()
    assert config.load(str(tmp_path))["SECRET_KEY"] == first


def test_environment_overrides_database_and_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/app")
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    settings = config.load(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/app"
    assert settings["SECRET_KEY"] == "s3cret"


def test_default_database_is_sqlite_in_instance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.load(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'studyapp.sqlite3'}"


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "t"})
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_migrations_match_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": described_by_models})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_postgresql_connections_plan_prepared_statements_once(app: Flask) -> None:
    """Without this, PostgreSQL plans the review queue's statement afresh on every execution."""
    with db.engine.connect() as connection:
        mode = (
            connection.execute(text("SHOW plan_cache_mode")).scalar()
            if db.engine.dialect.name == "postgresql"
            else None
        )
    if db.engine.dialect.name == "postgresql":
        assert mode == "force_generic_plan"
    else:
        assert config.load(".", {"DATABASE_URL": "sqlite://", "SECRET_KEY": "t"})["SQLALCHEMY_ENGINE_OPTIONS"] == {}


def test_successful_requests_keep_prepared_statements(client: FlaskClient) -> None:
    """A request's read transaction ends with COMMIT: on ROLLBACK psycopg would discard the
    connection's prepared statements, and PostgreSQL would plan every statement afresh."""
    for _ in range(8):  # psycopg prepares a statement on its fifth execution
        assert client.get("/glossary?q=model").status_code == 200
    with db.engine.connect() as connection:
        if db.engine.dialect.name != "postgresql":
            return
        prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    assert prepared and prepared > 0


def _count_pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pings: list[object] = []
    ping = db.engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return pings


def _backend_pid() -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_server_connection_used_within_the_idle_window_is_not_tested_again(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request would otherwise pay a round trip for the test (pool_pre_ping)."""
    app = make_app(postgres_url, DATABASE_PING_AFTER_IDLE=60)
    with app.app_context():
        assert db.engine.pool._pre_ping is False
        pings = _count_pings(monkeypatch)
        pids = {_backend_pid() for _ in range(3)}  # a new connection, then the same one twice
        assert len(pids) == 1 and pings == []
        db.engine.dispose()


def test_an_idle_server_connection_that_was_closed_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart or a proxy's idle timeout closes pooled connections: the next request must not fail."""
    app = make_app(postgres_url, DATABASE_PING_AFTER_IDLE=0)  # every checkout counts as idle
    with app.app_context():
        pings = _count_pings(monkeypatch)
        first = _backend_pid()
        assert len(pings) == 1  # the fresh connection is tested on its first checkout with a window of 0
        with create_app({"DATABASE_URL": postgres_url, "SECRET_KEY": "t"}).app_context():
            with db.engine.connect() as other:
                assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
            db.engine.dispose()
        second = _backend_pid()  # the test finds the closed connection; the pool connects afresh
        assert second != first
        tested_closed, tested_new = pings[1:]
        assert tested_closed is pings[0] and tested_new is not pings[0]
        db.engine.dispose()


def test_sqlite_connections_are_never_tested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", DATABASE_PING_AFTER_IDLE=0)
    with app.app_context():
        pings = _count_pings(monkeypatch)
        for _ in range(3):
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        assert pings == []


def test_server_reads_run_in_autocommit_and_a_write_block_in_one_transaction(app: Flask) -> None:
    """PostgreSQL: a read sends no BEGIN (config.py); writing() opens a transaction; the pool undoes it."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite's driver already reads outside a transaction")
    from psycopg.pq import TransactionStatus

    driver = db.session.connection().connection.driver_connection
    db.session.execute(text("SELECT 1"))
    assert driver.autocommit and driver.info.transaction_status == TransactionStatus.IDLE
    with writing(db.session()):
        db.session.execute(text("SELECT 1"))
        assert db.session.connection().connection.driver_connection is driver
        assert not driver.autocommit and driver.info.transaction_status == TransactionStatus.INTRANS
    assert driver.autocommit  # the commit gave the connection back to the pool, which restored it
    db.session.execute(text("SELECT 1"))
    assert driver.info.transaction_status == TransactionStatus.IDLE
