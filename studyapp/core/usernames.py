"""Usernames: one normal form for sign-up and login, the lookup key, and what a new name may be.

A name is compared in its NFKC form, so "école" typed with a combining accent, full-width
"ｌｅａｒｎｅｒ" and their plain spellings are each one name; the key is that form case-folded
(NFKC again after folding, as Unicode's NFKC_Casefold does, since folding can undo the
normalisation).

What a new name may be:

- letters, combining marks, digits, dots, dashes and underscores;
- 3 to 40 characters, or 2 for a name with no Latin letters: two Han characters (李明) or two
  Cyrillic letters (Ян) make a whole name, while two Latin letters are usually initials;
- the letters of one script only (Han, Hiragana, Katakana and Hangul count as one, since Japanese
  and Korean names mix them). A Cyrillic "е" inside "lеarner1" looks like the Latin name it is not,
  and no real name needs two alphabets.

The standard library has no Unicode script property; the first word of a letter's character
name ("LATIN SMALL LETTER A", "CYRILLIC SMALL LETTER IE", "CJK UNIFIED IDEOGRAPH-674E") names its
script well enough for this rule.
"""

from __future__ import annotations

import unicodedata

MIN_LENGTH, MIN_LENGTH_NON_LATIN, MAX_LENGTH = 3, 2, 40
PUNCTUATION = frozenset(".-_")
# Scripts written together in one name: Japanese mixes kanji and kana, Korean hangul and hanja.
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"})


def normalise(name: str) -> str:
    """The form a name is stored and checked in: NFKC, without surrounding spaces."""
    return unicodedata.normalize("NFKC", name).strip()


def key(name: str) -> str:
    """What two names must share to be the same account: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", normalise(name).casefold())


def script(letter: str) -> str:
    """The script of a letter, from its character name; East Asian scripts share one name."""
    word = unicodedata.name(letter, "UNKNOWN").split(" ")[0]
    return "EAST ASIAN" if word in _EAST_ASIAN else word


def problem(name: str) -> str | None:
    """Why `name` (already normalised) cannot be a new username, or None."""
    if not name:
        return "Choose a username."
    for char in name:
        category = unicodedata.category(char)
        if not (category[0] in "LM" or category == "Nd" or char in PUNCTUATION):
            return "Use letters, digits, dots, dashes or underscores."
    scripts = {script(char) for char in name if unicodedata.category(char).startswith("L")}
    shortest = MIN_LENGTH if "LATIN" in scripts or not scripts else MIN_LENGTH_NON_LATIN
    # Folding can lengthen a name ("ß" becomes "ss"), and the key must fit the same 40 characters.
    if not shortest <= len(name) <= MAX_LENGTH or len(key(name)) > MAX_LENGTH:
        return f"Use {shortest} to {MAX_LENGTH} characters."
    if len(scripts) > 1:
        named = " and ".join(sorted(s.title() for s in scripts))
        return f"Use the letters of one alphabet only; this name mixes {named}."
    return None
