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
    holding: dict[str, list[str]] = {}  # word -> keys of the cards whose text has it
    for key, text in shown.items():
        for word in set(text.split()):
            holding.setdefault(word, []).append(key)
    for q in cards:
        if not q.answer.strip():
            continue
        answer = _normal(q.answer)
        words = answer.split()
        # An answer of punctuation alone has no word to look it up by: every text is a candidate.
        printers = min((holding.get(w, []) for w in words), key=len) if words else list(shown)
        for printer in printers:
            if printer != q.key and answer in shown[printer]:
                pairs.update(((printer, q.key), (q.key, printer)))
    return pairs
