"""Choosing wrong options that are plausible: related terms first, then the zone, then by form.

A distractor is only useful if a learner who half-knows the answer could pick it, and useless if it
is secretly also right. So candidates come in tiers (relations, same zone, whole bank), never
include an alias or a near-duplicate of the answer, and keep to a similar length.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from studyapp.core.content import Bank, Term, find_span

# Preferred and tolerated length ratios between a distractor and the answer.
CLOSE_RATIO, LOOSE_RATIO = 2.5, 4.0
SHORT = 4  # strings up to this long count as equally short
TIER_RELATION, TIER_ZONE, TIER_BANK = "relation", "zone", "bank"


@dataclass(frozen=True)
class Choice:
    """The chosen wrong options and the weakest tier that had to be used."""

    options: tuple[str, ...]
    tier: str

    @property
    def fallback(self) -> bool:
        """True when a distractor came from outside the answer's relations and zone."""
        return self.tier == TIER_BANK


def length_ratio(a: str, b: str) -> float:
    short, long = sorted((max(len(a), SHORT), max(len(b), SHORT)))
    return long / short


@lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2)


def _too_similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    if a.strip().lower() == b.strip().lower():
        return True
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.6


def _pick(
    answer: str,
    tiers: Sequence[tuple[str, Sequence[str]]],
    rng: random.Random,
    count: int,
    excluded: Callable[[str], bool],
) -> Choice:
    chosen: list[str] = []
    weakest = TIER_RELATION
    strong = [t for t in tiers if t[0] != TIER_BANK]
    weak = [t for t in tiers if t[0] == TIER_BANK]
    # Plausibility first (relations, then the zone), length second: a related option of a less
    # similar length beats a random one of the same length.
    passes = [(strong, CLOSE_RATIO), (strong, LOOSE_RATIO), (weak, CLOSE_RATIO), (weak, LOOSE_RATIO), (weak, None)]
    for group, ratio in passes:
        for tier, pool in group:
            if len(chosen) >= count:
                break
            candidates = [
                c
                for c in dict.fromkeys(pool)
                if c not in chosen
                and not excluded(c)
                and not _too_similar(c, answer)
                and (ratio is None or length_ratio(c, answer) <= ratio)
            ]
            if tier != TIER_RELATION:
                # Nearest in length first, with a little randomness among the closest few.
                candidates.sort(key=lambda c: (length_ratio(c, answer), c))
                candidates = candidates[: max(count * 2, 6)]
            rng.shuffle(candidates)
            taken = 0
            for candidate in candidates:
                if len(chosen) >= count:
                    break
                if not any(_too_similar(candidate, other) for other in chosen):
                    chosen.append(candidate)
                    taken += 1
            if taken:
                weakest = max(weakest, tier, key=[TIER_RELATION, TIER_ZONE, TIER_BANK].index)
    return Choice(tuple(chosen), weakest)


def term_distractors(bank: Bank, term: Term, rng: random.Random, show: Callable[[Term], str], count: int = 3) -> Choice:
    """Wrong options for a question whose answer is `show(term)` (a definition or a name)."""
    own_names = bank.lower_names(term.slug)

    def excluded(text: str) -> bool:
        return text.lower() in own_names

    others = [t for t in bank.terms if t.slug != term.slug and not (bank.lower_names(t.slug) & own_names)]
    allowed = {t.slug for t in others}
    related_slugs = [s for s in bank.confusable(term.slug) if s in allowed]
    related = [bank.term(s) for s in related_slugs]
    taken = set(related_slugs)
    zone = [t for t in others if t.zone == term.zone and t.slug not in taken]
    rest = [t for t in others if t.zone != term.zone and t.slug not in taken]
    tiers = [
        (TIER_RELATION, [show(t) for t in related]),
        (TIER_ZONE, [show(t) for t in zone]),
        (TIER_BANK, [show(t) for t in rest]),
    ]
    return _pick(show(term), tiers, rng, count, excluded)


@lru_cache(maxsize=8192)
def _shape(text: str) -> tuple[bool, int]:
    return (any(ch.isdigit() for ch in text), min(len(text.split()), 4))


def span_distractors(
    bank: Bank,
    statement: str,
    answer: str,
    accepted: Sequence[str],
    linked: Sequence[Term],
    same_article: Sequence[str],
    elsewhere: Sequence[str],
    rng: random.Random,
    count: int = 3,
) -> Choice:
    """Wrong options for a cloze blank.

    When the blank is the name of a linked term, the options are names of terms related to it.
    Otherwise they are other blanks of the same shape (numbers for numbers, phrases of similar
    length), from the same article first; those count as fallback.
    """
    accepted_low = {a.lower() for a in accepted}

    def excluded(text: str) -> bool:
        low = text.lower()
        return (
            low in accepted_low or any(low in a or a in low for a in accepted_low) or bool(find_span(statement, text))
        )

    for term in linked:
        if answer.lower() in {n.lower() for n in term.names}:
            use_acronym = term.acronym is not None and answer.lower() == term.acronym.lower()

            def show(t: Term, use_acronym: bool = use_acronym) -> str:
                return t.acronym if use_acronym and t.acronym else t.name

            choice = term_distractors(bank, term, rng, show, count)
            kept = tuple(o for o in choice.options if not excluded(o))
            if len(kept) == count:
                return Choice(kept, choice.tier)
    shape = _shape(answer)
    same = [s for s in same_article if _shape(s) == shape]
    other = [s for s in elsewhere if _shape(s) == shape]
    loose = [s for s in (*same_article, *elsewhere) if _shape(s)[0] == shape[0]]
    tiers = [(TIER_BANK, same), (TIER_BANK, other), (TIER_BANK, loose)]
    return _pick(answer, tiers, rng, count, excluded)
