"""Parse the files under questions/ into typed, validated records.

Every problem is collected (not raised) with the file, the line and the term or key point it is
about, so an author sees all mistakes in one run. The functions here read files but know nothing
of Flask or the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RELATION_KINDS = ("confusable_with", "contrasts_with", "is_a", "part_of", "related")
DISTRACTOR_RELATIONS = ("confusable_with", "contrasts_with")
# A child of one of these is also a case of its parent, so the two are never offered as rivals.
HIERARCHY_RELATIONS = ("is_a", "part_of")
BASES = ("source", "supplementary")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFINITION_WORDS = (6, 30)
EXPLANATION_SENTENCES = (2, 4)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")
_LINE = "__line__"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, located as precisely as the parser can."""

    file: str
    line: int | None
    subject: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.subject}: {self.message}" if self.subject else f"{where}: {self.message}"


@dataclass(frozen=True)
class Location:
    """Where a record was written: the file (relative to the content folder's parent) and line."""

    file: str
    line: int | None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    zone: str
    acronym: str | None
    aliases: tuple[str, ...]
    definition: str
    explanation: str
    example: str
    relations: Mapping[str, tuple[str, ...]]
    article: str
    basis: str
    sources: tuple[str, ...]
    position: int

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a learner may type for this term: name, acronym, aliases."""
        extra = (self.acronym,) if self.acronym else ()
        return (self.name, *extra, *self.aliases)

    @property
    def label(self) -> str:
        return term_label(self.name, self.acronym)


def term_label(name: str, acronym: str | None) -> str:
    """How a term is named to a learner: "Low-Rank Adaptation (LoRA)"."""
    return f"{name} ({acronym})" if acronym else name


def question_basis(key_point_basis: str | None, term_basis: str | None) -> str:
    """Where what a question teaches comes from: its key point's basis, else its term's."""
    return key_point_basis or term_basis or "supplementary"


@dataclass(frozen=True)
class Zone:
    slug: str
    name: str
    position: int
    basis: str
    intro: str
    terms: tuple[Term, ...]
    # What of the source could be read for this zone, kept apart from the intro a learner reads.
    source_note: str = ""


@dataclass(frozen=True)
class ClozeSpan:
    """A blankable span; `distractors` are the author's own wrong options for its multiple choice."""

    text: str
    aliases: tuple[str, ...] = ()
    distractors: tuple[str, ...] = ()


@dataclass(frozen=True)
class FalseSwap:
    """Replacing `span` by the swapped term's name (or by `text`, when the grammar needs it) makes
    the statement false."""

    span: str
    term: str
    text: str = ""


@dataclass(frozen=True)
class KeyPoint:
    key: str
    article: str
    section: int
    position: int
    statement: str
    cloze: tuple[ClozeSpan, ...]
    terms: tuple[str, ...]
    basis: str
    explanation: str
    false_swaps: tuple[FalseSwap, ...]


@dataclass(frozen=True)
class Section:
    title: str
    basis: str
    key_points: tuple[KeyPoint, ...]


@dataclass(frozen=True)
class ContrastPair:
    dimension: str
    left: str
    right: str
    basis: str


@dataclass(frozen=True)
class Contrasts:
    left: str
    right: str
    pairs: tuple[ContrastPair, ...]


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    source_url: str
    published: str
    coverage: str
    summary: str
    sections: tuple[Section, ...]
    contrasts: Contrasts | None

    @property
    def key_points(self) -> tuple[KeyPoint, ...]:
        return tuple(kp for section in self.sections for kp in section.key_points)


@dataclass(frozen=True)
class Bank:
    """The whole validated content: zones (with their terms) and articles."""

    zones: tuple[Zone, ...]
    articles: tuple[Article, ...]
    # Keyed by location_key(); filled by read_bank, empty for banks built in code.
    locations: Mapping[str, Location] = field(default_factory=dict, compare=False, repr=False)
    _by_slug: dict[str, Term] = field(default_factory=dict, compare=False, repr=False)
    _confusable: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    _names: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    _parents: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    _lineage: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    _by_name: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_slug.update({t.slug: t for z in self.zones for t in z.terms})
        # confusable_with / contrasts_with in either direction, in a stable order.
        linked: dict[str, dict[str, None]] = {slug: {} for slug in self._by_slug}
        for term in self._by_slug.values():
            for kind in DISTRACTOR_RELATIONS:
                for target in term.relations.get(kind, ()):
                    if target in linked and target != term.slug:
                        linked[term.slug][target] = None
        for term in self._by_slug.values():
            for kind in DISTRACTOR_RELATIONS:
                for target in term.relations.get(kind, ()):
                    if target in linked and target != term.slug:
                        linked[target][term.slug] = None
        self._confusable.update({slug: tuple(targets) for slug, targets in linked.items()})
        self._names.update({t.slug: frozenset(n.lower() for n in t.names) for t in self._by_slug.values()})
        for term in self._by_slug.values():
            for name in term.names:
                self._by_name.setdefault(name.lower(), term.slug)
        self._parents.update(
            {
                t.slug: tuple(
                    dict.fromkeys(
                        p for kind in HIERARCHY_RELATIONS for p in t.relations.get(kind, ()) if p in self._by_slug
                    )
                )
                for t in self._by_slug.values()
            }
        )
        for slug in self._by_slug:
            seen: set[str] = set()
            todo = list(self._parents[slug])
            while todo:  # a cycle in the content (a is_a b is_a a) must not loop forever
                parent = todo.pop()
                if parent not in seen and parent != slug:
                    seen.add(parent)
                    todo.extend(self._parents[parent])
            self._ancestors[slug] = frozenset(seen)
        descendants: dict[str, set[str]] = {slug: set() for slug in self._by_slug}
        for slug, ancestors in self._ancestors.items():
            for ancestor in ancestors:
                descendants[ancestor].add(slug)
        self._lineage.update({s: self._ancestors[s] | descendants[s] for s in self._by_slug})

    def lower_names(self, slug: str) -> frozenset[str]:
        """A term's names, acronym and aliases in lower case."""
        return self._names[slug]

    def term_named(self, name: str) -> Term | None:
        """The term with this name, acronym or alias (case-insensitive), if any."""
        slug = self._by_name.get(name.lower())
        return self._by_slug[slug] if slug else None

    def confusable(self, slug: str) -> tuple[str, ...]:
        """Slugs of terms confusable with or contrasting to this one, in either direction."""
        return self._confusable.get(slug, ())

    def ancestors(self, slug: str) -> frozenset[str]:
        """Every term this one is a kind or a part of, transitively (is_a and part_of)."""
        return self._ancestors.get(slug, frozenset())

    def lineage(self, slug: str) -> frozenset[str]:
        """Ancestors and descendants: terms a question about `slug` can never offer as wrong.

        A child is a case of its parent ("few-shot learning is in-context learning"), so either
        one is a defensible answer wherever the other is keyed.
        """
        return self._lineage.get(slug, frozenset())

    def siblings(self, slug: str) -> frozenset[str]:
        """Terms sharing a direct parent with this one (self-attention and cross-attention)."""
        parents = set(self._parents.get(slug, ()))
        return frozenset(t for t, ps in self._parents.items() if t != slug and parents & set(ps))

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A value derived from this bank, computed once (the bank never changes after parsing)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def location(self, key: str) -> Location | None:
        """Where the record named by `key` (see location_key) was written, when read from files."""
        return self.locations.get(key)

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(t for z in self.zones for t in z.terms)

    def term(self, slug: str) -> Term:
        return self._by_slug[slug]

    def has_term(self, slug: str) -> bool:
        return slug in self._by_slug

    @property
    def key_points(self) -> tuple[KeyPoint, ...]:
        return tuple(kp for a in self.articles for kp in a.key_points)


def location_key(kind: str, *parts: str) -> str:
    """The key of a record in Bank.locations: ("term", slug), ("zone", slug), ("article", slug),
    ("key_point", article, key) or ("contrasts", article)."""
    return ":".join((kind, *parts))


class ContentError(Exception):
    """Raised by load_bank when the content has problems; carries all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the content")
        self.problems = problems


# --- YAML with line numbers -------------------------------------------------------------------


class _LineLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """A safe loader that records the line of every mapping under the key '__line__'."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates like 2025-01-31 stay strings: content fields are text.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_str)


# --- text helpers -----------------------------------------------------------------------------


_ABBREVIATIONS = ("et al.", "e.g.", "i.e.", "vs.", "etc.", "approx.", "cf.", "fig.", "no.", "dr.", "mr.", "ms.")


def sentences(text: str) -> list[str]:
    """Split prose into sentences (good enough for our own, well-punctuated content).

    A full stop after a common abbreviation ("et al.", "e.g.") or a single initial does not end a
    sentence.
    """
    text = text.strip()
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].lower()
        last_word = before.rsplit(" ", 1)[-1]
        if before.endswith(_ABBREVIATIONS) or (len(last_word) == 2 and last_word[0].isalpha()):
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return [p for p in parts if p]


# Generation asks these two tens of thousands of times for a few hundred distinct names, more
# than the `re` module's own cache of 512 patterns holds, so every call used to recompile its
# pattern. The compiled patterns depend on the name alone, so caching them cannot go stale.
@lru_cache(maxsize=8192)
def _mention_patterns(name: str) -> tuple[re.Pattern[str], ...]:
    stem = name.strip().lower()
    if not stem:
        return ()
    forms = [stem]
    if stem.endswith("s") and len(stem) > 3:
        forms.append(stem[:-1])
    return tuple(re.compile(r"(?<!\w)" + re.escape(form) + r"(?:s|es)?(?!\w)") for form in forms)


@lru_cache(maxsize=8192)
def _span_pattern(span: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(span.lower()) + r"(?!\w)")


def mentions(text: str, name: str) -> bool:
    """Whether `text` contains `name` as a whole word or phrase (plural forms included)."""
    patterns = _mention_patterns(name)
    if not patterns:
        return False
    low = text.lower()
    return any(pattern.search(low) for pattern in patterns)


def find_span(text: str, span: str) -> list[int]:
    """Positions where `span` occurs in `text`, case-insensitively, on word boundaries."""
    return [m.start() for m in _span_pattern(span).finditer(text.lower())]


def _clean(text: str) -> str:
    return " ".join(text.split())


# --- parsing ----------------------------------------------------------------------------------


class _Reader:
    """Collects problems while pulling typed fields out of one file's mappings."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, line: int | None, subject: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, subject, message))

    def text(self, data: Mapping[str, Any], key: str, subject: str, *, required: bool = True) -> str:
        value = data.get(key)
        line = data.get(_LINE)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(line, subject, f"'{key}' is missing or empty")
            return ""
        if not isinstance(value, (str, int, float)):
            self.problem(line, subject, f"'{key}' must be text")
            return ""
        return _clean(str(value))

    def texts(self, data: Mapping[str, Any], key: str, subject: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            self.problem(data.get(_LINE), subject, f"'{key}' must be a list of text")
            return ()
        items = tuple(_clean(str(v)) for v in value)
        if any(not v for v in items):
            self.problem(data.get(_LINE), subject, f"'{key}' has an empty entry")
        return tuple(v for v in items if v)

    def mapping(self, data: Any, key: str, subject: str, line: int | None) -> dict[str, Any]:
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, dict):
            self.problem(line, subject, f"'{key}' must be a mapping")
            return {}
        return value

    def slug(self, data: Mapping[str, Any], key: str, subject: str) -> str:
        value = self.text(data, key, subject)
        if value and not SLUG_RE.match(value):
            self.problem(data.get(_LINE), subject, f"'{key}' {value!r} is not lowercase kebab-case")
        return value

    def basis(self, data: Mapping[str, Any], subject: str, key: str = "basis") -> str:
        value = self.text(data, key, subject)
        if value and value not in BASES:
            self.problem(data.get(_LINE), subject, f"'{key}' must be one of {', '.join(BASES)}, not {value!r}")
        return value or "supplementary"


def _load_yaml(path: Path, label: str, reader: _Reader) -> dict[str, Any] | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reader.problem(line, "", f"malformed YAML: {exc.problem or exc}")
        return None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        reader.problem(None, "", f"cannot be read: {exc}")
        return None
    if not isinstance(data, dict):
        reader.problem(None, "", "must be a YAML mapping at the top level")
        return None
    return data


def _parse_term(raw: Any, zone: str, position: int, r: _Reader) -> Term | None:
    if not isinstance(raw, dict):
        r.problem(None, f"term #{position + 1}", "must be a mapping")
        return None
    line = raw.get(_LINE)
    slug = r.slug(raw, "slug", f"term #{position + 1}")
    subject = slug or f"term #{position + 1}"
    name = r.text(raw, "term", subject)
    acronym = r.text(raw, "acronym", subject, required=False) or None
    aliases = r.texts(raw, "aliases", subject)
    definition = r.text(raw, "definition", subject)
    explanation = r.text(raw, "explanation", subject)
    example = r.text(raw, "example", subject)
    sources = r.texts(raw, "sources", subject)

    if definition:
        words = len(definition.split())
        low, high = DEFINITION_WORDS
        if not low <= words <= high:
            r.problem(line, subject, f"definition has {words} words; it must have {low} to {high}")
        if len(sentences(definition)) != 1:
            r.problem(line, subject, "definition must be one sentence")
        for own in (name, acronym, *aliases):
            if own and mentions(definition, own):
                r.problem(line, subject, f"definition contains its own term {own!r}")
    if explanation:
        count = len(sentences(explanation))
        low, high = EXPLANATION_SENTENCES
        if not low <= count <= high:
            r.problem(line, subject, f"explanation has {count} sentence(s); it must have {low} to {high}")

    relations: dict[str, tuple[str, ...]] = {}
    raw_relations = raw.get("relations") or {}
    if not isinstance(raw_relations, dict):
        r.problem(line, subject, "'relations' must be a mapping")
        raw_relations = {}
    for kind in raw_relations:
        if kind != _LINE and kind not in RELATION_KINDS:
            r.problem(line, subject, f"unknown relation kind {kind!r} (use {', '.join(RELATION_KINDS)})")
    for kind in RELATION_KINDS:
        targets = r.texts(raw_relations, kind, subject) if kind in raw_relations else ()
        if raw_relations.get(kind) is not None and not isinstance(raw_relations.get(kind), list):
            continue
        relations[kind] = tuple(dict.fromkeys(targets))
    provenance = r.mapping(raw, "provenance", subject, line)
    article = r.slug(provenance, "article", subject) if provenance else ""
    basis = r.basis(provenance, subject) if provenance else "supplementary"
    if not slug or not name:
        return None
    return Term(
        slug=slug,
        name=name,
        zone=zone,
        acronym=acronym,
        aliases=aliases,
        definition=definition,
        explanation=explanation,
        example=example,
        relations=relations,
        article=article,
        basis=basis,
        sources=sources,
        position=position,
    )


def parse_zone(path: Path, label: str) -> tuple[Zone | None, list[Problem], list[int | None]]:
    """Parse one glossary zone file. Returns the zone, its problems and each term's line."""
    r = _Reader(label)
    data = _load_yaml(path, label, r)
    if data is None:
        return None, r.problems, []
    meta = r.mapping(data, "zone", "zone", data.get(_LINE))
    slug = r.slug(meta, "slug", "zone") if meta else ""
    name = r.text(meta, "name", "zone") if meta else ""
    intro = r.text(meta, "intro", "zone") if meta else ""
    source_note = r.text(meta, "source_note", "zone", required=False) if meta else ""
    basis = r.basis(meta, "zone") if meta else "supplementary"
    position = meta.get("order") if meta else None
    if not isinstance(position, int):
        r.problem(meta.get(_LINE) if meta else None, "zone", "'order' must be a whole number")
        position = 99
    if slug and slug != path.stem:
        r.problem(meta.get(_LINE), "zone", f"slug {slug!r} does not match the file name {path.stem!r}")
    raw_terms = data.get("terms")
    if not isinstance(raw_terms, list) or not raw_terms:
        r.problem(data.get(_LINE), "zone", "'terms' must be a non-empty list")
        raw_terms = []
    terms = []
    lines: list[int | None] = []
    for i, raw in enumerate(raw_terms):
        term = _parse_term(raw, slug, i, r)
        if term:
            terms.append(term)
            lines.append(raw.get(_LINE))
    zone = Zone(
        slug=slug, name=name, position=position, basis=basis, intro=intro, terms=tuple(terms), source_note=source_note
    )
    return zone, r.problems, lines


def _parse_key_point(raw: Any, article: str, section: int, position: int, r: _Reader) -> KeyPoint | None:
    if not isinstance(raw, dict):
        r.problem(None, f"key point #{position + 1}", "must be a mapping")
        return None
    line = raw.get(_LINE)
    key = r.slug(raw, "key", f"key point #{position + 1}")
    subject = key or f"key point #{position + 1}"
    statement = r.text(raw, "statement", subject)
    explanation = r.text(raw, "explanation", subject)
    basis = r.basis(raw, subject)
    terms = r.texts(raw, "terms", subject)
    if statement and len(sentences(statement)) != 1:
        r.problem(line, subject, "statement must be one sentence")

    spans: list[ClozeSpan] = []
    raw_cloze = raw.get("cloze")
    if not isinstance(raw_cloze, list) or not raw_cloze:
        r.problem(line, subject, "'cloze' must list at least one span")
        raw_cloze = []
    for item in raw_cloze:
        if isinstance(item, (str, int, float)):
            span = ClozeSpan(_clean(str(item)))
        elif isinstance(item, dict):
            span = ClozeSpan(
                r.text(item, "text", subject), r.texts(item, "aliases", subject), r.texts(item, "distractors", subject)
            )
        else:
            r.problem(line, subject, "a cloze span must be text or a mapping with 'text'")
            continue
        if not span.text:
            continue
        found = len(find_span(statement, span.text)) if statement else 1
        if found == 0:
            r.problem(line, subject, f"cloze span {span.text!r} not found in its statement")
        elif found > 1:
            r.problem(line, subject, f"cloze span {span.text!r} appears {found} times in its statement")
        elif span.text.strip().lower() == statement.strip(" .").lower():
            r.problem(line, subject, "a cloze span cannot be the whole statement")
        spans.append(span)

    swaps: list[FalseSwap] = []
    raw_swaps = raw.get("false_swaps") or []
    if not isinstance(raw_swaps, list):
        r.problem(line, subject, "'false_swaps' must be a list")
        raw_swaps = []
    for item in raw_swaps:
        if not isinstance(item, dict):
            r.problem(line, subject, "a false swap must be a mapping with 'span' and 'term'")
            continue
        swap = FalseSwap(
            r.text(item, "span", subject), r.text(item, "term", subject), r.text(item, "text", subject, required=False)
        )
        if swap.span and statement and not find_span(statement, swap.span):
            r.problem(item.get(_LINE, line), subject, f"false swap span {swap.span!r} not found in its statement")
        if swap.span and swap.term:
            swaps.append(swap)
    if not key or not statement:
        return None
    return KeyPoint(
        key=key,
        article=article,
        section=section,
        position=position,
        statement=statement,
        cloze=tuple(spans),
        terms=tuple(dict.fromkeys(terms)),
        basis=basis,
        explanation=explanation,
        false_swaps=tuple(swaps),
    )


CONTRASTS_LINE = "#contrasts"  # not a valid key point key, so it cannot collide with one


def parse_article(path: Path, label: str) -> tuple[Article | None, list[Problem], dict[str, int]]:
    """Parse one article file. Returns the article, its problems and each key point's line.

    The line of the contrasts block, when there is one, is under CONTRASTS_LINE.
    """
    r = _Reader(label)
    data = _load_yaml(path, label, r)
    if data is None:
        return None, r.problems, {}
    slug = r.slug(data, "slug", "article")
    if slug and slug != path.stem:
        r.problem(data.get(_LINE), "article", f"slug {slug!r} does not match the file name {path.stem!r}")
    title = r.text(data, "title", "article")
    source_url = r.text(data, "source_url", "article")
    if source_url and not source_url.startswith(("https://", "http://")):
        r.problem(data.get(_LINE), "article", "source_url must be an http(s) address")
    published = r.text(data, "published", "article", required=False)
    coverage = r.text(data, "coverage", "article")
    summary = r.text(data, "summary", "article")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        r.problem(data.get(_LINE), "article", "'sections' must be a non-empty list")
        raw_sections = []
    sections: list[Section] = []
    lines: dict[str, int] = {}
    position = 0
    for s, raw_section in enumerate(raw_sections):
        if not isinstance(raw_section, dict):
            r.problem(None, f"section #{s + 1}", "must be a mapping")
            continue
        s_title = r.text(raw_section, "title", f"section #{s + 1}")
        s_basis = r.basis(raw_section, s_title or f"section #{s + 1}")
        raw_points = raw_section.get("key_points")
        if not isinstance(raw_points, list) or not raw_points:
            r.problem(raw_section.get(_LINE), s_title, "'key_points' must be a non-empty list")
            raw_points = []
        points = []
        for raw in raw_points:
            kp = _parse_key_point(raw, slug, s, position, r)
            position += 1
            if kp:
                if kp.key in lines:
                    r.problem(raw.get(_LINE), kp.key, f"duplicate key (first at line {lines[kp.key]})")
                    continue
                lines[kp.key] = raw.get(_LINE)
                points.append(kp)
        sections.append(Section(title=s_title, basis=s_basis, key_points=tuple(points)))

    contrasts = None
    raw_contrasts = data.get("contrasts")
    if raw_contrasts is not None:
        if isinstance(raw_contrasts, dict) and isinstance(raw_contrasts.get(_LINE), int):
            lines[CONTRASTS_LINE] = raw_contrasts[_LINE]
        if not isinstance(raw_contrasts, dict):
            r.problem(data.get(_LINE), "contrasts", "must be a mapping")
        else:
            left = r.text(raw_contrasts, "left", "contrasts")
            right = r.text(raw_contrasts, "right", "contrasts")
            pairs = []
            for i, raw in enumerate(raw_contrasts.get("pairs") or []):
                if not isinstance(raw, dict):
                    r.problem(raw_contrasts.get(_LINE), "contrasts", f"pair #{i + 1} must be a mapping")
                    continue
                subject = f"contrast pair #{i + 1}"
                pair = ContrastPair(
                    dimension=r.text(raw, "dimension", subject),
                    left=r.text(raw, "left", subject),
                    right=r.text(raw, "right", subject),
                    basis=r.basis(raw, subject),
                )
                if pair.left and pair.left.lower() == pair.right.lower():
                    r.problem(raw.get(_LINE), subject, "its two sides are the same")
                pairs.append(pair)
            if not pairs:
                r.problem(raw_contrasts.get(_LINE), "contrasts", "'pairs' must be a non-empty list")
            contrasts = Contrasts(left=left, right=right, pairs=tuple(pairs))
    article = Article(
        slug=slug,
        title=title,
        source_url=source_url,
        published=published,
        coverage=coverage,
        summary=summary,
        sections=tuple(sections),
        contrasts=contrasts,
    )
    return article, r.problems, lines


def _cross_check(
    zones: list[Zone],
    articles: list[Article],
    term_files: dict[str, tuple[str, int | None]],
    point_files: dict[tuple[str, str], tuple[str, int | None]],
) -> list[Problem]:
    """Checks that need the whole bank: unknown slugs, relation rules, provenance targets."""
    problems: list[Problem] = []
    terms = {t.slug: t for z in zones for t in z.terms}
    article_slugs = {a.slug for a in articles}
    related_pairs = {
        (t.slug, target)
        for t in terms.values()
        for kind in DISTRACTOR_RELATIONS
        for target in t.relations.get(kind, ())
    }
    for term in terms.values():
        file, line = term_files[term.slug]
        total = 0
        for kind, targets in term.relations.items():
            for target in targets:
                total += 1
                if target == term.slug:
                    problems.append(Problem(file, line, term.slug, f"{kind} names the term itself"))
                elif target not in terms:
                    problems.append(Problem(file, line, term.slug, f"unknown relation target {target!r} in {kind}"))
        if total < 2:
            problems.append(Problem(file, line, term.slug, f"has {total} relation(s); at least 2 are needed"))
        if not any(term.relations.get(kind) for kind in DISTRACTOR_RELATIONS):
            problems.append(Problem(file, line, term.slug, "needs at least one confusable_with or contrasts_with"))
        if term.article and term.article not in article_slugs:
            problems.append(Problem(file, line, term.slug, f"provenance names unknown article {term.article!r}"))
    for article in articles:
        for kp in article.key_points:
            file, line = point_files[(article.slug, kp.key)]
            for slug in kp.terms:
                if slug not in terms:
                    problems.append(Problem(file, line, kp.key, f"links unknown term {slug!r}"))
            for swap in kp.false_swaps:
                if swap.term not in terms:
                    problems.append(Problem(file, line, kp.key, f"false swap names unknown term {swap.term!r}"))
                elif not any((t, swap.term) in related_pairs or (swap.term, t) in related_pairs for t in kp.terms):
                    problems.append(
                        Problem(
                            file,
                            line,
                            kp.key,
                            f"false swap term {swap.term!r} is not confusable with or contrasting to a linked term",
                        )
                    )
                elif mentions(kp.statement, terms[swap.term].name):
                    problems.append(
                        Problem(file, line, kp.key, f"false swap term {swap.term!r} is already in the statement")
                    )
    return problems


def read_bank(root: Path) -> tuple[Bank, list[Problem]]:
    """Read every content file under `root` (the questions/ folder): the bank and all problems.

    The bank holds whatever parsed; callers must not use it when problems is non-empty.
    """
    problems: list[Problem] = []
    zones: list[Zone] = []
    articles: list[Article] = []
    term_files: dict[str, tuple[str, int | None]] = {}
    point_files: dict[tuple[str, str], tuple[str, int | None]] = {}
    glossary = sorted((root / "glossary").glob("*.yaml"))
    article_paths = sorted((root / "articles").glob("*.yaml"))
    if not glossary:
        problems.append(Problem(str(root / "glossary"), None, "", "no zone files (*.yaml) found"))
    if not article_paths:
        problems.append(Problem(str(root / "articles"), None, "", "no article files (*.yaml) found"))
    locations: dict[str, Location] = {}
    zone_slugs: dict[str, str] = {}
    for path in glossary:
        label = _label(path, root)
        zone, found, lines = parse_zone(path, label)
        problems.extend(found)
        if zone is None:
            continue
        if zone.slug in zone_slugs:
            problems.append(
                Problem(label, None, "zone", f"duplicate zone slug {zone.slug!r} (also {zone_slugs[zone.slug]})")
            )
            continue
        zone_slugs[zone.slug] = label
        locations[location_key("zone", zone.slug)] = Location(label, None)
        kept = []
        for term, line in zip(zone.terms, lines, strict=True):
            if term.slug in term_files:
                first_file, first_line = term_files[term.slug]
                problems.append(Problem(label, line, term.slug, f"duplicate slug (first at {first_file}:{first_line})"))
                continue
            term_files[term.slug] = (label, line)
            locations[location_key("term", term.slug)] = Location(label, line)
            kept.append(term)
        zones.append(replace(zone, terms=tuple(kept)))
    seen_articles: set[str] = set()
    for path in article_paths:
        label = _label(path, root)
        article, found, point_lines = parse_article(path, label)
        problems.extend(found)
        if article is None:
            continue
        if article.slug in seen_articles:
            problems.append(Problem(label, None, "article", f"duplicate article slug {article.slug!r}"))
            continue
        seen_articles.add(article.slug)
        locations[location_key("article", article.slug)] = Location(label, None)
        if CONTRASTS_LINE in point_lines:
            locations[location_key("contrasts", article.slug)] = Location(label, point_lines[CONTRASTS_LINE])
        for kp in article.key_points:
            point_files[(article.slug, kp.key)] = (label, point_lines.get(kp.key))
            locations[location_key("key_point", article.slug, kp.key)] = Location(label, point_lines.get(kp.key))
        articles.append(article)
    problems.extend(_cross_check(zones, articles, term_files, point_files))
    zones.sort(key=lambda z: (z.position, z.slug))
    return Bank(zones=tuple(zones), articles=tuple(articles), locations=locations), problems


def load_bank(root: Path) -> Bank:
    """Read the bank or raise ContentError listing every problem."""
    bank, problems = read_bank(root)
    if problems:
        raise ContentError(problems)
    return bank


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def near_duplicate_definitions(terms: Iterable[Term], threshold: float = 0.6) -> list[tuple[Term, Term, float]]:
    """Pairs of terms whose definitions share most of their words (Jaccard >= threshold).

    Such pairs make unanswerable multiple-choice questions, so `questions check` lists them.
    """
    items = [(t, _words(t.definition)) for t in terms]
    found = []
    for i, (a, wa) in enumerate(items):
        for b, wb in items[i + 1 :]:
            if not wa or not wb:
                continue
            score = len(wa & wb) / len(wa | wb)
            if score >= threshold:
                found.append((a, b, round(score, 2)))
    return found
