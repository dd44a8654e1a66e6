"""Daily review: today's queue, answering a card exactly once, and one undo for every action.

A card row is created the first time its question is answered (or buried or suspended); until then
a flashcard question is a "new card" the queue can introduce. An answer is computed from a read
of the card (core.review), then written in one short transaction: UPDATE card ... WHERE version =
<shown version>, bury the card's siblings, INSERT review_log (whose token is unique). A stale or
replayed answer therefore changes nothing, and the caller learns which of the two it was.

Ratings, burials and suspensions go on one undo stack for the study day: the review log holds
the answers (with the card's previous state), card_action the burials and suspensions.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import case, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from studyapp.core import review, scheduling
from studyapp.core.generation import FLASHCARD_KINDS
from studyapp.core.review import CardSnapshot
from studyapp.core.scheduling import Rating, State
from studyapp.core.settings import LearnerSettings
from studyapp.models import Article, Card, CardAction, Question, ReviewLog, Zone
from studyapp.services import progress
from studyapp.services import study_queries as queries
from studyapp.services.faces import Face
from studyapp.services.study_queries import LEARN_AHEAD, QueueParams, StoredCard, Topic
from studyapp.services.transaction import writing

MORE_NEW_STEP = 10  # "more new cards today" adds this many to the day's limit
REVIEW_AHEAD_DAYS = 3  # "review ahead" shows reviews due within this many days


class Learner(Protocol):
    """Who studies: the request's accounts.SessionUser, or a models.User (both carry their settings)."""

    @property
    def id(self) -> int: ...
    @property
    def settings(self) -> LearnerSettings: ...


@dataclass(frozen=True)
class TopicRef:
    """A zone or article a session is limited to, as the page names it (`spec` as in the URL)."""

    topic: Topic
    slug: str
    name: str

    @property
    def spec(self) -> str:
        return f"{self.topic.kind}:{self.slug}"


@dataclass(frozen=True)
class Extras:
    """What the learner asked for beyond today's limits on the done screen."""

    more_new: int = 0
    review_ahead: bool = False


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class ShownCard:
    """A card as the review page shows it, with its one-time token and the version it was read at."""

    question: Face
    card_id: int | None
    version: int
    queue: str  # "new", "learning" or "review"
    retrievability: float | None  # shown for review cards only
    intervals: dict[Rating, str]
    token: str
    shown_at: datetime
    lapses: int


@dataclass(frozen=True)
class Summary:
    reviews: int
    correct: int
    seconds: int
    due_tomorrow: int
    next_due: datetime | None  # the soonest any card of the learner is due again
    can_review_ahead: bool
    more_new_available: bool

    @property
    def correct_percent(self) -> int:
        return round(100 * self.correct / self.reviews) if self.reviews else 0


@dataclass(frozen=True)
class Today:
    card: ShownCard | None
    counts: Counts
    summary: Summary | None
    has_history: bool
    can_undo: bool
    topic: TopicRef | None = None


def find_topic(session: Session, spec: str | None) -> TopicRef | None:
    """The zone or article named by "zone:<slug>" or "article:<slug>", or None."""
    if not spec or ":" not in spec:
        return None
    kind, slug = spec.split(":", 1)
    model = {"zone": Zone, "article": Article}.get(kind)
    if model is None:
        return None
    label = model.name if model is Zone else model.title  # type: ignore[attr-defined]
    row = session.execute(
        select(model.id, label).where(model.slug == slug, model.retired_at.is_(None))  # type: ignore[attr-defined]
    ).first()
    return None if row is None else TopicRef(Topic(kind, row[0]), slug, row[1])


def _params(learner: Learner, now: datetime, topic: TopicRef | None, extras: Extras) -> QueueParams:
    settings = learner.settings
    day_start, day_end = settings.study_day(now)
    return QueueParams(
        user_id=learner.id,
        now=now,
        day_start=day_start,
        day_end=day_end,
        new_per_day=settings.new_per_day + extras.more_new,
        reviews_per_day=settings.reviews_per_day,
        review_until=day_end + timedelta(days=REVIEW_AHEAD_DAYS) if extras.review_ahead else day_end,
        topic=topic.topic if topic else None,
    )


def _tally(params: QueueParams, head: queries.QueueHead) -> Counts:
    review_left = max(0, min(head.review_due, params.reviews_per_day - head.reviewed))
    new_left = max(0, params.new_per_day - head.introduced)
    return Counts(new=min(head.new, new_left), learning=head.learning, review=review_left)


def _show(learner: Learner, face: Face, card: StoredCard | None, now: datetime) -> ShownCard:
    snapshot = card.snapshot if card else None
    queue = review.queue_of(snapshot)
    settings = learner.settings.scheduler()
    state = snapshot.fsrs_state if snapshot else scheduling.NEW
    seed = review.fuzz_seed(learner.id, face.id, snapshot.reps if snapshot else 0)
    intervals = scheduling.preview(settings, state, now, seed)
    return ShownCard(
        question=face,
        card_id=card.id if card else None,
        version=card.version if card else 0,
        queue=queue,
        retrievability=scheduling.retrievability(settings, state, now) if queue == "review" else None,
        intervals={Rating(rating): scheduling.format_interval(value) for rating, value in intervals.items()},
        token=secrets.token_urlsafe(18),
        shown_at=now,
        lapses=snapshot.lapses if snapshot else 0,
    )


def today(
    session: Session, learner: Learner, now: datetime, topic: TopicRef | None = None, extras: Extras = Extras()
) -> Today:
    """What the review page shows now: the next card and the counts, or the day's summary.

    The order: a learning card due now, then reviews (lowest retrievability first), then new
    cards, then learning cards due soon. Usually one statement; the last two cases take more.
    """
    connection = session.connection()
    params = _params(learner, now, topic, extras)
    head = queries.queue_head(connection, params)
    counts = _tally(params, head)
    if head.card is not None and head.face is not None:
        return Today(_show(learner, head.face, head.card, now), counts, None, True, head.can_undo, topic)
    if counts.new:
        face = queries.next_new(connection, params)
        if face is not None:
            return Today(_show(learner, face, None, now), counts, None, True, head.can_undo, topic)
    ahead = queries.next_learning(connection, params, now + LEARN_AHEAD)
    if ahead is not None:
        return Today(_show(learner, ahead[1], ahead[0], now), counts, None, True, head.can_undo, topic)
    has_history = bool(session.scalar(select(exists().where(ReviewLog.user_id == learner.id))))
    return Today(None, counts, summary(session, learner, now), has_history, head.can_undo, topic)


def summary(session: Session, learner: Learner, now: datetime) -> Summary:
    """The done screen: today's reviews, what is due next, and what more the learner could study."""
    day_start, day_end = learner.settings.study_day(now)
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((ReviewLog.rating > Rating.AGAIN, 1), else_=0)), 0),
            func.coalesce(func.sum(ReviewLog.duration_ms), 0),
        ).where(ReviewLog.user_id == learner.id, ReviewLog.reviewed_at >= day_start)
    ).one()
    live = (Card.user_id == learner.id, Card.suspended.is_(False))
    due_tomorrow = session.scalar(
        select(func.count()).where(*live, Card.due >= day_end, Card.due < day_end + timedelta(days=1))
    )
    next_due = session.scalar(select(func.min(Card.due)).where(*live, Card.due > now))
    ahead = session.scalar(
        select(
            exists().where(*live, Card.state == State.REVIEW, Card.due < day_end + timedelta(days=REVIEW_AHEAD_DAYS))
        )
    )
    more_new = session.scalar(
        select(
            exists().where(
                Question.study_order > 0,
                Question.retired_at.is_(None),
                ~exists().where(Card.user_id == learner.id, Card.question_id == Question.id),
            )
        )
    )
    return Summary(
        reviews=int(row[0]),
        correct=int(row[1]),
        seconds=int(row[2]) // 1000,
        due_tomorrow=int(due_tomorrow or 0),
        next_due=next_due,
        can_review_ahead=bool(ahead),
        more_new_available=bool(more_new),
    )


class Outcome(enum.Enum):
    APPLIED = "applied"
    REPLAYED = "replayed"  # this token was already applied: same result, nothing written
    STALE = "stale"  # the card changed since it was shown (another tab, an old page): nothing written
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    became_leech: bool = False


class _Changed(Exception):
    """The card was changed since it was read: abandon the write."""


def _replay_or_stale(session: Session, learner: Learner, token: str) -> Answer:
    seen = queries.token_seen(session.connection(), learner.id, token)
    return Answer(Outcome.REPLAYED if seen else Outcome.STALE)


def answer(
    session: Session,
    learner: Learner,
    *,
    question_id: int,
    card_id: int | None,
    version: int,
    token: str,
    rating: int,
    shown_at: datetime,
    now: datetime,
    fuzz: bool = True,
) -> Answer:
    """Apply one rating exactly once.

    Reads the card, computes the new state, then writes in one short transaction guarded by the
    card's version; a lost race, a replayed token or an answer from a stale page writes nothing.
    """
    connection = session.connection()
    stored: StoredCard | None = None
    if card_id is not None:
        stored = queries.read_card(connection, learner.id, card_id)
        if stored is None:
            return Answer(Outcome.NOT_FOUND)
        if stored.question_id != question_id or stored.version != version:
            return _replay_or_stale(session, learner, token)
    elif not queries.question_known(connection, question_id):
        return Answer(Outcome.NOT_FOUND)

    before = stored.snapshot if stored else None
    applied = review.apply_rating(
        before,
        Rating(rating),
        now=now,
        shown_at=shown_at,
        settings=learner.settings.scheduler(fuzz),
        seed=review.fuzz_seed(learner.id, question_id, before.reps if before else 0),
    )
    _, day_end = learner.settings.study_day(now)
    try:
        with writing(session):
            if stored is None:
                applied_to = queries.insert_card(connection, learner.id, question_id, applied.card, now)
            elif queries.update_card(connection, stored, applied.card, stored.introduced_at or now):
                applied_to = stored.id
            else:
                raise _Changed
            buried = queries.bury_siblings(connection, learner.id, question_id, day_end)
            log = applied.log
            queries.insert_log(
                connection,
                {
                    "card_id": applied_to,
                    "user_id": learner.id,
                    "token": token,
                    "rating": log.rating,
                    "reviewed_at": now,
                    "duration_ms": log.duration_ms,
                    "state_before": log.state_before,
                    "state_after": log.state_after,
                    "retrievability": log.retrievability,
                    "before": {"card": before.to_dict() if before else None, "buried": buried},
                    "stability_after": log.stability_after,
                    "difficulty_after": log.difficulty_after,
                    "due_after": log.due_after,
                },
            )
            progress.record_answer(
                connection,
                learner.settings,
                user_id=learner.id,
                card_id=applied_to,
                reviewed_at=now,
                rating=log.rating,
                state_before=log.state_before,
                retrievability=log.retrievability,
                duration_ms=log.duration_ms,
            )
    except (_Changed, IntegrityError):
        return _replay_or_stale(session, learner, token)
    return Answer(Outcome.APPLIED, became_leech=applied.became_leech)


def _restore(session: Session, learner: Learner, card_id: int, before: CardSnapshot | None) -> None:
    """Put a card back as it was; a card that did not exist before is deleted."""
    mine = (Card.id == card_id, Card.user_id == learner.id)
    if before is None:
        session.execute(delete(Card).where(*mine))
        return
    session.execute(
        update(Card)
        .where(*mine)
        .values(**before.columns(), version=Card.version + 1)
        .execution_options(synchronize_session=False)
    )


def undo(session: Session, learner: Learner, now: datetime) -> bool:
    """Take back the learner's last action of this study day (an answer, a bury or a suspend)."""
    day_start, _ = learner.settings.study_day(now)
    last_log = session.scalars(
        select(ReviewLog)
        .where(ReviewLog.user_id == learner.id, ReviewLog.reviewed_at >= day_start)
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        .limit(1)
    ).first()
    last_action = session.scalars(
        select(CardAction)
        .where(CardAction.user_id == learner.id, CardAction.acted_at >= day_start)
        .order_by(CardAction.acted_at.desc(), CardAction.id.desc())
        .limit(1)
    ).first()
    if last_log is None and last_action is None:
        return False
    with writing(session):
        if last_action is not None and (last_log is None or last_action.acted_at >= last_log.reviewed_at):
            before = CardSnapshot.from_dict(last_action.before) if last_action.before else None
            card_id = last_action.card_id
            session.execute(delete(CardAction).where(CardAction.id == last_action.id))
            _restore(session, learner, card_id, before)
        elif last_log is not None:
            saved = last_log.before or {"card": None, "buried": []}
            if "card" not in saved:  # written before siblings were buried: the card's columns alone
                saved = {"card": saved, "buried": []}
            session.execute(delete(ReviewLog).where(ReviewLog.id == last_log.id))
            card = CardSnapshot.from_dict(saved["card"]) if saved["card"] else None
            _restore(session, learner, last_log.card_id, card)
            if saved["buried"]:
                session.execute(
                    update(Card)
                    .where(Card.user_id == learner.id, Card.id.in_(saved["buried"]))
                    .values(buried_until=None, version=Card.version + 1)
                    .execution_options(synchronize_session=False)
                )
            progress.forget_answer(session.connection(), learner.settings, last_log)
    return True


def _change_card(
    session: Session, learner: Learner, question_id: int, now: datetime, action: str | None, **values: object
) -> bool:
    """Set some columns of the learner's card for a question (creating it if new), in one transaction.

    With an `action`, the change goes on the undo stack.
    """
    with writing(session):
        card = session.scalars(select(Card).where(Card.user_id == learner.id, Card.question_id == question_id)).first()
        before = None if card is None else CardSnapshot.of(card)
        if card is None:
            question = session.get(Question, question_id)
            if question is None or question.kind not in FLASHCARD_KINDS or question.retired_at is not None:
                return False
            # Not yet introduced: a card buried or suspended unseen uses up no new-card slot.
            new = CardSnapshot.new(now)
            card = Card(user_id=learner.id, question_id=question_id, introduced_at=None, version=1, **new.columns())
            session.add(card)
        for name, value in values.items():
            setattr(card, name, value)
        card.version = (card.version or 1) + 1  # an answer shown before this change is now stale
        if action is not None:
            session.flush()
            session.add(
                CardAction(
                    user_id=learner.id,
                    card_id=card.id,
                    action=action,
                    acted_at=now,
                    before=before.to_dict() if before else None,
                )
            )
    return True


def bury(session: Session, learner: Learner, question_id: int, now: datetime) -> bool:
    """Hide a card until the next study day."""
    _, day_end = learner.settings.study_day(now)
    return _change_card(session, learner, question_id, now, "bury", buried_until=day_end)


def set_suspended(session: Session, learner: Learner, question_id: int, suspended: bool, now: datetime) -> bool:
    """Suspend a card (out of every queue until unsuspended; undoable) or bring it back (no longer a leech)."""
    if suspended:
        return _change_card(session, learner, question_id, now, "suspend", suspended=True)
    return _change_card(session, learner, question_id, now, None, suspended=False, leech=False)


def suspended_cards(session: Session, learner: Learner) -> Sequence[Card]:
    return session.scalars(
        select(Card)
        .where(Card.user_id == learner.id, Card.suspended.is_(True))
        .options(joinedload(Card.question))
        .order_by(Card.id)
        .limit(500)
    ).all()
