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
