"""Reading the glossary and the articles: one call per page, a fixed number of queries each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, Select, bindparam, case, func, select
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
class ZoneRef:
    slug: str
    name: str
    position: int
    basis: str
    intro: str


@dataclass(frozen=True)
class TermHit:
    slug: str
    label: str
    definition: str
    basis: str


@dataclass(frozen=True)
class ZoneHits:
    zone: ZoneRef
    terms: list[TermHit]


@dataclass(frozen=True)
class SearchResult:
    groups: Sequence[ZoneHits]  # in glossary order; terms in rank order within each zone
    shown: int
    total: int
    query: str
    zone: str | None


@dataclass(frozen=True)
class TermPage:
    term: Term
    relations: Sequence[tuple[str, Sequence[Term]]]
    key_points: Sequence[KeyPoint]


_ZONE_COLUMNS = (Zone.slug, Zone.name, Zone.position, Zone.basis, Zone.intro)
_ZONES = select(*_ZONE_COLUMNS).where(Zone.retired_at.is_(None)).order_by(Zone.position)


def zones(session: Session) -> list[ZoneRef]:
    """Live zones in glossary order (without their terms)."""
    return [ZoneRef(*row) for row in session.connection().execute(_ZONES)]


def search_names(names: Sequence[str]) -> str:
    """The lower-cased names of a term, each between bars, so exact and prefix matches are LIKEs."""
    return "|" + "|".join(n.lower() for n in names) + "|"


# Search runs on every keystroke: its statements are built once (with and without a zone filter)
# and return plain rows, not Term objects with their JSON columns.
_HIT_COLUMNS = (
    Term.slug,
    Term.name,
    Term.acronym,
    Term.definition,
    Term.basis,
    *(column.label(f"zone_{column.key}") for column in _ZONE_COLUMNS),
)
_RANK = case(
    (Term.search_names.like(bindparam("exact"), escape="/"), 0),
    (Term.search_names.like(bindparam("prefix"), escape="/"), 1),
    (Term.search_names.like(bindparam("anywhere"), escape="/"), 2),
    else_=3,
)


def _search_statements(in_zone: bool) -> dict[str, Select[*tuple[Any, ...]]]:
    live: list[ColumnElement[bool]] = [Term.retired_at.is_(None)]
    if in_zone:
        live.append(Term.zone_id == select(Zone.id).where(Zone.slug == bindparam("zone")).scalar_subquery())
    matching = [*live, Term.search_text.like(bindparam("anywhere"), escape="/")]
    hits = select(*_HIT_COLUMNS).join_from(Term, Zone, Term.zone_id == Zone.id)
    return {
        "list": hits.where(*live).order_by(Term.position),
        "count": select(func.count()).select_from(Term).where(*matching),
        "hits": hits.where(*matching).order_by(_RANK, Term.position).limit(bindparam("limit", type_=Integer)),
    }


_SEARCH = {False: _search_statements(False), True: _search_statements(True)}


def _like_escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _grouped(rows: Sequence[Row[*tuple[Any, ...]]]) -> list[ZoneHits]:
    groups: dict[int, ZoneHits] = {}
    for row in rows:
        group = groups.get(row.zone_position)
        if group is None:
            zone = ZoneRef(row.zone_slug, row.zone_name, row.zone_position, row.zone_basis, row.zone_intro)
            group = groups[row.zone_position] = ZoneHits(zone, [])
        label = f"{row.name} ({row.acronym})" if row.acronym else row.name
        group.terms.append(TermHit(row.slug, label, row.definition, row.basis))
    return [groups[position] for position in sorted(groups)]


def search(session: Session, query: str, zone: str | None, limit: int) -> SearchResult:
    """Live terms matching `query` (names first, then definitions), optionally in one zone.

    An empty query lists the zone (or the whole glossary) in reading order. Matching runs on
    `search_text`, a lower-cased copy of the names and definition kept by the import, so the
    database compares plain strings instead of lower-casing every row on every keystroke.
    """
    needle = " ".join(query.lower().split())
    statements = _SEARCH[bool(zone)]
    connection = session.connection()
    if not needle:
        rows = connection.execute(statements["list"], {"zone": zone}).all()
        return SearchResult(groups=_grouped(rows), shown=len(rows), total=len(rows), query="", zone=zone)
    escaped = _like_escape(needle)
    params = {
        "zone": zone,
        "exact": f"%|{escaped}|%",
        "prefix": f"%|{escaped}%",
        "anywhere": f"%{escaped}%",
        "limit": limit,
    }
    total = connection.execute(statements["count"], params).scalar() or 0
    if not total:
        return SearchResult(groups=[], shown=0, total=0, query=query.strip(), zone=zone)
    rows = connection.execute(statements["hits"], params).all()
    return SearchResult(groups=_grouped(rows), shown=len(rows), total=total, query=query.strip(), zone=zone)


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
