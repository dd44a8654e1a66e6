"""The username rule: one normal form and key, scripts, lengths, confusable mixes."""

from __future__ import annotations

import pytest

from studyapp.core import usernames


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [("e\u0301cole", "\u00e9cole"), ("ＡＤＡ", "ada"), ("  Ada ", "ada"), ("STRASSE", "straße"), ("ﬁne", "fine")],
)
def test_spellings_of_one_name_share_a_key(typed: str, same_as: str) -> None:
    assert usernames.key(typed) == usernames.key(same_as)


def test_the_key_is_stable_under_normalisation() -> None:
    for name in ("e\u0301cole", "ＡＤＡ", "İstanbul", "ǅemal", "Ωmega"):
        key = usernames.key(name)
        assert usernames.key(key) == key


@pytest.mark.parametrize(
    "name", ["ada", "école", "李明", "Ян", "山田たろう", "김민", "αβγ", "Zoë-Ñúñez", "a.b_c-1", "हिन्दी"]
)
def test_good_names(name: str) -> None:
    assert usernames.problem(usernames.normalise(name)) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "Choose"),
        ("ab", "3 to 40"),
        ("李", "2 to 40"),
        ("a" * 41, "3 to 40"),
        ("l\u0435arner1", "Cyrillic and Latin"),
        ("Adaβ", "Greek and Latin"),
        ("ada 1", "letters, digits"),
        ("ada@home", "letters, digits"),
        ("\u200bada", "letters, digits"),  # a zero-width space is not a letter
    ],
)
def test_bad_names_say_why(name: str, fragment: str) -> None:
    problem = usernames.problem(usernames.normalise(name))
    assert problem is not None and fragment in problem


def test_scripts_from_character_names() -> None:
    assert usernames.script("a") == "LATIN"
    assert usernames.script("\u0435") == "CYRILLIC"
    assert usernames.script("李") == usernames.script("た") == usernames.script("김") == "EAST ASIAN"
