"""Database models: typed SQLAlchemy 2.0 declarations, small invariants only, never a commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, types
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyapp.extensions import Base


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
    __table_args__ = (Index("ix_term_zone_position", "zone_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"))
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
    # Lower-cased name, acronym and aliases: what glossary search matches first.
    search_names: Mapped[str] = mapped_column(Text)

    zone: Mapped[Zone] = relationship(back_populates="terms")
    article: Mapped[Article | None] = relationship()
    relations: Mapped[list[TermRelation]] = relationship(
        foreign_keys="TermRelation.term_id", cascade="all, delete-orphan", back_populates="term"
    )

    @property
    def label(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


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
