"""Grading answers: one pure checker per question kind, values in and a `Grade` out.

The quiz grades every answer with this module and the review grades its typed cloze cards with
it, so the leniency rules live here only. There is no request or database access: the caller
passes the question's key as a `Spec` and the learner's response as it arrived.

    grade(kind, spec, response) -> Grade

- `kind`: a question kind from core.generation, or `TYPED` for typed recall of any question that
  has an answer (a choice question asked without its options: pass the options, less the answer,
  as `confusable`). Each kind has one checker in `CHECKERS`; an unknown kind, or a typed
  question whose spec has no answer, is a programming error and raises ValueError.
- `spec`: `Spec(answer, options, accepted, pairs, confusable)`, the question's own columns plus
  the answers that must never be accepted (the other options' texts, say).
- `response`: for choice and true/false kinds the option text chosen; for typed kinds the text
  typed; for matching a mapping from each left item to the right item put beside it. Anything
  else (a number, None, 10 KB of text, NUL bytes) is a `Verdict.UNREADABLE` grade with a message,
  never an exception; a choice that was not offered is `Verdict.NOT_OFFERED`, not "wrong".

Typed answers are compared after NFKC and case folding, with punctuation and spacing ignored
("fine tuning" is "fine-tuning"), leading articles dropped, simple English plurals matched
(token/tokens, query/queries), against every accepted answer (aliases and acronyms), and with
typos forgiven within a budget scaled to the answer's length (`typo_budget`). A typo is never
forgiven when the numbers differ ("7B" is not "8B") or when the text is at least as close to a
confusable answer. The `Grade` says which leniencies were needed and carries a diff of what was
typed against the answer, for display; `summary` is its one line for the learner, `override`
turns a wrong grade into the learner's "I was right", and `suggested_rating` is what a typed
review card proposes.
"""

from __future__ import annotations

import enum
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from rapidfuzz.distance import OSA, Levenshtein

from studyapp.core.generation import (
    CHOICE_KINDS,
    CLOZE_TYPED,
    DEFINITION_TO_TERM,
    FALSE,
    MATCHING,
    TRUE,
    TRUE_FALSE_KEY_POINT,
    TRUE_FALSE_TERM,
)
from studyapp.core.scheduling import Rating

TYPED = "typed"  # typed recall of any question with an answer, whatever its stored kind
TYPED_KINDS = (CLOZE_TYPED, DEFINITION_TO_TERM, TYPED)
MAX_LENGTH = 500  # characters; a longer response is not an answer to one of our questions


class Verdict(enum.StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"
    NOT_OFFERED = "not_offered"  # a choice that was not among the options shown
    UNREADABLE = "unreadable"  # empty, too long, control characters, or not text at all


class Leniency(enum.StrEnum):
    """What had to be overlooked for a typed answer to count, in the order they are applied."""

    CASE = "case"
    PUNCTUATION = "punctuation"
    SPACING = "spacing"  # words run together or split apart ("key value" for "key-value")
    ARTICLE = "article"
    PLURAL = "plural"
    ALIAS = "alias"
    ACRONYM = "acronym"
    TYPO = "typo"
    OVERRIDE = "override"  # the learner said "I was right" (see `override`)


class Op(enum.StrEnum):
    """A diff segment: text both share, text the answer has and the typing lacked, or the reverse."""

    EQUAL = "equal"
    INSERT = "insert"  # in the answer, missing from what was typed (show as <ins>)
    DELETE = "delete"  # typed, not in the answer (show as <del>)


Segment = tuple[Op, str]


@dataclass(frozen=True)
class Spec:
    """What a question expects: its stored answer, options, accepted answers and pairs."""

    answer: str = ""
    options: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()  # for typed kinds: aliases, acronyms and other names (may repeat answer)
    pairs: tuple[tuple[str, str], ...] = ()  # for matching: (left, right) as they belong together
    confusable: tuple[str, ...] = ()  # answers that must never be accepted (e.g. the other options)


@dataclass(frozen=True)
class PairGrade:
    """One left item of a matching question: what the learner put beside it, and what belongs there."""

    left: str
    chosen: str | None
    expected: str

    @property
    def correct(self) -> bool:
        return self.chosen == self.expected


@dataclass(frozen=True)
class Grade:
    """The result of one answer. `expected` is the answer as written (for a typed answer: the
    accepted answer it was compared with, the nearest one when wrong); `normalised` is the form
    it was compared in."""

    verdict: Verdict
    expected: str = ""
    normalised: str = ""
    leniency: tuple[Leniency, ...] = ()
    distance: int = 0  # the edit distance forgiven as a typo (with Leniency.TYPO)
    diff: tuple[Segment, ...] = ()
    pairs: tuple[PairGrade, ...] = ()  # matching only
    confused_with: str | None = None  # a typed answer that is exactly one of the confusable answers
    message: str = ""  # why a response was unreadable or not offered

    @property
    def correct(self) -> bool:
        return self.verdict is Verdict.CORRECT

    @property
    def typo_forgiven(self) -> bool:
        return Leniency.TYPO in self.leniency

    @property
    def differs(self) -> bool:
        """Whether what was typed differs from the answer anywhere but in case."""
        return any(op is not Op.EQUAL for op, _ in self.diff)

    @property
    def summary(self) -> str:
        """One line for the learner: "Correct", "Correct (typo forgiven: ...)", "Not quite", or the message."""
        if self.verdict is Verdict.CORRECT:
            if Leniency.OVERRIDE in self.leniency:
                return "Correct (you marked it right)"
            if self.typo_forgiven:
                letters = "letter" if self.distance == 1 else "letters"
                return f"Correct (typo forgiven: {self.distance} {letters} off “{self.expected}”)"
            return "Correct"
        if self.verdict is Verdict.WRONG:
            return "Not quite"
        return self.message


def override(result: Grade) -> Grade:
    """The learner's "I was right": counted correct and marked as overridden, so it can be recorded as such."""
    if result.verdict is not Verdict.WRONG:
        return result
    return replace(result, verdict=Verdict.CORRECT, leniency=(*result.leniency, Leniency.OVERRIDE))


def suggested_rating(result: Grade) -> Rating | None:
    """The rating a typed review card suggests (the learner may change it): Good when right, Hard
    when it took a forgiven typo, Again when wrong; None when there is no grade to go by."""
    if result.verdict is Verdict.CORRECT:
        return Rating.HARD if result.typo_forgiven else Rating.GOOD
    return Rating.AGAIN if result.verdict is Verdict.WRONG else None


# --- reading a response -------------------------------------------------------------------------


def _unreadable(message: str) -> Grade:
    return Grade(Verdict.UNREADABLE, message=message)


def _read(response: object, what: str = "answer") -> str | Grade:
    """The response as text (stripped), or an UNREADABLE grade saying why it is not one."""
    if not isinstance(response, str):
        return _unreadable(f"That {what} could not be read.")
    if len(response) > MAX_LENGTH:
        return _unreadable(f"That {what} is too long: at most {MAX_LENGTH} characters.")
    # Tabs and line breaks are spacing; any other control character (NUL first) is not typing.
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r" for ch in response):
        return _unreadable(f"That {what} contains control characters (such as NUL) that cannot be typed.")
    text = response.strip()
    if not text:
        return _unreadable("Type an answer first." if what == "answer" else f"Choose an {what}.")
    return text


# --- choice, true/false and matching ------------------------------------------------------------


def check_choice(spec: Spec, response: object) -> Grade:
    """An option chosen from those offered (exact text), against the key."""
    chosen = _read(response, "option")
    if isinstance(chosen, Grade):
        return chosen
    if chosen not in spec.options:
        return Grade(Verdict.NOT_OFFERED, spec.answer, spec.answer, message="That option was not offered.")
    verdict = Verdict.CORRECT if chosen == spec.answer else Verdict.WRONG
    return Grade(verdict, spec.answer, spec.answer)


def check_true_false(spec: Spec, response: object) -> Grade:
    """True or False, in any case ("true", "FALSE")."""
    chosen = _read(response, "option")
    if isinstance(chosen, Grade):
        return chosen
    named = {TRUE.casefold(): TRUE, FALSE.casefold(): FALSE}.get(chosen.casefold())
    if named is None:
        return Grade(Verdict.NOT_OFFERED, spec.answer, spec.answer, message="Choose True or False.")
    return Grade(Verdict.CORRECT if named == spec.answer else Verdict.WRONG, spec.answer, spec.answer)


def check_matching(spec: Spec, response: object) -> Grade:
    """Pairwise: each left item against the right item that belongs to it. A left item left
    unmatched is wrong; a left or right item that is not in the question was not offered."""
    if not isinstance(response, Mapping):
        return _unreadable("That matching could not be read.")
    expected = dict(spec.pairs)
    rights = set(expected.values())
    chosen: dict[str, str] = {}
    for left, right in response.items():
        left_text, right_text = _read(left, "item"), _read(right, "item")
        if isinstance(left_text, Grade):
            return left_text
        if isinstance(right_text, Grade):
            return right_text
        if left_text not in expected or right_text not in rights:
            return Grade(Verdict.NOT_OFFERED, message="That matching names an item the question did not offer.")
        chosen[left_text] = right_text
    pairs = tuple(PairGrade(left, chosen.get(left), right) for left, right in spec.pairs)
    verdict = Verdict.CORRECT if pairs and all(p.correct for p in pairs) else Verdict.WRONG
    return Grade(verdict, pairs=pairs)


# --- typed answers ------------------------------------------------------------------------------

ARTICLES = frozenset({"a", "an", "the"})
_APOSTROPHES = "'’ʼ`´"
_NUMBER_SEPARATOR = re.compile(r"(?<=\d)[.,](?=\d)")
# Private-use characters hold a number's point or comma while the rest of the punctuation goes.
_SEPARATOR_MARKS = {".": "\ue000", ",": "\ue001"}
_SEPARATOR_RESTORED = str.maketrans({mark: sep for sep, mark in _SEPARATOR_MARKS.items()})
_PUNCTUATION_TABLE = str.maketrans(
    {ch: " " for ch in string.punctuation if unicodedata.category(ch).startswith("P")} | dict.fromkeys(_APOSTROPHES)
)
_NUMBER = re.compile(r"\d+")
_VOWELS = frozenset("aeiou")
_STEPS = (Leniency.CASE, Leniency.PUNCTUATION, Leniency.SPACING, Leniency.ARTICLE, Leniency.PLURAL)
_ALL_STEPS = frozenset(_STEPS)


def typo_budget(normalised: str) -> int:
    """How many edits a typed answer may be off by: none for 1-4 letters, 1 for 5-8, 2 beyond."""
    length = len(normalised.replace(" ", ""))
    return 0 if length <= 4 else 1 if length <= 8 else 2


def _without_punctuation(text: str) -> str:
    """Punctuation as spaces (hyphens, dashes and slashes separate words), apostrophes dropped
    ("don't" and "dont" are one word), and a point or comma between digits kept ("3.5")."""
    text = _NUMBER_SEPARATOR.sub(lambda m: _SEPARATOR_MARKS[m[0]], text).translate(_PUNCTUATION_TABLE)
    if not text.isascii():
        text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return text.translate(_SEPARATOR_RESTORED)


def _words(text: str, steps: frozenset[Leniency]) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    if Leniency.CASE in steps:
        text = text.casefold()
    if Leniency.PUNCTUATION in steps:
        text = _without_punctuation(text)
    words = text.split()
    if Leniency.ARTICLE in steps and len(words) > 1 and words[0].casefold() in ARTICLES:
        words = words[1:]
    return words


def _plurals(word: str) -> set[str]:
    """The simple English plurals of a word: +s, +es after a sibilant or o, consonant+y -> ies."""
    if len(word) < 3 or not word.isalpha():
        return set()
    forms = {word + "s"}
    if word.endswith(("s", "x", "z", "ch", "sh", "o")):
        forms.add(word + "es")
    if word.endswith("y") and word[-2] not in _VOWELS:
        forms.add(word[:-1] + "ies")
    return forms


def _compared(mine: list[str], theirs: list[str], steps: frozenset[Leniency]) -> tuple[str, str]:
    """Both word lists as compared under `steps`, a typed word taking the answer's form when they
    are singular and plural of one another."""
    if Leniency.PLURAL in steps and len(mine) == len(theirs):
        mine = [t if m in _plurals(t) or t in _plurals(m) else m for m, t in zip(mine, theirs, strict=True)]
    return " ".join(mine), " ".join(theirs)


# Distances beyond the largest typo budget only need to be known as "too far": capping them
# keeps a 500-character response as cheap to grade as a short one.
_FAR = 3


def _distance(mine: list[str], theirs: list[str], steps: frozenset[Leniency]) -> int:
    typed, answer = _compared(mine, theirs, steps)
    if typed == answer:
        return 0
    distance = OSA.distance(typed, answer, score_cutoff=_FAR)
    if Leniency.SPACING in steps and distance:
        distance = min(distance, OSA.distance(typed.replace(" ", ""), answer.replace(" ", ""), score_cutoff=_FAR))
    return distance


@dataclass(frozen=True)
class _Match:
    text: str  # the accepted or confusable answer, as written
    distance: int  # capped at _FAR
    needed: tuple[Leniency, ...]  # the normalisation steps without which it would be further away

    @property
    def rank(self) -> tuple[int, int]:
        return self.distance, len(self.needed)


def _needed(typed: str, answer: str, distance: int) -> tuple[Leniency, ...]:
    def without(step: Leniency) -> int:
        steps = _ALL_STEPS - {step}
        return _distance(_words(typed, steps), _words(answer, steps), steps)

    return tuple(step for step in _STEPS if without(step) > distance)


def _best(typed: str, answers: Iterable[str]) -> _Match | None:
    """The answer nearest to what was typed; among equally near ones, the one that needed the
    fewest leniencies (then the first). What each needed is worked out for the nearest only."""
    mine = _words(typed, _ALL_STEPS)
    scored = [(_distance(mine, _words(a, _ALL_STEPS), _ALL_STEPS), a) for a in answers]
    if not scored:
        return None
    nearest = min(distance for distance, _ in scored)
    tied = [a for distance, a in scored if distance == nearest]
    if nearest >= _FAR:
        return _Match(tied[0], nearest, ())
    best: _Match | None = None
    for answer in tied:
        match = _Match(answer, nearest, _needed(typed, answer, nearest))
        if best is None or match.rank < best.rank:
            best = match
        if not match.needed:
            break  # nothing ranks above it
    return best


def _spaced(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _key(text: str) -> str:
    return " ".join(_words(text, _ALL_STEPS))


def _initials(text: str) -> str:
    return "".join(word[0] for word in re.split(r"[\s\-/]+", text) if word)


def _is_acronym(short: str, long: str) -> bool:
    """`short` abbreviates `long`: one word of capitals that spell (some of) its initials, in order
    ("LoRA" for "Low-Rank Adaptation", "RLHF" for "reinforcement learning from human feedback")."""
    capitals = [ch.casefold() for ch in short if ch.isupper()]
    if " " in short.strip() or len(capitals) < 2:
        return False
    initials = iter(_initials(long).casefold())
    return all(ch in initials for ch in capitals)


def _alias_kind(matched: str, answer: str) -> tuple[Leniency, ...]:
    if _key(matched) == _key(answer):
        return ()
    return (Leniency.ACRONYM,) if _is_acronym(matched, answer) or _is_acronym(answer, matched) else (Leniency.ALIAS,)


def _diff(typed: str, expected: str) -> tuple[Segment, ...]:
    """What was typed against the answer, letter by letter (case aside); whole texts when they
    have too little in common for a letter diff to help."""
    typed, expected = _spaced(typed), unicodedata.normalize("NFKC", expected)
    mine = [ch.lower() if len(ch.lower()) == 1 else ch for ch in typed]
    theirs = [ch.lower() if len(ch.lower()) == 1 else ch for ch in expected]
    if Levenshtein.normalized_distance(mine, theirs) > 0.5:
        return tuple(s for s in ((Op.DELETE, typed), (Op.INSERT, expected)) if s[1])
    segments: list[Segment] = []

    def add(op: Op, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] is op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for code in Levenshtein.opcodes(mine, theirs):
        if code.tag == "equal":
            add(Op.EQUAL, expected[code.dest_start : code.dest_end])
            continue
        add(Op.DELETE, typed[code.src_start : code.src_end])
        add(Op.INSERT, expected[code.dest_start : code.dest_end])
    return tuple(segments)


def check_typed(spec: Spec, response: object) -> Grade:
    """Typed text against the answer and every accepted answer, leniently (see the module docstring)."""
    typed = _read(response)
    if isinstance(typed, Grade):
        return typed
    candidates = list(dict.fromkeys(a for a in (spec.answer, *spec.accepted) if a.strip()))
    # Typed exactly as an accepted answer: nothing to forgive, and no confusable can be nearer.
    exact = next((a for a in candidates if _spaced(a) == _spaced(typed)), None)
    if exact is not None:
        same: tuple[Segment, ...] = ((Op.EQUAL, _spaced(exact)),)
        return Grade(Verdict.CORRECT, exact, _key(exact), _alias_kind(exact, spec.answer), diff=same)
    accepted_keys = {_key(a) for a in candidates}
    # A confusable that normalises to an accepted answer is that answer, not a confusion.
    confusable = [c for c in dict.fromkeys(spec.confusable) if c.strip() and _key(c) not in accepted_keys]
    best = _best(typed, candidates)
    if best is None:
        raise ValueError("A typed question needs an answer to grade against.")
    rival = _best(typed, confusable)
    expected, normalised = best.text, _key(best.text)
    diff = _diff(typed, expected)

    if best.distance == 0 and (rival is None or rival.rank > best.rank):
        leniency = best.needed + _alias_kind(best.text, spec.answer)
        return Grade(Verdict.CORRECT, expected, normalised, leniency, diff=diff)
    if rival is not None and rival.distance == 0:
        return Grade(Verdict.WRONG, expected, normalised, diff=diff, confused_with=rival.text)
    typo_allowed = (
        best.distance <= typo_budget(normalised)
        and _NUMBER.findall(" ".join(_words(typed, _ALL_STEPS))) == _NUMBER.findall(normalised)
        and (rival is None or rival.distance > best.distance)
    )
    if typo_allowed:
        leniency = (*best.needed, *_alias_kind(best.text, spec.answer), Leniency.TYPO)
        return Grade(Verdict.CORRECT, expected, normalised, leniency, best.distance, diff)
    return Grade(Verdict.WRONG, expected, normalised, diff=diff)


# --- the registry -------------------------------------------------------------------------------

Checker = Callable[[Spec, object], Grade]

CHECKERS: dict[str, Checker] = {
    **dict.fromkeys(CHOICE_KINDS, check_choice),
    TRUE_FALSE_TERM: check_true_false,
    TRUE_FALSE_KEY_POINT: check_true_false,
    MATCHING: check_matching,
    **dict.fromkeys(TYPED_KINDS, check_typed),
}


def grade(kind: str, spec: Spec, response: object) -> Grade:
    """Grade one response to a question of `kind` (see the module docstring)."""
    checker = CHECKERS.get(kind)
    if checker is None:
        raise ValueError(f"No checker grades questions of kind {kind!r}.")
    return checker(spec, response)
