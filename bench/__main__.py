"""`make bench`: content import, re-import, check, glossary search, instructions per request, the study bench.

Glossary search runs on SQLite's FTS5 index (its migration), which the synthetic terms enter
through the same triggers as imported ones. The progress bench (bench/progress.py) times the
dashboard and card browser for light and heavy learners, and bench/roundtrips.py weighs what
testing a pooled PostgreSQL connection on every checkout costs per request.

Then the instruction counts of bench/instructions.py (studyapp's fixed per-request cost against a
bare Flask app, under callgrind, about three minutes; skipped with a note without valgrind;
`--no-instructions` skips it) and last the study bench (bench/study.py: the answer step under
load with gunicorn and wrk, about twelve minutes; `--no-study` skips it).

Each figure is the median of several runs, printed beside a baseline measured in the same run,
so ratios stay meaningful on a busy or slower machine. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
from sqlalchemy import insert

from studyapp import create_app
from studyapp.core import content, generation
from studyapp.core.glossary_search import search_names
from studyapp.extensions import db
from studyapp.models import Term, Zone
from studyapp.services import content_sync

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "questions"


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def fresh_app(folder: Path, name: str):  # type: ignore[no-untyped-def]
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / name}", "SECRET_KEY": "bench"})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def bench_import(folder: Path) -> None:
    bank = content.load_bank(BANK)
    questions = generation.generate(bank)
    parse_ms = median_ms(lambda: content.read_bank(BANK), 5)
    check_ms = median_ms(lambda: generation.generate(content.load_bank(BANK)), 5)
    fulls, noops = [], []
    for i in range(5):
        app = fresh_app(folder, f"import-{i}.sqlite3")
        with app.app_context():
            start = time.perf_counter()
            b = content.load_bank(BANK)
            content_sync.import_bank(db.session, b, generation.generate(b), datetime.now(UTC))
            fulls.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            b = content.load_bank(BANK)
            report = content_sync.import_bank(db.session, b, generation.generate(b), datetime.now(UTC))
            noops.append((time.perf_counter() - start) * 1000)
            assert report.added == report.updated == report.retired == 0
            db.session.remove()
    full, noop = statistics.median(fulls), statistics.median(noops)
    print(f"content: {len(bank.terms)} terms, {len(bank.key_points)} key points, {len(questions)} questions")
    print(f"  parse questions/ (baseline)        {parse_ms:8.1f} ms")
    print(f"  questions check (parse+generate)   {check_ms:8.1f} ms   {check_ms / parse_ms:5.2f}x baseline")
    print(
        f"  full import into empty SQLite      {full:8.1f} ms   {full / parse_ms:5.2f}x baseline   (target < 1000 ms)"
    )
    print(f"  no-op re-import                    {noop:8.1f} ms   {noop / parse_ms:5.2f}x baseline   (target < 300 ms)")


WORDS = [
    "model",
    "token",
    "layer",
    "vector",
    "prompt",
    "weight",
    "train",
    "data",
    "agent",
    "memory",
    "sample",
    "score",
    "loss",
    "rank",
    "adapter",
    "context",
    "window",
    "graph",
    "signal",
    "policy",
    "reward",
    "bias",
    "metric",
    "attention",
    "cache",
    "decode",
    "encode",
    "batch",
    "gradient",
    "neuron",
    "kernel",
    "tensor",
    "output",
    "input",
    "system",
    "user",
    "tool",
    "search",
    "index",
    "chain",
    "tree",
    "latent",
]


def add_synthetic_terms(total: int, rng: random.Random) -> None:
    """Fill the database up to `total` terms with plausible random ones spread over five zones."""
    now = datetime.now(UTC)
    zone_ids = [z.id for z in db.session.query(Zone).all()]
    existing = db.session.query(Term).count()
    rows = []
    for i in range(total - existing):
        name = " ".join(rng.choice(WORDS).capitalize() for _ in range(2)) + f" {i}"
        definition = " ".join(rng.choice(WORDS) for _ in range(16)) + "."
        rows.append(
            {
                "slug": f"synthetic-{i}",
                "zone_id": rng.choice(zone_ids),
                "position": 1000 + i,
                "name": name,
                "acronym": None,
                "aliases": [],
                "definition": definition,
                "explanation": "Synthetic.",
                "example": "Synthetic.",
                "article_id": None,
                "basis": "supplementary",
                "sources": [],
                "search_names": search_names([name]),
                "content_hash": "x",
                "created_at": now,
                "updated_at": now,
            }
        )
    if rows:
        db.session.execute(insert(Term), rows)
    db.session.commit()


def bench_search(folder: Path) -> None:
    apps = {}
    for size in (None, 10_000):
        app = fresh_app(folder, f"search-{size}.sqlite3")
        with app.app_context():
            b = content.load_bank(BANK)
            content_sync.import_bank(db.session, b, generation.generate(b), datetime.now(UTC))
            if size:
                add_synthetic_terms(size, random.Random(7))
            db.session.remove()
        apps[size] = app
    # Plural and stem matches, a prefix while typing, an acronym, a common word matching
    # thousands of synthetic definitions, and two misses that compute a "did you mean".
    queries = ("agents", "atten", "rag", "large language models", "model", "attension", "zzz")
    print("glossary search (full-text index), htmx fragment through the app (median of 200 requests per query):")
    results: dict[str | None, float] = {}
    for size, app in apps.items():
        client = app.test_client()
        for q in queries:
            client.get(f"/glossary?q={q}", headers={"HX-Request": "true"})  # warm up
        baseline = median_ms(lambda c=client: c.get("/glossary/no-such-term"), 200)
        per_query = [
            median_ms(lambda c=client, q=q: c.get(f"/glossary?q={q}", headers={"HX-Request": "true"}), 200)
            for q in queries
        ]
        with app.app_context():
            terms = db.session.query(Term).count()
        results[size] = statistics.mean(per_query)
        detail = ", ".join(f"{q} {ms:.2f}" for q, ms in zip(queries, per_query, strict=True))
        print(f"  {terms:>6} terms: mean {results[size]:6.2f} ms ({detail});  404 page baseline {baseline:.2f} ms")
    growth = results[10_000] / results[None]
    print(f"  growth from the real bank to 10,000 terms: {growth:.2f}x   (target < 5x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--study",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the study bench (python -m bench.study): the answer step under load",
    )
    parser.add_argument(
        "--instructions",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also count instructions per request under callgrind (python -m bench.instructions)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_import(folder)
        bench_search(folder)
    from bench import progress

    progress.main([])  # the dashboard and card browser, light and heavy learners (a few minutes)

    from bench import roundtrips

    print(flush=True)
    roundtrips.main([])  # PostgreSQL: what testing a pooled connection costs per request (a minute)

    if args.instructions:
        import shutil

        from bench import instructions

        print(flush=True)
        if shutil.which("valgrind"):
            instructions.main([])
        else:
            print("instructions per request: skipped, valgrind is not installed (apt-get install -y valgrind)")
    if args.study:
        from bench import study

        print(flush=True)
        return study.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
