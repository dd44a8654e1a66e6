"""The rules of a quiz, without a database: which questions a Test draws, how Learn climbs from
recognition to recall, how Match is timed, and what a quiz answer tells the memory model.

Pure: candidates, positions and a random source are passed in, lists of ids come out.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from studyapp.core.generation import (
    CHOICE_DEFINITION,
    CHOICE_TERM,
    CLOZE_CHOICE,
    CLOZE_TYPED,
    CONTRAST_CHOICE,
    DEFINITION_TO_TERM,
    MATCHING,
    TRUE_FALSE_KEY_POINT,
    TRUE_FALSE_TERM,
)
from studyapp.core.scheduling import Rating

MODES = ("test", "learn", "match")
LENGTHS = (5, 10, 20, 50)
RECOGNITION_KINDS = (
    CHOICE_DEFINITION,
    CHOICE_TERM,
    CLOZE_CHOICE,
    CONTRAST_CHOICE,
    TRUE_FALSE_TERM,
    TRUE_FALSE_KEY_POINT,
)
RECALL_KINDS = (CLOZE_TYPED, DEFINITION_TO_TERM)
FORMATS: dict[str, tuple[str, ...]] = {
    "mixed": (
        CHOICE_DEFINITION,
        CHOICE_TERM,
        CLOZE_CHOICE,
        CONTRAST_CHOICE,
        TRUE_FALSE_TERM,
        TRUE_FALSE_KEY_POINT,
        CLOZE_TYPED,
        DEFINITION_TO_TERM,
        MATCHING,
    ),
    "choice": (CHOICE_DEFINITION, CHOICE_TERM, CLOZE_CHOICE, CONTRAST_CHOICE),
    "true_false": (TRUE_FALSE_TERM, TRUE_FALSE_KEY_POINT),
    "typed": RECALL_KINDS,
    "matching": (MATCHING,),
}
FORMAT_LABELS = {
    "mixed": "Mixed",
    "choice": "Multiple choice",
    "true_false": "True or false",
    "typed": "Typed answers",
    "matching": "Matching",
}
LEARN_RIGHTS = 2  # a term is done in Learn once answered right this many times
LEARN_RETURN_AFTER = 2  # a missed term comes back after this many other questions
MATCH_PAIRS = 6
MATCH_PENALTY_MS = 5000  # each wrong pairing in Match adds five seconds


@dataclass(frozen=True)
class Candidate:
    """A question a quiz may ask: its topic (as the learner chose it) and its subject (term or key point)."""

    question_id: int
    topic: str
    subject: str


def draw(candidates: Sequence[Candidate], topics: Sequence[str], length: int, rng: random.Random) -> list[int]:
    """`length` question ids without repetition, balanced across `topics` (round robin), in random
    order within each topic, and one question per subject until every subject has had one."""
    pools: dict[str, list[Candidate]] = {topic: [] for topic in topics}
    for candidate in candidates:
        pools.setdefault(candidate.topic, []).append(candidate)
    for pool in pools.values():
        rng.shuffle(pool)
    chosen: list[int] = []
    used_subjects: set[str] = set()
    for allow_repeat_subject in (False, True):
        progress = True
        while len(chosen) < length and progress:
            progress = False
            for topic in pools:
                pool = pools[topic]
                for index, candidate in enumerate(pool):
                    if allow_repeat_subject or candidate.subject not in used_subjects:
                        chosen.append(candidate.question_id)
                        used_subjects.add(candidate.subject)
                        del pool[index]
                        progress = True
                        break
                if len(chosen) >= length:
                    break
    order = chosen[:length]
    rng.shuffle(order)
    return order


def evidence_rating(kind: str, correct: bool) -> Rating:
    """What a quiz answer counts as on the learner's flashcards of the same term or key point.

    A wrong answer is a lapse (Again: the card comes due again soon). A right answer is a
    successful recall, weighted by how hard the format is: recognising an option counts as Hard,
    typing the answer as Good. Easy is never inferred from a quiz.
    """
    if not correct:
        return Rating.AGAIN
    return Rating.GOOD if kind in RECALL_KINDS else Rating.HARD


@dataclass(frozen=True)
class LearnAnswer:
    subject: str
    level: str  # "recognition" or "recall"
    correct: bool


@dataclass(frozen=True)
class LearnStep:
    subject: str
    level: str


def learn_progress(subjects: Sequence[str], answers: Sequence[LearnAnswer]) -> dict[str, int]:
    """Right answers per subject so far (a wrong answer sets the subject back by one, not below 0)."""
    rights = dict.fromkeys(subjects, 0)
    for answer in answers:
        if answer.subject in rights:
            rights[answer.subject] = (
                rights[answer.subject] + 1 if answer.correct else max(0, rights[answer.subject] - 1)
            )
    return rights


def learn_state(subjects: Sequence[str], answers: Sequence[LearnAnswer]) -> dict[str, str]:
    """Each subject as "not started", "learning" or "done"."""
    seen = {a.subject for a in answers}
    rights = learn_progress(subjects, answers)
    return {s: "done" if rights[s] >= LEARN_RIGHTS else ("learning" if s in seen else "not started") for s in subjects}


def next_learn_step(subjects: Sequence[str], answers: Sequence[LearnAnswer]) -> LearnStep | None:
    """The next question of a Learn session, or None when every subject is done.

    A subject climbs from recognition (multiple choice) to recall (typed) once answered right; a
    missed subject comes back after LEARN_RETURN_AFTER other questions; otherwise the subject
    that has waited longest, not-started subjects in their order.
    """
    rights = learn_progress(subjects, answers)
    open_subjects = [s for s in subjects if rights[s] < LEARN_RIGHTS]
    if not open_subjects:
        return None
    last_asked = {a.subject: i for i, a in enumerate(answers)}
    position = len(answers)

    def ready(subject: str) -> bool:
        asked = last_asked.get(subject)
        return asked is None or position - asked > LEARN_RETURN_AFTER or len(open_subjects) == 1

    candidates = [s for s in open_subjects if ready(s)] or open_subjects
    # the longest-waiting subject first; never-asked subjects keep their order after those waiting
    chosen = min(candidates, key=lambda s: (last_asked.get(s, position), subjects.index(s)))
    return LearnStep(chosen, "recall" if rights[chosen] >= 1 else "recognition")


def match_time_ms(elapsed_ms: int, mistakes: int) -> int:
    """A Match game's time: the clock plus the penalty for each wrong pairing."""
    return max(0, elapsed_ms) + mistakes * MATCH_PENALTY_MS


def shuffled(values: Sequence[str], rng: random.Random) -> list[str]:
    out = list(values)
    rng.shuffle(out)
    return out


def topic_spec_ok(spec: str, known: Mapping[str, object]) -> bool:
    """A topic the learner may choose: "all", "weakest", or a known "zone:"/"article:" spec."""
    return spec in ("all", "weakest") or spec in known
