"""The unit of work: every write of the app is one `with writing(session):` block.

The block takes the database's write lock, commits when it ends and rolls back when it raises, so
a service never calls `commit()` or `rollback()` itself and cannot forget the lock. On SQLite the
lock queues writers on an OS file lock shared by every worker process: SQLite allows one writer,
and without the queue concurrent writers spin in SQLite's busy handler, sleeping in growing steps,
which ruins tail latency. Holding it from the first write to the commit also keeps the embedded
default clear of the WAL-reset corruption bug of SQLite before 3.51.3, which needs two connections
writing at the same moment. PostgreSQL has row locks: there the lock is a no-op.

On PostgreSQL, connections read in autocommit (config: no BEGIN and COMMIT round trips for a read),
so the block turns autocommit off for its own transaction; studyapp.database turns it back on when
the connection returns to the pool, after the commit or rollback.

`studyapp.database` installs a check, under test, that fails any commit made outside `writing()`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads are still serialised
    fcntl = None  # type: ignore[assignment]

WRITING = "studyapp.writing"  # the key in Session.info while a writing() block is open

_guard = threading.Lock()
_locks: dict[str, tuple[threading.Lock, int]] = {}


def _lock_for(path: str) -> tuple[threading.Lock, int]:
    with _guard:
        if path not in _locks:
            fd = os.open(path + ".write-lock", os.O_RDWR | os.O_CREAT, 0o600)
            _locks[path] = (threading.Lock(), fd)
        return _locks[path]


def sqlite_path(session: Session) -> str | None:
    """The database file of a SQLite session, or None for other backends and in-memory databases."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    path = bind.engine.url.database
    return path if path and path != ":memory:" else None


@contextmanager
def _write_lock(session: Session) -> Iterator[None]:
    path = sqlite_path(session)
    if path is None:
        yield
        return
    thread_lock, fd = _lock_for(path)
    # flock() locks belong to the open file, shared by this process's threads: a thread lock
    # serialises the threads, the file lock serialises the processes.
    with thread_lock:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


def read_in_transaction(session: Session) -> None:
    """The session's next reads share one server transaction, until the session commits or closes.

    A streamed result (yield_per: a server-side cursor on PostgreSQL) needs one, and an export read
    in one is a consistent picture of the account.
    """
    _begin_on_server(session)


def _begin_on_server(session: Session) -> None:
    """A connection reading in autocommit (PostgreSQL) starts a transaction with the next statement."""
    if session.get_bind().dialect.name != "postgresql":  # config.py sets autocommit there only
        return
    driver: Any = session.connection().connection.driver_connection
    if getattr(driver, "autocommit", False):
        driver.autocommit = False  # between statements no transaction is open: psycopg allows it


@contextmanager
def writing(session: Session) -> Iterator[Session]:
    """One write transaction: lock, run the block, commit; on any exception roll back and re-raise."""
    if session.info.get(WRITING):
        raise RuntimeError("writing() blocks do not nest: one transaction per user action")
    with _write_lock(session):
        _begin_on_server(session)
        session.info[WRITING] = True
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info[WRITING] = False
