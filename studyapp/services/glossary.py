"""Reading the glossary and the articles: one call per page, a fixed number of queries each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Row,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.elements import BindParameter, ColumnClause

from studyapp.core import glossary_search
from studyapp.core.glossary_search import WHOLE_NAME
from studyapp.models import Article, KeyPoint, KeyPointTerm, Term, TermRelation, Zone

RELATION_LABELS = {
    "confusable_with": "Often confused with",
    "contrasts_with": "Contrasts with",
    "is_a": "A kind of",
    "part_of": "Part of",
    "related": "Related",
}


# Named tuples, not dataclasses: a search builds fifty of these per keystroke, and the glossary
# row memo (web.memoized_fragment) hashes and compares each one; tuples do both in C.
class ZoneRef(NamedTuple):
    slug: str
    name: str
    position: int
    basis: str
    intro: str
    source_note: str


class TermHit(NamedTuple):
    slug: str
    label: str
    definition: str
    basis: str
    zone: ZoneRef


@dataclass(frozen=True)
class ZoneTerms:
    zone: ZoneRef
    terms: list[TermHit]

    @property
    def common_basis(self) -> str | None:
        """The basis every term of the zone shares (then said once, on the heading), or None."""
        bases = {term.basis for term in self.terms}
        return bases.pop() if len(bases) == 1 else None


@dataclass(frozen=True)
class Suggestion:
    """For "did you mean": the term a misspelt query most likely meant, and the query that finds it."""

    label: str
    query: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    zone: str | None
    # Browsing (no query): the zones in glossary order with their terms in reading order.
    groups: Sequence[ZoneTerms]
    # Searching: the best `shown` of `total` matches, best first (see `search`).
    hits: Sequence[TermHit]
    shown: int
    total: int
    suggestion: Suggestion | None = None


@dataclass(frozen=True)
class TermPage:
    term: Term
    relations: Sequence[tuple[str, Sequence[Term]]]
    key_points: Sequence[KeyPoint]


_ZONE_COLUMNS = (Zone.slug, Zone.name, Zone.position, Zone.basis, Zone.intro, Zone.source_note)
_ZONES = select(*_ZONE_COLUMNS).where(Zone.retired_at.is_(None)).order_by(Zone.position)


def zones(session: Session) -> list[ZoneRef]:
    """Live zones in glossary order (without their terms)."""
    return [ZoneRef(*row) for row in session.connection().execute(_ZONES)]


# Search runs on every keystroke: its statements are built once per backend (with and without a
# zone filter) and return plain rows, not Term objects with their JSON columns.
# A row names its zone by slug: the zone's own columns (its intro and source note among them) come
# from `zones`, which the page has loaded anyway, not fifty times over with the rows.
_HIT_COLUMNS = (Term.slug, Term.name, Term.acronym, Term.definition, Term.basis, Zone.slug.label("zone_slug"))
# Migration 0005's full-text index: the FTS5 table (its hidden column, named like the table, takes
# MATCH) on SQLite, the weighted tsvector column on PostgreSQL. No model maps either.
_FTS5 = Table("term_search", MetaData(), Column("rowid", Integer), Column("term_search", Text))
# Migration 0009's trigram index of term.search_names on SQLite, which answers a LIKE from the
# index when the pattern has no ESCAPE clause.
_NAME_TRIGRAMS = Table("term_name_search", MetaData(), Column("rowid", Integer), Column("search_names", Text))
_VECTOR: ColumnClause[Any] = literal_column("term.search_vector")
_ENGLISH: ColumnClause[Any] = literal_column("'english'::regconfig")
# Tiers, best first: the query is the name or acronym (the name also in any stemmed form, so
# "embeddings" is Embedding); a name or acronym starts with it; a name holds its words; an alias
# does; only the definition (or names and definition together) does.
EXACT, NAME_PREFIX, NAME_WORDS, ALIAS, DEFINITION = range(5)


def _matches(dialect: str, part: str | None) -> ColumnElement[bool]:
    """The database's own full-text match of the words in bind parameter `fts_<part>`."""
    query: BindParameter[str] = bindparam(f"fts_{part or 'all'}", type_=Text)
    if dialect == "postgresql":
        # In a subquery, to_tsquery runs once per statement: called on a parameter in a generic
        # plan (plan_cache_mode=force_generic_plan), it would parse the query again on every row.
        return _VECTOR.bool_op("@@")(select(func.to_tsquery(_ENGLISH, query)).scalar_subquery())
    return Term.id.in_(select(_FTS5.c.rowid).where(_FTS5.c.term_search.match(query)))


def _live(in_zone: bool) -> list[ColumnElement[bool]]:
    live: list[ColumnElement[bool]] = [Term.retired_at.is_(None)]
    if in_zone:
        live.append(Term.zone_id == select(Zone.id).where(Zone.slug == bindparam("zone")).scalar_subquery())
    return live


@cache
def _search_statements(dialect: str, in_zone: bool, trigrams: bool = False) -> dict[str, Select[*tuple[Any, ...]]]:
    live = _live(in_zone)
    prefix = Term.search_names.like(bindparam("prefix"), escape="/")
    tier = case(
        (or_(Term.search_names.like(bindparam("exact"), escape="/"), _matches(dialect, WHOLE_NAME)), EXACT),
        (prefix, NAME_PREFIX),
        (_matches(dialect, glossary_search.NAMES), NAME_WORDS),
        (_matches(dialect, glossary_search.ALIASES), ALIAS),
        else_=DEFINITION,
    ).label("tier")
    rows = select(*_HIT_COLUMNS).join_from(Term, Zone, Term.zone_id == Zone.id).where(Zone.retired_at.is_(None))
    named: ColumnElement[bool] = prefix
    if trigrams:  # the candidates from the trigram index, then the exact (escaped) LIKE
        candidates = select(_NAME_TRIGRAMS.c.rowid).where(_NAME_TRIGRAMS.c.search_names.like(bindparam("near_prefix")))
        named = and_(Term.id.in_(candidates), prefix)
    # Rank narrow rows and keep the best; only those are joined to their columns and zone.
    best = (
        select(Term.id, Term.position, tier, func.count().over().label("total"))
        .where(*live, or_(named, _matches(dialect, None)))
        .order_by(tier, Term.position)
        .limit(bindparam("limit", type_=Integer))
        .subquery("best")
    )
    return {
        "list": rows.where(*live).order_by(Term.position),
        "hits": rows.add_columns(best.c.tier, best.c.total)
        .join(best, best.c.id == Term.id)
        .order_by(best.c.tier, best.c.position),
        "names": select(Term.name, Term.acronym, Term.aliases).where(*live).order_by(Term.position),
    }


def _hits(rows: Sequence[Row[*tuple[Any, ...]]], zones: dict[str, ZoneRef]) -> list[TermHit]:
    """Rows of _HIT_COLUMNS (then the tier and total, for a search) as hits."""
    return [
        TermHit(slug, f"{name} ({acronym})" if acronym else name, definition, basis, zones[zone_slug])
        for slug, name, acronym, definition, basis, zone_slug, *_ in rows
    ]


def _grouped(hits: Sequence[TermHit]) -> list[ZoneTerms]:
    groups: dict[str, ZoneTerms] = {}
    for hit in hits:
        groups.setdefault(hit.zone.slug, ZoneTerms(hit.zone, [])).terms.append(hit)
    return sorted(groups.values(), key=lambda group: group.zone.position)


def search(
    session: Session, query: str, zone: str | None, limit: int, live_zones: Sequence[ZoneRef] | None = None
) -> SearchResult:
    """Live terms matching `query`, best first, optionally in one zone; an empty query lists them.

    The database's full-text index matches whole words and their stems ("agents" finds "AI
    Agent", "rag" no longer matches "fragment"), the last word as a prefix for search as you
    type. Matches rank in tiers (exact name, name prefix, words of the name, alias, definition),
    then in glossary order. When no name or alias matches, the result suggests the term whose
    name is nearest to the query, for a misspelling. `live_zones` are what `zones()` returns, if
    the caller has loaded them already: the rows take their zones from there.
    """
    shown = glossary_search.cleaned(query)
    connection = session.connection()
    dialect = connection.dialect.name
    by_slug = {ref.slug: ref for ref in (zones(session) if live_zones is None else live_zones)}
    # The trigram index serves a pattern with three characters in a row ("|" and two typed); for
    # a first keystroke it would scan its own table, slower than reading the terms.
    statements = _search_statements(dialect, bool(zone), trigrams=dialect == "sqlite" and len(shown) >= 2)
    if not shown:
        hits = _hits(connection.execute(statements["list"], {"zone": zone}).all(), by_slug)
        return SearchResult("", zone, groups=_grouped(hits), hits=[], shown=len(hits), total=len(hits))
    words = glossary_search.words(shown)
    rows: Sequence[Row[*tuple[Any, ...]]] = []
    if words:
        postgresql = dialect == "postgresql"
        to_query = glossary_search.tsquery if postgresql else glossary_search.fts5_query
        whole_name = glossary_search.tsquery_whole_name if postgresql else glossary_search.fts5_whole_name
        lowered = shown.lower()
        needle = glossary_search.like_pattern(lowered)
        params = {
            "zone": zone,
            "exact": f"%|{needle}|%",
            "prefix": f"%|{needle}%",
            # Without ESCAPE a wildcard in the query can only be matched as any one character:
            # a superset, narrowed by "prefix".
            "near_prefix": "%|" + lowered.replace("%", "_") + "%",
            "limit": limit,
            "fts_all": to_query(words),
            f"fts_{WHOLE_NAME}": whole_name(words),
            **{f"fts_{part}": to_query(words, part) for part in (glossary_search.NAMES, glossary_search.ALIASES)},
        }
        rows = connection.execute(statements["hits"], params).all()
    suggestion = None
    if not rows or rows[0].tier == DEFINITION:
        suggestion = _suggestion(connection, statements["names"], zone, shown)
    total = rows[0].total if rows else 0
    return SearchResult(
        shown, zone, groups=[], hits=_hits(rows, by_slug), shown=len(rows), total=total, suggestion=suggestion
    )


@dataclass(frozen=True)
class _Names:
    """Every name of the live terms (of a zone) as a learner might type it, with its term."""

    fingerprint: tuple[Any, ...]
    names: list[str]
    suggestions: list[Suggestion]


# "Did you mean" compares a query with every live name: at 10,000 terms, loading them cost more
# than the search. They change only when terms are written, so each process keeps them per
# database and zone, and reloads them when the terms' fingerprint moves: every write to a term
# (import, edit, retirement) adds a row or sets its updated_at. Each maximum is one index lookup
# only in a query of its own: SQLite answers a query of two aggregates by scanning the table
# (0.8 ms at 10,000 terms, against 0.01 ms for the two subqueries).
_FINGERPRINT = select(select(func.max(Term.updated_at)).scalar_subquery(), select(func.max(Term.id)).scalar_subquery())
_NAMES: dict[tuple[str, str | None], _Names] = {}


def _suggestion(
    connection: Connection, statement: Select[*tuple[Any, ...]], zone: str | None, query: str
) -> Suggestion | None:
    fingerprint = tuple(connection.execute(_FINGERPRINT).one())
    key = (connection.engine.url.render_as_string(), zone)
    known = _NAMES.get(key)
    if known is None or known.fingerprint != fingerprint:
        names: list[str] = []
        suggestions: list[Suggestion] = []
        for name, acronym, aliases in connection.execute(statement, {"zone": zone}):
            typed = [name, acronym, *aliases] if acronym else [name, *aliases]
            names += typed
            suggestions += [Suggestion(f"{name} ({acronym})" if acronym else name, name)] * len(typed)
        known = _NAMES[key] = _Names(fingerprint, names, suggestions)
    found = glossary_search.closest(query, known.names)
    return None if found is None else known.suggestions[found]


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
