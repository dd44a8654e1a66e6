"""`questions check` in core: the defects a generated bank must not have, found with file and line.

The generator is built to avoid every defect class below; this module checks the result, so a
content edit that brings one back (a new alias equal to another blank, an is_a link that turns
a distractor into a second answer, a blank on "the") is reported before it reaches learners.
Each finding names its class, the question or record, and where in questions/ it was written.

Defect classes (see questions/README.md for the rules in prose):

- filler-blank: the blank's every word is a filler word ("the", "often", "things");
- layout-blank: the blank quizzes the post's layout (a zone colour, a heading, a count of zones);
- mixed-option-types: a cloze option is not of the blank's type (a noun for a number);
- case-cue, article-cue, number-cue, acronym-cue, length-cue: a form that singles out the key
  (its casing, "a"/"an", singular/plural, an acronym's letters, an option far longer than the rest);
- second-correct-option: a wrong option that is right too (an alias, an accepted answer, a term
  above or below the key in is_a/part_of, two such terms in one matching set);
- self-eliminating-distractor: a wrong definition that names the asked term;
- parent-child-swap: a true/false statement made false with a parent, child or sibling term;
- unrelated-swap: a false term statement showing a definition with nothing in common with it;
- relation-conflict: confusable_with/contrasts_with between a term and its own parent or child.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from studyapp.core import blanks, content, generation
from studyapp.core.blanks import Context
from studyapp.core.content import Bank, KeyPoint, Location, Term, location_key
from studyapp.core.distractors import blank_type, content_words, names_term
from studyapp.core.generation import Question

FILLER_BLANK = "filler-blank"
LAYOUT_BLANK = "layout-blank"
MIXED_OPTION_TYPES = "mixed-option-types"
CASE_CUE = "case-cue"
ARTICLE_CUE = "article-cue"
NUMBER_CUE = "number-cue"
ACRONYM_CUE = "acronym-cue"
LENGTH_CUE = "length-cue"
SECOND_CORRECT_OPTION = "second-correct-option"
SELF_ELIMINATING_DISTRACTOR = "self-eliminating-distractor"
PARENT_CHILD_SWAP = "parent-child-swap"
UNRELATED_SWAP = "unrelated-swap"
RELATION_CONFLICT = "relation-conflict"
DEFECT_CLASSES = (
    FILLER_BLANK,
    LAYOUT_BLANK,
    MIXED_OPTION_TYPES,
    CASE_CUE,
    ARTICLE_CUE,
    NUMBER_CUE,
    ACRONYM_CUE,
    LENGTH_CUE,
    SECOND_CORRECT_OPTION,
    SELF_ELIMINATING_DISTRACTOR,
    PARENT_CHILD_SWAP,
    UNRELATED_SWAP,
    RELATION_CONFLICT,
)


@dataclass(frozen=True)
class Finding:
    """One defect: its class, where it was written, what it is about, and what is wrong."""

    defect: str
    location: Location | None
    subject: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.subject}: [{self.defect}] {self.message}"


@dataclass(frozen=True)
class CheckSummary:
    """What `questions check` prints: counts of the bank and its questions, and every finding."""

    terms: int
    zones: dict[str, int]
    articles: dict[str, int]
    questions: dict[str, int]
    fallback: dict[str, int]
    near_duplicates: list[tuple[str, str, float]]
    findings: list[Finding] = field(default_factory=list)

    @property
    def total_questions(self) -> int:
        return sum(self.questions.values())

    def findings_by_class(self) -> dict[str, int]:
        counts = {defect: 0 for defect in DEFECT_CLASSES}
        for finding in self.findings:
            counts[finding.defect] += 1
        return {defect: n for defect, n in counts.items() if n}


def summarize(bank: Bank, questions: Sequence[Question]) -> CheckSummary:
    """The whole check: counts and findings for a bank and the questions generated from it."""
    return CheckSummary(
        terms=len(bank.terms),
        zones={z.slug: len(z.terms) for z in bank.zones},
        articles={a.slug: len(a.key_points) for a in bank.articles},
        questions=generation.count_by_kind(questions),
        fallback=generation.fallback_by_kind(questions),
        near_duplicates=[(a.slug, b.slug, score) for a, b, score in content.near_duplicate_definitions(bank.terms)],
        findings=check(bank, questions),
    )


def check(bank: Bank, questions: Sequence[Question]) -> list[Finding]:
    """Every finding on the content and on the generated questions, content first."""
    findings = _content_findings(bank)
    for q in questions:
        where = question_location(bank, q)
        for defect, message, *at in _question_defects(bank, q):
            findings.append(Finding(defect, at[0] if at else where, q.key, message))
    return findings


def question_location(bank: Bank, q: Question) -> Location | None:
    """Where the record a question was generated from is written."""
    if q.key_point and q.article:
        return bank.location(location_key("key_point", q.article, q.key_point))
    if q.kind == generation.CONTRAST_CHOICE and q.article:
        return bank.location(location_key("contrasts", q.article))
    if q.term:
        return bank.location(location_key("term", q.term))
    if q.zone:
        return bank.location(location_key("zone", q.zone))
    return None


# --- content ---------------------------------------------------------------------------------


def _content_findings(bank: Bank) -> list[Finding]:
    findings: list[Finding] = []
    for term in bank.terms:
        where = bank.location(location_key("term", term.slug))
        lineage = bank.lineage(term.slug)
        for kind in content.DISTRACTOR_RELATIONS:
            for target in term.relations.get(kind, ()):
                if target in lineage:
                    findings.append(
                        Finding(
                            RELATION_CONFLICT,
                            where,
                            term.slug,
                            f"{kind} names {target!r}, which is also its parent or child (is_a/part_of); "
                            "keep only the hierarchy link",
                        )
                    )
    for article in bank.articles:
        headings = generation.headings(bank, article)
        for kp in article.key_points:
            where = bank.location(location_key("key_point", article.slug, kp.key))
            for span in kp.cloze:
                if blanks.is_filler(span.text):
                    findings.append(
                        Finding(FILLER_BLANK, where, kp.key, f"the blank {span.text!r} is only filler words")
                    )
                reason = blanks.layout_reason(bank, kp.statement, span.text, headings)
                if reason:
                    findings.append(
                        Finding(LAYOUT_BLANK, where, kp.key, f"{reason}: it tests the post's layout, not its content")
                    )
            for swap in kp.false_swaps:
                parent = generation.hierarchy_swap(bank, kp, swap)
                if parent:
                    findings.append(
                        Finding(
                            PARENT_CHILD_SWAP,
                            where,
                            kp.key,
                            f"false swap {swap.term!r} is a parent or child of {parent!r}, "
                            "so the swapped statement may still be true",
                        )
                    )
    return findings


# --- questions -------------------------------------------------------------------------------


# A defect of a question: (class, message), or (class, message, location) when a more precise
# place than the question's own source is known (the term of a matching pair).
Defect = tuple[str, str] | tuple[str, str, Location | None]


def _question_defects(bank: Bank, q: Question) -> Sequence[Defect]:
    if q.kind == generation.CLOZE_CHOICE and q.key_point and q.article:
        return _cloze_choice_defects(bank, q)
    if q.kind in (generation.CHOICE_TERM, generation.CHOICE_DEFINITION) and q.term:
        return _term_choice_defects(bank, q)
    if q.kind == generation.TRUE_FALSE_TERM and q.term and q.answer == generation.FALSE:
        return _true_false_term_defects(bank, q)
    if q.kind == generation.MATCHING:
        return _matching_defects(bank, q)
    return []


def _key_point_of(bank: Bank, q: Question) -> KeyPoint | None:
    article = next((a for a in bank.articles if a.slug == q.article), None)
    return next((kp for kp in article.key_points if kp.key == q.key_point), None) if article else None


def _cloze_choice_defects(bank: Bank, q: Question) -> list[tuple[str, str]]:
    key = q.answer
    kp = _key_point_of(bank, q)
    statement = kp.statement if kp else q.prompt.replace(generation.BLANK, key, 1)
    span = next((s for s in kp.cloze if s.text == key), None) if kp else None
    wrong = [o for o in q.options if o != key]
    context = Context.of(statement, key)
    blank = blank_type(bank, statement, key)
    defects: list[tuple[str, str]] = []
    accepted = {a.lower() for a in (key, *q.accepted, *(span.aliases if span else ()))}
    key_term = blanks.term_of(bank, key)
    homes = {s.text.lower(): (p.statement, s.text) for p in bank.key_points for s in p.cloze}
    for option in wrong:
        filled = q.prompt.replace(generation.BLANK, option, 1)
        kind = blank_type(bank, filled, option)
        home = homes.get(option.lower())
        if home is not None and kind == blank:  # a blank of another key point: also its own type there
            kind = blank_type(bank, *home)
        if kind != blank:
            defects.append((MIXED_OPTION_TYPES, f"option {option!r} is a {kind}, the blank a {blank}"))
        named = blanks.term_of(bank, option)
        if option.lower() in accepted or (key_term and named and named[0] == key_term[0]):
            defects.append((SECOND_CORRECT_OPTION, f"option {option!r} is an accepted answer"))
        elif key_term and named and named[0] in bank.lineage(key_term[0]):
            defects.append(
                (SECOND_CORRECT_OPTION, f"option {option!r} names a parent or child of {bank.term(key_term[0]).name}")
            )
        if not blanks.agrees(option, context, blank):
            if context.before in ("a", "an") and blanks.article_for(option) != context.before:
                defects.append((ARTICLE_CUE, f"option {option!r} does not fit {context.before!r} before the blank"))
            else:
                defects.append((NUMBER_CUE, f"option {option!r} does not agree in number with the sentence"))
    key_styles = blanks.case_styles(key)
    if len(key_styles) < 3 and all(not (blanks.case_styles(o) & key_styles) for o in wrong):
        defects.append((CASE_CUE, f"only the key {key!r} is in its casing style"))
    if blanks.expansion_cue(statement, key) and any(blanks.initials(o) != blanks.initials(key) for o in wrong):
        defects.append((ACRONYM_CUE, f"only the key's initials spell the acronym ({blanks.initials(key)})"))
    defects.extend(_length_defects(q.options))
    return defects


def _length_defects(options: Sequence[str]) -> list[tuple[str, str]]:
    outlier = blanks.length_outlier(list(options))
    if outlier is None:
        return []
    short = outlier if len(outlier) <= 40 else outlier[:40] + "..."
    return [(LENGTH_CUE, f"option {short!r} is far longer than the others")]


def _term_choice_defects(bank: Bank, q: Question) -> list[tuple[str, str]]:
    term = bank.term(q.term or "")
    shown = {t.label: t for t in bank.terms} if q.kind == generation.CHOICE_TERM else {}
    if q.kind == generation.CHOICE_DEFINITION:
        shown = {t.definition: t for t in bank.terms}
    defects: list[tuple[str, str]] = []
    for option in q.options:
        if option == q.answer:
            continue
        other = shown.get(option)
        if other is None:
            continue
        if other.slug in bank.lineage(term.slug) or bank.lower_names(other.slug) & bank.lower_names(term.slug):
            defects.append(
                (SECOND_CORRECT_OPTION, f"option {other.name!r} is a parent, child or synonym of {term.name}")
            )
        if q.kind == generation.CHOICE_DEFINITION and names_term(option, term):
            defects.append((SELF_ELIMINATING_DISTRACTOR, f"the definition of {other.name!r} names {term.name} itself"))
    defects.extend(_length_defects(q.options))
    return defects


def _shown_term(bank: Bank, q: Question, term: Term) -> Term | None:
    prefix = f"True or false? {term.label}: "
    shown = q.prompt[len(prefix) :] if q.prompt.startswith(prefix) else ""
    return next((t for t in bank.terms if t.definition == shown), None)


def _true_false_term_defects(bank: Bank, q: Question) -> list[tuple[str, str]]:
    term = bank.term(q.term or "")
    other = _shown_term(bank, q, term)
    if other is None:
        return []
    defects: list[tuple[str, str]] = []
    if other.slug in bank.lineage(term.slug) | bank.siblings(term.slug):
        defects.append(
            (PARENT_CHILD_SWAP, f"shows the definition of {other.name!r}, a parent, child or sibling of {term.name}")
        )
    if names_term(other.definition, term):
        defects.append((SELF_ELIMINATING_DISTRACTOR, f"the definition of {other.name!r} names {term.name} itself"))
    related = other.slug in bank.confusable(term.slug)
    if not related and not content_words(other.definition) & content_words(term.definition):
        defects.append(
            (UNRELATED_SWAP, f"shows the definition of {other.name!r}, which shares no meaning with {term.name}")
        )
    return defects


def _matching_defects(bank: Bank, q: Question) -> list[Defect]:
    by_label = {t.label: t for t in bank.terms}
    terms = [by_label[label] for label, _ in q.pairs if label in by_label]
    defects: list[Defect] = []
    for i, a in enumerate(terms):
        for b in terms[i + 1 :]:
            if generation.matching_conflict(bank, a, b):
                defects.append(
                    (
                        SECOND_CORRECT_OPTION,
                        f"{a.name!r} and {b.name!r} are parent and child or synonyms in one set",
                        bank.location(location_key("term", b.slug)),
                    )
                )
    return defects


# --- the reviewer's sample -------------------------------------------------------------------


def review_sample(questions: Sequence[Question], per_kind: int, seed: int) -> dict[str, list[Question]]:
    """A fixed-seed sample of up to `per_kind` questions of each kind, in bank order."""
    sample: dict[str, list[Question]] = {}
    for kind in generation.KINDS:
        of_kind = [q for q in questions if q.kind == kind]
        chosen = set(random.Random(f"{seed}:{kind}").sample(range(len(of_kind)), min(per_kind, len(of_kind))))
        sample[kind] = [q for i, q in enumerate(of_kind) if i in chosen]
    return sample
