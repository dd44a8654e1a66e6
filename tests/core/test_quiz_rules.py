"""The quiz's pure rules: drawing, Learn's climb, Match's clock, the evidence rating."""

from __future__ import annotations

import random

from studyapp.core import quiz as rules
from studyapp.core.scheduling import Rating


def test_draw_is_balanced_without_repetition_and_one_per_subject_first() -> None:
    candidates = [rules.Candidate(i, "a", f"s{i % 3}") for i in range(10)] + [
        rules.Candidate(100 + i, "b", f"t{i}") for i in range(10)
    ]
    drawn = rules.draw(candidates, ["a", "b"], 6, random.Random(1))
    assert len(drawn) == len(set(drawn)) == 6
    assert sum(1 for i in drawn if i < 100) == 3
    subjects_a = {i % 3 for i in drawn if i < 100}
    assert len(subjects_a) == 3  # three different subjects before any repeats


def test_draw_never_returns_more_than_exists() -> None:
    assert sorted(rules.draw([rules.Candidate(1, "a", "x")], ["a", "b"], 5, random.Random(0))) == [1]


def test_evidence_rating_weights_recognition_below_recall() -> None:
    assert rules.evidence_rating("choice_term", False) is Rating.AGAIN
    assert rules.evidence_rating("choice_term", True) is Rating.HARD
    assert rules.evidence_rating("cloze_typed", True) is Rating.GOOD


def test_learn_climbs_from_recognition_to_recall_and_brings_misses_back_later() -> None:
    subjects = ["a", "b", "c", "d"]
    answers: list[rules.LearnAnswer] = []
    first = rules.next_learn_step(subjects, answers)
    assert first == rules.LearnStep("a", "recognition")
    answers.append(rules.LearnAnswer("a", "recognition", False))
    steps = []
    for _ in range(2):
        step = rules.next_learn_step(subjects, answers)
        assert step is not None
        steps.append(step.subject)
        answers.append(rules.LearnAnswer(step.subject, step.level, True))
    assert "a" not in steps  # a miss waits for other questions
    answers.append(rules.LearnAnswer("b", "recall", True))
    assert rules.learn_state(subjects, answers)["b"] == "done"
    assert rules.learn_state(subjects, answers)["d"] == "not started"


def test_match_time_adds_the_penalty() -> None:
    assert rules.match_time_ms(12_000, 2) == 12_000 + 2 * rules.MATCH_PENALTY_MS
