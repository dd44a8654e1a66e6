"""Question generation: deterministic, and the quality rules hold over the whole real bank."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from studyapp.core import content, generation
from studyapp.core.distractors import length_ratio
from studyapp.core.generation import (
    BLANK,
    CHOICE_DEFINITION,
    CHOICE_KINDS,
    CHOICE_TERM,
    CLOZE_CHOICE,
    CLOZE_TYPED,
    FALSE,
    MATCHING,
    TRUE,
    TRUE_FALSE_KEY_POINT,
    TRUE_FALSE_TERM,
)

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "bank"


@cache
def real_bank() -> content.Bank:
    return content.load_bank(ROOT / "questions")


@cache
def real_questions() -> tuple[generation.Question, ...]:
    return tuple(generation.generate(real_bank(), seed=0))


def test_same_seed_same_questions_other_seed_other_order() -> None:
    bank = content.load_bank(FIXTURE)
    first, again, other = generation.generate(bank, 1), generation.generate(bank, 1), generation.generate(bank, 2)
    assert first == again
    assert [q.key for q in first] == [q.key for q in other]
    assert [q.options for q in first] != [q.options for q in other]


def test_fixture_bank_yields_every_kind() -> None:
    counts = generation.count_by_kind(generation.generate(content.load_bank(FIXTURE)))
    assert all(counts[kind] > 0 for kind in generation.KINDS), counts


@pytest.mark.parametrize("questions", [real_questions, lambda: generation.generate(content.load_bank(FIXTURE))])
def test_exactly_the_flashcards_have_a_place_in_the_study_order(questions: object) -> None:
    """The review queue tells flashcards by study_order > 0 (an index, not a kind list)."""
    generated = questions()  # type: ignore[operator]
    for q in generated:
        assert (q.study_order > 0) == (q.kind in generation.FLASHCARD_KINDS), q.key
    orders = [q.study_order for q in generated if q.study_order]
    assert sorted(orders) == list(range(1, len(orders) + 1))


def test_false_true_false_uses_a_confusable_definition() -> None:
    bank = content.load_bank(FIXTURE)
    for q in generation.generate(bank):
        if q.kind == TRUE_FALSE_TERM and q.answer == FALSE:
            term = bank.term(q.term or "")
            shown = q.prompt.split(": ", 1)[1]
            assert shown != term.definition
            assert shown in {t.definition for t in bank.terms}


def test_key_point_false_swaps_name_the_swapped_term() -> None:
    bank = content.load_bank(FIXTURE)
    swapped = [q for q in generation.generate(bank) if q.kind == TRUE_FALSE_KEY_POINT and q.answer == FALSE]
    assert [q.prompt for q in swapped] == [
        "True or false? Most pear varieties need a second variety nearby for pollination."
    ]


# --- properties over the whole real bank ------------------------------------------------------


def test_real_bank_is_valid() -> None:
    _, problems = content.read_bank(ROOT / "questions")
    assert problems == [], "\n".join(map(str, problems))


def test_answer_is_among_the_options_exactly_once_and_options_are_distinct() -> None:
    for q in real_questions():
        if q.kind in CHOICE_KINDS or q.kind in (TRUE_FALSE_TERM, TRUE_FALSE_KEY_POINT):
            assert q.options.count(q.answer) == 1, q.key
            assert len({o.lower() for o in q.options}) == len(q.options), q.key


def test_multiple_choice_has_one_answer_and_three_distractors() -> None:
    for q in real_questions():
        if q.kind in (CHOICE_DEFINITION, CHOICE_TERM, CLOZE_CHOICE):
            assert len(q.options) == 4, q.key


def test_cloze_answer_appears_nowhere_else_in_its_prompt() -> None:
    for q in real_questions():
        if q.kind in (CLOZE_TYPED, CLOZE_CHOICE):
            assert q.prompt.count(BLANK) == 1, q.key
            rest = q.prompt.replace(BLANK, " ")
            for answer in q.accepted or (q.answer,):
                assert not re.search(r"(?<!\w)" + re.escape(answer.lower()) + r"(?!\w)", rest.lower()), (q.key, answer)


def test_every_question_has_an_explanation_and_a_source() -> None:
    for q in real_questions():
        assert q.explanation.strip(), q.key
        assert q.term or q.key_point or q.zone or q.article, q.key


def test_no_two_questions_are_identical() -> None:
    seen = Counter((q.kind, q.prompt, q.answer, q.options, q.pairs) for q in real_questions())
    assert [k for k, n in seen.items() if n > 1] == []
    assert len({q.key for q in real_questions()}) == len(real_questions())


def test_answer_positions_are_spread_evenly() -> None:
    positions: dict[int, Counter[int]] = {}
    for q in real_questions():
        if q.kind in CHOICE_KINDS:
            positions.setdefault(len(q.options), Counter())[q.options.index(q.answer)] += 1
    for size, counter in positions.items():
        assert set(counter) == set(range(size))
        assert max(counter.values()) - min(counter.values()) <= 1, (size, counter)


def test_true_false_answers_are_balanced() -> None:
    answers = Counter(q.answer for q in real_questions() if q.kind == TRUE_FALSE_TERM)
    assert abs(answers[TRUE] - answers[FALSE]) <= 1


def test_matching_sets_have_four_to_six_terms_from_one_zone() -> None:
    bank = real_bank()
    zone_of = {t.label: t.zone for t in bank.terms}
    for q in real_questions():
        if q.kind == MATCHING:
            assert 4 <= len(q.pairs) <= 6
            assert {zone_of[label] for label, _ in q.pairs} == {q.zone}


# --- content quality (issue 3) ----------------------------------------------------------------


def test_bank_size_and_coverage() -> None:
    bank = real_bank()
    assert len(bank.zones) == 5
    assert all(len(z.terms) >= 25 for z in bank.zones), {z.slug: len(z.terms) for z in bank.zones}
    assert len(bank.terms) >= 125
    assert len(bank.articles) == 4
    assert all(len(a.key_points) >= 15 for a in bank.articles), {a.slug: len(a.key_points) for a in bank.articles}


def test_definitions_are_long_enough_and_unique() -> None:
    bank = real_bank()
    assert all(len(t.definition.split()) >= 6 for t in bank.terms)
    definitions = Counter(t.definition.lower() for t in bank.terms)
    assert [d for d, n in definitions.items() if n > 1] == []
    assert content.near_duplicate_definitions(bank.terms) == []


def test_every_term_has_two_relations_including_a_distractor_relation() -> None:
    for term in real_bank().terms:
        assert sum(len(v) for v in term.relations.values()) >= 2, term.slug
        assert term.relations.get("confusable_with") or term.relations.get("contrasts_with"), term.slug


@pytest.mark.parametrize("kind", [CHOICE_DEFINITION, CHOICE_TERM, CLOZE_CHOICE])
def test_distractor_lengths_stay_near_the_answer(kind: str) -> None:
    for q in real_questions():
        if q.kind == kind:
            for option in q.options:
                assert length_ratio(option, q.answer) <= 4, (q.key, option)


def test_term_distractors_come_from_relations_or_zone() -> None:
    fallback = [q.key for q in real_questions() if q.kind in (CHOICE_DEFINITION, CHOICE_TERM) and q.fallback]
    assert fallback == []


def test_supplementary_terms_exist_and_source_terms_name_an_article() -> None:
    bank = real_bank()
    bases = Counter(t.basis for t in bank.terms)
    assert bases["source"] >= 12 and bases["supplementary"] > 0
    assert all(t.article for t in bank.terms)
