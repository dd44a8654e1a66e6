"""Choosing wrong options that are plausible, of the same type as the key, and certainly wrong.

A distractor is only useful if a learner who half-knows the answer could pick it, and useless if it
is secretly also right or gives itself away. So:

- candidates come in tiers (the term's confusable/contrast relations, the same zone, the whole
  bank; for a cloze blank, the author's own distractors, then blanks of the same type);
- a candidate is never one of the key's names or accepted answers, nor a term above or below it
  in the is_a/part_of hierarchy (a parent is a defensible answer for its child), nor a definition
  that names the asked term (which a learner eliminates at once);
- the options together carry no cue: no option far longer than the rest, every cloze option in
  the key's casing style and agreeing with the words around the blank (see core/blanks.py).
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from studyapp.core import blanks
from studyapp.core.blanks import BlankType, Context, word_set
from studyapp.core.content import Bank, ClozeSpan, Term, find_span, mentions

# Preferred and tolerated length ratios between a distractor and the answer.
CLOSE_RATIO, LOOSE_RATIO = 2.5, 4.0
SHORT = 4  # strings up to this long count as equally short
TIER_RELATION, TIER_ZONE, TIER_BANK = "relation", "zone", "bank"
_TIERS = (TIER_RELATION, TIER_ZONE, TIER_BANK)
# How many of the best-ranked candidates are searched for a set of options without a cue.
SEARCH_WINDOW = 12
_STOPWORDS = word_set(
    "the and that with from into which their this than each when what whose such used uses using "
    "model models text other more most them they its it's also only one"
)


@dataclass(frozen=True)
class Choice:
    """The chosen wrong options and the weakest tier that had to be used."""

    options: tuple[str, ...]
    tier: str

    @property
    def fallback(self) -> bool:
        """True when a distractor came from outside the answer's relations and zone."""
        return self.tier == TIER_BANK


@dataclass(frozen=True)
class SpanCandidate:
    """Another cloze span of the bank, offered as a wrong option for a blank of the same type."""

    text: str
    statement: str
    aliases: tuple[str, ...]
    same_article: bool
    terms: tuple[str, ...] = ()

    @cached_property
    def names(self) -> frozenset[str]:
        """The blank's text and aliases, lower case: the names this blank treats as one."""
        return frozenset((self.text.lower(), *(a.lower() for a in self.aliases)))


def length_ratio(a: str, b: str) -> float:
    x, y = max(len(a), SHORT), max(len(b), SHORT)
    return max(x, y) / min(x, y)


@lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2)


def content_words(text: str) -> frozenset[str]:
    """The words that carry meaning (longer than three letters, not a stopword), lower case."""
    return frozenset(w for w in _words(text) if len(w) > 3 and w not in _STOPWORDS)


@lru_cache(maxsize=8192)
def _folded(text: str) -> str:
    return text.strip().lower()


def _too_similar(a: str, b: str) -> bool:
    """Equal once trimmed and lower-cased, or sharing at least 60% of their words (Jaccard)."""
    if _folded(a) == _folded(b):
        return True
    wa, wb = _words(a), _words(b)
    if not (wa and wb):
        return False
    shared = len(wa & wb)
    # |A ∪ B| = |A| + |B| - |A ∩ B|: the same ratio without building the union set.
    return shared / (len(wa) + len(wb) - shared) >= 0.6


def names_term(text: str, term: Term) -> bool:
    """Whether `text` contains the term's name, acronym or an alias (plural forms included)."""
    return _mentions_any(text, term.names)


@lru_cache(maxsize=65536)
def _mentions_any(text: str, names: tuple[str, ...]) -> bool:
    return any(mentions(text, name) for name in names)


def no_length_cue(answer: str, options: Sequence[str]) -> bool:
    return blanks.length_outlier([answer, *options]) is None


def _pick(
    answer: str,
    tiers: Sequence[tuple[str, Iterable[str]]],
    rng: random.Random,
    count: int,
    excluded: Callable[[str], bool],
    acceptable: Callable[[Sequence[str]], bool] = lambda options: True,
    *,
    strict: bool = False,
    ratios: bool = True,  # off: keep the pools' own order, only dropping lengths beyond LOOSE_RATIO
    shuffle: bool = True,
) -> Choice:
    """The first set of `count` candidates, in order of preference, that `acceptable` allows.

    Plausibility first (relations, then the zone), length second: a related option of a less
    similar length beats a random one of the same length. When no set in the search window is
    acceptable, a strict caller gets nothing; the others get the best-ranked candidates anyway.

    A pool may be a generator: it is read at most once, when a pass first reaches it, so a tier
    that is costly to build and rarely needed (the whole bank) costs nothing when not reached.
    """
    # Tiers with their position in `tiers`, by which a pool's sorted candidates are kept.
    strong = [(i, t) for i, t in enumerate(tiers) if t[0] != TIER_BANK]
    weak = [(i, t) for i, t in enumerate(tiers) if t[0] == TIER_BANK]
    passes: list[tuple[list[tuple[int, tuple[str, Iterable[str]]]], float | None]] = (
        [(strong, CLOSE_RATIO), (strong, LOOSE_RATIO), (weak, CLOSE_RATIO), (weak, LOOSE_RATIO), (weak, None)]
        if ratios
        else [(strong, LOOSE_RATIO), (weak, LOOSE_RATIO)]
    )
    ordered: list[tuple[str, str]] = []
    seen: set[str] = set()
    # A pool's candidates nearest the answer in length first, by position in `tiers`: sorted
    # once, though the pool comes back in a later, looser pass.
    nearest: dict[int, list[tuple[float, str]]] = {}
    read: dict[int, list[str]] = {}  # each pool without duplicates, by position, once reached
    for group, ratio in passes:
        for index, (tier, pool) in group:
            if len(ordered) >= SEARCH_WINDOW:
                break  # only the best-ranked candidates are ever searched
            if index not in read:
                read[index] = list(dict.fromkeys(pool))
            unique = read[index]
            candidates: list[str] = []
            if tier != TIER_RELATION and ratios:
                # Nearest in length first, with a little randomness among the closest few. The
                # order (ratio, text) is total and the tests below are pure, so sorting first and
                # testing only until enough pass keeps the same candidates as testing all of
                # them and then sorting; past `ratio` no candidate in the sorted pool can pass.
                if index not in nearest:
                    nearest[index] = sorted((length_ratio(c, answer), c) for c in unique)
                for length, candidate in nearest[index]:
                    if len(candidates) == max(count * 2, 6) or (ratio is not None and length > ratio):
                        break
                    if _fits(candidate, answer, seen, excluded):
                        candidates.append(candidate)
            else:
                # A strict pick in the pools' own order only ever searches the window, so once it
                # is full the rest of the pool need not be tested (a lenient pick falls back on
                # every candidate, and a shuffle would draw differently on a shorter list).
                room = SEARCH_WINDOW - len(ordered) if strict and not shuffle else None
                for c in unique:
                    if len(candidates) == room:
                        break
                    if (ratio is None or length_ratio(c, answer) <= ratio) and _fits(c, answer, seen, excluded):
                        candidates.append(c)
            if shuffle:
                rng.shuffle(candidates)
            for candidate in candidates:
                seen.add(candidate.lower())
                ordered.append((candidate, tier))
    window = ordered[:SEARCH_WINDOW]  # the last pool may have overfilled it
    for combo in itertools.combinations(window, count):
        options = [c for c, _ in combo]
        if any(_too_similar(a, b) for a, b in itertools.combinations(options, 2)):
            continue
        if acceptable(options):
            return Choice(tuple(options), max((t for _, t in combo), key=_TIERS.index))
    if strict:
        return Choice((), TIER_RELATION)
    chosen: list[tuple[str, str]] = []
    for candidate, tier in ordered:
        if len(chosen) < count and not any(_too_similar(candidate, other) for other, _ in chosen):
            chosen.append((candidate, tier))
    weakest = max((t for _, t in chosen), key=_TIERS.index, default=TIER_RELATION)
    return Choice(tuple(c for c, _ in chosen), weakest)


def _fits(candidate: str, answer: str, seen: set[str], excluded: Callable[[str], bool]) -> bool:
    """Whether `candidate` may join the options: new, not excluded, not too like the answer."""
    return candidate.lower() not in seen and not excluded(candidate) and not _too_similar(candidate, answer)


def rivals(bank: Bank, term: Term) -> list[Term]:
    """Terms that may appear as wrong answers to a question about `term`.

    Not the term itself, not one sharing a name with it, and not one above or below it in the
    is_a/part_of hierarchy, in either direction and transitively.
    """

    def compute() -> tuple[Term, ...]:
        own_names = bank.lower_names(term.slug)
        banned = bank.lineage(term.slug) | {term.slug}
        return tuple(t for t in bank.terms if t.slug not in banned and own_names.isdisjoint(bank.lower_names(t.slug)))

    # Asked for each term by several question kinds: computed once per bank and term.
    found: tuple[Term, ...] = bank.memo(("rivals", term.slug), compute)
    return list(found)


Tiers = tuple[tuple[Term, ...], tuple[Term, ...], tuple[Term, ...]]


def _rival_tiers(bank: Bank, term: Term) -> Tiers:
    """The term's rivals as (related, same zone, rest of the bank), computed once per bank and term.

    Related terms come in the order of bank.confusable, the others in bank order.
    """

    def compute() -> Tiers:
        allowed = rivals(bank, term)
        by_slug = {t.slug: t for t in allowed}
        related = tuple(by_slug[s] for s in bank.confusable(term.slug) if s in by_slug)
        taken = {t.slug for t in related}
        zone = tuple(t for t in allowed if t.zone == term.zone and t.slug not in taken)
        rest = tuple(t for t in allowed if t.zone != term.zone and t.slug not in taken)
        return related, zone, rest

    tiers: Tiers = bank.memo(("rival_tiers", term.slug), compute)
    return tiers


def _kept(terms: Sequence[Term], keep: Callable[[Term], bool]) -> list[Term]:
    """A tier of rivals without those `keep` refuses. Filtering each tier gives the same tiers
    as tiering the filtered rivals: a rival's tier does not depend on the other rivals."""
    return [t for t in terms if keep(t)]


def term_distractors(
    bank: Bank,
    term: Term,
    rng: random.Random,
    show: Callable[[Term], str],
    count: int = 3,
    *,
    shows_definition: bool = False,
) -> Choice:
    """Wrong options for a question whose answer is `show(term)` (a definition or a name).

    With `shows_definition`, a definition that names the asked term is skipped: it eliminates
    itself ("LoRA matrices ..." as a wrong definition of LoRA).
    """
    own_names = bank.lower_names(term.slug)

    def excluded(text: str) -> bool:
        return text.lower() in own_names

    def keep(other: Term) -> bool:
        return not (shows_definition and names_term(other.definition, term))

    all_related, all_zone, rest = _rival_tiers(bank, term)
    related, zone = _kept(all_related, keep), _kept(all_zone, keep)
    tiers: list[tuple[str, Iterable[str]]] = [
        (TIER_RELATION, [show(t) for t in related]),
        (TIER_ZONE, [show(t) for t in zone]),
        (TIER_BANK, (show(t) for t in rest if keep(t))),  # built only if reached (see _pick)
    ]
    answer = show(term)
    return _pick(answer, tiers, rng, count, excluded, lambda options: no_length_cue(answer, options))


def swap_term(bank: Bank, term: Term, rng: random.Random) -> tuple[Term, str] | None:
    """The term whose definition a false "term: definition" statement shows, and its tier.

    Chosen by meaning: a confusable or contrasting term first; otherwise the term whose definition
    shares the most content words with the asked one (same zone on a tie). Never a parent, child
    or sibling under a shared parent (their definitions are often true of the term too), never a
    definition that names the term, never a near-duplicate definition.
    """
    siblings = bank.siblings(term.slug)

    def usable(other: Term) -> bool:
        return (
            other.slug not in siblings
            and not names_term(other.definition, term)
            and not _too_similar(other.definition, term.definition)
        )

    all_related, all_zone, all_rest = _rival_tiers(bank, term)
    related = _kept(all_related, usable)
    if related:
        return rng.choice(related), TIER_RELATION
    # Only without a usable related term are the others looked at (usable() is the costly part).
    zone, rest = _kept(all_zone, usable), _kept(all_rest, usable)
    asked = content_words(term.definition)
    scored = [(len(asked & content_words(t.definition)), t.zone == term.zone, t) for t in (*zone, *rest)]
    if not scored:
        return None
    best = max((shared, same_zone) for shared, same_zone, _ in scored)
    ties = [t for shared, same_zone, t in scored if (shared, same_zone) == best]
    chosen = rng.choice(ties)
    return chosen, TIER_ZONE if chosen.zone == term.zone else TIER_BANK


# --- cloze blanks ----------------------------------------------------------------------------


def blank_type(bank: Bank, statement: str, span: str) -> BlankType:
    """blanks.classify, computed once per bank, statement and span (generation asks often)."""
    result: BlankType = bank.memo(("blank_type", statement, span), lambda: blanks.classify(bank, statement, span))
    return result


def fills_blank(bank: Bank, statement: str, key: str, option: str) -> bool:
    """Whether `option` is of the key's type once written into the blank."""
    start = find_span(statement, key)[0]
    filled = statement[:start] + option + statement[start + len(key) :]
    return blank_type(bank, filled, option) == blank_type(bank, statement, key)


def _without_word(name: str, after: str) -> str:
    """A name without its last word when the sentence already follows the blank with it:
    "___ prompting" takes "ReAct", not "ReAct Prompting" (which would read "prompting prompting")."""
    head, _, last = name.rpartition(" ")
    return head if head and after and last.lower() == after else name


def _term_candidates(
    bank: Bank, key: str, blank: BlankType, rng: random.Random, after: str = ""
) -> list[tuple[str, list[str]]]:
    named = blanks.term_of(bank, key)
    if named is None:
        return []
    term = bank.term(named[0])
    plural = key.lower() not in bank.lower_names(term.slug)  # the key is the plural of a name

    # "___ prompting" where the key's term is also called "chain-of-thought prompting": the blank
    # qualifies that word, so rivals must be "... prompting" terms too, shown without it.
    head = after if after and f"{key.lower()} {after}" in bank.lower_names(term.slug) else ""

    def show(t: Term) -> str | None:
        if head:
            return next((n[: -len(head) - 1] for n in t.names if n.lower().endswith(f" {head}")), None)
        name = _without_word(t.name, after)
        if blank.detail == "acronym":
            return t.acronym or (t.name if blanks.acronym_shaped(t.name) else None)
        if plural:
            return blanks.pluralise(name) if blanks.countable(name) and not blanks.is_plural(name) else None
        return name

    related, zone, _ = _rival_tiers(bank, term)
    tiers = []
    # Not the whole bank: a term from another zone ("frontier models" for "tokens") reads as
    # nonsense in a sentence about this one.
    for tier, terms in ((TIER_RELATION, related), (TIER_ZONE, zone)):
        shown = [s for s in (show(t) for t in terms) if s]
        rng.shuffle(shown)
        tiers.append((tier, shown))
    return tiers


def span_distractors(
    bank: Bank,
    statement: str,
    span: ClozeSpan,
    accepted: Sequence[str],
    others: Sequence[SpanCandidate],
    rng: random.Random,
    count: int = 3,
    terms: Sequence[str] = (),
) -> Choice:
    """Wrong options for a cloze blank, all of the blank's type, or none when too few exist.

    The author's own `distractors` come first. Then, for a term name, names of the term's rivals
    (relations, zone, bank); for a number, other numbers of the same unit in the bank (scale words
    among themselves); for anything else, other blanks of the bank with the same part of speech,
    from the same article first. Proper names and formulas take only the author's distractors.
    Options are written in the key's case; each must agree with the words around the blank.
    An acronym's expansion ("short for ___") needs options with the same initials.
    """
    key = span.text
    blank = blank_type(bank, statement, key)
    context = Context.of(statement, key)
    accepted_low = {a.lower() for a in (key, *accepted, *span.aliases)}
    key_term = blanks.term_of(bank, key)
    if key_term is not None:
        accepted_low |= bank.lower_names(key_term[0])
    # Names that another blank lists together with one of the key's accepted answers (its text
    # and its aliases are one group of synonyms): a candidate among them means the key.
    synonyms_of_key = {name for other in others if not other.names.isdisjoint(accepted_low) for name in other.names}
    expansion = blanks.expansion_cue(statement, key)
    letters = blanks.initials(key)

    def excluded(text: str) -> bool:
        low = text.lower()
        if low in accepted_low or any(low in a or a in low for a in accepted_low):
            return True
        if low in synonyms_of_key:
            return True  # another blank lists the key among its own aliases
        if find_span(statement, text) or mentions(statement, text):
            return True
        named = blanks.term_of(bank, text)
        if named is not None and key_term is not None and named[0] in bank.lineage(key_term[0]) | {key_term[0]}:
            return True
        if expansion and blanks.initials(text) != letters:
            return True
        return not blanks.agrees(text, context, blank) or not fills_blank(bank, statement, key, text)

    def restyled(pool: Sequence[str]) -> list[str]:
        return [blanks.restyle(c, key, context) for c in pool]

    tiers: list[tuple[str, Sequence[str]]] = [(TIER_RELATION, restyled(span.distractors))]
    if blank.kind == blanks.TERM:
        tiers.extend((tier, restyled(pool)) for tier, pool in _term_candidates(bank, key, blank, rng, context.after))
    elif blank.kind not in blanks.AUTHOR_ONLY:
        if blank == BlankType(blanks.NUMBER, "scale"):
            tiers.append((TIER_RELATION, [w for w in blanks.SCALE_WORDS if w != key.lower()]))
        same_type = [o for o in others if blank_type(bank, o.statement, o.text) == blank]
        if blank.kind == blanks.NUMBER:
            same_type = _near_in_magnitude(key, same_type)
        else:
            # A word of the same part of speech is only plausible from a key point on a
            # neighbouring topic: one linking the same terms or terms related to them.
            topic = _topic(bank, terms)
            same_type = [o for o in same_type if topic & set(o.terms)]
        # Closest in topic first: blanks of key points about the same terms, then the same article.
        rng.shuffle(same_type)
        same_type.sort(key=lambda o: -len(set(o.terms) & set(terms)))
        tiers.append((TIER_ZONE, restyled([o.text for o in same_type if o.same_article])))
        tiers.append((TIER_BANK, restyled([o.text for o in same_type if not o.same_article])))

    def acceptable(options: Sequence[str]) -> bool:
        return no_length_cue(key, options)

    return _pick(key, tiers, rng, count, excluded, acceptable, strict=True, ratios=False, shuffle=False)


def _topic(bank: Bank, terms: Sequence[str]) -> set[str]:
    """The terms a key point is about and every term they are related to, in any relation."""
    topic = set(terms)
    for slug in terms:
        if bank.has_term(slug):
            topic.update(t for targets in bank.term(slug).relations.values() for t in targets)
            topic.update(bank.confusable(slug))
    return topic


MAGNITUDE_RANGE = 100  # a wrong number more than 100 times off is no plausible rival


def _value(text: str) -> float | None:
    match = re.search(r"[0-9][0-9,]*(?:\.[0-9]+)?", text)
    return float(match.group().replace(",", "")) if match else None


def _near_in_magnitude(key: str, candidates: list[SpanCandidate]) -> list[SpanCandidate]:
    """Numbers within MAGNITUDE_RANGE of the key ("1" and "250,000" are not rivals)."""
    value = _value(key)
    if not value:
        return candidates
    kept = []
    for candidate in candidates:
        other = _value(candidate.text)
        if other is None or (other > 0 and max(value, other) / min(value, other) <= MAGNITUDE_RANGE):
            kept.append(candidate)
    return kept
