"""Database hooks every request and connection needs: SQLite's pragmas, a test of idle server
connections, and how a request ends.

`init_app(app)` wires them to the app's own engine. Under test (TESTING), a commit made outside
services.transaction.writing() fails loudly, so no write can skip the SQLite write lock.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Engine, event, exc
from sqlalchemy.orm import Session

from studyapp.extensions import db
from studyapp.services.transaction import WRITING

_ENDING = "studyapp.ending_request"  # Session.info key while the end-of-request COMMIT runs
_IDLE_SINCE = "studyapp.idle_since"  # connection-record info key: when the connection was last returned


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                _ping_when_idle(engine, float(app.config["DATABASE_PING_AFTER_IDLE"]))
    app.teardown_request(_end_read_transaction)
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
    if not session.info.get(WRITING) and not session.info.get(_ENDING):
        raise RuntimeError("commit outside services.transaction.writing(): writes must take the write lock")


def _end_read_transaction(error: BaseException | None) -> None:
    """End a request's read transaction with COMMIT, not the ROLLBACK that closing the session sends.

    Services commit their own writes, so what is left open after a successful request only read.
    For a read the two are the same to the database, but psycopg discards every prepared
    statement of the connection on ROLLBACK: PostgreSQL would then parse and plan each statement
    of every request afresh. A failed request, or one holding unsaved ORM changes (a bug: nothing
    should be saved by accident), is left to the rollback.

    SQLite needs neither: its driver opens a transaction only for a write (a read runs on its own,
    in autocommit), so a request that only read has nothing open to end, and the session's commit
    would be bookkeeping in Python, about a twentieth of an answer step.
    """
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if session.get_bind().dialect.name == "sqlite":
        return
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.info[_ENDING] = True
        try:
            session.commit()
        except Exception:  # the response is already made; the rollback at close ends the transaction
            logging.getLogger(__name__).exception("could not end a read transaction with COMMIT")
            session.rollback()
        finally:
            session.info[_ENDING] = False
