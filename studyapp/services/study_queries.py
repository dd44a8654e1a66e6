"""The review hot path's statements: today's counts and next card, and an answer's writes.

This is the one study module that runs `Prepared` statements (a lint rule keeps it so; see
services/prepared.py for what they give up). Each statement is built once, tuned to an index, and
guarded by the statement-count and EXPLAIN tests in tests/services/test_study_queries.py. Every
function returns typed values; no row leaves this module.

The queue reads only index ranges of the learner's cards (ix_card_user_queue leads on user, state,
due), so it costs the same whatever the size of the card table. A topic (a zone or an article)
narrows every count and pick to that topic's questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from studyapp.core.generation import DEFINITION_TO_TERM, TERM_TO_DEFINITION
from studyapp.core.review import CardSnapshot
from studyapp.core.scheduling import State
from studyapp.models import Card, CardAction, Question, QuestionSibling, ReviewLog
from studyapp.services.faces import FACE_COLUMNS, QUESTIONS, Face, face_of, with_face_sources
from studyapp.services.prepared import Prepared

LEARN_AHEAD = timedelta(minutes=20)  # learning cards due this soon are shown when nothing else is
TOPIC_KINDS = ("zone", "article")

CARDS = cast(Table, Card.__table__)
REVIEW_LOGS = cast(Table, ReviewLog.__table__)
SIBLINGS = cast(Table, QuestionSibling.__table__)

_CARD_COLUMNS = (
    Card.id,
    Card.question_id,
    Card.version,
    Card.introduced_at,
    Card.state,
    Card.step,
    Card.stability,
    Card.difficulty,
    Card.due,
    Card.last_review,
    Card.reps,
    Card.lapses,
    Card.suspended,
    Card.leech,
    Card.buried_until,
)


@dataclass(frozen=True)
class StoredCard:
    """A learner's card as read: its identity, its version (for the optimistic write) and its state."""

    id: int
    question_id: int
    version: int
    introduced_at: datetime | None
    snapshot: CardSnapshot


@dataclass(frozen=True)
class Topic:
    """A zone or an article (by id) that a study session is limited to."""

    kind: str  # "zone" or "article"
    id: int


@dataclass(frozen=True)
class QueueParams:
    """Everything the queue's statements are bound to, for one learner at one moment."""

    user_id: int
    now: datetime
    day_start: datetime
    day_end: datetime
    new_per_day: int
    reviews_per_day: int
    review_until: datetime  # reviews due before this are shown: the day's end, later to review ahead
    topic: Topic | None = None

    def bind(self) -> dict[str, Any]:
        values = {
            "user_id": self.user_id,
            "now": self.now,
            "until": self.now,  # learning cards due now; the learn-ahead pick passes now + LEARN_AHEAD
            "ahead": self.now + LEARN_AHEAD,
            "day_start": self.day_start,
            "review_until": self.review_until,
            "new_per_day": self.new_per_day,
            "reviews_per_day": self.reviews_per_day,
            "now_days": self.now.timestamp() / 86400.0 + 2440587.5,
        }
        if self.topic is not None:
            values["topic_id"] = self.topic.id
        return values


@dataclass(frozen=True)
class QueueHead:
    """Today's raw counts, whether there is anything to undo, and the card to show next (if any)."""

    learning: int
    review_due: int
    introduced: int
    reviewed: int
    new: int
    can_undo: bool
    card: StoredCard | None
    face: Face | None


def _stored(row: Any) -> StoredCard:
    return StoredCard(
        id=row.id,
        question_id=row.question_id,
        version=row.version,
        introduced_at=row.introduced_at,
        snapshot=CardSnapshot.of(row),
    )


# --- conditions -----------------------------------------------------------------------------

# Learning or relearning (two equalities, not an IN list, which would be expanded per query): with
# ix_card_user_queue leading on (user_id, state, due), both are ranges of the index.
_LEARNING_STATES = or_(Card.state == State.LEARNING, Card.state == State.RELEARNING)
_AVAILABLE = and_(Card.suspended.is_(False), or_(Card.buried_until.is_(None), Card.buried_until <= bindparam("now")))
_FLASHCARD = Question.study_order > 0  # only flashcards have a place in the study order
_OWN_CARD = aliased(Card, name="own_card")
_FORWARD = aliased(Question, name="forward")
_FORWARD_CARD = aliased(Card, name="forward_card")
_SIBLING = aliased(QuestionSibling, name="sibling")
_SIBLING_CARD = aliased(Card, name="sibling_card")
_TOPIC_QUESTION = aliased(Question, name="topic_question")


def _in_topic(question: Any, kind: str | None) -> Any:
    """The question is in the bound topic (always true without one)."""
    if kind is None:
        return None
    column = question.zone_id if kind == "zone" else question.article_id
    return column == bindparam("topic_id")


def _card_in_topic(kind: str | None) -> Any:
    if kind is None:
        return None
    return exists().where(_TOPIC_QUESTION.id == Card.question_id, _in_topic(_TOPIC_QUESTION, kind))


def _where(*conditions: Any) -> list[Any]:
    return [c for c in conditions if c is not None]


def _new_questions(kind: str | None) -> Any:
    """Live flashcard questions the learner has no card for and may meet today.

    A reverse card (definition -> term) waits until its forward card was introduced on an earlier
    study day, and no question is introduced on a day one of its siblings was studied (answered
    or introduced). Both checks are nested EXISTS driven by indexes (term_id; the sibling table's
    key; the unique user/question index of cards).
    """
    return and_(
        *_where(
            _FLASHCARD,
            Question.retired_at.is_(None),
            _in_topic(Question, kind),
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
            ~exists().where(
                _SIBLING.question_id == Question.id,
                _SIBLING_CARD.user_id == bindparam("user_id"),
                _SIBLING_CARD.question_id == _SIBLING.sibling_id,
                or_(
                    _SIBLING_CARD.last_review >= bindparam("day_start"),
                    _SIBLING_CARD.introduced_at >= bindparam("day_start"),
                ),
            ),
        )
    )


def _count_cards(kind: str | None, *conditions: Any) -> Any:
    """How many of the learner's cards meet the conditions: a count over a range of an index."""
    return (
        select(func.count())
        .select_from(CARDS)
        .where(Card.user_id == bindparam("user_id"), *_where(_card_in_topic(kind), *conditions))
        .scalar_subquery()
    )


_REVIEWED_TODAY = (
    select(func.count())
    .where(
        ReviewLog.user_id == bindparam("user_id"),
        ReviewLog.reviewed_at >= bindparam("day_start"),
        ReviewLog.state_before == State.REVIEW,
    )
    .scalar_subquery()
)
_CAN_UNDO = or_(
    exists().where(ReviewLog.user_id == bindparam("user_id"), ReviewLog.reviewed_at >= bindparam("day_start")),
    exists().where(CardAction.user_id == bindparam("user_id"), CardAction.acted_at >= bindparam("day_start")),
)
_COUNT_NAMES = ("learning", "review_due", "introduced", "reviewed", "new", "can_undo")


def _counts(kind: str | None) -> Select[*tuple[Any, ...]]:
    """Today's counts in one statement, each a range of an index.

    Learning due soon and reviews due (ix_card_user_queue), cards introduced today
    (ix_card_user_introduced), reviews done today (ix_review_log_user_time), and new cards up to
    the limit. A learner with a card for every live flashcard question has no new cards, and the
    scan for them (which probes the learner's cards once per question) is skipped.
    """
    other_card = aliased(Card, name="other_card")
    live = select(func.count()).where(_FLASHCARD, Question.retired_at.is_(None)).scalar_subquery()
    on_retired = (
        select(func.count())
        .where(
            Question.retired_at.is_not(None),
            exists().where(other_card.user_id == bindparam("user_id"), other_card.question_id == Question.id),
        )
        .scalar_subquery()
    )
    introduced = _count_cards(None, Card.introduced_at >= bindparam("day_start"))
    new_up_to_limit = (
        select(func.count())
        .select_from(
            select(Question.id).where(_new_questions(kind)).limit(bindparam("new_per_day", type_=Integer)).subquery()
        )
        .scalar_subquery()
    )
    return select(
        _count_cards(kind, _LEARNING_STATES, Card.due <= bindparam("ahead"), _AVAILABLE).label("learning"),
        _count_cards(kind, Card.state == State.REVIEW, Card.due < bindparam("review_until"), _AVAILABLE).label(
            "review_due"
        ),
        introduced.label("introduced"),
        _REVIEWED_TODAY.label("reviewed"),
        case(
            (
                or_(
                    _count_cards(None) - on_retired >= live,
                    bindparam("new_per_day", type_=Integer) <= introduced,
                ),
                0,
            ),
            else_=new_up_to_limit,
        ).label("new"),
        _CAN_UNDO.label("can_undo"),
    )


def _learning_due_by(kind: str | None) -> Any:
    """The learner's learning and relearning cards due by `until`."""
    return and_(
        *_where(
            Card.user_id == bindparam("user_id"),
            _LEARNING_STATES,
            Card.due <= bindparam("until"),
            _AVAILABLE,
            _card_in_topic(kind),
        )
    )


def _most_overdue(dialect: str, kind: str | None) -> Any:
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
            *_where(
                Card.user_id == bindparam("user_id"),
                Card.state == State.REVIEW,
                Card.due < bindparam("review_until"),
                _AVAILABLE,
                _card_in_topic(kind),
            )
        )
        .order_by(overdue.desc(), Card.id)
        .limit(1)
        .scalar_subquery()
    )


def _queue_head(kind: str | None) -> Any:
    def build(dialect: str) -> Select[*tuple[Any, ...]]:
        """Today's counts and the card to show next, in one statement (one row, always).

        The next card is a learning card due now, else the most overdue review while the day's
        review limit is not reached; its columns are NULL when there is neither, and the caller
        then looks for a new card or a learning card due soon. Picks come from ix_card_user_queue
        alone; only the chosen card is joined to its question.
        """
        counts = _counts(kind)
        under_review_limit = bindparam("reviews_per_day", type_=Integer) > _REVIEWED_TODAY
        learning_now = select(Card.id).where(_learning_due_by(kind)).order_by(Card.due).limit(1).scalar_subquery()
        pick_id = func.coalesce(learning_now, case((under_review_limit, _most_overdue(dialect, kind))))
        head = select(*counts.selected_columns, pick_id.label("pick_id")).subquery("head")
        picked = with_face_sources(
            head.outerjoin(CARDS, Card.id == head.c.pick_id).outerjoin(Question, Card.question_id == Question.id)
        )
        return select(*(head.c[name] for name in _COUNT_NAMES), *_CARD_COLUMNS, *FACE_COLUMNS).select_from(picked)

    return build


def _next_new(kind: str | None) -> Select[*tuple[Any, ...]]:
    return (
        select(*FACE_COLUMNS)
        .select_from(with_face_sources(QUESTIONS))
        .where(_new_questions(kind))
        .order_by(Question.study_order, Question.id)
        .limit(1)
    )


def _next_learning(kind: str | None) -> Select[*tuple[Any, ...]]:
    card_faces = with_face_sources(CARDS.join(Question, Card.question_id == Question.id))
    return (
        select(*_CARD_COLUMNS, *FACE_COLUMNS)
        .select_from(card_faces)
        .where(_learning_due_by(kind))
        .order_by(Card.due)
        .limit(1)
    )


_KINDS: tuple[str | None, ...] = (None, *TOPIC_KINDS)
_QUEUE_HEAD = {kind: Prepared(_queue_head(kind)) for kind in _KINDS}
_NEXT_NEW = {kind: Prepared(_next_new(kind)) for kind in _KINDS}
_NEXT_LEARNING = {kind: Prepared(_next_learning(kind)) for kind in _KINDS}


def queue_head(connection: Connection, params: QueueParams) -> QueueHead:
    """Today's counts and the learning card due now or the most overdue review: one statement."""
    kind = params.topic.kind if params.topic else None
    row = _QUEUE_HEAD[kind].first(connection, params.bind())
    picked = row.id is not None
    return QueueHead(
        learning=int(row.learning or 0),
        review_due=int(row.review_due or 0),
        introduced=int(row.introduced or 0),
        reviewed=int(row.reviewed or 0),
        new=int(row.new or 0),
        can_undo=bool(row.can_undo),
        card=_stored(row) if picked else None,
        face=face_of(row) if picked else None,
    )


def next_new(connection: Connection, params: QueueParams) -> Face | None:
    """The first new card in study order the learner may meet today."""
    kind = params.topic.kind if params.topic else None
    row = _NEXT_NEW[kind].first(connection, params.bind())
    return None if row is None else face_of(row)


def next_learning(connection: Connection, params: QueueParams, until: datetime) -> tuple[StoredCard, Face] | None:
    """The learner's learning card due soonest, if due by `until`."""
    kind = params.topic.kind if params.topic else None
    row = _NEXT_LEARNING[kind].first(connection, {**params.bind(), "until": until})
    return None if row is None else (_stored(row), face_of(row))


def explain_next_learning(params: QueueParams, until: datetime) -> Select[*tuple[Any, ...]]:
    """The learning pick as a plain statement with its parameters bound (for EXPLAIN in tests)."""
    kind = params.topic.kind if params.topic else None
    return _next_learning(kind).params(**{**params.bind(), "until": until})


def explain_queue_head(params: QueueParams, dialect: str) -> Select[*tuple[Any, ...]]:
    """The queue head as a plain statement with its parameters bound (for EXPLAIN in tests)."""
    kind = params.topic.kind if params.topic else None
    statement: Select[*tuple[Any, ...]] = _queue_head(kind)(dialect)
    return statement.params(**params.bind())


# --- the answer's statements ----------------------------------------------------------------

_READ_CARD = Prepared(
    select(*_CARD_COLUMNS).where(Card.id == bindparam("card_id"), Card.user_id == bindparam("user_id"))
)
_QUESTION_KNOWN = Prepared(
    select(
        exists()
        .where(Question.id == bindparam("question_id"), _FLASHCARD, Question.retired_at.is_(None))
        .label("known")
    )
)
_TOKEN_SEEN = Prepared(
    select(
        exists().where(ReviewLog.token == bindparam("token"), ReviewLog.user_id == bindparam("user_id")).label("seen")
    )
)
# The columns an answer sets; the INSERT and UPDATE are prepared for exactly these.
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
    "introduced_at",
    "version",
)
_INSERT_CARD = Prepared(insert(CARDS).returning(CARDS.c.id), columns=(*_ANSWER_COLUMNS, "user_id", "question_id"))
_UPDATE_CARD = Prepared(
    update(CARDS).where(CARDS.c.id == bindparam("card_id"), CARDS.c.version == bindparam("shown_version")),
    columns=_ANSWER_COLUMNS,
)
# Bury the learner's sibling cards due today that are not buried already; their ids go into the
# review log, so undo can bring them back.
_BURY_SIBLINGS = Prepared(
    update(CARDS)
    .where(
        CARDS.c.user_id == bindparam("owner_id"),
        CARDS.c.question_id.in_(
            select(SIBLINGS.c.sibling_id).where(SIBLINGS.c.question_id == bindparam("answered_question"))
        ),
        CARDS.c.due < bindparam("day_end"),
        CARDS.c.suspended.is_(False),
        or_(CARDS.c.buried_until.is_(None), CARDS.c.buried_until < bindparam("day_end")),
    )
    .values(buried_until=bindparam("day_end"), version=CARDS.c.version + 1)
    .returning(CARDS.c.id)
)
_INSERT_LOG = Prepared(
    insert(REVIEW_LOGS),
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


def read_card(connection: Connection, user_id: int, card_id: int) -> StoredCard | None:
    row = _READ_CARD.first(connection, {"card_id": card_id, "user_id": user_id})
    return None if row is None else _stored(row)


def question_known(connection: Connection, question_id: int) -> bool:
    """A live flashcard question (the only kind a new card can be made for)."""
    return bool(_QUESTION_KNOWN.scalar(connection, {"question_id": question_id}))


def token_seen(connection: Connection, user_id: int, token: str) -> bool:
    return bool(_TOKEN_SEEN.scalar(connection, {"token": token, "user_id": user_id}))


def insert_card(
    connection: Connection, user_id: int, question_id: int, snapshot: CardSnapshot, introduced_at: datetime
) -> int:
    values = {**snapshot.columns(), "user_id": user_id, "question_id": question_id}
    return int(_INSERT_CARD.scalar(connection, {**values, "introduced_at": introduced_at, "version": 1}))


def update_card(
    connection: Connection, card: StoredCard, snapshot: CardSnapshot, introduced_at: datetime | None
) -> bool:
    """Write the card if it is still at the version it was read at; False if it changed since."""
    values = {**snapshot.columns(), "introduced_at": introduced_at, "version": card.version + 1}
    changed = _UPDATE_CARD.rowcount(connection, {**values, "card_id": card.id, "shown_version": card.version})
    return changed == 1


def bury_siblings(connection: Connection, user_id: int, question_id: int, day_end: datetime) -> list[int]:
    """Bury the learner's cards that are siblings of this question until `day_end`; their ids."""
    # (parameter names differ from the card's column names: an UPDATE reserves those for its SET clause)
    rows = _BURY_SIBLINGS.all(connection, {"owner_id": user_id, "answered_question": question_id, "day_end": day_end})
    return [row[0] for row in rows]


def insert_log(connection: Connection, values: dict[str, Any]) -> None:
    _INSERT_LOG.rowcount(connection, values)
