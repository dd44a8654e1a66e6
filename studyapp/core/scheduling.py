"""FSRS-6 scheduling through the `fsrs` package, minus its hidden clock and global random source.

Our card state lives in plain values (`CardState`); this module converts it to `fsrs.Card` and back,
previews the interval each rating would give, and works out the learner's study day. Interval fuzz
uses a seed derived from the card, so the interval a button shows is the one the answer gives.
"""

from __future__ import annotations

import copy
import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import fsrs
from fsrs import Card, Scheduler
from fsrs.scheduler import FUZZ_RANGES


class State(enum.IntEnum):
    """A card's learning state, as stored; the values are fsrs's, plus NEW for a card never answered."""

    NEW = 0
    LEARNING = fsrs.State.Learning.value
    REVIEW = fsrs.State.Review.value
    RELEARNING = fsrs.State.Relearning.value


class Rating(enum.IntEnum):
    """The four answer buttons (fsrs's values)."""

    AGAIN = fsrs.Rating.Again.value
    HARD = fsrs.Rating.Hard.value
    GOOD = fsrs.Rating.Good.value
    EASY = fsrs.Rating.Easy.value

    @property
    def label(self) -> str:
        return self.name.capitalize()


AGAIN, HARD, GOOD, EASY = Rating
RATINGS = tuple(Rating)
LEARNING, REVIEW, RELEARNING = State.LEARNING, State.REVIEW, State.RELEARNING


@dataclass(frozen=True)
class Settings:
    """A learner's scheduler settings (steps in seconds; parameters None means FSRS-6 defaults)."""

    desired_retention: float = 0.9
    learning_steps: tuple[int, ...] = (60, 600)
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500
    parameters: tuple[float, ...] | None = None
    fuzz: bool = True


@dataclass(frozen=True)
class CardState:
    """Everything FSRS needs about a card; `last_review` None means never reviewed (new)."""

    state: State = State.LEARNING
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None

    @property
    def is_new(self) -> bool:
        return self.last_review is None


NEW = CardState()


@dataclass(frozen=True)
class Outcome:
    """The card after one rating, with the interval until it is due again."""

    card: CardState
    interval: timedelta
    retrievability_before: float | None = field(default=None)


class _SeededScheduler(Scheduler):
    """py-fsrs draws fuzz from the global `random`; this draws it from a Random we pass in.

    The arithmetic is fsrs 6.3.2's own, rounding included (tests/core/test_scheduling.py checks
    it against the library with the same random draws).
    """

    rng: random.Random

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        days = interval.days
        if days < 2.5:
            return interval
        spread = 1.0
        for band in FUZZ_RANGES:
            spread += band["factor"] * max(min(float(days), band["end"]) - band["start"], 0.0)
        low = max(2, round(days - spread))
        high = min(round(days + spread), self.maximum_interval)
        low = min(low, high)
        fuzzed = self.rng.random() * (high - low + 1) + low
        return timedelta(days=min(round(fuzzed), self.maximum_interval))


@lru_cache(maxsize=256)
def _scheduler(settings: Settings) -> _SeededScheduler:
    kwargs: dict[str, object] = {}
    if settings.parameters is not None:
        kwargs["parameters"] = settings.parameters
    return _SeededScheduler(
        desired_retention=settings.desired_retention,
        learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
        relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=settings.fuzz,
        **kwargs,  # type: ignore[arg-type]
    )


def _to_fsrs(card: CardState, now: datetime) -> Card:
    return Card(
        card_id=0,
        state=fsrs.State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due or now,
        last_review=card.last_review,
    )


def _from_fsrs(card: Card) -> CardState:
    return CardState(
        state=State(card.state.value),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def retrievability(settings: Settings, card: CardState, now: datetime) -> float | None:
    """Predicted probability of recall now; None for a card never reviewed."""
    if card.is_new:
        return None
    return float(_scheduler(settings).get_card_retrievability(_to_fsrs(card, now), now))


def _seeded(settings: Settings, fuzz_seed: int | str) -> _SeededScheduler:
    scheduler = copy.copy(_scheduler(settings))
    scheduler.rng = random.Random(f"{fuzz_seed}")
    return scheduler


def review(settings: Settings, card: CardState, rating: int, now: datetime, fuzz_seed: int | str = 0) -> Outcome:
    """Apply one rating at `now`. Pure: same inputs, same outcome."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    before = retrievability(settings, card, now)
    updated, _ = _seeded(settings, fuzz_seed).review_card(_to_fsrs(card, now), fsrs.Rating(rating), review_datetime=now)
    return Outcome(card=_from_fsrs(updated), interval=updated.due - now, retrievability_before=before)


def preview(
    settings: Settings, card: CardState, now: datetime, fuzz_seed: int | str = 0, ratings: Sequence[int] = RATINGS
) -> dict[int, timedelta]:
    """The interval each rating would give, for the answer buttons: what `review` gives for it.

    One scheduler and one random source serve all four ratings; the source is rewound to its
    seeded state before each, as `review` would seed it afresh.
    """
    scheduler = _seeded(settings, fuzz_seed)
    seeded_state = scheduler.rng.getstate()
    fsrs_card = _to_fsrs(card, now)  # review_card works on a copy
    intervals = {}
    for rating in ratings:
        scheduler.rng.setstate(seeded_state)
        updated, _ = scheduler.review_card(fsrs_card, fsrs.Rating(rating), review_datetime=now)
        intervals[rating] = updated.due - now
    return intervals


def format_interval(interval: timedelta) -> str:
    """Short, Anki-style: 45s, 10m, 3h, 4d, 1.5mo, 2.1y."""
    seconds = max(interval.total_seconds(), 0)
    if seconds < 60:
        return f"{round(seconds)}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


def study_day(now: datetime, timezone: str, day_start_hour: int) -> tuple[datetime, datetime]:
    """The learner's current study day as [start, end) in UTC.

    A study day starts at `day_start_hour` local time (4 am by default, so a late-night session
    still counts as the same day) and lasts until the next day's start, DST changes included.
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    start_date = local.date() if local.hour >= day_start_hour else local.date() - timedelta(days=1)
    start = datetime.combine(start_date, time(day_start_hour), tzinfo=zone)
    end = datetime.combine(start_date + timedelta(days=1), time(day_start_hour), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
