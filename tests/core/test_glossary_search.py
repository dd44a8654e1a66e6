"""Glossary search as text: query words, the engines' query strings, "did you mean"."""

from __future__ import annotations

import pytest

from studyapp.core import glossary_search as gs


def test_words_are_runs_of_letters_and_digits() -> None:
    assert gs.words('Self-Attention "NEAR(x)" a_b C++ 4-bit LoRA*') == [
        "self",
        "attention",
        "near",
        "x",
        "a",
        "b",
        "c",
        "4",
        "bit",
        "lora",
    ]
    assert gs.words("Ünïcode 日本語") == ["ünïcode", "日本語"]
    assert gs.words('"*^:-()') == []


def test_cleaned_drops_control_characters_and_collapses_spaces() -> None:
    assert gs.cleaned("  rag\x00 \t\n model\x7f ") == "rag model"
    assert gs.cleaned("\x00\x01") == ""


@pytest.mark.parametrize("hostile", ['"', 'a"b', "NEAR(a b)", "a OR b", "-a", "a:b", "^a", "a*", "{names}:x"])
def test_queries_hold_only_quoted_words(hostile: str) -> None:
    words = gs.words(hostile)
    if not words:
        return
    quoted = " ".join(f'"{w}"' for w in words) + "*"
    assert gs.fts5_query(words) == "{names aliases definition} : (" + quoted + ")"
    assert gs.fts5_query(words, gs.NAMES) == "{names} : (" + quoted + ")"
    assert gs.fts5_whole_name(words) == '{whole_name} : "' + " ".join([gs.NAME_START, *words, gs.NAME_END]) + '"'
    tsquery = gs.tsquery(words, gs.ALIASES)
    assert tsquery == " & ".join([*(f"'{w}':B" for w in words[:-1]), f"'{words[-1]}':*B"])
    phrase = gs.tsquery_whole_name(words)
    assert phrase == " <-> ".join(f"'{w}':D" for w in [gs.NAME_START, *words, gs.NAME_END])


def test_the_last_word_is_a_prefix() -> None:
    assert gs.fts5_query(["large", "lang"]) == '{names aliases definition} : ("large" "lang"*)'
    assert gs.tsquery(["large", "lang"]) == "'large':ABC & 'lang':*ABC"


def test_an_empty_query_is_refused_rather_than_sent() -> None:
    with pytest.raises(ValueError):
        gs.fts5_query([])
    with pytest.raises(ValueError):
        gs.tsquery([])
    with pytest.raises(ValueError):
        gs.fts5_whole_name([])
    with pytest.raises(ValueError):
        gs.tsquery_whole_name([])


def test_like_pattern_escapes_wildcards_and_the_escape_character() -> None:
    assert gs.like_pattern("a%b_c/d") == "a/%b/_c//d"


def test_search_names_keeps_each_name_between_bars() -> None:
    assert gs.search_names(["Large Language Model", "LLM"]) == "|large language model|llm|"


NAMES = ["Attention Mechanism", "attention", "Self-Attention", "Temperature", "Model Card"]


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("attension", "attention"),
        ("tempreture", "Temperature"),
        ("atention mechanism", "Attention Mechanism"),
    ],
)
def test_closest_finds_the_name_a_misspelling_meant(query: str, meant: str) -> None:
    found = gs.closest(query, NAMES)
    assert found is not None and NAMES[found] == meant


@pytest.mark.parametrize("query", ["zzzqqq", "banana", "modle", "", '"*'])
def test_closest_offers_nothing_for_a_stranger(query: str) -> None:
    assert gs.closest(query, NAMES) is None
