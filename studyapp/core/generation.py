"""Turn the content bank into questions: deterministic for a given seed.

Every question has a stable key (kind plus the slug or key of what it asks about), so the database
can update it in place when the content changes. Randomness comes only from `random.Random`
instances derived from the seed and the question key, so editing one term changes only the
questions that depend on it (answer positions aside: those are balanced across the whole bank).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial

from studyapp.core import blanks
from studyapp.core.content import Article, Bank, FalseSwap, KeyPoint, Term, find_span
from studyapp.core.distractors import SpanCandidate, span_distractors, swap_term, term_distractors

TERM_TO_DEFINITION = "term_to_definition"
DEFINITION_TO_TERM = "definition_to_term"
CHOICE_DEFINITION = "choice_definition"
CHOICE_TERM = "choice_term"
TRUE_FALSE_TERM = "true_false_term"
MATCHING = "matching"
CLOZE_TYPED = "cloze_typed"
CLOZE_CHOICE = "cloze_choice"
TRUE_FALSE_KEY_POINT = "true_false_key_point"
CONTRAST_CHOICE = "contrast_choice"

KINDS = (
    TERM_TO_DEFINITION,
    DEFINITION_TO_TERM,
    CHOICE_DEFINITION,
    CHOICE_TERM,
    TRUE_FALSE_TERM,
    MATCHING,
    CLOZE_TYPED,
    CLOZE_CHOICE,
    TRUE_FALSE_KEY_POINT,
    CONTRAST_CHOICE,
)
FLASHCARD_KINDS = (TERM_TO_DEFINITION, DEFINITION_TO_TERM, CLOZE_TYPED)
# What each kind asks, as a card or quiz item names it to the learner.
KIND_LABELS = {
    TERM_TO_DEFINITION: "What does this term mean?",
    DEFINITION_TO_TERM: "Which term is this?",
    CHOICE_DEFINITION: "Choose the definition",
    CHOICE_TERM: "Choose the term",
    TRUE_FALSE_TERM: "True or false?",
    MATCHING: "Match the terms to their definitions",
    CLOZE_TYPED: "Fill in the blank",
    CLOZE_CHOICE: "Choose the missing words",
    TRUE_FALSE_KEY_POINT: "True or false?",
    CONTRAST_CHOICE: "Which side is this?",
}
CHOICE_KINDS = (CHOICE_DEFINITION, CHOICE_TERM, CLOZE_CHOICE, CONTRAST_CHOICE)
TRUE, FALSE = "True", "False"
BLANK = "_____"
MATCHING_SIZES = (4, 6)


@dataclass(frozen=True)
class Question:
    """One generated question; `options` for choice kinds, `pairs` for matching."""

    key: str
    kind: str
    prompt: str
    answer: str
    explanation: str
    options: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    term: str | None = None
    zone: str | None = None
    article: str | None = None
    key_point: str | None = None
    fallback: bool = False
    study_order: int = 0


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(f"{seed}:{key}")


def blank_out(statement: str, span: str) -> str:
    """The statement with its (single) occurrence of `span` replaced by a blank."""
    start = find_span(statement, span)[0]
    return statement[:start] + BLANK + statement[start + len(span) :]


def _replace_span(statement: str, span: str, text: str) -> str:
    start = find_span(statement, span)[0]
    return statement[:start] + text + statement[start + len(span) :]


def _term_questions(bank: Bank, term: Term, seed: int) -> list[Question]:
    make = partial(Question, term=term.slug, zone=term.zone, article=term.article)
    definition_choice = term_distractors(
        bank, term, _rng(seed, f"{CHOICE_DEFINITION}:{term.slug}"), lambda t: t.definition, shows_definition=True
    )
    name_choice = term_distractors(bank, term, _rng(seed, f"{CHOICE_TERM}:{term.slug}"), lambda t: t.label)
    return [
        make(
            key=f"{TERM_TO_DEFINITION}:{term.slug}",
            kind=TERM_TO_DEFINITION,
            prompt=term.label,
            answer=term.definition,
            explanation=term.explanation,
        ),
        make(
            key=f"{DEFINITION_TO_TERM}:{term.slug}",
            kind=DEFINITION_TO_TERM,
            prompt=term.definition,
            answer=term.label,
            accepted=term.names,
            explanation=term.explanation,
        ),
        make(
            key=f"{CHOICE_DEFINITION}:{term.slug}",
            kind=CHOICE_DEFINITION,
            prompt=f"Which of these defines {term.label}?",
            answer=term.definition,
            options=(term.definition, *definition_choice.options),
            explanation=term.explanation,
            fallback=definition_choice.fallback,
        ),
        make(
            key=f"{CHOICE_TERM}:{term.slug}",
            kind=CHOICE_TERM,
            prompt=term.definition,
            answer=term.label,
            options=(term.label, *name_choice.options),
            explanation=term.explanation,
            fallback=name_choice.fallback,
        ),
    ]


def _true_false_term(bank: Bank, term: Term, truth: bool, seed: int) -> Question:
    key = f"{TRUE_FALSE_TERM}:{term.slug}"
    shown, explanation, fallback = term.definition, term.explanation, False
    if not truth:
        swap = swap_term(bank, term, _rng(seed, key))
        if swap is not None:
            other, tier = swap
            shown = other.definition
            fallback = tier == "bank"
            explanation = f"False: that describes {other.label}. {term.label}: {term.definition}"
        else:  # nothing in the bank can be swapped in without being true or obvious
            truth = True
    return Question(
        key=key,
        kind=TRUE_FALSE_TERM,
        prompt=f"True or false? {term.label}: {shown}",
        answer=TRUE if truth else FALSE,
        options=(TRUE, FALSE),
        explanation=explanation,
        term=term.slug,
        zone=term.zone,
        article=term.article,
        fallback=fallback,
    )


def _matching(bank: Bank, seed: int) -> list[Question]:
    questions = []
    low, high = MATCHING_SIZES
    for zone in bank.zones:
        terms = list(zone.terms)
        if len(terms) < low:
            continue
        _rng(seed, f"{MATCHING}:{zone.slug}").shuffle(terms)
        groups = math.ceil(len(terms) / high)
        size, extra = divmod(len(terms), groups)
        sizes = [size + (1 if i < extra else 0) for i in range(groups)]
        for i, group in enumerate(_matching_groups(bank, terms, sizes)):
            questions.append(
                Question(
                    key=f"{MATCHING}:{zone.slug}:{i + 1}",
                    kind=MATCHING,
                    prompt=f"Match each {zone.name} term to its definition.",
                    answer="",
                    pairs=tuple((t.label, t.definition) for t in group),
                    explanation=f"All of these come from the {zone.name} zone; open a term for its explanation.",
                    zone=zone.slug,
                )
            )
    return questions


def matching_conflict(bank: Bank, a: Term, b: Term) -> bool:
    """Two terms that cannot share a matching set: one is a kind or part of the other, or they
    share a name, so either label fits either definition."""
    return b.slug in bank.lineage(a.slug) or bool(bank.lower_names(a.slug) & bank.lower_names(b.slug))


def _matching_groups(bank: Bank, terms: list[Term], sizes: list[int]) -> list[list[Term]]:
    """Deal the (shuffled) terms into sets of at most the given sizes, keeping conflicting terms apart.

    The terms with the most conflicts are dealt first (a parent of many children needs a set of
    its own); each goes to the first set with room and no conflict. A term that conflicts with
    every set with room is left out of matching, unless a set would then hold fewer than the
    minimum (`questions check` reports that set). Each set keeps the shuffled order.
    """
    conflicts = {t.slug: sum(matching_conflict(bank, t, o) for o in terms if o is not t) for t in terms}
    position = {t.slug: i for i, t in enumerate(terms)}
    groups: list[list[Term]] = [[] for _ in sizes]
    left_out: list[Term] = []
    for term in sorted(terms, key=lambda t: -conflicts[t.slug]):
        open_groups = [g for g, size in zip(groups, sizes, strict=True) if len(g) < size]
        fitting = [g for g in open_groups if not any(matching_conflict(bank, term, other) for other in g)]
        if fitting:
            fitting[0].append(term)
        else:
            left_out.append(term)
    for term in left_out:
        short = [g for g in groups if len(g) < MATCHING_SIZES[0]]
        if short:
            short[0].append(term)
    return [sorted(g, key=lambda t: position[t.slug]) for g in groups]


def _accepted_for_span(bank: Bank, kp: KeyPoint, index: int) -> tuple[str, ...]:
    span = kp.cloze[index]
    accepted = [span.text, *span.aliases]
    for slug in kp.terms:
        term = bank.term(slug)
        if span.text.lower() in {n.lower() for n in term.names}:
            accepted.extend(term.names)
    # A name already printed in the prompt ("LoRA is short for ___") cannot be an answer.
    rest = blank_out(kp.statement, span.text)
    return tuple(a for a in dict.fromkeys(accepted) if a == span.text or not find_span(rest, a))


def headings(bank: Bank, article: Article) -> tuple[str, ...]:
    """The headings a reader of the post sees: its title, its section titles, the zone names."""
    return (article.title, *(s.title for s in article.sections), *(z.name for z in bank.zones))


def quizzes_layout_or_filler(bank: Bank, article: Article, kp: KeyPoint, span: str) -> bool:
    """Whether a blank is filler or tests the post's layout (`questions check` explains which)."""

    def compute() -> bool:
        return (
            blanks.is_filler(span)
            or blanks.layout_reason(bank, kp.statement, span, headings(bank, article)) is not None
        )

    result: bool = bank.memo(("layout_or_filler", article.slug, kp.key, span), compute)
    return result


def _span_candidates(bank: Bank, article: Article, kp: KeyPoint) -> list[SpanCandidate]:
    """Every other blank of the bank, as a possible wrong option for this key point's blanks."""

    def every_blank() -> list[tuple[str, str, SpanCandidate]]:
        # Every blank of the bank as seen from this article (same_article depends on it), with
        # the key point it comes from; built once per article rather than once per key point.
        return [
            (a.slug, other.key, SpanCandidate(s.text, other.statement, s.aliases, a.slug == article.slug, other.terms))
            for a in bank.articles
            for other in a.key_points
            for s in other.cloze
            if not quizzes_layout_or_filler(bank, a, other, s.text)
        ]

    blanks_seen: list[tuple[str, str, SpanCandidate]] = bank.memo(("span_candidates", article.slug), every_blank)
    return [c for a_slug, key, c in blanks_seen if key != kp.key or a_slug != article.slug]


def hierarchy_swap(bank: Bank, kp: KeyPoint, swap: FalseSwap) -> str | None:
    """The term that a false swap replaces by its own parent or child, if it does.

    When the swapped span names a term, only that term counts ("MMLU" -> HumanEval is a sibling
    swap under benchmark, which is fine); otherwise any term the key point links.
    """
    if not bank.has_term(swap.term):
        return None
    named = bank.term_named(swap.span)
    replaced = [named.slug] if named else [s for s in kp.terms if bank.has_term(s)]
    return next((slug for slug in replaced if swap.term in bank.lineage(slug)), None)


def _key_point_questions(bank: Bank, article: Article, kp: KeyPoint, seed: int) -> list[Question]:
    questions: list[Question] = []
    make = partial(Question, article=article.slug, key_point=kp.key, term=kp.terms[0] if kp.terms else None)
    linked = [bank.term(s) for s in kp.terms]
    others = _span_candidates(bank, article, kp)
    for i, span in enumerate(kp.cloze):
        prompt = blank_out(kp.statement, span.text)
        accepted = _accepted_for_span(bank, kp, i)
        base = f"{article.slug}:{kp.key}:{i + 1}"
        questions.append(
            make(
                key=f"{CLOZE_TYPED}:{base}",
                kind=CLOZE_TYPED,
                prompt=prompt,
                answer=span.text,
                accepted=accepted,
                explanation=kp.explanation,
            )
        )
        if quizzes_layout_or_filler(bank, article, kp, span.text):
            continue  # `questions check` reports it; no need to make it worse with options
        # Every accepted form, even one dropped from the typed answers because the stem prints it,
        # is still right and so can never be a wrong option.
        every_answer = (
            *accepted,
            *span.aliases,
            *(n for t in linked for n in t.names if span.text.lower() in {m.lower() for m in t.names}),
        )
        choice = span_distractors(
            bank, kp.statement, span, every_answer, others, _rng(seed, f"{CLOZE_CHOICE}:{base}"), terms=kp.terms
        )
        if len(choice.options) == 3:
            questions.append(
                make(
                    key=f"{CLOZE_CHOICE}:{base}",
                    kind=CLOZE_CHOICE,
                    prompt=prompt,
                    answer=span.text,
                    options=(span.text, *choice.options),
                    explanation=kp.explanation,
                    fallback=choice.fallback,
                )
            )
    if kp.false_swaps:
        questions.append(
            make(
                key=f"{TRUE_FALSE_KEY_POINT}:{article.slug}:{kp.key}",
                kind=TRUE_FALSE_KEY_POINT,
                prompt=f"True or false? {kp.statement}",
                answer=TRUE,
                options=(TRUE, FALSE),
                explanation=kp.explanation,
            )
        )
    for i, swap in enumerate(kp.false_swaps):
        if hierarchy_swap(bank, kp, swap):
            continue  # a parent or child swapped in may keep the statement true; the check reports it
        replacement = swap.text or _swap_name(bank.term(swap.term), swap.span, linked)
        questions.append(
            make(
                key=f"{TRUE_FALSE_KEY_POINT}:{article.slug}:{kp.key}:swap-{i + 1}",
                kind=TRUE_FALSE_KEY_POINT,
                prompt=f"True or false? {_replace_span(kp.statement, swap.span, replacement)}",
                answer=FALSE,
                options=(TRUE, FALSE),
                explanation=f"False: {swap.span}, not {replacement}. {kp.statement} {kp.explanation}",
            )
        )
    return questions


def _swap_name(swapped: Term, span: str, linked: list[Term]) -> str:
    """How the swapped-in term is written: its acronym for an acronym, else in sentence case.

    Title-case words go lower case ("Greedy Decoding" -> "greedy decoding") while names with
    inner capitals keep them (LoRA, WordPiece); a capital stays at the start when the span had one.
    """
    if swapped.acronym and any(span.lower() == (t.acronym or "").lower() for t in linked):
        return swapped.acronym

    def lower_title(part: str) -> str:
        return part.lower() if part[:1].isupper() and part[1:] == part[1:].lower() else part

    name = " ".join("-".join(lower_title(p) for p in word.split("-")) for word in swapped.name.split())
    return name[:1].upper() + name[1:] if span[:1].isupper() else name


def _contrast_questions(article: Article) -> list[Question]:
    if article.contrasts is None:
        return []
    c = article.contrasts
    questions = []
    for i, pair in enumerate(c.pairs):
        explanation = f"{pair.dimension}: {c.left}: {pair.left}. {c.right}: {pair.right}."
        for side, text, answer in (("left", pair.left, c.left), ("right", pair.right, c.right)):
            questions.append(
                Question(
                    key=f"{CONTRAST_CHOICE}:{article.slug}:{i + 1}:{side}",
                    kind=CONTRAST_CHOICE,
                    prompt=f"{pair.dimension}: which one is described by “{text}”?",
                    answer=answer,
                    options=(c.left, c.right),
                    explanation=explanation,
                    article=article.slug,
                )
            )
    return questions


def _spread_answers(questions: list[Question], seed: int) -> list[Question]:
    """Put the answer at each position equally often, per option count, across the bank.

    Questions are dealt in blocks of n (n = number of options); each block gets a random
    permutation of the n positions, so every position is used within one of the others.
    """
    result = list(questions)
    by_size: dict[int, list[int]] = {}
    for index, q in enumerate(questions):
        if q.kind in CHOICE_KINDS:
            by_size.setdefault(len(q.options), []).append(index)
    for size, indexes in by_size.items():
        rng = _rng(seed, f"positions:{size}")
        positions: list[int] = []
        for index in indexes:
            if not positions:
                positions = list(range(size))
                rng.shuffle(positions)
            q = questions[index]
            wrong = list(q.options[1:]) if q.options[0] == q.answer else [o for o in q.options if o != q.answer]
            _rng(seed, f"order:{q.key}").shuffle(wrong)
            wrong.insert(positions.pop(), q.answer)
            result[index] = replace(q, options=tuple(wrong))
    return result


def generate(bank: Bank, seed: int = 0) -> list[Question]:
    """Every question the bank yields, in a stable order."""
    questions: list[Question] = []
    truths: list[bool] = []
    tf_rng = _rng(seed, TRUE_FALSE_TERM)
    for term in bank.terms:
        questions.extend(_term_questions(bank, term, seed))
        if not truths:
            truths = [True, False]
            tf_rng.shuffle(truths)
        questions.append(_true_false_term(bank, term, truths.pop(), seed))
    questions.extend(_matching(bank, seed))
    for article in bank.articles:
        for kp in article.key_points:
            questions.extend(_key_point_questions(bank, article, kp, seed))
        questions.extend(_contrast_questions(article))
    return _order_flashcards(bank, _spread_answers(questions, seed))


def _order_flashcards(bank: Bank, questions: list[Question]) -> list[Question]:
    """Number the flashcards in the order new cards are introduced: the glossary's reading order.

    Each term gives its forward then its reverse card, followed by the cloze cards of the key
    points that link it first; key points linking no term come last.
    """
    flashcards = {q.key: q for q in questions if q.kind in FLASHCARD_KINDS}
    cloze_after: dict[str | None, list[str]] = {}
    for q in questions:
        if q.kind == CLOZE_TYPED:
            first = q.term if q.term and bank.has_term(q.term) else None
            cloze_after.setdefault(first, []).append(q.key)
    order: list[str] = []
    for term in bank.terms:
        order.extend([f"{TERM_TO_DEFINITION}:{term.slug}", f"{DEFINITION_TO_TERM}:{term.slug}"])
        order.extend(cloze_after.get(term.slug, []))
    order.extend(cloze_after.get(None, []))
    rank = {key: i + 1 for i, key in enumerate(k for k in order if k in flashcards)}
    return [replace(q, study_order=rank[q.key]) if q.key in rank else q for q in questions]


def count_by_kind(questions: Iterable[Question]) -> dict[str, int]:
    counts = Counter(q.kind for q in questions)
    return {kind: counts.get(kind, 0) for kind in KINDS}


def fallback_by_kind(questions: Iterable[Question]) -> dict[str, int]:
    """How many questions of each kind had to take a distractor from outside relations and zone."""
    counts = Counter(q.kind for q in questions if q.fallback)
    return {kind: counts.get(kind, 0) for kind in KINDS if kind in CHOICE_KINDS or kind == TRUE_FALSE_TERM}
