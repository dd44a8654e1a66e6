"""The answer step under load, against two baselines (issues 4 and 9): `python -m bench.study [--quick]`.

1. Generates a large database on SQLite (a temp file) and on PostgreSQL (a fresh database
   `studyapp_bench_<pid>`, dropped afterwards): 1,000 users, one card per flashcard question each (up to
   500), 2,000,000 review-log rows, plus the real content bank.
2. Serves, per backend, three gunicorn servers of the same shape (4 sync workers, 127.0.0.1): the
   real app through bench/app.py (which adds the in-app baseline, the card fragment from constant
   data, and an empty route), the same app with STUDYAPP_PLAIN_EXECUTE=1 (the answer step through
   plain `Connection.execute` instead of studyapp/services/prepared.py), and the bare Flask app of
   bench/bare.py (the same card fragment and an empty route, none of studyapp's machinery).
3. Drives them with wrk (-t16 -c16, bench/study.lua) in interleaved rounds (three by default):
   both card-fragment baselines, the answer step both ways (logged-in users answering cards over
   htmx, fresh users each run), the empty route on bare Flask and on studyapp (anonymous and
   logged in); then the read-only pages. Reports req/s, p50/p99, errors, every ratio against both
   baselines, the run-to-run spread, and the workers' peak RSS.
4. Times services.study.today in-process at 10,000 vs 500,000 cards in the table, and measures the
   size of the /study page.

Nothing is asserted: the figures are printed in a table, with the CPU time the workers and wrk
spent per request. BENCH_GUNICORN_CONFIG=bench/gunicorn_profile.py profiles the answer step inside
the workers (see that file); bench/instructions.py counts instructions per request instead, the
figure to compare on a busy machine. Needs wrk (Debian package `wrk`; installed
with apt-get when missing and running as root) and, for the PostgreSQL half, a server at
BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test; loopback only).
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask_migrate
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bench.app import BASELINE_PATH, EMPTY_PATH
from studyapp import create_app
from studyapp.core import content, generation, scheduling
from studyapp.core.generation import FLASHCARD_KINDS
from studyapp.extensions import db
from studyapp.models import Card, Question, ReviewLog, User
from studyapp.services import accounts, content_sync, study

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "questions"
FIXTURE_BANK = ROOT / "tests" / "fixtures" / "bank"
LUA = Path(__file__).resolve().parent / "study.lua"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
)
# One database per bench process: two runs at once (a bench and a probe, say) must not drop each
# other's database with FORCE in the middle of a measurement, as a fixed name once did.
PG_DATABASE = f"studyapp_bench_{os.getpid()}"
PASSWORD = "bench correct horse battery"
CARDS_PER_USER = 500
THREADS = 16
WORKERS = 4
SEED = 4


@dataclasses.dataclass(frozen=True)
class Plan:
    name: str
    users: int
    logs: int
    run_s: int  # each baseline and answer-step run
    read_s: int  # each read-only page run
    empty_s: int  # each empty-route run
    rounds: int  # how often the baselines, both answer steps and the empty routes are repeated
    scale: tuple[int, int]  # cards in the table for the next-card query
    users_per_thread: int  # users each wrk thread answers as, one after the other
    timed_calls: int = 200


FULL = Plan(
    "full",
    users=1000,
    logs=2_000_000,
    run_s=10,
    read_s=10,
    empty_s=8,
    rounds=3,
    scale=(10_000, 500_000),
    users_per_thread=3,
)
QUICK = Plan(
    "quick",
    users=120,
    logs=100_000,
    run_s=4,
    read_s=3,
    empty_s=3,
    rounds=3,
    scale=(10_000, 100_000),
    users_per_thread=1,
)


def say(message: str) -> None:
    """Progress, on stderr; the report goes to stdout."""
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- processes we start: always stopped ------------------------------------------------------------


class Cleanup:
    """Everything to undo at exit, newest first, run once even on Ctrl-C or an error."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, Callable[[], None]]] = []

    def add(self, name: str, action: Callable[[], None]) -> None:
        self._actions.append((name, action))

    def discard(self, name: str) -> None:
        self._actions = [(n, a) for n, a in self._actions if n != name]

    def run(self) -> None:
        while self._actions:
            name, action = self._actions.pop()
            try:
                action()
            except Exception as error:
                print(f"  cleanup of {name} failed: {error!r}", file=sys.stderr)


CLEANUP = Cleanup()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Server:
    """gunicorn serving `app` on 127.0.0.1:port (4 sync workers by default), in its own process group.

    `wrapper` is a command to run gunicorn under (valgrind, for bench/instructions.py); `env` adds
    to the environment (STUDYAPP_PLAIN_EXECUTE=1 for the plain-execute server).
    """

    def __init__(
        self,
        name: str,
        database_url: str,
        folder: Path,
        *,
        app: str = "bench.app:create_bench_app()",
        workers: int = WORKERS,
        env: dict[str, str] | None = None,
        wrapper: Sequence[str] = (),
        config: str | None = None,
        start_s: float = 60,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = folder / f"gunicorn-{name}.log"
        self.database_url = database_url
        self.app = app
        self.workers = workers
        self.env = env or {}
        self.wrapper = list(wrapper)
        self.config = config if config is not None else os.environ.get("BENCH_GUNICORN_CONFIG")
        self.start_s = start_s
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "bench",
            "STUDYAPP_ENV": "development",
            **self.env,
        }
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                *self.wrapper,
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120" if not self.wrapper else "900",
                "--graceful-timeout",
                "5" if not self.wrapper else "120",
                *(["-c", self.config] if self.config else []),
                self.app,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        CLEANUP.add(f"server-{self.name}", self.stop)
        deadline = time.monotonic() + self.start_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}:\n{self.log_path.read_text()[-2000:]}")
            try:
                status, _, _ = request(self.port, "GET", "/bench/baseline")
                if status == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {self.start_s:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            return [int(c) for c in children]
        except OSError:
            found = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    found.append(int(stat.parent.name))
            return found

    def problems(self) -> list[str]:
        """Lines of the server's log that report an error (tracebacks, worker timeouts)."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in lines if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line]

    def stop(self) -> None:
        process, self.process = self.process, None
        CLEANUP.discard(f"server-{self.name}")
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # gunicorn: graceful stop of master and workers
        try:
            process.wait(timeout=15 if not self.wrapper else 180)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this bench created for this server
            process.wait(timeout=5)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- a tiny HTTP client for logging in and reading pages ----------------------------------------


def request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None
) -> tuple[int, list[tuple[str, str]], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        connection.close()


def session_cookie(headers: list[tuple[str, str]], current: str = "") -> str:
    for name, value in headers:
        if name.lower() == "set-cookie":
            found = re.match(r"\s*(session=[^;]*)", value)
            if found:
                return found.group(1)
    return current


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


@dataclasses.dataclass
class LoggedIn:
    user_id: int
    cookie: str
    csrf: str
    fields: dict[str, str] | None  # the current card's form fields, None when the day is done


def card_fields(html: str) -> dict[str, str] | None:
    question_id, token = input_value(html, "question_id"), input_value(html, "token")
    if question_id is None or token is None:
        return None
    fields = {"question_id": question_id, "token": token}
    for name in ("card_id", "version", "shown_at"):
        value = input_value(html, name)
        if value is not None:
            fields[name] = value
    return fields


def log_in(port: int, user_id: int) -> LoggedIn:
    status, headers, html = request(port, "GET", "/login")
    cookie = session_cookie(headers)
    csrf = input_value(html, "csrf_token") or ""
    form = urlencode({"csrf_token": csrf, "username": username(user_id), "password": PASSWORD})
    status, headers, html = request(
        port,
        "POST",
        "/login",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    if status != 302:
        raise RuntimeError(f"login of {username(user_id)} answered {status}")
    cookie = session_cookie(headers, cookie)
    status, headers, html = request(port, "GET", "/study", {"Cookie": cookie, "HX-Request": "true"})
    if status != 200:
        raise RuntimeError(f"GET /study for {username(user_id)} answered {status}")
    cookie = session_cookie(headers, cookie)
    return LoggedIn(user_id, cookie, input_value(html, "csrf_token") or "", card_fields(html))


def log_in_all(port: int, user_ids: Sequence[int]) -> dict[int, LoggedIn]:
    with ThreadPoolExecutor(WORKERS) as pool:
        return {s.user_id: s for s in pool.map(lambda u: log_in(port, u), user_ids)}


# --- content ------------------------------------------------------------------------------------


def _repaired(bank: content.Bank) -> content.Bank:
    """The parsed part of a bank with dangling references dropped (for a bank mid-edit)."""
    slugs = {t.slug for t in bank.terms}
    articles = {a.slug for a in bank.articles}
    zones = tuple(
        dataclasses.replace(
            zone,
            terms=tuple(
                dataclasses.replace(
                    term,
                    relations={
                        kind: tuple(t for t in targets if t in slugs and t != term.slug)
                        for kind, targets in term.relations.items()
                    },
                    article=term.article if term.article in articles else "",
                )
                for term in zone.terms
            ),
        )
        for zone in bank.zones
    )
    fixed_articles = tuple(
        dataclasses.replace(
            article,
            sections=tuple(
                dataclasses.replace(
                    section,
                    key_points=tuple(
                        dataclasses.replace(
                            kp,
                            terms=tuple(t for t in kp.terms if t in slugs),
                            false_swaps=tuple(s for s in kp.false_swaps if s.term in slugs),
                        )
                        for kp in section.key_points
                    ),
                )
                for section in article.sections
            ),
        )
        for article in bank.articles
    )
    return content.Bank(zones=zones, articles=fixed_articles)


def load_content() -> tuple[content.Bank, list[generation.Question], str]:
    """The real bank; if questions/ does not validate right now, the best usable stand-in, said so."""
    try:
        bank = content.load_bank(BANK)
        return bank, list(generation.generate(bank)), "the real bank (questions/)"
    except content.ContentError as error:
        note = f"questions/ does not validate right now ({len(error.problems)} problems, e.g. {error.problems[0]})"
    try:
        bank = _repaired(content.read_bank(BANK)[0])
        return bank, list(generation.generate(bank)), note + "; using its parsed part with dangling references dropped"
    except Exception as error:
        note += f"; its parsed part does not generate either ({type(error).__name__}: {error})"
    bank = content.load_bank(FIXTURE_BANK)
    return bank, list(generation.generate(bank)), note + "; using tests/fixtures/bank instead"


def migrate_and_import(url: str, bank: content.Bank, questions: Sequence[generation.Question]) -> list[int]:
    """Schema through the migrations, content through the real import; the flashcard question ids."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        flask_migrate.upgrade()
        content_sync.import_bank(db.session, bank, questions, datetime.now(UTC))
        ids = list(
            db.session.scalars(
                select(Question.id)
                .where(Question.kind.in_(FLASHCARD_KINDS), Question.retired_at.is_(None))
                .order_by(Question.study_order, Question.id)
            )
        )
        db.session.remove()
        db.engine.dispose()
    return ids


# --- the generator --------------------------------------------------------------------------------

USER_COLUMNS = [c.name for c in User.__table__.columns]
CARD_COLUMNS = [c.name for c in Card.__table__.columns]
LOG_COLUMNS = [c.name for c in ReviewLog.__table__.columns]
JSON_COLUMNS = {"learning_steps", "relearning_steps", "fsrs_parameters", "before"}
DAY = 86400.0


def username(user_id: int) -> str:
    return f"bench{user_id:05d}"


def user_rows(n: int, password_hash: str, now: datetime) -> Iterator[dict[str, Any]]:
    for u in range(1, n + 1):
        yield {
            "id": u,
            "username": username(u),
            "username_key": username(u),
            "email": None,
            "password_hash": password_hash,
            "desired_retention": 0.9,
            "new_per_day": 20,
            "reviews_per_day": 200,
            "learning_steps": [60, 600],
            "relearning_steps": [600],
            "maximum_interval": 36500,
            "fsrs_parameters": None,
            "timezone": "UTC",
            "day_start_hour": 4,
            "daily_goal_minutes": 10,
            "created_at": now - timedelta(days=400),
            "updated_at": now - timedelta(days=400),
        }


def card_rows(n_users: int, question_ids: Sequence[int], now: datetime) -> Iterator[dict[str, Any]]:
    """Per user, one card per question: ~91% review (about 45% of them due today), 6% learning, 3% relearning."""
    per_user = len(question_ids)
    for u in range(1, n_users + 1):
        rng = random.Random(SEED * 1_000_003 + u)
        for j, question_id in enumerate(question_ids):
            r = rng.random()
            lapses = 0
            if r < 0.06:  # learning: a step due within half an hour either side of now
                state, step = scheduling.LEARNING, rng.choice((0, 1))
                stability, difficulty = rng.uniform(0.2, 3.0), rng.uniform(4.0, 8.0)
                last_review = now - timedelta(seconds=rng.uniform(60, 3 * 3600))
                due = now + timedelta(seconds=rng.uniform(-1800, 1800))
                reps = rng.randint(1, 3)
                introduced = last_review - timedelta(days=rng.uniform(1, 20))
            elif r < 0.09:  # relearning after a lapse, due ten minutes after it
                state, step = scheduling.RELEARNING, 0
                stability, difficulty = rng.uniform(0.5, 10.0), rng.uniform(5.0, 9.5)
                last_review = now - timedelta(seconds=rng.uniform(60, 7200))
                due = last_review + timedelta(minutes=10)
                reps, lapses = rng.randint(5, 30), rng.randint(1, 4)
                introduced = last_review - timedelta(days=rng.uniform(30, 300))
            else:  # review: interval ~ stability (90% retention), elapsed 0.25x-1.6x of it
                state, step = scheduling.REVIEW, None
                stability = math.exp(rng.uniform(math.log(0.5), math.log(400)))
                difficulty = rng.uniform(1.0, 10.0)
                interval = max(1.0, round(stability))
                elapsed = min(interval * rng.uniform(0.25, 1.6), 360.0)
                last_review = now - timedelta(days=elapsed)
                due = last_review + timedelta(days=interval)
                reps = rng.randint(2, 25)
                lapses = 0 if rng.random() < 0.7 else rng.randint(1, 4)
                introduced = now - timedelta(days=rng.uniform(elapsed, 364))
            yield {
                "id": (u - 1) * per_user + j + 1,
                "user_id": u,
                "question_id": question_id,
                "state": state,
                "step": step,
                "stability": stability,
                "difficulty": difficulty,
                "due": due,
                "last_review": last_review,
                "reps": reps,
                "lapses": lapses,
                "suspended": False,
                "leech": False,
                "buried_until": None,
                "introduced_at": introduced,
                "version": reps + 1,
            }


def log_rows(logs_of: Callable[[int], int], n_users: int, per_user: int, now: datetime) -> Iterator[dict[str, Any]]:
    """Review history spread over the past year (all before today's study day starts)."""
    day_start, _ = scheduling.study_day(now, "UTC", 4)
    log_id = 0
    ratings = (1, 2, 3, 4)
    rating_weights = (0.1, 0.1, 0.7, 0.1)
    for u in range(1, n_users + 1):
        rng = random.Random((SEED + 1) * 1_000_003 + u)
        for _ in range(logs_of(u)):
            log_id += 1
            reviewed = day_start - timedelta(seconds=rng.uniform(60, 364 * DAY))
            rating = rng.choices(ratings, rating_weights)[0]
            r = rng.random()
            before_state = scheduling.REVIEW if r < 0.8 else scheduling.LEARNING if r < 0.95 else scheduling.RELEARNING
            if before_state == scheduling.REVIEW and rating == 1:
                after_state = scheduling.RELEARNING
            elif before_state != scheduling.REVIEW and rating >= 3:
                after_state = scheduling.REVIEW
            else:
                after_state = before_state
            old_stability = rng.uniform(0.5, 200)
            stability = old_stability * (0.3 if rating == 1 else rng.uniform(1.2, 3.0))
            previous = reviewed - timedelta(days=old_stability * rng.uniform(0.5, 1.5))
            yield {
                "id": log_id,
                "card_id": (u - 1) * per_user + rng.randrange(per_user) + 1,
                "user_id": u,
                "token": f"{log_id:010x}{rng.getrandbits(56):014x}",
                "rating": rating,
                "reviewed_at": reviewed,
                "duration_ms": rng.randint(1500, 20000),
                "state_before": before_state,
                "state_after": after_state,
                "retrievability": rng.uniform(0.6, 0.99),
                "source": "review",
                "before": {
                    "state": before_state,
                    "step": None if before_state == scheduling.REVIEW else 0,
                    "stability": old_stability,
                    "difficulty": rng.uniform(1, 10),
                    "due": (previous + timedelta(days=old_stability)).isoformat(),
                    "last_review": previous.isoformat(),
                    "reps": rng.randint(1, 25),
                    "lapses": rng.randint(0, 3),
                    "suspended": False,
                    "leech": False,
                    "buried_until": None,
                },
                "stability_after": stability,
                "difficulty_after": rng.uniform(1, 10),
                "due_after": reviewed + timedelta(days=stability),
            }


def chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclasses.dataclass(frozen=True)
class Dataset:
    users: int
    question_ids: list[int]
    logs_of: Callable[[int], int]

    @property
    def cards(self) -> int:
        return self.users * len(self.question_ids)

    @property
    def logs(self) -> int:
        return sum(self.logs_of(u) for u in range(1, self.users + 1))

    def tables(self, password_hash: str, now: datetime) -> list[tuple[Any, list[str], Iterable[dict[str, Any]]]]:
        per_user = len(self.question_ids)
        return [
            (User, USER_COLUMNS, user_rows(self.users, password_hash, now)),
            (Card, CARD_COLUMNS, card_rows(self.users, self.question_ids, now)),
            (ReviewLog, LOG_COLUMNS, log_rows(self.logs_of, self.users, per_user, now)),
        ]


def spread(total: int, users: int) -> Callable[[int], int]:
    base, extra = divmod(total, users)
    return lambda u: base + (1 if u <= extra else 0)


def fill_sqlite(url: str, data: Dataset, password_hash: str, now: datetime) -> None:
    """executemany of plain dicts through insert(Model), in chunks, in one transaction."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            for model, _, rows in data.tables(password_hash, now):
                for batch in chunks(rows, 20_000):
                    connection.execute(insert(model), batch)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


def fill_postgres(url: str, data: Dataset, password_hash: str, now: datetime) -> None:
    """COPY through psycopg, then the id sequences moved past the rows and VACUUM ANALYZE."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        with connection.cursor() as cursor:
            for model, columns, rows in data.tables(password_hash, now):
                table = model.__tablename__
                json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        values = [row[c] for c in columns]
                        for i in json_at:
                            if values[i] is not None:
                                values[i] = json.dumps(values[i])
                        copy.write_row(values)
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        connection.commit()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def create_postgres_database() -> str:
    admin = make_url(POSTGRES_URL)
    if admin.host not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"refusing a PostgreSQL server that is not on this machine: {admin.host}")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    finally:
        engine.dispose()
    CLEANUP.add("postgres-database", drop_postgres_database)
    return admin.set(database=PG_DATABASE).render_as_string(hide_password=False)


def drop_postgres_database() -> None:
    engine = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    finally:
        engine.dispose()


# --- in-process: the next-card query ----------------------------------------------------------------


def time_today(url: str, user_id: int, runs: int) -> tuple[float, int, str]:
    """Median ms of services.study.today for one user, each call in a fresh session (as a request is)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    times = []
    with app.app_context():
        total = int(db.session.scalar(select(func.count()).select_from(Card)) or 0)
        shown = ""
        for i in range(runs + 5):
            db.session.remove()
            session = db.session()
            user = session.get(User, user_id)
            now = datetime.now(UTC)
            start = time.perf_counter()
            today = study.today(session, user, now)
            elapsed = (time.perf_counter() - start) * 1000
            if i >= 5:
                times.append(elapsed)
            c = today.counts
            shown = (
                f"{today.card.queue if today.card else 'none'}; {c.new} new, {c.learning} learning, {c.review} review"
            )
        db.session.remove()
        db.engine.dispose()
    return statistics.median(times), total, shown


# --- load with wrk ------------------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is missing: apt-get install -y wrk")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], **quiet, check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet, check=False)
    return shutil.which("wrk")


def lua_string(value: str) -> str:
    if not all(32 <= ord(ch) < 127 for ch in value):
        raise ValueError(f"not printable ASCII: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_user(cookie: str, csrf: str = "", fields: dict[str, str] | None = None) -> str:
    parts = [f"cookie = {lua_string(cookie)}", f"csrf = {lua_string(csrf)}"]
    if fields:
        inner = ", ".join(f"{k} = {lua_string(v)}" for k, v in fields.items())
        parts.append(f"fields = {{ {inner} }}")
    return "{ " + ", ".join(parts) + " }"


def write_script_data(path: Path, mode: str, url_path: str, threads: Sequence[Sequence[str]]) -> Path:
    lines = [f"return {{ mode = {lua_string(mode)}, path = {lua_string(url_path)}, threads = {{"]
    lines += ["  { " + ", ".join(users) + " }," for users in threads]
    lines.append("} }")
    path.write_text("\n".join(lines) + "\n")
    return path


class RssSampler:
    """Peak VmRSS of the server's worker processes, sampled every 0.5 s while running."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak_worker = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            total = 0
            for pid in self.server.worker_pids():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
                if found:
                    kb = int(found.group(1))
                    total += kb
                    self.peak_worker = max(self.peak_worker, kb)
            self.peak_total = max(self.peak_total, total)
            if self._stop.wait(0.5):
                return


@dataclasses.dataclass
class Result:
    backend: str
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx responses (409 included) plus socket errors
    conflicts: int
    socket_errors: int
    rss_worker_mib: float
    rss_total_mib: float
    stats: dict[str, int]
    server_cpu_ms: float  # CPU time of the gunicorn workers per request
    wrk_cpu_ms: float  # CPU time of the load generator per request
    other_cpu_ms: float  # the rest of the machine's busy CPU time per request (the PostgreSQL server)
    ratio_bare: float = math.nan  # req/s over that of the bare card-fragment run of the same round
    ratio_app: float = math.nan  # req/s over that of the in-app card-fragment run of the same round
    p99_ratio: float = math.nan  # p99 over the p99 of that bare card-fragment run
    round: int = 0  # which round of the load phase (its baselines are the round's first two runs)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(server: Server, backend: str, label: str, data: Path, seconds: int, keep: Path | None = None) -> Result:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{THREADS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{server.port}",
        "--",
        str(data),
    ]
    workers = server.worker_pids()
    server_cpu = cpu_seconds(workers)
    machine_cpu = machine_busy_seconds()
    wrk_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    with RssSampler(server) as rss:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    server_cpu = cpu_seconds(workers) - server_cpu
    machine_cpu = machine_busy_seconds() - machine_cpu
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu_s = (wrk_after.ru_utime - wrk_cpu.ru_utime) + (wrk_after.ru_stime - wrk_cpu.ru_stime)
    out = done.stdout
    if keep is not None:
        keep.write_text(out + done.stderr)
    if done.returncode != 0 or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{out}\n{done.stderr}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in sockets.groups()) if sockets else 0
    stats_line = re.search(r"^BENCHSTATS (.*)$", out, re.M)
    stats = {k: int(v) for k, v in (kv.split("=") for kv in stats_line.group(1).split())} if stats_line else {}
    return Result(
        backend=backend,
        label=label,
        rps=rps,
        p50_ms=p50,
        p99_ms=p99,
        requests=requests,
        errors=stats.get("conflict", 0) + stats.get("other", 0) + socket_errors,
        conflicts=stats.get("conflict", 0),
        socket_errors=socket_errors,
        rss_worker_mib=rss.peak_worker / 1024,
        rss_total_mib=rss.peak_total / 1024,
        stats=stats,
        server_cpu_ms=1000 * server_cpu / max(requests, 1),
        wrk_cpu_ms=1000 * wrk_cpu_s / max(requests, 1),
        other_cpu_ms=1000 * max(0.0, machine_cpu - server_cpu - wrk_cpu_s) / max(requests, 1),
    )


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy so far: /proc/stat's first line less idle and iowait."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    except (OSError, ValueError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU time the processes have used so far (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


@dataclasses.dataclass(frozen=True)
class Roles:
    """Which generated users do what in a load phase (answering users are never reused)."""

    answering: dict[tuple[str, int], list[list[int]]]  # (mode, round) -> per wrk thread
    reading: list[int]  # one per wrk thread, for GET /study and the logged-in empty route
    page: int  # for the page size

    @classmethod
    def of(cls, plan: Plan, users: int) -> Roles:
        runs = len(ANSWER_MODES) * plan.rounds
        per_thread = max(1, min(plan.users_per_thread, (users - THREADS - 1) // (THREADS * runs)))
        answering: dict[tuple[str, int], list[list[int]]] = {}
        next_user = 1
        for r in range(plan.rounds):
            for mode in ANSWER_MODES:
                answering[(mode, r)] = [
                    [next_user + t * per_thread + k for k in range(per_thread)] for t in range(THREADS)
                ]
                next_user += THREADS * per_thread
        reading = [(next_user + t - 1) % (users - 1) + 1 for t in range(THREADS)]
        return cls(answering=answering, reading=reading, page=users)


# The answer step runs on two servers of the same code and database: through Prepared, and with
# STUDYAPP_PLAIN_EXECUTE=1 through plain Connection.execute (studyapp/services/prepared.py).
ANSWER_MODES = ("prepared", "plain")
BARE = "bare card fragment"
IN_APP = "in-app card fragment"
EMPTY_BARE = "empty route, bare Flask"
EMPTY_ANON = "empty route, studyapp, anonymous"
EMPTY_USER = "empty route, studyapp, logged in"
ANSWER = {"prepared": "answer step, Prepared", "plain": "answer step, plain execute"}
GLOSSARY = "GET /glossary?q=model (htmx)"
READ = "GET /study (htmx)"


def load_phase(backend: str, url: str, plan: Plan, users: int, folder: Path) -> tuple[list[Result], dict[str, Any]]:
    """Interleaved wrk runs against three gunicorn servers on one database, all up at once:
    studyapp (bench/app.py), the same with plain execute, and the bare Flask app (bench/bare.py)."""
    roles = Roles.of(plan, users)
    servers = {
        "studyapp": Server(backend, url, folder),
        "plain": Server(f"{backend}-plain", url, folder, env={"STUDYAPP_PLAIN_EXECUTE": "1"}),
        "bare": Server(f"{backend}-bare", url, folder, app="bench.bare:create_bare_app()"),
    }
    try:
        for name, server in servers.items():
            say(f"{backend}: starting gunicorn {name} ({WORKERS} sync workers) on 127.0.0.1:{server.port}")
            server.start()
        app = servers["studyapp"]
        # An anonymous session holding a CSRF token (a visitor who has seen a form), and the token.
        _, headers, login_page = request(app.port, "GET", "/login")
        anon, anon_csrf = session_cookie(headers), input_value(login_page, "csrf_token") or ""
        answering = [u for runs in roles.answering.values() for thread in runs for u in thread]
        ids = sorted(set(answering + roles.reading + [roles.page]))
        say(f"{backend}: logging in {len(ids)} users")
        start = time.perf_counter()
        sessions = log_in_all(app.port, ids)
        login_s = time.perf_counter() - start
        page = sessions[roles.page]
        _, _, full_page = request(app.port, "GET", "/study", {"Cookie": page.cookie})
        _, _, fragment = request(app.port, "GET", "/study", {"Cookie": page.cookie, "HX-Request": "true"})
        info: dict[str, Any] = {
            "login_s": login_s,
            "logins": len(ids),
            "page_bytes": len(full_page.encode()),
            "fragment_bytes": len(fragment.encode()),
            "answering_users": len(answering) // (len(ANSWER_MODES) * plan.rounds),
            "without_card": sum(1 for u in ids if sessions[u].fields is None),
        }

        def data(name: str, mode: str, path: str, threads: Sequence[Sequence[str]]) -> Path:
            return write_script_data(folder / f"{backend}-{name}.lua", mode, path, threads)

        card = data("card", "post", BASELINE_PATH, [[lua_user(anon)]] * THREADS)
        empty_anon = data("empty-anon", "post", EMPTY_PATH, [[lua_user(anon, anon_csrf)]] * THREADS)
        empty_user = data(
            "empty-user",
            "post",
            EMPTY_PATH,
            [[lua_user(sessions[u].cookie, sessions[u].csrf)] for u in roles.reading],
        )
        glossary = data("glossary", "get", "/glossary?q=model", [[lua_user(anon)]] * THREADS)
        reading = data("read", "get", "/study", [[lua_user(sessions[u].cookie)] for u in roles.reading])

        def answers(mode: str, r: int) -> Path:
            threads = [
                [lua_user(sessions[u].cookie, sessions[u].csrf, sessions[u].fields) for u in t]
                for t in roles.answering[(mode, r)]
            ]
            return data(f"answer-{mode}-{r}", "answer", "/study/answer", threads)

        say(f"{backend}: warming up")
        for server, warm in (
            (servers["bare"], card),
            (servers["bare"], empty_anon),
            (app, card),
            (app, empty_anon),
            (app, empty_user),
            (app, glossary),
            (app, reading),
            (servers["plain"], reading),
        ):
            run_wrk(server, backend, "warm-up", warm, 2)

        steps: list[tuple[str, Server, Path, int]] = []
        for r in range(plan.rounds):
            # Each round alternates which answer mode goes first, so neither always follows a baseline.
            modes = ANSWER_MODES if r % 2 == 0 else ANSWER_MODES[::-1]
            steps += [
                (BARE, servers["bare"], card, plan.run_s),
                (IN_APP, app, card, plan.run_s),
                *(
                    (ANSWER[m], servers["studyapp" if m == "prepared" else "plain"], answers(m, r), plan.run_s)
                    for m in modes
                ),
                (EMPTY_BARE, servers["bare"], empty_anon, plan.empty_s),
                (EMPTY_ANON, app, empty_anon, plan.empty_s),
                (EMPTY_USER, app, empty_user, plan.empty_s),
            ]
        steps += [
            (BARE, servers["bare"], card, plan.run_s),
            (IN_APP, app, card, plan.run_s),
            (GLOSSARY, app, glossary, plan.read_s),
            (READ, app, reading, plan.read_s),
        ]
        results = []
        for i, (label, server, script, seconds) in enumerate(steps):
            say(f"{backend}: {label}, {seconds} s ({i + 1}/{len(steps)})")
            result = run_wrk(server, backend, label, script, seconds, folder / f"wrk-{backend}-{i}.txt")
            result.round = len([r for r in results if r.label == BARE]) - (label != BARE)
            results.append(result)
        # Ratios against the baselines of the same round (the read-only pages: the pair after them),
        # so a machine that gets busier or quieter between rounds moves both sides of a ratio.
        bare = {r.round: r for r in results if r.label == BARE}
        in_app = {r.round: r for r in results if r.label == IN_APP}
        for r in results:
            r.ratio_bare, r.ratio_app = r.rps / bare[r.round].rps, r.rps / in_app[r.round].rps
            r.p99_ratio = r.p99_ms / bare[r.round].p99_ms
        info["server_errors"] = {name: server.problems() for name, server in servers.items()}
        return results, info
    except Exception as error:
        tails = []
        for server in servers.values():
            server.stop()
            if server.log_path.exists():
                tail = "\n".join(server.log_path.read_text(errors="replace").splitlines()[-20:])
                tails.append(f"--- end of {server.log_path.name} ---\n{tail}")
        raise RuntimeError(f"{backend} load phase failed: {error}\n" + "\n".join(tails)) from error
    finally:
        for server in servers.values():
            server.stop()


# --- the report ---------------------------------------------------------------------------------------


def print_results(results: list[Result]) -> None:
    header = (
        f"  {'backend':<10} {'run':<34} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'(409)':>5}"
        f" {'x bare':>6} {'x app':>6} {'p99 x bare':>10} {'RSS MiB/worker':>14} {'CPU ms/req app':>14} {'wrk':>5} {'other':>6}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for r in results:
        print(
            f"  {r.backend:<10} {r.label:<34} {r.rps:7.1f} {r.p50_ms:7.1f} {r.p99_ms:7.1f} {r.errors:6d} {r.conflicts:5d}"
            f" {r.ratio_bare:6.2f} {r.ratio_app:6.2f} {r.p99_ratio:10.2f} {r.rss_worker_mib:14.0f}"
            f" {r.server_cpu_ms:14.2f} {r.wrk_cpu_ms:5.2f} {r.other_cpu_ms:6.2f}"
        )


def mean_range(values: Sequence[float]) -> str:
    """mean (min-max, spread as % of the mean)."""
    mean = statistics.mean(values)
    return f"{mean:7.1f} ({min(values):.1f}-{max(values):.1f}, {100 * (max(values) - min(values)) / mean:4.1f}%)"


def print_summary(backend: str, results: list[Result]) -> None:
    """The figures the issue asks for, from the runs above: per-round ratios as mean (min-max)."""
    mine = [r for r in results if r.backend == backend]
    if not any(r.label == BARE for r in mine):
        return

    def runs(label: str) -> dict[int, Result]:
        return {r.round: r for r in mine if r.label == label}

    def paired(top: str, bottom: str, field: str = "rps") -> list[float]:
        """getattr(top) / getattr(bottom) for each round that has both runs."""
        a, b = runs(top), runs(bottom)
        return [getattr(a[i], field) / getattr(b[i], field) for i in sorted(a) if i in b]

    def shown(values: Sequence[float]) -> str:
        return f"{statistics.mean(values):.2f}x ({min(values):.2f}-{max(values):.2f})" if values else "n/a"

    rounds = len(runs(EMPTY_BARE))
    print(f"  {backend}: ratios per round, as mean (min-max) over {rounds} rounds")
    for label in (BARE, IN_APP, EMPTY_BARE, EMPTY_ANON, EMPTY_USER, *ANSWER.values()):
        if runs(label):
            print(f"    {label:<34} {mean_range([r.rps for r in runs(label).values()])} req/s")
    print(f"    in-app card fragment / bare card fragment: {shown(paired(IN_APP, BARE))} req/s")
    for label in (EMPTY_ANON, EMPTY_USER):
        print(
            f"    cost of the {label.split(', ', 2)[2]} studyapp empty route / bare empty route:"
            f" {shown(paired(EMPTY_BARE, label))} by req/s, {shown(paired(label, EMPTY_BARE, 'server_cpu_ms'))}"
            " by worker CPU per request (target <= 1.3x)"
        )
    for label in ANSWER.values():
        print(
            f"    {label}: {shown(paired(label, BARE))} bare, {shown(paired(label, IN_APP))} in-app;"
            f" p99 {shown(paired(label, BARE, 'p99_ms'))} bare's p99"
        )
    gains = paired(ANSWER["prepared"], ANSWER["plain"])
    if gains:
        same_side = min(gains) > 1 or max(gains) < 1
        cpu = paired(ANSWER["plain"], ANSWER["prepared"], "server_cpu_ms")
        bare = [r.rps for r in runs(BARE).values()]
        print(
            f"    Prepared / plain execute, same round: {shown(gains)} req/s; "
            + ("every round on the same side of 1" if same_side else "the rounds disagree: within the noise")
            + f" (the bare card fragment's req/s spread over {100 * (max(bare) - min(bare)) / statistics.mean(bare):.0f}%"
            f" of its mean between rounds); plain / Prepared worker CPU per answer: {shown(cpu)}"
        )
    target = {"sqlite": 0.25, "postgresql": 0.18}[backend]
    p99 = " (target <= 4x)" if backend == "sqlite" else ""
    print(
        f"    targets: answer step (Prepared) {shown(paired(ANSWER['prepared'], BARE))} bare (>= {target}x),"
        f" p99 {shown(paired(ANSWER['prepared'], BARE, 'p99_ms'))} bare's{p99};"
        + "".join(f" {label.split(' (')[0]} {shown(paired(label, BARE))} (>= 0.35x);" for label in (GLOSSARY, READ))
        + f" errors {sum(r.errors for r in mine)} (0)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.study", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 users, 100,000 logs, short runs: a smoke run")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--seconds", type=int, help="override the length of each baseline/answer run")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.seconds:
        plan = dataclasses.replace(plan, run_s=args.seconds, read_s=max(2, round(args.seconds * 2 / 3)))

    started = time.perf_counter()
    # Ctrl-C, kill and a closed terminal all end in the finally below, which stops the servers.
    previous = {s: signal.signal(s, _terminate) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with tempfile.TemporaryDirectory(prefix="studyapp-bench-study-") as tmp:
            return _run(plan, Path(tmp), use_postgres=not args.no_postgres, started=started)
    except KeyboardInterrupt as stop:
        print(f"\nstudy bench interrupted ({stop or 'Ctrl-C'}); stopping the servers", file=sys.stderr)
        return 130
    finally:
        CLEANUP.run()
        for s, handler in previous.items():
            signal.signal(s, handler)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _run(plan: Plan, folder: Path, *, use_postgres: bool, started: float) -> int:
    machine = f"{os.cpu_count()} cores, load average {load_average()} before the bench"
    wrk = ensure_wrk()
    now = datetime.now(UTC)
    bank, questions, source = load_content()
    password_hash = accounts.hash_password(PASSWORD)
    notes: list[str] = [f"content: {source}"]
    if not wrk:
        notes.append("wrk is not installed and could not be (run `apt-get install -y wrk` as root): no load runs")

    # SQLite: the main database
    sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    say("sqlite: migrations and content import")
    question_ids = migrate_and_import(sqlite_url, bank, questions)
    per_user = min(CARDS_PER_USER, len(question_ids))
    question_ids = question_ids[:per_user]
    main_data = Dataset(plan.users, question_ids, spread(plan.logs, plan.users))
    if per_user < CARDS_PER_USER:
        notes.append(
            f"only {per_user} flashcard questions (< {CARDS_PER_USER}): each user gets {per_user} cards, "
            f"{main_data.cards:,} cards in all instead of {plan.users * CARDS_PER_USER:,}"
        )
    generation_s: dict[str, float] = {}
    say(f"sqlite: generating {plan.users:,} users, {main_data.cards:,} cards, {plan.logs:,} review logs")
    start = time.perf_counter()
    fill_sqlite(sqlite_url, main_data, password_hash, now)
    generation_s["sqlite"] = time.perf_counter() - start

    postgres_url = None
    if use_postgres:
        try:
            postgres_url = create_postgres_database()
        except Exception as error:
            notes.append(f"PostgreSQL unreachable at {make_url(POSTGRES_URL).render_as_string()}: {error!r}; skipped")
    if postgres_url:
        say("postgresql: migrations and content import")
        pg_ids = migrate_and_import(postgres_url, bank, questions)[:per_user]
        if pg_ids != question_ids:
            raise RuntimeError("the two databases gave the flashcard questions different ids")
        say(f"postgresql: generating the same data with COPY ({main_data.cards:,} cards, {plan.logs:,} logs)")
        start = time.perf_counter()
        fill_postgres(postgres_url, main_data, password_hash, now)
        generation_s["postgresql"] = time.perf_counter() - start

    # In-process: the next-card query at two table sizes (separate SQLite files, same measured user)
    say(f"next-card query: SQLite databases with {plan.scale[0]:,} and {plan.scale[1]:,} cards")
    timings = []
    for total in plan.scale:
        url = f"sqlite:///{folder / f'scale-{total}.sqlite3'}"
        ids = migrate_and_import(url, bank, questions)[:per_user]
        users = max(1, math.ceil(total / per_user))
        measured_logs = plan.logs // plan.users
        data = Dataset(users, ids, lambda u, n=measured_logs: n if u == 1 else 0)
        fill_sqlite(url, data, password_hash, now)
        timings.append((f"{data.cards:,} cards ({users:,} users)", *time_today(url, 1, plan.timed_calls)))
    main_ms, main_cards, main_shown = time_today(sqlite_url, plan.users, plan.timed_calls)
    timings.append((f"bench DB: {main_cards:,} cards, {plan.logs:,} logs", main_ms, main_cards, main_shown))

    results: list[Result] = []
    infos: dict[str, dict[str, Any]] = {}
    if wrk:
        for backend, url in (("sqlite", sqlite_url), ("postgresql", postgres_url)):
            if url:
                phase, infos[backend] = load_phase(backend, url, plan, plan.users, folder)
                results += phase
    if postgres_url:
        drop_postgres_database()
        CLEANUP.discard("postgres-database")

    # The report
    print()
    print(f"study bench ({plan.name}): the answer step under load (issue 4)")
    print(f"  machine: {machine}, {load_average()} after (other work on the machine skews absolute figures)")
    for note in notes:
        print(f"  note: {note}")
    print(
        f"  data: {plan.users:,} users x {per_user} cards = {main_data.cards:,} cards, {plan.logs:,} review logs "
        f"over the past year; cards ~91% review (~45% of those due today), 6% learning, 3% relearning"
    )
    print("  generation: " + ", ".join(f"{k} {v:.1f} s" for k, v in generation_s.items()))
    print(f"next-card query, services.study.today for one user, in-process SQLite, median of {plan.timed_calls}:")
    for label, ms, _, shown in timings:
        print(f"  {label:<44} {ms:7.2f} ms   (shows: {shown})")
    small, large = timings[0][1], timings[1][1]
    print(f"  growth {plan.scale[0]:,} -> {plan.scale[1]:,} cards: {large / small:.2f}x")
    print("  (the scale databases hold review logs for the measured user only)")
    for backend, info in infos.items():
        print(
            f"/study page ({backend}): full page {info['page_bytes']:,} bytes, htmx fragment {info['fragment_bytes']:,} bytes;"
            f" {info['logins']} logins in {info['login_s']:.1f} s"
        )
        for name, errors in info["server_errors"].items():
            print(
                f"  {backend} {name} server log: {len(errors)} error line(s)"
                + (f", first: {errors[0].strip()}" if errors else "")
            )
    if results:
        print(
            f"load: wrk -t{THREADS} -c{THREADS} (one connection per thread), gunicorn {WORKERS} sync workers per server;"
            f" {plan.rounds} interleaved rounds of {plan.run_s} s per card-fragment/answer run and {plan.empty_s} s per"
            f" empty-route run, then a last pair of card-fragment runs and {plan.read_s} s per read-only page"
        )
        print_results(results)
        print(
            "  x bare / x app: req/s over that of the bare / in-app card-fragment run of the same round (the"
            " two runs that open it); p99 x bare: p99 over that bare run's p99."
        )
        print(
            "  CPU ms/req: CPU time the gunicorn workers (app), wrk and everything else on the machine (other:"
            " the PostgreSQL server, for its runs) used during the run, per request served."
        )
        print("  errors: non-2xx responses (409 = stale answer, counted) plus socket errors/timeouts.")
        for r in results:
            if r.label.startswith("answer"):
                s = r.stats
                print(
                    f"  {r.backend} {r.label}: {s.get('answers', 0):,} answers sent, {s.get('gets', 0):,} GET /study "
                    f"fallbacks, {infos[r.backend]['answering_users']} users, {s.get('switched', 0)} switches to "
                    f"the next user after a finished day, {s.get('exhausted_threads', 0)} threads ran out of cards"
                )
        print("summary (wall-clock figures on a shared machine are indicative; ratios are within one run):")
        for backend in infos:
            print_summary(backend, results)
    print(f"total time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
