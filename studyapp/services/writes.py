"""One writer at a time on SQLite, queued on an OS file lock shared by every worker process.

SQLite allows a single writer; without this, concurrent writers spin in SQLite's busy handler,
sleeping in growing steps while one of them holds the lock, which ruins tail latency. Queueing on
flock() wakes the next writer as soon as the lock is free. It also keeps the embedded default clear
of the WAL-reset corruption bug of SQLite before 3.51.3, which needs two connections writing at the
same moment: every write transaction of the app holds this lock from its first write to its
commit. PostgreSQL has real row locks, so there the lock is a no-op.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads are still serialised
    fcntl = None  # type: ignore[assignment]

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
def write_lock(session: Session) -> Iterator[None]:
    """Hold the database's write lock around one write transaction (flush to commit)."""
    path = sqlite_path(session)
    if path is None:
        yield
        return
    thread_lock, fd = _lock_for(path)
    # flock() locks belong to the open file, shared by this process's threads: a thread lock
    # serialises them, the file lock serialises processes.
    with thread_lock:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
