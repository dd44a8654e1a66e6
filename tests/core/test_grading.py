"""The grading rules, kind by kind, each with its limits: what is forgiven and what never is."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.core import content, generation, grading
from studyapp.core.grading import Leniency, Op, Spec, Verdict
from studyapp.core.scheduling import Rating

L = Leniency
BANK_DIR = Path(__file__).resolve().parents[2] / "questions"


def typed(answer: str, response: object, accepted: tuple[str, ...] = (), confusable: tuple[str, ...] = ()):
    return grading.grade(generation.CLOZE_TYPED, Spec(answer, accepted=accepted, confusable=confusable), response)


# (answer, accepted, typed, the leniencies reported)
ACCEPTED = [
    ("attention", (), "attention", ()),
    ("LoRA", (), "lora", (L.CASE,)),
    ("Self-Attention", (), "SELF-ATTENTION", (L.CASE,)),
    ("fine-tuning", (), "fine tuning", (L.PUNCTUATION,)),
    ("fine-tuning", (), "fine–tuning", (L.PUNCTUATION,)),  # an en dash
    ("fine-tuning", (), "finetuning", (L.PUNCTUATION, L.SPACING)),
    ("key-value cache", (), "Key Value Cache", (L.CASE, L.PUNCTUATION)),
    ("in-context learning", (), "in-context learning.", (L.PUNCTUATION,)),
    ("don't", (), "dont", (L.PUNCTUATION,)),
    ("context window", (), "  context   window ", ()),  # spacing around and between words is never a difference
    ("the attention mechanism", (), "attention mechanism", (L.ARTICLE,)),
    ("attention mechanism", (), "The attention mechanism", (L.ARTICLE,)),  # the capital went with the article
    ("embedding", (), "an embedding", (L.ARTICLE,)),
    ("token", (), "tokens", (L.PLURAL,)),
    ("tokens", (), "token", (L.PLURAL,)),
    ("query", (), "queries", (L.PLURAL,)),
    ("batch", (), "batches", (L.PLURAL,)),
    ("caches", (), "cache", (L.PLURAL,)),
    ("context window", (), "context windows", (L.PLURAL,)),
    ("large language models", (), "large language model", (L.PLURAL,)),
    ("Low-Rank Adaptation", ("LoRA",), "LoRA", (L.ACRONYM,)),
    ("LoRA", ("Low-Rank Adaptation",), "low rank adaptation", (L.CASE, L.PUNCTUATION, L.ACRONYM)),
    (
        "RLHF",
        ("reinforcement learning from human feedback",),
        "Reinforcement learning from human feedback",
        (L.CASE, L.ACRONYM),
    ),
    ("large language model", ("LLM",), "LLMs", (L.PLURAL, L.ACRONYM)),
    ("tokenizer", ("tokeniser",), "tokeniser", (L.ALIAS,)),
    ("KV cache", ("key-value cache",), "key value cache", (L.PUNCTUATION, L.ALIAS)),
    ("ｆｉｎｅ-tuning", (), "fine-tuning", ()),  # NFKC: full-width letters are the letters
    ("GPT-3.5", (), "gpt-3.5", (L.CASE,)),
]


@pytest.mark.parametrize(("answer", "accepted", "response", "leniency"), ACCEPTED)
def test_typed_answers_accepted_with_the_leniency_they_needed(
    answer: str, accepted: tuple[str, ...], response: str, leniency: tuple[Leniency, ...]
) -> None:
    result = typed(answer, response, accepted)
    assert result.verdict is Verdict.CORRECT, result
    assert result.leniency == leniency
    assert not result.typo_forgiven and result.distance == 0 and result.summary == "Correct"


# (answer, typed, distance forgiven): the budget is 0 for 1-4 letters, 1 for 5-8 and 2 beyond.
TYPOS = [
    ("agent", "agnet", 1),  # a swap of two letters is one typo
    ("prompt", "promt", 1),
    ("embedding", "embeding", 1),
    ("tokenization", "tokenisation", 1),
    ("tokenization", "tokanizasion", 2),
    ("fine-tuning", "fine tunning", 1),
    ("hallucination", "halucinaton", 2),
]


@pytest.mark.parametrize(("answer", "response", "distance"), TYPOS)
def test_small_typos_are_forgiven_and_say_so(answer: str, response: str, distance: int) -> None:
    result = typed(answer, response)
    assert result.verdict is Verdict.CORRECT
    assert result.typo_forgiven and result.distance == distance
    assert result.summary.startswith("Correct (typo forgiven:")
    assert f"{distance} letter" in result.summary and answer in result.summary


@pytest.mark.parametrize(
    ("normalised", "budget"),
    [("lora", 0), ("rope", 0), ("a b c d", 0), ("agent", 1), ("attentio", 1), ("attention", 2), ("fine tuning", 2)],
)
def test_the_typo_budget_scales_with_the_letters_of_the_answer(normalised: str, budget: int) -> None:
    assert grading.typo_budget(normalised) == budget


# (answer, accepted, confusable, typed): each of these must be graded wrong.
REFUSED = [
    ("LoRA", (), (), "LoRB"),  # four letters: no typo budget
    ("RAG", (), (), "RAF"),
    ("agent", (), (), "agnt x"),  # two edits on a five-letter answer
    ("tokenization", (), (), "tokanizasiom"),  # three edits
    ("8B", (), (), "7B"),  # numbers are never typos
    ("Llama 3 8B", (), (), "llama 3 7b"),  # even where the budget would allow one edit
    ("GPT-3.5", (), (), "GPT 35"),  # a decimal point is part of the number
    ("attention", (), (), "tokenizer"),
    ("attention", (), (), "self-attention"),
    ("attention", (), (), "attention attention"),
    ("LoRA", ("Low-Rank Adaptation",), (), "QLoRA"),
    ("encoder", (), ("decoder",), "ecoder"),  # as close to a confusable as to the answer
    ("quantization", (), ("quantisation",), "quantisaton"),  # closer to the confusable
    ("tokenizer", (), ("tokenized",), "tokenizee"),
    ("the", (), (), "a"),  # an article alone is a word, not an article to drop
]


@pytest.mark.parametrize(("answer", "accepted", "confusable", "response"), REFUSED)
def test_what_is_never_accepted(
    answer: str, accepted: tuple[str, ...], confusable: tuple[str, ...], response: str
) -> None:
    result = typed(answer, response, accepted, confusable)
    assert result.verdict is Verdict.WRONG and not result.correct
    assert result.summary == "Not quite" and not result.leniency


@pytest.mark.parametrize(
    ("answer", "confusable", "response"),
    [
        ("LoRA", ("QLoRA",), "qlora"),
        ("embedding", ("embeddings",), "embeddings"),  # a plural that is itself another answer
        ("fine-tuning", ("pre-training",), "pretraining"),
    ],
)
def test_a_confusable_answer_is_wrong_and_named(answer: str, confusable: tuple[str, ...], response: str) -> None:
    result = typed(answer, response, confusable=confusable)
    assert result.verdict is Verdict.WRONG
    assert result.confused_with == confusable[0]


def test_a_confusable_that_is_an_accepted_answer_stays_accepted() -> None:
    result = typed("LoRA", "low-rank adaptation", ("Low-Rank Adaptation",), ("low rank adaptation", "QLoRA"))
    assert result.verdict is Verdict.CORRECT and result.confused_with is None


def test_without_confusables_the_same_typo_is_forgiven() -> None:
    assert typed("encoder", "ecoder").correct
    assert not typed("encoder", "ecoder", confusable=("decoder",)).correct


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ("", "Type an answer first."),
        ("   \t ", "Type an answer first."),
        ("x" * (grading.MAX_LENGTH + 1), "too long"),
        ("atten\x00tion", "control characters"),
        ("attention\x1b[31m", "control characters"),
        ("\ud800", "control characters"),  # a lone surrogate
        (None, "could not be read"),
        (7, "could not be read"),
        (["attention"], "could not be read"),
    ],
)
def test_malformed_typed_input_is_unreadable_with_a_message(response: object, message: str) -> None:
    result = typed("attention", response)
    assert result.verdict is Verdict.UNREADABLE and not result.correct
    assert message in result.message and result.summary == result.message


def test_line_breaks_and_tabs_are_spacing_and_the_longest_answer_is_read() -> None:
    assert typed("context window", "context\n\twindow").correct
    assert typed("attention", "attention" + " " * (grading.MAX_LENGTH - 9)).correct


def test_the_diff_marks_what_was_missing_and_what_was_extra() -> None:
    result = typed("tokenization", "tokenizaton")
    assert result.diff == ((Op.EQUAL, "tokenizat"), (Op.INSERT, "i"), (Op.EQUAL, "on"))
    swapped = typed("tokenization", "tokenisation")
    assert swapped.diff == ((Op.EQUAL, "tokeni"), (Op.DELETE, "s"), (Op.INSERT, "z"), (Op.EQUAL, "ation"))
    assert "".join(text for op, text in swapped.diff if op is not Op.DELETE) == "tokenization"
    assert "".join(text for op, text in swapped.diff if op is not Op.INSERT) == "tokenisation"


def test_the_diff_ignores_case_and_shows_whole_texts_when_little_is_shared() -> None:
    assert typed("LoRA", "lora").diff == ((Op.EQUAL, "LoRA"),)
    assert typed("attention", "tokenizer").diff == ((Op.DELETE, "tokenizer"), (Op.INSERT, "attention"))


def test_the_nearest_accepted_answer_is_the_one_shown_and_normalised() -> None:
    result = typed("Low-Rank Adaptation", "lora", ("LoRA",))
    assert result.expected == "LoRA" and result.normalised == "lora"
    wrong = typed("Low-Rank Adaptation", "low rank adaption x", ("LoRA",))
    assert not wrong.correct and wrong.expected == "Low-Rank Adaptation" and wrong.normalised == "low rank adaptation"


def test_typed_recall_of_a_choice_question_treats_the_other_options_as_confusable() -> None:
    options = ("encoder", "decoder", "tokenizer", "embedding")
    spec = Spec("encoder", options=options, confusable=tuple(o for o in options if o != "encoder"))
    assert grading.grade(grading.TYPED, spec, "Encoder").correct
    assert not grading.grade(grading.TYPED, spec, "ecoder").correct
    assert grading.grade(grading.TYPED, spec, "decoder").confused_with == "decoder"
    assert grading.grade(generation.DEFINITION_TO_TERM, Spec("encoder"), "encodr").typo_forgiven


def test_the_override_is_recorded_as_such() -> None:
    overridden = grading.override(typed("attention", "the attn mechanism"))
    assert overridden.correct and overridden.leniency[-1] is L.OVERRIDE
    assert overridden.summary == "Correct (you marked it right)"
    unreadable = typed("attention", "")
    assert grading.override(unreadable) == unreadable


# --- choice, true/false, matching -------------------------------------------------------------

CHOICE = Spec("LoRA", options=("LoRA", "QLoRA", "RAG", "RLHF"))


@pytest.mark.parametrize("kind", generation.CHOICE_KINDS)
@pytest.mark.parametrize(
    ("response", "verdict"),
    [
        ("LoRA", Verdict.CORRECT),
        ("QLoRA", Verdict.WRONG),
        ("lora", Verdict.NOT_OFFERED),  # options are chosen, not typed: the exact text offered
        ("Prompt", Verdict.NOT_OFFERED),
        ("", Verdict.UNREADABLE),
        ("L\x00RA", Verdict.UNREADABLE),
        (2, Verdict.UNREADABLE),
        ("x" * 10_000, Verdict.UNREADABLE),
    ],
)
def test_choice_kinds(kind: str, response: object, verdict: Verdict) -> None:
    result = grading.grade(kind, CHOICE, response)
    assert result.verdict is verdict
    assert result.expected == ("" if verdict is Verdict.UNREADABLE else "LoRA")
    assert bool(result.message) == (verdict in (Verdict.NOT_OFFERED, Verdict.UNREADABLE))


@pytest.mark.parametrize("kind", [generation.TRUE_FALSE_TERM, generation.TRUE_FALSE_KEY_POINT])
@pytest.mark.parametrize(
    ("answer", "response", "verdict"),
    [
        ("True", "True", Verdict.CORRECT),
        ("True", "true", Verdict.CORRECT),
        ("False", "FALSE", Verdict.CORRECT),
        ("True", "False", Verdict.WRONG),
        ("False", "True", Verdict.WRONG),
        ("True", "maybe", Verdict.NOT_OFFERED),
        ("True", "", Verdict.UNREADABLE),
        ("True", True, Verdict.UNREADABLE),
    ],
)
def test_true_false(kind: str, answer: str, response: object, verdict: Verdict) -> None:
    assert grading.grade(kind, Spec(answer, options=("True", "False")), response).verdict is verdict


PAIRS = Spec(pairs=(("LoRA", "low-rank adapters"), ("RAG", "retrieval first"), ("RLHF", "human preferences")))


def test_matching_grades_each_pair() -> None:
    right = {"LoRA": "low-rank adapters", "RAG": "retrieval first", "RLHF": "human preferences"}
    assert grading.grade(generation.MATCHING, PAIRS, right).correct
    swapped = {"LoRA": "retrieval first", "RAG": "low-rank adapters", "RLHF": "human preferences"}
    result = grading.grade(generation.MATCHING, PAIRS, swapped)
    assert result.verdict is Verdict.WRONG
    assert [(p.left, p.correct) for p in result.pairs] == [("LoRA", False), ("RAG", False), ("RLHF", True)]
    assert result.pairs[0].chosen == "retrieval first" and result.pairs[0].expected == "low-rank adapters"


def test_matching_with_a_pair_left_out_is_wrong_for_that_pair_only() -> None:
    result = grading.grade(generation.MATCHING, PAIRS, {"LoRA": "low-rank adapters", "RAG": "retrieval first"})
    assert result.verdict is Verdict.WRONG
    assert [p.correct for p in result.pairs] == [True, True, False] and result.pairs[2].chosen is None


@pytest.mark.parametrize(
    ("response", "verdict"),
    [
        ({"LoRA": "something else"}, Verdict.NOT_OFFERED),
        ({"QLoRA": "low-rank adapters"}, Verdict.NOT_OFFERED),
        ({"LoRA": "low\x00"}, Verdict.UNREADABLE),
        ({"LoRA": 3}, Verdict.UNREADABLE),
        ("LoRA=low-rank adapters", Verdict.UNREADABLE),
        (None, Verdict.UNREADABLE),
    ],
)
def test_malformed_matching(response: object, verdict: Verdict) -> None:
    result = grading.grade(generation.MATCHING, PAIRS, response)
    assert result.verdict is verdict and result.message


def test_every_question_kind_but_the_free_recall_flashcard_has_a_checker() -> None:
    assert set(grading.CHECKERS) == (set(generation.KINDS) - {generation.TERM_TO_DEFINITION}) | {grading.TYPED}
    with pytest.raises(ValueError, match="term_to_definition"):
        grading.grade(generation.TERM_TO_DEFINITION, Spec("a definition"), "anything")


def test_every_cloze_of_the_real_bank_accepts_its_own_answers_and_refuses_its_distractors() -> None:
    bank = generation.generate(content.load_bank(BANK_DIR), 0)
    by_key = {q.key: q for q in bank}
    clozes = [q for q in bank if q.kind == generation.CLOZE_TYPED]
    assert clozes
    for q in clozes:
        choice = by_key.get(q.key.replace(generation.CLOZE_TYPED, generation.CLOZE_CHOICE, 1))
        distractors = tuple(o for o in choice.options if o != q.answer) if choice else ()
        spec = Spec(q.answer, accepted=q.accepted, confusable=distractors)
        for accepted in (q.answer, *q.accepted):
            assert grading.grade(q.kind, spec, accepted).correct, (q.key, accepted)
        for distractor in distractors:
            assert not grading.grade(q.kind, spec, distractor).correct, (q.key, distractor)


@pytest.mark.parametrize(
    ("response", "rating"),
    [
        ("attention", Rating.GOOD),
        ("Attention.", Rating.GOOD),
        ("atention", Rating.HARD),
        ("tokens", Rating.AGAIN),
        ("", None),
    ],
)
def test_the_rating_a_typed_review_card_suggests(response: str, rating: Rating | None) -> None:
    assert grading.suggested_rating(typed("attention", response)) is rating
