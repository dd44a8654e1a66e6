"""Every question defect class: the generator avoids it, and `questions check` reports it with file and line.

The kitchen bank (tests/core/kitchen.py) is written to files in each test, so a finding's place
is a real `questions/<file>:<line>`. Defects the generator never makes are planted by editing a
generated question, which is what a future content edit or generator change could do.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from studyapp.core import blanks, content, generation, quality
from studyapp.core.distractors import names_term, swap_term
from studyapp.core.generation import Question
from tests.core import kitchen

KITCHEN = "articles/kitchen.yaml"
RED = "glossary/red.yaml"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return kitchen.write_bank(tmp_path)


@pytest.fixture
def bank(root: Path) -> content.Bank:
    return content.load_bank(root)


@pytest.fixture
def questions(bank: content.Bank) -> dict[str, Question]:
    return {q.key: q for q in generation.generate(bank, 0)}


def findings_of(bank: content.Bank, *qs: Question) -> list[tuple[str, str, str]]:
    return [(f.defect, str(f.location), f.subject) for f in quality.check(bank, qs)]


def planted(bank: content.Bank, q: Question, change: Callable[[Question], Question]) -> set[tuple[str, str, str]]:
    """Findings on a question after `change`, minus those on the question as generated."""
    return set(findings_of(bank, change(q))) - set(findings_of(bank, q))


def with_wrong(q: Question, *wrong: str) -> Question:
    return dataclasses.replace(q, options=(q.answer, *wrong))


def kp_line(root: Path, key: str) -> str:
    return kitchen.line_of(root, KITCHEN, f"key: {key}")


def term_line(root: Path, file: str, slug: str) -> str:
    return kitchen.line_of(root, file, f"slug: {slug}")


# --- 1. cloze options are of the blank's type -------------------------------------------------


def test_a_number_without_three_rivals_of_its_unit_gets_no_choice_form(questions: dict[str, Question]) -> None:
    assert "cloze_typed:kitchen:bread-bakes-hot:1" in questions
    assert "cloze_choice:kitchen:bread-bakes-hot:1" not in questions


def test_a_number_with_rivals_of_its_unit_is_offered_only_those(tmp_path: Path) -> None:
    extra = [
        kitchen.key_point(f"oven-{n}", f"Cakes bake at about {n} degrees in a slow oven.", [f"{n} degrees"], ["knife"])
        for n in (160, 180, 250)
    ]
    bank = content.load_bank(kitchen.write_bank(tmp_path / "own", [*kitchen.KEY_POINTS, *extra]))
    q = {q.key: q for q in generation.generate(bank)}["cloze_choice:kitchen:bread-bakes-hot:1"]
    assert sorted(q.options) == ["160 degrees", "180 degrees", "220 degrees", "250 degrees"]


def test_a_plain_noun_blank_takes_only_the_authors_distractors(tmp_path: Path, questions: dict[str, Question]) -> None:
    assert "cloze_choice:kitchen:garlic-is-a-bulb:2" not in questions  # "small ___": cloves
    points = [dict(p) for p in kitchen.KEY_POINTS]
    garlic = next(p for p in points if p["key"] == "garlic-is-a-bulb")
    garlic["cloze"] = ["Garlic", {"text": "cloves", "distractors": ["Segments", "scales", "seeds", "cloves"]}]
    bank = content.load_bank(kitchen.write_bank(tmp_path / "own", points))
    q = {q.key: q for q in generation.generate(bank)}["cloze_choice:kitchen:garlic-is-a-bulb:2"]
    assert sorted(q.options) == ["cloves", "scales", "seeds", "segments"]  # in the key's case, the key not twice


def test_a_verb_blank_is_offered_verbs_in_the_same_form(questions: dict[str, Question]) -> None:
    q = questions["cloze_choice:kitchen:whisk-beats:1"]
    assert sorted(q.options) == ["beats", "lifts", "serves", "stirs"]


def test_a_word_from_an_unrelated_topic_is_never_offered(tmp_path: Path) -> None:
    """Same part of speech is not enough: "A whisk rots air" would come from a key point on food."""
    rots = kitchen.key_point("garlic-rots", "A damp garlic rots within weeks.", ["rots"], ["garlic"])
    bank = content.load_bank(kitchen.write_bank(tmp_path / "own", [*kitchen.KEY_POINTS, rots]))
    q = {q.key: q for q in generation.generate(bank)}["cloze_choice:kitchen:whisk-beats:1"]
    assert "rots" not in q.options


def test_a_term_blank_is_offered_rival_term_names_and_never_a_parent(
    bank: content.Bank, questions: dict[str, Question]
) -> None:
    q = questions["cloze_choice:kitchen:serrated-edge:1"]
    assert q.answer == "bread knife"
    assert "knife" not in {o.lower() for o in q.options}
    assert all(blanks.term_of(bank, o) for o in q.options)


def test_mixed_option_types_are_reported(bank: content.Bank, root: Path, questions: dict[str, Question]) -> None:
    q = questions["cloze_choice:kitchen:whisk-beats:1"]
    assert ("mixed-option-types", kp_line(root, "whisk-beats"), q.key) in planted(
        bank, q, lambda q: with_wrong(q, "lifts", "serves", "cloves")
    )


# --- 2. no formatting cue ---------------------------------------------------------------------


def test_term_name_options_take_the_keys_case(questions: dict[str, Question]) -> None:
    mid_sentence = questions["cloze_choice:kitchen:serrated-edge:1"]
    assert all(o == o.lower() for o in mid_sentence.options), mid_sentence.options
    at_start = questions["cloze_choice:kitchen:garlic-is-a-bulb:1"]
    assert all(o[0].isupper() and o[1:] == o[1:].lower() for o in at_start.options), at_start.options


def test_after_an_every_option_takes_an(questions: dict[str, Question]) -> None:
    q = questions["cloze_choice:kitchen:chopping-an-onion:1"]
    assert q.prompt.startswith("Chopping an _____")
    assert all(blanks.article_for(o) == "an" for o in q.options), q.options


def test_an_acronyms_expansion_gets_no_choice_form_without_matching_initials(questions: dict[str, Question]) -> None:
    assert "cloze_typed:kitchen:ltc-stands-for:1" in questions
    assert "cloze_choice:kitchen:ltc-stands-for:1" not in questions


def test_cues_are_reported(bank: content.Bank, root: Path, questions: dict[str, Question]) -> None:
    onion = questions["cloze_choice:kitchen:chopping-an-onion:1"]
    bread = questions["cloze_choice:kitchen:serrated-edge:1"]
    where = kp_line(root, "chopping-an-onion")
    assert ("article-cue", where, onion.key) in planted(bank, onion, lambda q: with_wrong(q, "egg", "olive", "garlic"))
    assert ("case-cue", kp_line(root, "serrated-edge"), bread.key) in planted(
        bank, bread, lambda q: with_wrong(q, "Spoon", "Chef's Knife", "Ladle")
    )
    assert ("length-cue", where, onion.key) in planted(
        bank, onion, lambda q: with_wrong(q, "egg", "olive", "aubergine roasted slowly in olive oil")
    )
    ltc = Question(
        key="cloze_choice:kitchen:ltc-stands-for:1",
        kind=generation.CLOZE_CHOICE,
        prompt="The acronym LTC is short for _____.",
        answer="Low-Temperature Cooking",
        explanation="",
        options=("Low-Temperature Cooking", "Slow Braising", "Water Bath", "Sous Vide"),
        article="kitchen",
        key_point="ltc-stands-for",
    )
    assert ("acronym-cue", kp_line(root, "ltc-stands-for"), ltc.key) in set(findings_of(bank, ltc))


def test_a_number_cue_is_reported(tmp_path: Path) -> None:
    point = kitchen.key_point("many-cloves", "A head of garlic holds several cloves.", ["cloves"], ["garlic"])
    root = kitchen.write_bank(tmp_path / "own", [*kitchen.KEY_POINTS, point])
    bank = content.load_bank(root)
    q = Question(
        key="cloze_choice:kitchen:many-cloves:1",
        kind=generation.CLOZE_CHOICE,
        prompt="A head of garlic holds several _____.",
        answer="cloves",
        explanation="",
        options=("cloves", "peels", "bulb", "roots"),
        article="kitchen",
        key_point="many-cloves",
    )
    assert ("number-cue", kp_line(root, "many-cloves"), q.key) in set(findings_of(bank, q))


# --- 3. no second correct option --------------------------------------------------------------


def test_no_choice_kind_offers_a_parent_child_or_alias(bank: content.Bank, questions: dict[str, Question]) -> None:
    for q in questions.values():
        if q.kind in (generation.CHOICE_TERM, generation.CHOICE_DEFINITION) and q.term:
            term = bank.term(q.term)
            others = [
                t for t in bank.terms if (t.label if q.kind == generation.CHOICE_TERM else t.definition) in q.options
            ]
            assert all(t.slug == term.slug or t.slug not in bank.lineage(term.slug) for t in others), q.key
        for option in q.options:
            assert option.lower() != "bulb onion", q.key
    matching_sets = [{label for label, _ in q.pairs} for q in questions.values() if q.kind == generation.MATCHING]
    assert not any({"Knife", "Bread Knife"} <= s or {"Fork", "Utensil"} <= s for s in matching_sets), matching_sets
    assert [q for q in questions.values() if q.key == "choice_term:bread-knife" and "Knife" in q.options] == []


def test_second_correct_options_are_reported(bank: content.Bank, root: Path, questions: dict[str, Question]) -> None:
    onion = questions["cloze_choice:kitchen:chopping-an-onion:1"]
    assert ("second-correct-option", kp_line(root, "chopping-an-onion"), onion.key) in planted(
        bank, onion, lambda q: with_wrong(q, "egg", "olive", "onion bulb")
    ) | planted(bank, onion, lambda q: with_wrong(q, "egg", "olive", "bulb onion"))
    bread = questions["choice_term:bread-knife"]
    assert ("second-correct-option", term_line(root, RED, "bread-knife"), bread.key) in planted(
        bank, bread, lambda q: with_wrong(q, "Knife", "Spoon", "Ladle")
    )
    matching = questions["matching:red:1"]
    knife = bank.term("knife")
    bread_knife = bank.term("bread-knife")
    mixed = (
        dataclasses.replace(matching, pairs=(*matching.pairs[:-1], (bread_knife.label, bread_knife.definition)))
        if (knife.label, knife.definition) in matching.pairs
        else None
    )
    assert mixed is not None, matching.pairs
    assert ("second-correct-option", term_line(root, RED, "bread-knife"), matching.key) in set(findings_of(bank, mixed))


def test_confusable_with_ones_own_parent_is_reported(bank: content.Bank, root: Path) -> None:
    found = findings_of(bank)
    assert ("relation-conflict", term_line(root, RED, "fork"), "fork") in found
    assert ("relation-conflict", term_line(root, RED, "bread-knife"), "bread-knife") in found


# --- 4. distractor definitions and true/false swaps ------------------------------------------


def test_a_wrong_definition_never_names_the_asked_term(bank: content.Bank, questions: dict[str, Question]) -> None:
    knife = bank.term("knife")
    q = questions["choice_definition:knife"]
    assert bank.term("fork").definition not in q.options  # "laid beside the knife"
    assert not any(names_term(o, knife) for o in q.options if o != q.answer)


def test_a_self_eliminating_definition_is_reported(
    bank: content.Bank, root: Path, questions: dict[str, Question]
) -> None:
    q = questions["choice_definition:knife"]
    wrong = [o for o in q.options if o != q.answer]
    assert ("self-eliminating-distractor", term_line(root, RED, "knife"), q.key) in planted(
        bank, q, lambda q: with_wrong(q, bank.term("fork").definition, *wrong[1:])
    )


def test_the_swap_is_a_confusable_term_whatever_the_slug_lengths(tmp_path: Path) -> None:
    """The old generator compared slug lengths: "nf" vs a 30-letter slug failed the ratio."""
    renamed = {"spoon": "sp", "ladle": "ladle-for-serving-soup-from-the-pot"}
    bank = content.load_bank(kitchen.write_bank(tmp_path / "own", renamed=renamed))
    related = set(bank.confusable("sp")) - bank.lineage("sp")
    for seed in range(20):
        swap = swap_term(bank, bank.term("sp"), random.Random(seed))
        assert swap is not None and swap[0].slug in related, swap


def test_the_swap_is_never_a_parent_child_or_sibling_and_shares_meaning(bank: content.Bank) -> None:
    for term in bank.terms:
        for seed in range(5):
            swap = swap_term(bank, term, random.Random(seed))
            if swap is None:
                continue
            other = swap[0]
            assert other.slug not in bank.lineage(term.slug) | bank.siblings(term.slug), (term.slug, other.slug)
            assert not names_term(other.definition, term), (term.slug, other.slug)
    # Bread knife's only confusable is its sibling: the swap falls back to the closest definition.
    swap = swap_term(bank, bank.term("bread-knife"), random.Random(0))
    assert swap is not None and swap[0].slug not in {"chef-knife", "knife"}


def test_parent_child_and_unrelated_swaps_are_reported(
    bank: content.Bank, root: Path, questions: dict[str, Question]
) -> None:
    q = questions["true_false_term:knife"] if questions["true_false_term:knife"].answer == generation.FALSE else None
    base = q or Question(
        key="true_false_term:knife",
        kind=generation.TRUE_FALSE_TERM,
        prompt="",
        answer=generation.FALSE,
        explanation="",
        options=(generation.TRUE, generation.FALSE),
        term="knife",
        zone="red",
    )
    knife = bank.term("knife")
    shows = lambda slug: dataclasses.replace(base, prompt=f"True or false? {knife.label}: {bank.term(slug).definition}")  # noqa: E731
    where = term_line(root, RED, "knife")
    assert ("parent-child-swap", where, base.key) in set(findings_of(bank, shows("chef-knife")))
    assert ("unrelated-swap", where, base.key) in set(findings_of(bank, shows("olive")))
    assert ("parent-child-swap", kp_line(root, "fork-lifts"), "fork-lifts") in findings_of(bank)


def test_a_key_point_swap_with_a_parent_is_not_generated(questions: dict[str, Question]) -> None:
    swaps = {k: q.prompt for k, q in questions.items() if k.startswith("true_false_key_point:kitchen:fork-lifts:")}
    assert swaps == {
        "true_false_key_point:kitchen:fork-lifts:swap-2": "True or false? A spoon lifts pasta out of the pot in one move."
    }


# --- 5. filler and layout blanks --------------------------------------------------------------


def test_filler_and_layout_blanks_are_reported_and_get_no_choice_form(
    bank: content.Bank, root: Path, questions: dict[str, Question]
) -> None:
    found = findings_of(bank)
    assert ("filler-blank", kp_line(root, "knives-often-sharpened"), "knives-often-sharpened") in found
    assert ("layout-blank", kp_line(root, "red-zone-tools"), "red-zone-tools") in found
    assert "cloze_choice:kitchen:knives-often-sharpened:1" not in questions
    assert "cloze_choice:kitchen:red-zone-tools:1" not in questions
    # The typed cards stay: learners may already have them.
    assert "cloze_typed:kitchen:red-zone-tools:1" in questions


def test_the_layout_rule(bank: content.Bank) -> None:
    headings = ("Notes from a kitchen", "Tools", "Kitchen Tools", "Food")
    assert blanks.layout_reason(bank, "The post's third section is called Tools.", "Tools", headings)
    assert blanks.layout_reason(bank, "The post's Red zone lists tools.", "Red", headings)
    assert blanks.layout_reason(bank, "The post has four zones.", "four", headings)
    # Not layout: no layout word in the statement, or the blank names a glossary term.
    assert blanks.layout_reason(bank, "A cook owns four knives.", "four", headings) is None
    assert blanks.layout_reason(bank, "The Tools section starts with the knife.", "knife", headings) is None


# --- 6/7. the check as a whole, and the reviewer's sample ------------------------------------


def test_the_kitchen_bank_yields_only_its_planted_content_findings(
    bank: content.Bank, questions: dict[str, Question]
) -> None:
    found = quality.check(bank, list(questions.values()))
    assert {f.defect for f in found} == {"relation-conflict", "parent-child-swap", "filler-blank", "layout-blank"}
    assert all(f.location and f.location.line for f in found)


def test_review_sample_is_fixed_by_its_seed_and_capped_per_kind(questions: dict[str, Question]) -> None:
    qs = list(questions.values())
    first, again, other = (
        quality.review_sample(qs, 2, 1),
        quality.review_sample(qs, 2, 1),
        quality.review_sample(qs, 2, 5),
    )
    assert first == again
    assert all(len(items) == min(2, generation.count_by_kind(qs)[kind]) for kind, items in first.items())
    assert first != other


def test_summary_counts_findings_by_class(bank: content.Bank, questions: dict[str, Question]) -> None:
    summary = quality.summarize(bank, list(questions.values()))
    assert summary.total_questions == len(questions)
    assert summary.findings_by_class() == {
        "filler-blank": 1,
        "layout-blank": 1,
        "parent-child-swap": 1,
        "relation-conflict": 3,
    }


# --- 8. keys -------------------------------------------------------------------------------


def test_question_keys_keep_their_shapes(questions: dict[str, Question]) -> None:
    """Learners' cards hang on keys: kind:slug for terms, kind:article:key[:n|:swap-n] for key points."""
    assert {
        "term_to_definition:knife",
        "definition_to_term:knife",
        "choice_definition:knife",
        "choice_term:knife",
        "true_false_term:knife",
        "matching:red:1",
        "cloze_typed:kitchen:serrated-edge:2",
        "cloze_choice:kitchen:serrated-edge:1",
        "true_false_key_point:kitchen:fork-lifts",
    } <= set(questions)


# --- the real bank ---------------------------------------------------------------------------


def test_the_real_bank_generates_without_findings() -> None:
    bank = content.load_bank(ROOT / "questions")
    found = quality.check(bank, generation.generate(bank, 0))
    assert found == [], "\n".join(map(str, found))
