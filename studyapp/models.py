"""Database models: typed SQLAlchemy 2.0 declarations, small invariants only, never a commit."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text, types
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyapp.core.content import question_basis, term_label
from studyapp.core.scheduling import Rating, State
from studyapp.core.settings import COLUMN_NAMES, LearnerSettings
from studyapp.extensions import Base

E = TypeVar("E", bound=enum.IntEnum)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite stores no offset and hands back naive values; PostgreSQL returns them in the session's
    time zone. Both are converted here, once, so the rest of the app only sees aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class IntEnumColumn(types.TypeDecorator[E]):
    """An IntEnum stored as its integer value."""

    impl = types.Integer
    cache_ok = True

    def __init__(self, enum_type: type[E]) -> None:
        super().__init__()
        self.enum_type = enum_type

    def process_bind_param(self, value: E | int | None, dialect: Dialect) -> int | None:
        return None if value is None else int(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_type(value)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Synced(Timestamped):
    """Rows derived from questions/: keyed by a stable slug or key, retired instead of deleted."""

    content_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Zone(Synced, Base):
    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    basis: Mapped[str] = mapped_column(String(20))
    intro: Mapped[str] = mapped_column(Text)
    # What of the source could be read for this zone: shown folded away, under "About the source".
    source_note: Mapped[str] = mapped_column(Text, server_default="")

    terms: Mapped[list[Term]] = relationship(back_populates="zone", order_by="Term.position")


class Article(Synced, Base):
    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500))
    published: Mapped[str] = mapped_column(String(20))
    coverage: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    # [{"title": ..., "basis": ...}] in order; key points refer to a section by index.
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # {"left": ..., "right": ..., "pairs": [{"dimension", "left", "right", "basis"}]} or None
    contrasts: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    key_points: Mapped[list[KeyPoint]] = relationship(back_populates="article", order_by="KeyPoint.position")


class Term(Synced, Base):
    __tablename__ = "term"
    __table_args__ = (
        Index("ix_term_zone_position", "zone_id", "position"),
        # The latest change to any term, read by glossary search to know its cached names are current.
        Index("ix_term_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"))
    # The term's place in the whole glossary's reading order (zone by zone).
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str | None] = mapped_column(String(40))
    aliases: Mapped[list[str]] = mapped_column(JSON)
    definition: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    example: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))
    basis: Mapped[str] = mapped_column(String(20))
    sources: Mapped[list[str]] = mapped_column(JSON)
    # Lower-cased name and acronym between bars ("|large language model|llm|"): glossary search's
    # exact and prefix tiers. Its words are matched by a full-text index this model does not map
    # (see SEARCH_INDEX_OBJECTS).
    search_names: Mapped[str] = mapped_column(Text)

    zone: Mapped[Zone] = relationship(back_populates="terms")
    article: Mapped[Article | None] = relationship()
    relations: Mapped[list[TermRelation]] = relationship(
        foreign_keys="TermRelation.term_id", cascade="all, delete-orphan", back_populates="term"
    )

    @property
    def label(self) -> str:
        return term_label(self.name, self.acronym)


# Migration 0005's full-text index of terms, which no model maps: the FTS5 table on SQLite (with
# the shadow tables FTS5 keeps beside it) and the generated tsvector and its GIN index on
# PostgreSQL. Schema comparisons (autogenerate, the migrations-match-models test) skip them.
SEARCH_INDEX_OBJECTS = frozenset(
    {
        "term_search",
        *(f"term_search_{part}" for part in ("data", "idx", "content", "docsize", "config")),
        "term_name_search",  # migration 0009: the names' trigram index (SQLite), read from term
        *(f"term_name_search_{part}" for part in ("data", "idx", "docsize", "config")),
        "search_vector",
        "ix_term_search_vector",
    }
)


def described_by_models(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object hook: False for the full-text index, which no model describes."""
    return name not in SEARCH_INDEX_OBJECTS


class TermRelation(Base):
    __tablename__ = "term_relation"
    __table_args__ = (UniqueConstraint("term_id", "kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), index=True)

    term: Mapped[Term] = relationship(foreign_keys=[term_id], back_populates="relations")
    target: Mapped[Term] = relationship(foreign_keys=[target_id])


class KeyPoint(Synced, Base):
    __tablename__ = "key_point"
    __table_args__ = (UniqueConstraint("article_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    key: Mapped[str] = mapped_column(String(120))
    section: Mapped[int]
    position: Mapped[int]
    statement: Mapped[str] = mapped_column(Text)
    cloze: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(20))

    article: Mapped[Article] = relationship(back_populates="key_points")
    terms: Mapped[list[Term]] = relationship(secondary="key_point_term", order_by="Term.name")


class KeyPointTerm(Base):
    __tablename__ = "key_point_term"

    key_point_id: Mapped[int] = mapped_column(ForeignKey("key_point.id", ondelete="CASCADE"), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id", ondelete="CASCADE"), primary_key=True, index=True)


class Question(Synced, Base):
    __tablename__ = "question"
    __table_args__ = (
        # Live questions in study order (what new cards are picked from and counted against), and
        # the few retired ones: both partial, so the new-card count touches only index entries.
        Index(
            "ix_question_live_order",
            "study_order",
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
        Index(
            "ix_question_retired",
            "id",
            sqlite_where=text("retired_at IS NOT NULL"),
            postgresql_where=text("retired_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    prompt: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    accepted: Mapped[list[str]] = mapped_column(JSON)
    pairs: Mapped[list[list[str]]] = mapped_column(JSON)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))
    key_point_id: Mapped[int | None] = mapped_column(ForeignKey("key_point.id"), index=True)
    fallback: Mapped[bool] = mapped_column(default=False)
    # Where a flashcard question stands in the order new cards are introduced (glossary order).
    study_order: Mapped[int] = mapped_column(default=0)

    term: Mapped[Term | None] = relationship()
    article: Mapped[Article | None] = relationship()
    key_point: Mapped[KeyPoint | None] = relationship()

    @property
    def basis(self) -> str:
        return question_basis(self.key_point.basis if self.key_point else None, self.term.basis if self.term else None)


_DEFAULT_SETTINGS = LearnerSettings()


class User(Timestamped, Base):
    """A learner: credentials and study settings, one column per field of core.settings.LearnerSettings.

    Requests see the logged-in learner as an accounts.SessionUser value, never as this model.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    # Case-folded username: the unique key, so "Ada" and "ada" are one account.
    username_key: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    desired_retention: Mapped[float] = mapped_column(default=_DEFAULT_SETTINGS.desired_retention)
    new_per_day: Mapped[int] = mapped_column(default=_DEFAULT_SETTINGS.new_per_day)
    reviews_per_day: Mapped[int] = mapped_column(default=_DEFAULT_SETTINGS.reviews_per_day)
    learning_steps: Mapped[list[int]] = mapped_column(JSON, default=lambda: list(_DEFAULT_SETTINGS.learning_steps))
    relearning_steps: Mapped[list[int]] = mapped_column(JSON, default=lambda: list(_DEFAULT_SETTINGS.relearning_steps))
    maximum_interval: Mapped[int] = mapped_column(default=_DEFAULT_SETTINGS.maximum_interval)
    fsrs_parameters: Mapped[list[float] | None] = mapped_column(JSON, default=None)
    timezone: Mapped[str] = mapped_column(String(64), default=_DEFAULT_SETTINGS.timezone)
    day_start_hour: Mapped[int] = mapped_column(default=_DEFAULT_SETTINGS.day_start_hour)
    daily_goal_minutes: Mapped[int] = mapped_column(default=_DEFAULT_SETTINGS.daily_goal_minutes)

    @property
    def settings(self) -> LearnerSettings:
        return LearnerSettings.from_columns({name: getattr(self, name) for name in COLUMN_NAMES})


class LoginSession(Base):
    """A server-side login: the cookie holds a random token whose hash is stored here.

    Deleting the row ends the session everywhere, which is what logout and password changes do.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """One failed login, counted per account and per client address to throttle guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_account", "username_key", "failed_at"),
        Index("ix_login_failure_address", "address", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username_key: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Card(Base):
    """A learner's flashcard for one question; FSRS state lives in its columns.

    `version` goes up with every change, so an answer computed from a stale copy is refused.
    """

    __tablename__ = "card"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        # The review queue's index: a learner's cards by state, then due time, carrying every column
        # the queue filters and sorts by, so today's counts and picks are index ranges that never
        # read the table rows.
        Index("ix_card_user_queue", "user_id", "state", "due", "suspended", "buried_until", "last_review", "stability"),
        # Cards introduced today (the new-card limit), and how many cards a learner has.
        Index("ix_card_user_introduced", "user_id", "introduced_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    state: Mapped[State] = mapped_column(IntEnumColumn(State))
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    suspended: Mapped[bool] = mapped_column(default=False)
    leech: Mapped[bool] = mapped_column(default=False)
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the card was first answered; None for a card buried or suspended before that, which
    # then neither uses up a new-card slot nor lets its reverse card in.
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    question: Mapped[Question] = relationship()


class ReviewLog(Base):
    """One answer: appended in the same transaction as the card update, never edited.

    `token` is the one-time review token the card was shown with: unique, so a replayed answer
    cannot be logged twice. `before` is the card's exact previous state, for undo.
    """

    __tablename__ = "review_log"
    __table_args__ = (Index("ix_review_log_user_time", "user_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    rating: Mapped[Rating] = mapped_column(IntEnumColumn(Rating))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int]
    state_before: Mapped[State] = mapped_column(IntEnumColumn(State))  # NEW for a first answer
    state_after: Mapped[State] = mapped_column(IntEnumColumn(State))
    retrievability: Mapped[float | None]
    # What undo restores (JSON): {"card": the card's columns before (None for a new card),
    # "buried": ids of the sibling cards this answer buried}.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # "review" for a flashcard answer; "quiz" for a quiz answer counted as evidence on this card.
    source: Mapped[str] = mapped_column(String(10), server_default="review")
    stability_after: Mapped[float | None]
    difficulty_after: Mapped[float | None]
    due_after: Mapped[datetime] = mapped_column(UTCDateTime)


class QuestionSibling(Base):
    """Two flashcard questions that give each other away, so they are never studied on one day.

    Derived by the import (core.siblings), in both directions: cards of the same key point, and a
    card whose answer the other one prints (a term's own card and a cloze whose answer is it).
    """

    __tablename__ = "question_sibling"

    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    sibling_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)


class CardAction(Base):
    """A bury or a suspend from the review page, kept for the study day so undo can take it back.

    Answers are undone from their review-log row; these rows are the other half of the one undo
    stack. `before` is the card's snapshot before the action, None when the action created it.
    """

    __tablename__ = "card_action"
    __table_args__ = (Index("ix_card_action_user_time", "user_id", "acted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # "bury" or "suspend"
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class QuizAttempt(Base):
    """One quiz taken: its mode, what it covers, and when it was finished.

    A visitor's attempt has no user but a `visitor_key` (the hash of a random token in their
    session), so signing up straight after the quiz can claim it.
    """

    __tablename__ = "quiz_attempt"
    __table_args__ = (Index("ix_quiz_attempt_user_time", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    visitor_key: Mapped[str | None] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(20))  # "test", "learn" or "match"
    topics: Mapped[list[str]] = mapped_column(JSON)  # "zone:<slug>", "article:<slug>", "all" or "weakest"
    formats: Mapped[str] = mapped_column(String(20))  # "mixed", "choice", "true_false", "typed", "matching"
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    penalty_ms: Mapped[int] = mapped_column(default=0)  # Match: time added for mistakes

    items: Mapped[list[QuizItem]] = relationship(
        back_populates="attempt", order_by="QuizItem.position", cascade="all, delete-orphan"
    )


class QuizItem(Base):
    """One question of an attempt, with the options as shown and, once answered, the server's grade."""

    __tablename__ = "quiz_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    options: Mapped[list[str]] = mapped_column(JSON)  # in the order shown
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool | None]
    leniency: Mapped[str | None] = mapped_column(String(200))  # what the grader forgave, for the feedback
    overridden: Mapped[bool] = mapped_column(default=False)  # the learner said "I was right"

    attempt: Mapped[QuizAttempt] = relationship(back_populates="items")
    question: Mapped[Question] = relationship()


class ReviewDay(Base):
    """A learner's answers on one study day, kept up to date in each answer's transaction.

    `day` is the local date the study day starts on, in the learner's time zone and day start at
    the moment of the answer: a past day keeps its name when the learner later moves. `next_due`
    is the soonest any answered card was due after the day's last answer: a streak survives the
    days that follow it without study as long as nothing came due (None: not known).
    """

    __tablename__ = "review_day"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    reviews: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # Answers on cards in review (state_before REVIEW) and how many of them were not Again.
    review_answers: Mapped[int] = mapped_column(default=0)
    review_passed: Mapped[int] = mapped_column(default=0)
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewTopicDay(Base):
    """Answers on cards in review, per study day and per zone and article (0: none), for retention."""

    __tablename__ = "review_topic_day"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(primary_key=True)
    review_answers: Mapped[int] = mapped_column(default=0)
    review_passed: Mapped[int] = mapped_column(default=0)


class CalibrationTally(Base):
    """All of a learner's answers on cards in review, by predicted recall in tenths (core.stats)."""

    __tablename__ = "calibration_tally"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    bin: Mapped[int] = mapped_column(primary_key=True)
    answers: Mapped[int] = mapped_column(default=0)
    passed: Mapped[int] = mapped_column(default=0)
    predicted_sum: Mapped[float] = mapped_column(default=0.0)
