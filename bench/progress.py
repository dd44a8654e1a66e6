"""The progress bench: the dashboard and the card browser for light and heavy learners.

    python -m bench.progress [--quick]

A database of 1,000 learners (997 with 100 answers on 20 cards each) holds three measured
learners: 1,000 answers on 100 cards, 10,000 on 500, and a heavy one with 100,000 answers over
three years on 2,000 cards (the bank is padded with copies of its flashcard questions to have
that many). The review log and the roll-ups are generated together, as the answer step would
have written them. Each figure is the median of in-process service calls (`progress.dashboard`,
`progress.browse` for the first page), on SQLite and on PostgreSQL at 127.0.0.1:5432; the
targets are ratios (dashboard 100,000 vs 1,000 rows at most 3x; browser 2,000 vs 100 cards at
most 2x), printed, not asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
from sqlalchemy import insert, select

from bench.study import create_postgres_database, drop_postgres_database, load_content
from studyapp import create_app
from studyapp.core import stats
from studyapp.core.scheduling import Rating, State
from studyapp.extensions import db
from studyapp.models import CalibrationTally, Card, Question, ReviewDay, ReviewLog, ReviewTopicDay, User
from studyapp.services import content_sync, progress
from studyapp.services.transaction import writing

BACKGROUND = 997
MEASURED = {"1k": (1_000, 100, 60), "10k": (10_000, 500, 365), "100k": (100_000, 2_000, 3 * 365)}
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm caches and prepared plans
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pad_flashcards(target: int) -> list[tuple[int, int | None, int | None]]:
    """(id, zone, article) of `target` live flashcard questions, copying the bank's to get there."""
    rows = db.session.execute(
        select(Question).where(Question.study_order > 0, Question.retired_at.is_(None)).order_by(Question.study_order)
    ).scalars()
    originals = list(rows)
    copies = []
    order = max(q.study_order for q in originals)
    for i in range(target - len(originals)):
        q = originals[i % len(originals)]
        order += 1
        copies.append(
            {
                "key": f"bench-copy-{i}:{q.key}",
                "kind": q.kind,
                "prompt": q.prompt,
                "answer": q.answer,
                "explanation": q.explanation,
                "options": q.options,
                "accepted": q.accepted,
                "pairs": q.pairs,
                "term_id": q.term_id,
                "zone_id": q.zone_id,
                "article_id": q.article_id,
                "key_point_id": q.key_point_id,
                "study_order": order,
                "content_hash": "bench",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    with writing(db.session):
        for start in range(0, len(copies), 1000):
            db.session.execute(insert(Question), copies[start : start + 1000])
    return [
        (r.id, r.zone_id, r.article_id)
        for r in db.session.execute(
            select(Question.id, Question.zone_id, Question.article_id)
            .where(Question.study_order > 0, Question.retired_at.is_(None))
            .order_by(Question.study_order)
            .limit(target)
        )
    ]


def history(
    user_id: int,
    logs: int,
    cards: int,
    span_days: int,
    questions: list[tuple[int, int | None, int | None]],
    rng: random.Random,
) -> dict[str, list[dict[str, Any]]]:
    """One learner's cards, review log and roll-ups, consistent with each other."""
    card_rows = []
    for i in range(cards):
        last = NOW - timedelta(days=rng.uniform(0, 30))
        card_rows.append(
            {
                "user_id": user_id,
                "question_id": questions[i][0],
                "state": State.REVIEW if i % 10 else State.LEARNING,
                "step": None,
                "stability": rng.uniform(1, 120),
                "difficulty": 5.0,
                "due": last + timedelta(days=rng.uniform(1, 90)),
                "last_review": last,
                "reps": max(1, logs // cards),
                "lapses": rng.randrange(4),
                "suspended": i % 50 == 49,
                "introduced_at": NOW - timedelta(days=span_days),
                "version": 1,
            }
        )
    log_rows: list[dict[str, Any]] = []
    days: dict[date, list[Any]] = {}
    topics: dict[tuple[date, int, int], list[int]] = defaultdict(lambda: [0, 0])
    bins: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    start = NOW - timedelta(days=span_days)
    for k in range(logs):
        at = start + timedelta(seconds=span_days * 86400 * k / logs)
        card = k % cards
        first = k < cards
        rating = Rating.AGAIN if rng.random() < 0.12 else Rating.GOOD
        predicted = None if first else rng.uniform(0.5, 1.0)
        log_rows.append(
            {
                "card_index": card,
                "user_id": user_id,
                "token": f"b{user_id}-{k}",
                "rating": rating,
                "reviewed_at": at,
                "duration_ms": 8000,
                "state_before": State.NEW if first else State.REVIEW,
                "state_after": State.REVIEW,
                "retrievability": predicted,
                "before": None,
                "stability_after": 10.0,
                "difficulty_after": 5.0,
                "due_after": at + timedelta(days=3),
            }
        )
        day = stats.study_date(at, "UTC", 4)
        totals = days.setdefault(day, [0, 0, 0, 0, None])
        totals[0] += 1
        totals[1] += 8000
        totals[4] = at + timedelta(days=1)
        if not first:
            passed = int(rating != Rating.AGAIN)
            totals[2] += 1
            totals[3] += passed
            _, zone, article = questions[card]
            topics[(day, zone or 0, article or 0)][0] += 1
            topics[(day, zone or 0, article or 0)][1] += passed
            tally = bins[stats.calibration_bin(predicted or 0)]
            tally[0] += 1
            tally[1] += passed
            tally[2] += predicted or 0
    return {
        "cards": card_rows,
        "logs": log_rows,
        "days": [
            {
                "user_id": user_id,
                "day": d,
                "reviews": t[0],
                "duration_ms": t[1],
                "review_answers": t[2],
                "review_passed": t[3],
                "next_due": t[4],
            }
            for d, t in days.items()
        ],
        "topics": [
            {"user_id": user_id, "day": d, "zone_id": z, "article_id": a, "review_answers": t[0], "review_passed": t[1]}
            for (d, z, a), t in topics.items()
        ],
        "bins": [
            {"user_id": user_id, "bin": b, "answers": int(t[0]), "passed": int(t[1]), "predicted_sum": t[2]}
            for b, t in bins.items()
        ],
    }


def chunked(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def fill(n_background: int, scale: float) -> dict[str, int]:
    """Learners and their histories; returns the measured learners' ids by name."""
    rng = random.Random(7)
    questions = pad_flashcards(2_000)
    specs = [(f"bg{i}", 100, 20, 60) for i in range(n_background)]
    specs += [
        (name, int(logs * scale), max(20, int(cards * scale)), span) for name, (logs, cards, span) in MEASURED.items()
    ]
    specs.append(("b100", 400, 100, 60))
    ids: dict[str, int] = {}
    with writing(db.session):
        users = [
            {"username": name, "username_key": name, "password_hash": "x", "created_at": NOW, "updated_at": NOW}
            for name, *_ in specs
        ]
        for part in chunked(users):
            db.session.execute(insert(User), part)
    for name, uid in db.session.execute(select(User.username, User.id)):
        ids[name] = uid
    for name, logs, cards, span in specs:
        data = history(ids[name], logs, cards, span, questions, rng)
        with writing(db.session):
            db.session.execute(insert(Card), data["cards"])
            card_ids: dict[int, int] = dict(
                db.session.execute(select(Card.question_id, Card.id).where(Card.user_id == ids[name])).all()
            )
            for row in data["logs"]:
                row["card_id"] = card_ids[questions[row.pop("card_index")][0]]
            for part in chunked(data["logs"]):
                db.session.execute(insert(ReviewLog), part)
            for model, key in ((ReviewDay, "days"), (ReviewTopicDay, "topics"), (CalibrationTally, "bins")):
                for part in chunked(data[key]):
                    db.session.execute(insert(model), part)
    return {name: ids[name] for name in (*MEASURED, "b100")}


def measure(url: str, label: str, quick: bool) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    runs = 5 if quick else 25
    with app.app_context():
        flask_migrate.upgrade()
        bank, questions, note = load_content()
        content_sync.import_bank(db.session, bank, questions, datetime.now(UTC))
        started = time.perf_counter()
        ids = fill(50 if quick else BACKGROUND, 0.1 if quick else 1.0)
        print(f"{label}: generated in {time.perf_counter() - started:.0f} s ({note})", flush=True)
        learners = {name: db.session.get(User, uid) for name, uid in ids.items()}
        board = {
            name: median_ms(lambda u=learners[name]: progress.dashboard(db.session, u, NOW), runs) for name in MEASURED
        }
        for name in MEASURED:
            print(
                f"  dashboard, {name} review rows: p50 {board[name]:7.2f} ms  ({board[name] / board['1k']:.2f}x of 1k)"
            )
        page = {
            cards: median_ms(lambda u=learners[who]: progress.browse(db.session, u, progress.BrowseQuery(), NOW), runs)
            for cards, who in (("100", "b100"), ("2000", "100k"))
        }
        recall = median_ms(
            lambda: progress.browse(db.session, learners["100k"], progress.BrowseQuery(sort="retrievability"), NOW),
            runs,
        )
        print(f"  card browser, 100 cards: p50 {page['100']:7.2f} ms")
        print(f"  card browser, 2000 cards: p50 {page['2000']:7.2f} ms  ({page['2000'] / page['100']:.2f}x of 100)")
        print(f"  card browser, 2000 cards sorted by recall now: p50 {recall:7.2f} ms")
        db.session.remove()
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.progress")
    parser.add_argument("--quick", action="store_true", help="50 background learners and a tenth of the history")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    print("progress bench: dashboard and card browser (in-process service calls, median of runs)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{Path(tmp) / 'progress.sqlite3'}", "SQLite", args.quick)
    if not args.no_postgres:
        try:
            measure(create_postgres_database(), "PostgreSQL", args.quick)
        finally:
            drop_postgres_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
