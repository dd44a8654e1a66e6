"""PostgreSQL: what the connection handling costs per request, worker and server CPU together.

    python -m bench.roundtrips [--blocks 30]

Under load on a shared two-core machine, a round trip to PostgreSQL costs the worker's Python, the
server's backend and two context switches, and wrk's req/s moves by more between runs than one
round trip weighs. This measures it directly instead: in one process, two copies of studyapp on
one small database (bench.study's generator: 2 learners, 500 answers each), each with its own
pooled connection, serve the same logged-in requests in interleaved blocks of 100 through the
test client. Per request it adds this process's CPU time and that of the connection's server
backend (from /proc/<pid>/schedstat), so the figure holds the whole cost of a round trip and little noise.

The two copies differ in one setting: DATABASE_PING_AFTER_IDLE=0 tests the connection on every
checkout (what SQLAlchemy's pool_pre_ping does), 0.5 (the default) only after half a second idle.
Requests: the empty route of bench/app.py (the logged-in user's lookup and nothing else), GET
/study, and the answer step (rated Again, so the learner never runs out). Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import text

from bench import study
from bench.app import EMPTY_PATH, register_baseline
from studyapp import create_app
from studyapp.extensions import db
from studyapp.services import accounts

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/study"}
ARMS = (("ping on every checkout", 0.0), ("ping after 0.5 s idle (default)", 0.5))


def backend_cpu_seconds(pid: int) -> float:
    """CPU time of a local process in nanoseconds' resolution (/proc/<pid>/schedstat: /stat counts ticks)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


@dataclass
class Arm:
    name: str
    client: FlaskClient
    backend_pid: int
    html: str = ""
    cpu: list[float] = field(default_factory=list)  # per request, ms, one entry per block

    def request(self, kind: str) -> None:
        if kind == "empty":
            self.client.get(EMPTY_PATH, headers=HTMX)
        elif kind == "study":
            self.client.get("/study", headers=HTMX)
        else:  # an answer, then the next card; a learner who runs out gets the first card back
            fields = study.card_fields(self.html)
            if fields is None:  # the stale-page notice, or the learner ran out
                self.html = self.client.get("/study", headers=HTMX).text
                fields = study.card_fields(self.html)
                if fields is None:
                    raise RuntimeError("the learner has no card to answer")
            csrf = study.input_value(self.html, "csrf_token") or ""
            self.html = self.client.post(
                "/study/answer", headers=HTMX, data={"csrf_token": csrf, **fields, "rating": "1"}
            ).text


def make_arm(url: str, name: str, idle: float, user_id: int) -> Arm:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DATABASE_PING_AFTER_IDLE": idle})
    register_baseline(app)
    client = app.test_client()
    csrf = study.input_value(client.get("/login").text, "csrf_token") or ""
    login = {"csrf_token": csrf, "username": study.username(user_id), "password": study.PASSWORD}
    if client.post("/login", data=login).status_code != 302:
        raise RuntimeError("in-process login failed")
    with app.app_context():  # the pool keeps this one connection: every request reuses it
        pid = int(db.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
        db.session.remove()
    arm = Arm(name, client, pid)
    arm.html = client.get("/study", headers=HTMX).text
    return arm


def measure(arms: Sequence[Arm], kind: str, blocks: int, per_block: int) -> None:
    for arm in arms:  # warm up: psycopg prepares a statement on its fifth execution
        for _ in range(10):
            arm.request(kind)
    for block in range(blocks):
        for arm in arms if block % 2 else reversed(arms):
            server, worker = backend_cpu_seconds(arm.backend_pid), time.process_time()
            for _ in range(per_block):
                arm.request(kind)
            spent = time.process_time() - worker + backend_cpu_seconds(arm.backend_pid) - server
            arm.cpu.append(spent / per_block * 1000)


def run(blocks: int, say: Callable[[str], None] = study.say) -> None:
    say("postgresql: a small database, 2 learners with 500 answers each")
    url = study.create_postgres_database()
    bank, questions, _ = study.load_content()
    ids = study.migrate_and_import(url, bank, questions)[: study.CARDS_PER_USER]
    data = study.Dataset(2, ids, lambda u: 500)
    study.fill_postgres(url, data, accounts.hash_password(study.PASSWORD), datetime.now(UTC))
    print(f"PostgreSQL connection cost per request: worker + server CPU, {blocks} interleaved blocks of 100")
    for kind, label in (
        ("empty", "empty route, logged in"),
        ("study", "GET /study (htmx)"),
        # One learner in both arms: the first answer of a block finds its card answered by the
        # other arm, and takes the stale-page notice and a GET /study (1 request in 100, both arms).
        ("answer", "POST /study/answer (htmx)"),
    ):
        arms = [make_arm(url, name, idle, 1) for name, idle in ARMS]
        measure(arms, kind, blocks, 100)
        first, second = (statistics.median(arm.cpu) for arm in arms)
        paired = [b / a for a, b in zip(arms[0].cpu, arms[1].cpu, strict=True)]
        print(
            f"  {label:28} {arms[0].name} {first:.3f} ms; {arms[1].name} {second:.3f} ms;"
            f" ratio {second / first:.2f}x (blocks {min(paired):.2f}-{max(paired):.2f})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.roundtrips", description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30, help="interleaved blocks of 100 requests per arm")
    args = parser.parse_args(argv)
    try:
        run(args.blocks)
    finally:
        study.CLEANUP.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
