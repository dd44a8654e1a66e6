"""Database hooks every request and connection needs: SQLite's pragmas, and how a request ends.

`init_app(app)` wires them to the app's own engine. Under test (TESTING), a commit made outside
services.transaction.writing() fails loudly, so no write can skip the SQLite write lock.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from studyapp.extensions import db
from studyapp.services.transaction import WRITING

_ENDING = "studyapp.ending_request"  # Session.info key while the end-of-request COMMIT runs


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
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
