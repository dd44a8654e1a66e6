"""Daily review: today's queue, answering a card exactly once, undo, bury and suspend.

A card row is created the first time its question is answered (or buried or suspended); until then
a flashcard question is a "new card" the queue can introduce. Answers are computed from a read of
the card, then written in one short transaction: UPDATE card ... WHERE version = <shown version>,
INSERT review_log (whose token is unique), COMMIT. A stale or replayed answer therefore changes
nothing, and the caller learns which of the two it was.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import (
    Float,
    Integer,
    Join,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload

from studyapp.core import scheduling
from studyapp.core.generation import DEFINITION_TO_TERM, FLASHCARD_KINDS, TERM_TO_DEFINITION
from studyapp.core.settings import LearnerSettings
from studyapp.models import Article, Card, KeyPoint, Question, ReviewLog, Term
from studyapp.services.prepared import Prepared
from studyapp.services.writes import write_lock

LEECH_LAPSES = 8
LEARN_AHEAD = timedelta(minutes=20)
MAX_DURATION = timedelta(minutes=10)

# A row of the queue's prepared statements (a named tuple): card columns, face columns, or both.
AnyRow = Any


class Learner(Protocol):
    """Who studies: the request's accounts.SessionUser, or a models.User (both carry their settings)."""

    @property
    def id(self) -> int: ...
    @property
    def settings(self) -> LearnerSettings: ...


def _state_of(card: AnyRow | None) -> scheduling.CardState:
    """The scheduler's view of a card row; no row, or never reviewed, is a new card."""
    if card is None or card.last_review is None:
        return scheduling.NEW
    return scheduling.CardState(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def fuzz_seed(user_id: int, question_id: int, reps: int) -> str:
    """The same seed for a button's preview and for the answer it sends."""
    return f"{user_id}:{question_id}:{reps}"


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class TermRef:
    slug: str
    label: str


@dataclass(frozen=True)
class ArticleRef:
    slug: str
    title: str


@dataclass(frozen=True)
class Face:
    """What a card shows: its question's text and where that comes from."""

    id: int
    kind: str
    prompt: str
    answer: str
    explanation: str
    basis: str  # "source" or "supplementary": the key point's, else the term's
    term: TermRef | None
    article: ArticleRef | None


@dataclass(frozen=True)
class ShownCard:
    """A card as the review page shows it, with its one-time token and the version it was read at."""

    question: Face
    card_id: int | None
    version: int
    queue: str  # "new", "learning" or "review"
    retrievability: float | None
    intervals: dict[int, str]
    token: str
    shown_at: datetime
    lapses: int


@dataclass(frozen=True)
class Summary:
    reviews: int
    correct: int
    seconds: int
    due_tomorrow: int

    @property
    def correct_percent(self) -> int:
        return round(100 * self.correct / self.reviews) if self.reviews else 0


@dataclass(frozen=True)
class Today:
    card: ShownCard | None
    counts: Counts
    summary: Summary | None
    has_history: bool


def _day(user: Learner, now: datetime) -> tuple[datetime, datetime]:
    return user.settings.study_day(now)


# The review queue and the answer step run Core statements built once, with named parameters, as
# Prepared statements on the session's connection, and read plain rows: building statements,
# executing them through SQLAlchemy and loading ORM objects cost more Python time per request than
# SQLite takes to run the queries.
CARD_TABLE = cast(Table, Card.__table__)
REVIEW_LOG_TABLE = cast(Table, ReviewLog.__table__)

_CARD_COLUMNS = (
    Card.id,
    Card.question_id,
    Card.state,
    Card.step,
    Card.stability,
    Card.difficulty,
    Card.due,
    Card.last_review,
    Card.reps,
    Card.lapses,
    Card.version,
    Card.suspended,
    Card.leech,
    Card.buried_until,
)
_FACE_COLUMNS = (
    Question.id.label("face_id"),
    Question.kind.label("face_kind"),
    Question.prompt.label("face_prompt"),
    Question.answer.label("face_answer"),
    Question.explanation.label("face_explanation"),
    Term.slug.label("term_slug"),
    Term.name.label("term_name"),
    Term.acronym.label("term_acronym"),
    Term.basis.label("term_basis"),
    Article.slug.label("article_slug"),
    Article.title.label("article_title"),
    KeyPoint.basis.label("key_point_basis"),
)


def _with_face_sources(questions: Join | Table) -> Join:
    """A FROM clause holding questions, joined to what a face shows of their term, article and key point."""
    return (
        questions.outerjoin(Term, Question.term_id == Term.id)
        .outerjoin(Article, Question.article_id == Article.id)
        .outerjoin(KeyPoint, Question.key_point_id == KeyPoint.id)
    )


_FACES = _with_face_sources(cast(Table, Question.__table__))
_CARD_FACES = _with_face_sources(CARD_TABLE.join(Question, Card.question_id == Question.id))


def _face(row: AnyRow) -> Face:
    term = None
    if row.term_slug is not None:
        label = f"{row.term_name} ({row.term_acronym})" if row.term_acronym else row.term_name
        term = TermRef(row.term_slug, label)
    article = ArticleRef(row.article_slug, row.article_title) if row.article_slug is not None else None
    return Face(
        id=row.face_id,
        kind=row.face_kind,
        prompt=row.face_prompt,
        answer=row.face_answer,
        explanation=row.face_explanation,
        basis=row.key_point_basis or row.term_basis or "supplementary",
        term=term,
        article=article,
    )


# Learning or relearning (two equalities, not an IN list, which would be expanded per query): with
# ix_card_user_queue leading on (user_id, state, due), both are ranges of the index.
_LEARNING_STATES = or_(Card.state == scheduling.LEARNING, Card.state == scheduling.RELEARNING)
_AVAILABLE = and_(Card.suspended.is_(False), or_(Card.buried_until.is_(None), Card.buried_until <= bindparam("now")))
_FORWARD = aliased(Question, name="forward")
_FORWARD_CARD = aliased(Card, name="forward_card")
_OWN_CARD = aliased(Card, name="own_card")

# Live flashcard questions this user has no card for. A reverse card (definition -> term) waits
# until its forward card was introduced on an earlier study day, so the two sides of a term are
# never learnt on the same day. The check is a nested EXISTS driven from the forward question
# (index on term_id) to its card (unique user/question index): as a join, SQLite scanned every
# card of the learner for each question.
_FLASHCARD = Question.study_order > 0  # only flashcards have a place in the study order
_NEW_QUESTIONS = and_(
    _FLASHCARD,
    Question.retired_at.is_(None),
    ~exists().where(_OWN_CARD.user_id == bindparam("user_id"), _OWN_CARD.question_id == Question.id),
    or_(
        Question.kind != DEFINITION_TO_TERM,
        select(_FORWARD.id)
        .where(
            _FORWARD.term_id == Question.term_id,
            _FORWARD.kind == TERM_TO_DEFINITION,
            exists().where(
                _FORWARD_CARD.user_id == bindparam("user_id"),
                _FORWARD_CARD.question_id == _FORWARD.id,
                _FORWARD_CARD.introduced_at < bindparam("day_start"),
            ),
        )
        .exists(),
    ),
)

# How many new cards are left, counting only up to the day's limit. A learner who has a card for
# every live flashcard question (the number of live ones against the learner's cards, less those
# on retired questions: counts over index entries) has none, and the scan is skipped: it probes
# the learner's cards once per question, and was the slowest query of the page. The subqueries
# name their own card alias, so they never correlate with the counting query's card rows.
_OTHER_CARD = aliased(Card, name="other_card")
_LIVE_FLASHCARDS = select(func.count()).where(_FLASHCARD, Question.retired_at.is_(None)).scalar_subquery()
_CARDS_ON_RETIRED = (
    select(func.count())
    .where(
        Question.retired_at.is_not(None),
        exists().where(_OTHER_CARD.user_id == bindparam("user_id"), _OTHER_CARD.question_id == Question.id),
    )
    .scalar_subquery()
)
_NEW_UP_TO_LIMIT = (
    select(func.count())
    .select_from(select(Question.id).where(_NEW_QUESTIONS).limit(bindparam("new_per_day", type_=Integer)).subquery())
    .scalar_subquery()
)


def _count_cards(*conditions: Any) -> Any:
    """How many of the learner's cards meet the conditions: a count over a range of an index."""
    return (
        select(func.count())
        .select_from(CARD_TABLE)
        .where(Card.user_id == bindparam("user_id"), *conditions)
        .scalar_subquery()
    )


_INTRODUCED_TODAY = _count_cards(Card.introduced_at >= bindparam("day_start"))  # ix_card_user_introduced
_REVIEWED_TODAY = (
    select(func.count())
    .where(
        ReviewLog.user_id == bindparam("user_id"),
        ReviewLog.reviewed_at >= bindparam("day_start"),
        ReviewLog.state_before == scheduling.REVIEW,
    )
    .scalar_subquery()
)

# Today's counts in one statement, each a range of an index: learning due soon and reviews due
# today (ix_card_user_queue), cards introduced today (ix_card_user_introduced), reviews done today
# (ix_review_log_user_time), and new cards up to the limit.
_COUNT_NAMES = ("learning", "review_due", "introduced", "reviewed", "new")
_COUNTS = select(
    _count_cards(_LEARNING_STATES, Card.due <= bindparam("ahead"), _AVAILABLE).label("learning"),
    _count_cards(Card.state == scheduling.REVIEW, Card.due < bindparam("day_end"), _AVAILABLE).label("review_due"),
    _INTRODUCED_TODAY.label("introduced"),
    _REVIEWED_TODAY.label("reviewed"),
    case(
        (
            or_(
                _count_cards() - _CARDS_ON_RETIRED >= _LIVE_FLASHCARDS,
                bindparam("new_per_day", type_=Integer) <= _INTRODUCED_TODAY,
            ),
            0,
        ),
        else_=_NEW_UP_TO_LIMIT,
    ).label("new"),
)
_NEW_PICK = (
    select(*_FACE_COLUMNS)
    .select_from(_FACES)
    .where(_NEW_QUESTIONS)
    .order_by(Question.study_order, Question.id)
    .limit(1)
)
# The learner's learning and relearning cards due by `until`, soonest first.
_LEARNING_DUE_BY = and_(
    Card.user_id == bindparam("user_id"), _LEARNING_STATES, Card.due <= bindparam("until"), _AVAILABLE
)
_DUE_LEARNING = (
    select(*_CARD_COLUMNS, *_FACE_COLUMNS).select_from(_CARD_FACES).where(_LEARNING_DUE_BY).order_by(Card.due).limit(1)
)


def _most_overdue(dialect: str) -> Any:
    """The id of the due review card with the lowest retrievability, computed in the database.

    For one learner every card decays with the same exponent, so retrievability falls as
    elapsed days / stability grows: the largest ratio is the card most likely forgotten. The
    card is chosen from the index alone.
    """
    if dialect == "sqlite":
        last_review_days: Any = func.julianday(Card.last_review)
    else:  # days since the Julian epoch, as SQLite's julianday() counts them
        last_review_days = func.extract("epoch", Card.last_review) / 86400.0 + 2440587.5
    overdue = (bindparam("now_days", type_=Float) - last_review_days) / func.coalesce(Card.stability, 0.01)
    return (
        select(Card.id)
        .where(
            Card.user_id == bindparam("user_id"),
            Card.state == scheduling.REVIEW,
            Card.due < bindparam("day_end"),
            _AVAILABLE,
        )
        .order_by(overdue.desc(), Card.id)
        .limit(1)
        .scalar_subquery()
    )


_LEARNING_DUE_NOW = select(Card.id).where(_LEARNING_DUE_BY).order_by(Card.due).limit(1).scalar_subquery()


def _queue_head(dialect: str) -> Select[*tuple[Any, ...]]:
    """Today's counts and the card to show next, in one statement (one row, always).

    The next card is a learning card due now, else the most overdue review while the day's
    review limit is not reached; its card and face columns are NULL when there is neither, and
    the caller then looks for a new card or a learning card due soon. The picks are chosen from
    ix_card_user_queue alone; only the chosen card is joined to its question.
    """
    under_review_limit = bindparam("reviews_per_day", type_=Integer) > _REVIEWED_TODAY
    pick_id = func.coalesce(_LEARNING_DUE_NOW, case((under_review_limit, _most_overdue(dialect))))
    head = select(*_COUNTS.selected_columns, pick_id.label("pick_id")).subquery("head")
    picked = _with_face_sources(
        head.outerjoin(CARD_TABLE, Card.id == head.c.pick_id).outerjoin(Question, Card.question_id == Question.id)
    )
    return select(*(head.c[name] for name in _COUNT_NAMES), *_CARD_COLUMNS, *_FACE_COLUMNS).select_from(picked)


_QUEUE_HEAD = Prepared(_queue_head)
_NEXT_NEW = Prepared(_NEW_PICK)
_NEXT_LEARNING = Prepared(_DUE_LEARNING)


def _queue_params(user: Learner, now: datetime, day: tuple[datetime, datetime]) -> dict[str, Any]:
    day_start, day_end = day
    return {
        "user_id": user.id,
        "now": now,
        "until": now,  # learning cards due now; learning ahead passes now + LEARN_AHEAD
        "ahead": now + LEARN_AHEAD,
        "day_start": day_start,
        "day_end": day_end,
        "new_per_day": user.settings.new_per_day,
        "reviews_per_day": user.settings.reviews_per_day,
        "now_days": now.timestamp() / 86400.0 + 2440587.5,
    }


def _tally(user: Learner, row: AnyRow) -> Counts:
    learning, review_due, introduced, reviewed, new = (int(getattr(row, name) or 0) for name in _COUNT_NAMES)
    review = max(0, min(review_due, user.settings.reviews_per_day - reviewed))
    new_left = max(0, user.settings.new_per_day - introduced)
    return Counts(new=min(new, new_left), learning=learning, review=review)


def due_learning(user: Learner, until: datetime) -> Select[*tuple[Any, ...]]:
    """The user's next learning or relearning card due by `until`: a range scan of ix_card_user_queue."""
    return _DUE_LEARNING.params(user_id=user.id, until=until, now=until)


def _queue_of(card: AnyRow) -> str:
    if card.state == scheduling.REVIEW:
        return "review"
    return "new" if card.last_review is None else "learning"


def _next(
    session: Session, user: Learner, now: datetime, day: tuple[datetime, datetime]
) -> tuple[Counts, AnyRow | None, str]:
    """Today's counts, and the next card (a row of card and face columns, or only face columns for
    a new card) with its queue: learning due now, then reviews (lowest retrievability first), then
    new, then learning due soon. Usually one statement; the last two cases take one or two more.
    """
    connection = session.connection()
    params = _queue_params(user, now, day)
    head = _QUEUE_HEAD.first(connection, params)
    tally = _tally(user, head)
    if head.id is not None:
        return tally, head, _queue_of(head)
    if tally.new:
        new = _NEXT_NEW.first(connection, params)
        if new is not None:
            return tally, new, "new"
    ahead = _NEXT_LEARNING.first(connection, {**params, "until": now + LEARN_AHEAD})
    if ahead is not None:
        return tally, ahead, "learning"
    return tally, None, ""


def show(user: Learner, row: AnyRow, queue: str, now: datetime) -> ShownCard:
    """A picked row as the page shows it; a row without card columns is a new card."""
    card = row if "version" in row._fields else None
    face = _face(row)
    settings = user.settings.scheduler()
    state = _state_of(card)
    seed = fuzz_seed(user.id, face.id, card.reps if card else 0)
    intervals = scheduling.preview(settings, state, now, seed)
    return ShownCard(
        question=face,
        card_id=card.id if card else None,
        version=card.version if card else 0,
        queue=queue,
        retrievability=scheduling.retrievability(settings, state, now),
        intervals={rating: scheduling.format_interval(value) for rating, value in intervals.items()},
        token=secrets.token_urlsafe(18),
        shown_at=now,
        lapses=card.lapses if card else 0,
    )


def today(session: Session, user: Learner, now: datetime) -> Today:
    """What the review page shows now: the next card and the counts, or the day's summary."""
    tally, row, queue = _next(session, user, now, _day(user, now))
    if row is None:
        has_history = session.scalar(select(exists().where(ReviewLog.user_id == user.id))) or False
        return Today(card=None, counts=tally, summary=summary(session, user, now), has_history=bool(has_history))
    return Today(card=show(user, row, queue, now), counts=tally, summary=None, has_history=True)


def summary(session: Session, user: Learner, now: datetime) -> Summary:
    day_start, day_end = _day(user, now)
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((ReviewLog.rating > scheduling.AGAIN, 1), else_=0)), 0),
            func.coalesce(func.sum(ReviewLog.duration_ms), 0),
        ).where(ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= day_start)
    ).one()
    due_tomorrow = session.scalar(
        select(func.count()).where(
            Card.user_id == user.id,
            Card.suspended.is_(False),
            Card.due >= day_end,
            Card.due < day_end + timedelta(days=1),
        )
    )
    return Summary(
        reviews=int(row[0]), correct=int(row[1]), seconds=int(row[2]) // 1000, due_tomorrow=int(due_tomorrow or 0)
    )


class Outcome(enum.Enum):
    APPLIED = "applied"
    REPLAYED = "replayed"  # this token was already applied: same result, nothing written
    STALE = "stale"  # the card changed since it was shown (another tab): nothing written
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    became_leech: bool = False


def _columns(card: AnyRow) -> dict[str, Any]:
    return {
        "state": card.state,
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due.isoformat(),
        "last_review": card.last_review.isoformat() if card.last_review else None,
        "reps": card.reps,
        "lapses": card.lapses,
        "suspended": card.suspended,
        "leech": card.leech,
        "buried_until": card.buried_until.isoformat() if card.buried_until else None,
    }


_READ_CARD = Prepared(
    select(*_CARD_COLUMNS).where(Card.id == bindparam("card_id"), Card.user_id == bindparam("user_id"))
)
_QUESTION_KNOWN = select(
    exists().where(Question.id == bindparam("question_id"), _FLASHCARD, Question.retired_at.is_(None))
)
_TOKEN_SEEN = select(exists().where(ReviewLog.token == bindparam("token"), ReviewLog.user_id == bindparam("user_id")))
# The columns an answer sets; an INSERT or UPDATE is prepared for exactly these.
_ANSWER_COLUMNS = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "buried_until",
    "suspended",
    "leech",
    "version",
)
_INSERT_CARD = Prepared(
    insert(CARD_TABLE).returning(CARD_TABLE.c.id),
    columns=(*_ANSWER_COLUMNS, "user_id", "question_id", "introduced_at"),
)
_UPDATE_CARD = Prepared(
    update(CARD_TABLE).where(
        CARD_TABLE.c.id == bindparam("card_id"), CARD_TABLE.c.version == bindparam("shown_version")
    ),
    columns=_ANSWER_COLUMNS,
)
_INSERT_LOG = Prepared(
    insert(REVIEW_LOG_TABLE),
    columns=(
        "card_id",
        "user_id",
        "token",
        "rating",
        "reviewed_at",
        "duration_ms",
        "state_before",
        "state_after",
        "retrievability",
        "before",
        "stability_after",
        "difficulty_after",
        "due_after",
    ),
)


def _replay_or_stale(session: Session, user: Learner, token: str) -> Answer:
    session.rollback()
    seen = session.connection().execute(_TOKEN_SEEN, {"token": token, "user_id": user.id}).scalar()
    return Answer(Outcome.REPLAYED if seen else Outcome.STALE)


def answer(
    session: Session,
    user: Learner,
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
    card's version; a lost race, a replayed token or an answer from a stale tab writes nothing.
    """
    connection = session.connection()
    card: AnyRow | None = None
    if card_id is not None:
        card = _READ_CARD.first(connection, {"card_id": card_id, "user_id": user.id})
        if card is None:
            return Answer(Outcome.NOT_FOUND)
        if card.question_id != question_id or card.version != version:
            return _replay_or_stale(session, user, token)
    elif not connection.execute(_QUESTION_KNOWN, {"question_id": question_id}).scalar():
        return Answer(Outcome.NOT_FOUND)

    before = _state_of(card)
    reps = card.reps if card else 0
    outcome = scheduling.review(
        user.settings.scheduler(fuzz), before, rating, now, fuzz_seed(user.id, question_id, reps)
    )
    after = outcome.card
    lapsed = before.state == scheduling.REVIEW and not before.is_new and rating == scheduling.AGAIN
    lapses = (card.lapses if card else 0) + (1 if lapsed else 0)
    leech = lapsed and lapses >= LEECH_LAPSES
    values: dict[str, Any] = {
        "state": after.state,
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": after.due,
        "last_review": after.last_review,
        "reps": reps + 1,
        "lapses": lapses,
        "buried_until": None,
        "suspended": leech or (card.suspended if card else False),
        "leech": leech or (card.leech if card else False),
    }
    duration = min(max(now - shown_at, timedelta(0)), MAX_DURATION)
    with write_lock(session):
        try:
            if card is None:
                values.update(user_id=user.id, question_id=question_id, introduced_at=now, version=1)
                applied_to = _INSERT_CARD.scalar(connection, values)
            else:
                changed = _UPDATE_CARD.rowcount(
                    connection, {**values, "card_id": card.id, "shown_version": version, "version": version + 1}
                )
                if changed != 1:
                    return _replay_or_stale(session, user, token)
                applied_to = card.id
            _INSERT_LOG.rowcount(
                connection,
                {
                    "card_id": applied_to,
                    "user_id": user.id,
                    "token": token,
                    "rating": rating,
                    "reviewed_at": now,
                    "duration_ms": int(duration.total_seconds() * 1000),
                    "state_before": before.state if not before.is_new else 0,
                    "state_after": after.state,
                    "retrievability": outcome.retrievability_before,
                    "before": _columns(card) if card else None,
                    "stability_after": after.stability,
                    "difficulty_after": after.difficulty,
                    "due_after": after.due,
                },
            )
            session.commit()
        except IntegrityError:
            return _replay_or_stale(session, user, token)
    return Answer(Outcome.APPLIED, became_leech=leech)


def undo(session: Session, user: Learner, now: datetime) -> bool:
    """Take back the user's last answer of this study day: restore the card exactly, drop the log row."""
    day_start, _ = _day(user, now)
    last = session.scalars(
        select(ReviewLog)
        .where(ReviewLog.user_id == user.id, ReviewLog.reviewed_at >= day_start)
        .order_by(ReviewLog.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return False
    with write_lock(session):
        if last.before is None:
            session.execute(delete(Card).where(Card.id == last.card_id, Card.user_id == user.id))
        else:
            b = last.before
            session.execute(
                update(Card)
                .where(Card.id == last.card_id, Card.user_id == user.id)
                .values(
                    state=b["state"],
                    step=b["step"],
                    stability=b["stability"],
                    difficulty=b["difficulty"],
                    due=datetime.fromisoformat(b["due"]),
                    last_review=datetime.fromisoformat(b["last_review"]) if b["last_review"] else None,
                    reps=b["reps"],
                    lapses=b["lapses"],
                    suspended=b["suspended"],
                    leech=b["leech"],
                    buried_until=datetime.fromisoformat(b["buried_until"]) if b["buried_until"] else None,
                    version=Card.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            session.execute(delete(ReviewLog).where(ReviewLog.id == last.id))
        session.commit()
    return True


def _card_for(session: Session, user: Learner, question_id: int, now: datetime) -> Card | None:
    """The user's card for a question, created (as a new card) if it has none yet."""
    card = session.scalars(select(Card).where(Card.user_id == user.id, Card.question_id == question_id)).first()
    if card is not None:
        return card
    question = session.get(Question, question_id)
    if question is None or question.kind not in FLASHCARD_KINDS:
        return None
    card = Card(
        user_id=user.id,
        question_id=question_id,
        state=scheduling.LEARNING,
        step=0,
        due=now,
        introduced_at=now,
        reps=0,
        lapses=0,
        version=1,
        suspended=False,
        leech=False,
    )
    session.add(card)
    return card


def _change_card(session: Session, user: Learner, question_id: int, now: datetime, **values: Any) -> bool:
    """Set some columns of the user's card for a question (creating it if new), in one transaction."""
    with write_lock(session):
        card = _card_for(session, user, question_id, now)
        if card is None:
            session.rollback()
            return False
        for name, value in values.items():
            setattr(card, name, value)
        card.version = (card.version or 1) + 1  # an answer shown before this change is now stale
        session.commit()
    return True


def bury(session: Session, user: Learner, question_id: int, now: datetime) -> bool:
    """Hide a card until the next study day."""
    _, day_end = _day(user, now)
    return _change_card(session, user, question_id, now, buried_until=day_end)


def set_suspended(session: Session, user: Learner, question_id: int, suspended: bool, now: datetime) -> bool:
    """Suspend a card (out of every queue until unsuspended) or bring it back (no longer a leech)."""
    if suspended:
        return _change_card(session, user, question_id, now, suspended=True)
    return _change_card(session, user, question_id, now, suspended=False, leech=False)


def suspended_cards(session: Session, user: Learner) -> Sequence[Card]:
    return session.scalars(
        select(Card)
        .where(Card.user_id == user.id, Card.suspended.is_(True))
        .options(joinedload(Card.question))
        .order_by(Card.id)
        .limit(500)
    ).all()
