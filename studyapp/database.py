"""Database hooks every request and connection needs: SQLite's pragmas, a test of idle server
connections, and server connections back in autocommit when they return to the pool.

`init_app(app)` wires them to the app's own engine. Under test (TESTING), a commit made outside
services.transaction.writing() fails loudly, so no write can skip the SQLite write lock.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Engine, event, exc
from sqlalchemy.orm import Session

from studyapp.extensions import db
from studyapp.services.transaction import WRITING

_IDLE_SINCE = "studyapp.idle_since"  # connection-record info key: when the connection was last returned


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                _ping_when_idle(engine, float(app.config["DATABASE_PING_AFTER_IDLE"]))
            if engine.dialect.name == "postgresql":
                event.listen(engine, "checkin", _reads_in_autocommit)
    if not getattr(init_app, "_commit_check", False):  # Session events are per class: listen once
        event.listen(Session, "before_commit", _commit_inside_writing)
        init_app._commit_check = True  # type: ignore[attr-defined]


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and a wait instead of 'database is locked'."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA mmap_size=134217728")
    cursor.close()


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled server connection before use, if it sat in the pool for over `idle_seconds`.

    A server or a proxy drops connections that sit idle (a restart, an idle timeout); one that
    served a request a moment ago is all but certainly still open. SQLAlchemy's pool_pre_ping would
    send a round trip on every checkout, and under load a round trip costs about as much machine
    time as a small query: the logged-in user's lookup is four of them (ping, BEGIN, SELECT,
    COMMIT). This is the same test on the same pool hook, skipped within the window (as HikariCP
    skips its alive-check for a connection used within half a second). A connection found closed
    is replaced through the pool's own retry (DisconnectionError); a connection that breaks inside
    the window fails that one request, and is replaced when the pool sees the error or at its next
    test.
    """
    dialect = engine.dialect

    def returned(dbapi_connection: Any, connection_record: Any, *_: Any) -> None:
        connection_record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        idle_since = connection_record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError(f"an idle connection was closed: {error}") from error
            raise

    event.listen(engine, "connect", returned)  # a new connection was just tested by connecting
    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checkout)


def _commit_inside_writing(session: Session) -> None:
    if not has_app_context() or not current_app.config.get("TESTING"):
        return
    if not session.info.get(WRITING):
        raise RuntimeError("commit outside services.transaction.writing(): writes must take the write lock")


def _reads_in_autocommit(dbapi_connection: Any, connection_record: Any) -> None:
    """A connection a write block took out of autocommit (services.transaction) goes back to it.

    The pool has rolled the connection back by now, so no transaction is open. Reading in
    autocommit also keeps psycopg's prepared statements: its ROLLBACK discards them, but with no
    transaction open it sends none.
    """
    if dbapi_connection is None or getattr(dbapi_connection, "autocommit", True):
        return
    try:
        dbapi_connection.autocommit = True
    except Exception as error:  # a broken connection: the pool replaces it
        connection_record.invalidate(error)
