"""Reading the glossary and the articles: one call per page, a fixed number of queries each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from studyapp.models import Article, KeyPoint, KeyPointTerm, Term, TermRelation, Zone

RELATION_LABELS = {
    "confusable_with": "Often confused with",
    "contrasts_with": "Contrasts with",
    "is_a": "A kind of",
    "part_of": "Part of",
    "related": "Related",
}


@dataclass(frozen=True)
class SearchResult:
    terms: Sequence[Term]
    total: int
    query: str
    zone: str | None


@dataclass(frozen=True)
class TermPage:
    term: Term
    relations: Sequence[tuple[str, Sequence[Term]]]
    key_points: Sequence[KeyPoint]


def zones(session: Session) -> Sequence[Zone]:
    """Live zones in glossary order (without their terms)."""
    return session.scalars(select(Zone).where(Zone.retired_at.is_(None)).order_by(Zone.position)).all()


def search_names(names: Sequence[str]) -> str:
    """The lower-cased names of a term, each between bars, so exact and prefix matches are LIKEs."""
    return "|" + "|".join(n.lower() for n in names) + "|"


def search(session: Session, query: str, zone: str | None, limit: int) -> SearchResult:
    """Live terms matching `query` (names first, then definitions), optionally in one zone.

    An empty query lists the zone (or the whole glossary) in reading order. Matching runs on
    `search_text`, a lower-cased copy of the names and definition kept by the import, so the
    database compares plain strings instead of lower-casing every row on every keystroke.
    """
    needle = " ".join(query.lower().split())
    conditions: list[ColumnElement[bool]] = [Term.retired_at.is_(None)]
    if zone:
        conditions.append(Term.zone_id == select(Zone.id).where(Zone.slug == zone).scalar_subquery())
    if not needle:
        terms = session.scalars(
            select(Term).options(joinedload(Term.zone)).where(*conditions).order_by(Term.position)
        ).all()
        return SearchResult(terms=terms, total=len(terms), query="", zone=zone)
    conditions.append(Term.search_text.contains(needle, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Term).where(*conditions)) or 0
    if not total:
        return SearchResult(terms=[], total=0, query=query.strip(), zone=zone)
    rank = case(
        (Term.search_names.contains(f"|{needle}|", autoescape=True), 0),
        (Term.search_names.contains(f"|{needle}", autoescape=True), 1),
        (Term.search_names.contains(needle, autoescape=True), 2),
        else_=3,
    )
    terms = session.scalars(
        select(Term).options(joinedload(Term.zone)).where(*conditions).order_by(rank, Term.position).limit(limit)
    ).all()
    return SearchResult(terms=terms, total=total, query=query.strip(), zone=zone)


def search_text(names: Sequence[str], definition: str) -> str:
    """What glossary search matches: names, then the definition, lower-cased."""
    return search_names(names) + " " + definition.lower()


def term_page(session: Session, slug: str) -> TermPage | None:
    """A live term with its zone, article, related terms and the key points that mention it."""
    term = session.scalars(
        select(Term)
        .where(Term.slug == slug, Term.retired_at.is_(None))
        .options(
            joinedload(Term.zone),
            joinedload(Term.article),
            selectinload(Term.relations).joinedload(TermRelation.target),
        )
    ).first()
    if term is None:
        return None
    grouped: dict[str, list[Term]] = {}
    for relation in term.relations:
        if relation.target.retired_at is None:
            grouped.setdefault(relation.kind, []).append(relation.target)
    relations = [
        (RELATION_LABELS[k], sorted(grouped[k], key=lambda t: t.name)) for k in RELATION_LABELS if k in grouped
    ]
    key_points = session.scalars(
        select(KeyPoint)
        .join(KeyPointTerm, KeyPointTerm.key_point_id == KeyPoint.id)
        .join(KeyPoint.article)
        .where(KeyPointTerm.term_id == term.id, KeyPoint.retired_at.is_(None), Article.retired_at.is_(None))
        .options(joinedload(KeyPoint.article))
        .order_by(Article.slug, KeyPoint.position)
    ).all()
    return TermPage(term=term, relations=relations, key_points=key_points)


def articles(session: Session) -> Sequence[tuple[Article, int]]:
    """Live articles with their number of live key points."""
    count = (
        select(func.count(KeyPoint.id))
        .where(KeyPoint.article_id == Article.id, KeyPoint.retired_at.is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(Article, count).where(Article.retired_at.is_(None)).order_by(Article.published.desc(), Article.title)
    )
    return [(article, n) for article, n in rows]


def article_page(session: Session, slug: str) -> tuple[Article, Sequence[KeyPoint]] | None:
    """A live article and its live key points with their linked terms."""
    article = session.scalars(select(Article).where(Article.slug == slug, Article.retired_at.is_(None))).first()
    if article is None:
        return None
    points = session.scalars(
        select(KeyPoint)
        .where(KeyPoint.article_id == article.id, KeyPoint.retired_at.is_(None))
        .options(selectinload(KeyPoint.terms))
        .order_by(KeyPoint.position)
    ).all()
    return article, points
