"""The scheduler wrapper: previews agree with answers, to the second, fuzz included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.core import scheduling

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STATES = [
    scheduling.NEW,
    scheduling.CardState(
        state=scheduling.LEARNING,
        step=1,
        stability=2.3,
        difficulty=5.1,
        due=NOW,
        last_review=NOW - timedelta(minutes=10),
    ),
    scheduling.CardState(
        state=scheduling.RELEARNING,
        step=0,
        stability=4.0,
        difficulty=7.5,
        due=NOW,
        last_review=NOW - timedelta(hours=1),
    ),
    # long intervals, where fuzz spreads the due date over many days
    scheduling.CardState(
        state=scheduling.REVIEW,
        step=None,
        stability=45.0,
        difficulty=4.2,
        due=NOW - timedelta(days=2),
        last_review=NOW - timedelta(days=47),
    ),
    scheduling.CardState(
        state=scheduling.REVIEW,
        step=None,
        stability=300.0,
        difficulty=2.0,
        due=NOW,
        last_review=NOW - timedelta(days=280),
    ),
]


@pytest.mark.parametrize("state", STATES, ids=["new", "learning", "relearning", "review", "mature"])
@pytest.mark.parametrize("seed", ["1:2:0", "7:40:12", "999:3:5"])
def test_preview_gives_exactly_what_review_gives(state: scheduling.CardState, seed: str) -> None:
    settings = scheduling.Settings()
    shown = scheduling.preview(settings, state, NOW, seed)
    for rating in scheduling.RATINGS:
        assert shown[rating] == scheduling.review(settings, state, rating, NOW, seed).interval


def test_fuzz_depends_on_the_seed() -> None:
    settings = scheduling.Settings()
    mature = STATES[-1]
    goods = {scheduling.preview(settings, mature, NOW, f"1:1:{reps}")[scheduling.GOOD] for reps in range(20)}
    assert len(goods) > 1


@pytest.mark.parametrize("maximum_interval", [36500, 40])
def test_fuzz_matches_fsrs_with_the_same_random_draws(maximum_interval: int) -> None:
    """Our seeded fuzz is fsrs 6.3.2's own (which rounds, then clamps), fed the same random numbers."""
    import random

    from fsrs import Scheduler

    library = Scheduler(maximum_interval=maximum_interval)
    ours = scheduling._scheduler(scheduling.Settings(maximum_interval=maximum_interval))
    differing = []
    for seed in range(200):
        for days in (3, 7, 11, 20, 45, 100, 365, 1000):
            interval = timedelta(days=days, hours=5)
            random.seed(seed)
            expected = library._get_fuzzed_interval(interval=interval)
            seeded = scheduling._seeded(scheduling.Settings(maximum_interval=maximum_interval), 0)
            seeded.rng = random.Random(seed)
            got = seeded._get_fuzzed_interval(interval=interval)
            if got != expected:
                differing.append((seed, days, got, expected))
    assert ours.maximum_interval == maximum_interval
    assert differing == []
