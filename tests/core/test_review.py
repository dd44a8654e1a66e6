"""The answer rules around FSRS, without a database: lapses, leeches, reps, duration, the undo snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.core import review, scheduling
from studyapp.core.review import CardSnapshot
from studyapp.core.scheduling import Rating, State

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SETTINGS = scheduling.Settings(fuzz=False)


def in_review(lapses: int = 0, **columns: object) -> CardSnapshot:
    values: dict[str, object] = {
        "state": State.REVIEW,
        "step": None,
        "stability": 12.0,
        "difficulty": 5.0,
        "due": NOW - timedelta(days=1),
        "last_review": NOW - timedelta(days=12),
        "reps": 6,
        "lapses": lapses,
    }
    values.update(columns)
    return CardSnapshot(**values)  # type: ignore[arg-type]


def apply(card: CardSnapshot | None, rating: Rating, shown_at: datetime = NOW) -> review.Applied:
    return review.apply_rating(card, rating, now=NOW, shown_at=shown_at, settings=SETTINGS, seed="s")


def test_a_new_card_answered_becomes_learning_with_one_rep_and_a_new_log() -> None:
    applied = apply(None, Rating.GOOD)
    assert applied.card.reps == 1 and applied.card.lapses == 0
    assert applied.card.last_review == NOW and applied.card.state == State.LEARNING
    assert applied.log.state_before == State.NEW and applied.log.retrievability is None


def test_again_on_a_review_card_is_a_lapse_and_the_eighth_makes_a_suspended_leech() -> None:
    assert apply(in_review(lapses=2), Rating.AGAIN).card.lapses == 3
    assert apply(in_review(lapses=2), Rating.HARD).card.lapses == 2
    leech = apply(in_review(lapses=review.LEECH_LAPSES - 1), Rating.AGAIN)
    assert leech.became_leech and leech.card.suspended and leech.card.leech
    assert not apply(in_review(lapses=review.LEECH_LAPSES - 2), Rating.AGAIN).became_leech


def test_again_on_a_learning_card_is_not_a_lapse() -> None:
    learning = in_review(state=State.LEARNING, step=0)
    assert apply(learning, Rating.AGAIN).card.lapses == 0


def test_an_answer_unburies_the_card_and_clamps_its_duration() -> None:
    buried = in_review(buried_until=NOW + timedelta(hours=5))
    assert apply(buried, Rating.GOOD).card.buried_until is None
    assert apply(buried, Rating.GOOD, shown_at=NOW - timedelta(hours=2)).log.duration_ms == 600_000
    assert apply(buried, Rating.GOOD, shown_at=NOW + timedelta(seconds=5)).log.duration_ms == 0
    assert apply(buried, Rating.GOOD, shown_at=NOW - timedelta(seconds=7)).log.duration_ms == 7000


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        review.apply_rating(None, Rating.GOOD, now=NOW.replace(tzinfo=None), shown_at=NOW, settings=SETTINGS, seed="")


def test_the_snapshot_survives_a_round_trip_through_json() -> None:
    import json

    card = in_review(lapses=3, suspended=True, buried_until=NOW + timedelta(days=1))
    assert CardSnapshot.from_dict(json.loads(json.dumps(card.to_dict()))) == card
    fresh = CardSnapshot.new(NOW)
    assert CardSnapshot.from_dict(json.loads(json.dumps(fresh.to_dict()))) == fresh


def test_queue_labels() -> None:
    assert review.queue_of(None) == "new"
    assert review.queue_of(CardSnapshot.new(NOW)) == "new"
    assert review.queue_of(in_review()) == "review"
    assert review.queue_of(in_review(state=State.RELEARNING)) == "learning"
