"""Which flashcards give each other away (pure)."""

from __future__ import annotations

from pathlib import Path

from studyapp.core import content, generation
from studyapp.core.generation import CLOZE_TYPED, DEFINITION_TO_TERM, TERM_TO_DEFINITION, Question
from studyapp.core.siblings import sibling_pairs


def q(key: str, kind: str, prompt: str, answer: str, **extra: str) -> Question:
    return Question(key=key, kind=kind, prompt=prompt, answer=answer, explanation="", **extra)  # type: ignore[arg-type]


def test_blanks_of_one_key_point_and_a_term_card_whose_name_a_cloze_asks_for() -> None:
    questions = [
        q("t2d:transformer", TERM_TO_DEFINITION, "Transformer", "An architecture built on attention."),
        q("c:a:k:1", CLOZE_TYPED, "The _____ uses attention.", "transformer", article="a", key_point="k"),
        q("c:a:k:2", CLOZE_TYPED, "The transformer uses _____.", "attention", article="a", key_point="k"),
        q("c:a:other:1", CLOZE_TYPED, "Tokens are _____.", "subwords", article="a", key_point="other"),
    ]
    pairs = sibling_pairs(questions)
    assert ("c:a:k:1", "c:a:k:2") in pairs and ("c:a:k:2", "c:a:k:1") in pairs
    assert ("t2d:transformer", "c:a:k:1") in pairs  # the term card prints the cloze's answer
    assert ("t2d:transformer", "c:a:k:2") in pairs  # its definition prints "attention"
    assert not any("c:a:other:1" in pair for pair in pairs)


def test_every_sibling_pair_on_the_real_bank_is_symmetric_and_between_flashcards() -> None:
    bank = content.load_bank(Path(__file__).resolve().parents[2] / "questions")
    questions = generation.generate(bank)
    kinds = {question.key: question.kind for question in questions}
    pairs = sibling_pairs(questions)
    assert pairs and all((b, a) in pairs for a, b in pairs)
    assert {kinds[a] for a, _ in pairs} <= {TERM_TO_DEFINITION, DEFINITION_TO_TERM, CLOZE_TYPED}
