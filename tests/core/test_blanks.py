"""The blank-type, agreement and casing rules, one explainable example each."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.core import blanks, content
from studyapp.core.blanks import BlankType, Context

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "bank"


@pytest.fixture(scope="module")
def bank() -> content.Bank:
    return content.load_bank(FIXTURE)


@pytest.mark.parametrize(
    ("statement", "span", "expected"),
    [
        ("QLoRA fits on a single 48 GB GPU.", "48 GB", BlankType(blanks.NUMBER, "gb")),
        ("The base model stays in 4-bit form.", "4-bit", BlankType(blanks.NUMBER, "bit")),
        ("It was published in 2017 by Google.", "2017", BlankType(blanks.NUMBER, "year")),
        ("Seventy billion parameters.", "billion", BlankType(blanks.NUMBER, "scale")),
        ("It saves 0.37 bits.", "0.37", BlankType(blanks.NUMBER, "decimal")),
        ("About four characters per token.", "four", BlankType(blanks.NUMBER, "count-word")),
        ("Most apple varieties need pollination.", "apple", BlankType(blanks.TERM, "name")),
        ("Pears ripen off the tree.", "Pears", BlankType(blanks.TERM, "name")),
        ("The update is a d×r matrix.", "d×r", BlankType(blanks.FORMULA)),
        ("The authors released Guanaco, a chat model.", "Guanaco", BlankType(blanks.PROPER)),
        ("It has a data type called NormalFloat.", "NormalFloat", BlankType(blanks.PROPER)),
        ("The tokenizer decodes them back into text.", "decodes", BlankType(blanks.VERB, "s")),
        ("It learns in training.", "learns", BlankType(blanks.VERB, "s")),
        ("The update can be merged into W0.", "merged", BlankType(blanks.PARTICIPLE)),
        ("The agent is autonomous in its world.", "autonomous", BlankType(blanks.ADJECTIVE)),
        ("Words are used interchangeably today.", "interchangeably", BlankType(blanks.ADVERB)),
        ("Predictions are single-step here.", "single-step", BlankType(blanks.MODIFIER)),
        ("It trains more slowly per step.", "more slowly", BlankType(blanks.COMPARATIVE, "adverb")),
        ("APIs charge per token today.", "per token", BlankType(blanks.PHRASE)),
        ("It reads the session history first.", "session history", BlankType(blanks.NOUN, "singular")),
        ("Agents have goals and tools.", "goals", BlankType(blanks.NOUN, "plural")),
        ("Earlier calls leave no memory behind.", "memory", BlankType(blanks.NOUN, "singular")),
        ("It writes out intermediate reasoning steps.", "intermediate", BlankType(blanks.PREMODIFIER)),
        ("A whisk beats air into cream.", "beats", BlankType(blanks.VERB, "s")),
        ("It compresses the quantization constants themselves.", "constants", BlankType(blanks.NOUN, "plural")),
        ("Chunks make arithmetic harder.", "arithmetic", BlankType(blanks.NOUN, "singular")),
    ],
)
def test_classify(bank: content.Bank, statement: str, span: str, expected: BlankType) -> None:
    assert blanks.classify(bank, statement, span) == expected


@pytest.mark.parametrize(
    ("text", "article"),
    [
        ("onion", "an"),
        ("apple", "an"),
        ("pear", "a"),
        ("LLM", "an"),
        ("GPU", "a"),
        ("user", "a"),
        ("hour", "an"),
        ("8-bit", "an"),
        ("16-bit", "a"),
        ("one-off", "a"),
    ],
)
def test_article_for(text: str, article: str) -> None:
    assert blanks.article_for(text) == article


def test_agreement_follows_the_words_around_the_blank() -> None:
    noun = BlankType(blanks.NOUN, "singular")
    after_an = Context(before="an", after="", at_start=False)
    assert blanks.agrees("epoch", after_an, noun) and not blanks.agrees("batch", after_an, noun)
    after_several = Context(before="several", after="", at_start=False)
    assert blanks.agrees("cloves", after_several, noun) and not blanks.agrees("bulb", after_several, noun)
    before_are = Context(before="the", after="are", at_start=False)
    assert not blanks.agrees("parameter", before_are, noun)
    # Without a cue word, number is free: "the logits" and "the softmax" both fit "the ___".
    free = Context(before="the", after="of", at_start=False)
    assert blanks.agrees("logits", free, noun) and blanks.agrees("softmax", free, noun)


@pytest.mark.parametrize(
    ("option", "key", "at_start", "expected"),
    [
        ("Data Contamination", "training data", False, "data contamination"),
        ("In-Context Learning", "training data", False, "in-context learning"),
        ("LoRA Rank", "parameters", False, "LoRA rank"),
        ("greedy decoding", "Beam search", True, "Greedy decoding"),
        ("self-consistency", "Tree of Thoughts", True, "Self-consistency"),
        ("chain-of-thought prompting", "Tree of Thoughts", True, "Chain-of-thought Prompting"),
        ("BERT", "GPT", False, "BERT"),
    ],
)
def test_restyle_takes_the_keys_case(option: str, key: str, at_start: bool, expected: str) -> None:
    assert blanks.restyle(option, key, Context("", "", at_start)) == expected


def test_case_styles_ignore_spelled_capitals() -> None:
    assert blanks.case_styles("training data") == {"lower"}
    assert blanks.case_styles("Data Contamination") == {"title"}
    assert blanks.case_styles("NF4") == {"lower", "sentence", "title"}


def test_plural_and_pluralise() -> None:
    assert blanks.is_plural("data stores") and blanks.is_plural("LLMs")
    assert not blanks.is_plural("loss") and not blanks.is_plural("analysis")
    assert blanks.pluralise("Context Window") == "Context Windows"
    assert not blanks.countable("Self-Attention") and not blanks.countable("WordPiece")


def test_expansion_cue_and_initials() -> None:
    assert blanks.initials("Low-Rank Adaptation") == "LRA"
    assert blanks.expansion_cue("The acronym LoRA is short for Low-Rank Adaptation.", "Low-Rank Adaptation")
    assert blanks.expansion_cue("We call it Low-Rank Adaptation (LoRA) here.", "Low-Rank Adaptation")
    assert not blanks.expansion_cue("LoRA trains small matrices.", "small matrices")
    assert blanks.expansion_cue("A label such as 70B means seventy billion parameters.", "billion")


def test_length_outlier() -> None:
    assert blanks.length_outlier(["egg", "olive", "onion", "aubergine roasted slowly in oil"]) is not None
    assert blanks.length_outlier(["egg", "olive", "onion", "aubergine"]) is None


def test_filler() -> None:
    assert blanks.is_filler("often") and blanks.is_filler("the same")
    assert not blanks.is_filler("more tokens")
