"""Applying one rating to a card: the answer rules around FSRS, and the snapshot undo restores.

FSRS (core.scheduling) computes the next state; this module adds what studyapp keeps beside it:
repetitions, lapses, the leech rule, the answer's duration, and an exact snapshot of the card
before the answer, which undo writes back. Pure: the card, the time and the settings are passed
in, and a new snapshot is returned with the log entry to store (persistence is the caller's).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, TypedDict

from studyapp.core import scheduling
from studyapp.core.scheduling import Rating, State

LEECH_LAPSES = 8  # a review card forgotten this often is suspended as a leech
MAX_DURATION = timedelta(minutes=10)  # longer than this, the learner was away: count 10 minutes


class CardSnapshotDict(TypedDict):
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: str
    last_review: str | None
    reps: int
    lapses: int
    suspended: bool
    leech: bool
    buried_until: str | None


@dataclass(frozen=True)
class CardSnapshot:
    """The columns of a card that answering, burying and suspending change."""

    state: State
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    leech: bool = False
    buried_until: datetime | None = None

    @classmethod
    def of(cls, card: Any) -> CardSnapshot:
        """The snapshot of anything holding the card's columns as attributes (a row, a model)."""
        return cls(**{name: getattr(card, name) for name in _FIELDS})

    @classmethod
    def new(cls, now: datetime) -> CardSnapshot:
        """A card never answered: FSRS's new card, due now."""
        return cls(state=State.LEARNING, step=0, stability=None, difficulty=None, due=now, last_review=None)

    @property
    def fsrs_state(self) -> scheduling.CardState:
        if self.last_review is None:
            return scheduling.NEW
        return scheduling.CardState(
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    def to_dict(self) -> CardSnapshotDict:
        """JSON-ready: times as ISO 8601 strings with their UTC offset."""
        return CardSnapshotDict(
            state=int(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due.isoformat(),
            last_review=self.last_review.isoformat() if self.last_review else None,
            reps=self.reps,
            lapses=self.lapses,
            suspended=self.suspended,
            leech=self.leech,
            buried_until=self.buried_until.isoformat() if self.buried_until else None,
        )

    @classmethod
    def from_dict(cls, data: CardSnapshotDict | dict[str, Any]) -> CardSnapshot:
        return cls(
            state=State(data["state"]),
            step=data["step"],
            stability=data["stability"],
            difficulty=data["difficulty"],
            due=datetime.fromisoformat(data["due"]),
            last_review=datetime.fromisoformat(data["last_review"]) if data["last_review"] else None,
            reps=data["reps"],
            lapses=data["lapses"],
            suspended=data["suspended"],
            leech=data["leech"],
            buried_until=datetime.fromisoformat(data["buried_until"]) if data["buried_until"] else None,
        )

    def columns(self) -> dict[str, Any]:
        """The snapshot as card column values (its values are immutable, so no deep copy as `asdict` makes)."""
        return {name: getattr(self, name) for name in _FIELDS}


_FIELDS = tuple(f.name for f in fields(CardSnapshot))


@dataclass(frozen=True)
class LogEntry:
    """What the review log records about one answer."""

    rating: Rating
    state_before: State  # NEW for a card answered the first time
    state_after: State
    retrievability: float | None
    stability_after: float | None
    difficulty_after: float | None
    due_after: datetime
    duration_ms: int


@dataclass(frozen=True)
class Applied:
    card: CardSnapshot
    log: LogEntry
    became_leech: bool


def fuzz_seed(user_id: int, question_id: int, reps: int) -> str:
    """The same seed for a button's preview and for the answer it sends."""
    return f"{user_id}:{question_id}:{reps}"


def queue_of(card: CardSnapshot | None) -> str:
    """Which of today's three queues a card is in: "new", "learning" or "review"."""
    if card is None or card.last_review is None:
        return "new"
    return "review" if card.state == State.REVIEW else "learning"


def apply_rating(
    card: CardSnapshot | None,
    rating: Rating,
    *,
    now: datetime,
    shown_at: datetime,
    settings: scheduling.Settings,
    seed: str,
) -> Applied:
    """The card after `rating` at `now` (None: a new card), and the log entry of the answer.

    A lapse is Again on a card in review; the eighth lapse makes the card a leech, which is
    suspended. An answer un-buries the card. The duration is clamped to [0, MAX_DURATION].
    """
    if now.tzinfo is None or shown_at.tzinfo is None:
        raise ValueError("now and shown_at must be timezone-aware")
    before = card or CardSnapshot.new(now)
    state = before.fsrs_state
    outcome = scheduling.review(settings, state, rating, now, seed)
    after = outcome.card
    lapsed = not state.is_new and state.state == State.REVIEW and rating == Rating.AGAIN
    lapses = before.lapses + (1 if lapsed else 0)
    became_leech = lapsed and lapses >= LEECH_LAPSES
    updated = replace(
        before,
        state=after.state,
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=after.due or now,
        last_review=after.last_review,
        reps=before.reps + 1,
        lapses=lapses,
        suspended=before.suspended or became_leech,
        leech=before.leech or became_leech,
        buried_until=None,
    )
    duration = min(max(now - shown_at, timedelta(0)), MAX_DURATION)
    log = LogEntry(
        rating=Rating(rating),
        state_before=State.NEW if state.is_new else State(state.state),
        state_after=State(after.state),
        retrievability=outcome.retrievability_before,
        stability_after=after.stability,
        difficulty_after=after.difficulty,
        due_after=updated.due,
        duration_ms=int(duration.total_seconds() * 1000),
    )
    return Applied(card=updated, log=log, became_leech=became_leech)
