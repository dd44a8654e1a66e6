"""Which flashcards give each other away, so that the review never shows both on one study day.

Anki buries a card's siblings for the same reason: a card whose answer the learner has just read
on another card is rated Good without any recall, and FSRS then over-schedules it. Two
flashcards are siblings when

- they come from the same key point (two blanks of one sentence print each other's answer), or
- one prints the other's answer: its prompt, answer or explanation contains that answer as a
  whole phrase (a term's card, and a cloze whose blank is that term).

The relation is symmetric. Pure: questions in, pairs of question keys out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import combinations

from studyapp.core.generation import FLASHCARD_KINDS, Question

_NOT_WORD = re.compile(r"[^\w]+")


def _normal(text: str) -> str:
    return " " + _NOT_WORD.sub(" ", text.casefold()).strip() + " "


def _shown(question: Question) -> str:
    """Everything a card prints once its answer is shown."""
    return _normal(f"{question.prompt} {question.answer} {question.explanation}")


def sibling_pairs(questions: Sequence[Question]) -> set[tuple[str, str]]:
    """Every ordered pair (a, b) of flashcard question keys that are siblings; (b, a) is in it too."""
    cards = [q for q in questions if q.kind in FLASHCARD_KINDS]
    pairs: set[tuple[str, str]] = set()
    by_point: dict[tuple[str, str], list[str]] = {}
    for q in cards:
        if q.article and q.key_point:
            by_point.setdefault((q.article, q.key_point), []).append(q.key)
    for keys in by_point.values():
        for a, b in combinations(keys, 2):
            pairs.update(((a, b), (b, a)))
    shown = {q.key: _shown(q) for q in cards}
    # A normal text is whole words between single spaces, so a text that contains an answer
    # holds every word of it. Each answer is looked for only in the texts holding its rarest
    # word, instead of in every text (~200,000 substring searches for ~450 cards).
    words_of = {key: set(text.split()) for key, text in shown.items()}
    frequency = Counter(word for words in words_of.values() for word in words)
    lookups: list[tuple[str, str, str | None]] = []  # (key, normal answer, its rarest word)
    for q in cards:
        if q.answer.strip():
            answer = _normal(q.answer)
            # An answer of punctuation alone has no word to look it up by: every text is a candidate.
            lookups.append((q.key, answer, min(answer.split(), key=frequency.__getitem__, default=None)))
    # The cards holding each of those rarest words (only those: an index of every word would
    # be thousands of lists).
    holding: dict[str | None, list[str]] = {rarest: [] for _, _, rarest in lookups}
    holding[None] = list(shown)
    for key, words in words_of.items():
        for word in words.intersection(holding):
            holding[word].append(key)
    for key, answer, rarest in lookups:
        for printer in holding[rarest]:
            if printer != key and answer in shown[printer]:
                pairs.update(((printer, key), (key, printer)))
    return pairs
