"""Quizzes through the service layer on the real bank (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import random
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from studyapp.core import quiz as rules
from studyapp.core.generation import MATCHING, TRUE_FALSE_TERM
from studyapp.core.scheduling import Rating, State
from studyapp.extensions import db
from studyapp.models import Card, Question, QuizAttempt, ReviewLog, User, Zone
from studyapp.services import quiz
from tests.conftest import commit, review_card

NOW = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)


def learner() -> quiz.Owner:
    name = f"q-{secrets.token_hex(4)}"
    user = User(username=name, username_key=name, password_hash="x", created_at=NOW, updated_at=NOW)
    db.session.add(user)
    commit()
    return quiz.Owner(user_id=user.id, settings=user.settings)


def right_response(item) -> str | list[str]:  # type: ignore[no-untyped-def]
    if item.question.kind == MATCHING:
        return [right for _, right in item.question.pairs]
    return item.question.answer


def wrong_response(item) -> str | list[str]:  # type: ignore[no-untyped-def]
    if item.question.kind == MATCHING:
        rights = [right for _, right in item.question.pairs]
        return rights[1:] + rights[:1]
    if item.options:
        return next(o for o in item.options if o != item.question.answer)
    return "certainly not this"


def test_a_test_draws_distinct_questions_balanced_across_topics(content_app: Flask) -> None:
    owner = learner()
    attempt_id = quiz.start_test(db.session, owner, ["zone:blue", "zone:green"], 20, "mixed", NOW, random.Random(1))
    attempt = quiz.get_attempt(db.session, owner, attempt_id)
    ids = [item.question_id for item in attempt.items]
    assert len(ids) == 20 == len(set(ids))
    zones = dict(db.session.execute(select(Zone.id, Zone.slug)).all())
    counts: dict[str, int] = {}
    for item in attempt.items:
        slug = zones.get(item.question.zone_id) if item.question.zone_id else None
        counts[slug or "?"] = counts.get(slug or "?", 0) + 1
    assert counts.get("blue") == counts.get("green") == 10, counts


def test_answers_are_graded_by_the_server_once_and_a_finished_attempt_is_read_only(content_app: Flask) -> None:
    owner = learner()
    attempt_id = quiz.start_test(db.session, owner, ["all"], 5, "choice", NOW, random.Random(2))
    attempt = quiz.get_attempt(db.session, owner, attempt_id)
    first, second = attempt.items[0], attempt.items[1]
    assert quiz.answer(db.session, owner, attempt_id, first.id, right_response(first), NOW).correct
    replay = quiz.answer(db.session, owner, attempt_id, first.id, wrong_response(first), NOW)
    assert replay.replayed and replay.correct  # the recorded result, not a regrade
    with pytest.raises(quiz.QuizError, match="options shown"):
        quiz.answer(db.session, owner, attempt_id, second.id, "an option nobody offered", NOW)
    with pytest.raises(quiz.QuizError):
        quiz.answer(db.session, owner, attempt_id, second.id, "x" * 5000, NOW)
    with pytest.raises(quiz.QuizError):
        quiz.answer(db.session, owner, attempt_id, second.id, "nul\x00byte", NOW)
    db.session.expire_all()
    assert quiz.get_attempt(db.session, owner, attempt_id).items[1].answered_at is None  # nothing written
    for item in quiz.get_attempt(db.session, owner, attempt_id).items[1:]:
        quiz.answer(db.session, owner, attempt_id, item.id, wrong_response(item), NOW)
    done = quiz.get_attempt(db.session, owner, attempt_id)
    assert done.finished_at is not None and done.score == 1


def test_another_learners_attempt_is_not_found_and_a_visitor_can_claim_theirs(content_app: Flask) -> None:
    owner, other = learner(), learner()
    attempt_id = quiz.start_test(db.session, owner, ["all"], 5, "mixed", NOW, random.Random(3))
    with pytest.raises(LookupError):
        quiz.get_attempt(db.session, other, attempt_id)
    visitor = quiz.Owner(visitor_key=quiz.visitor_key("token"))
    visit_id = quiz.start_test(db.session, visitor, ["all"], 5, "mixed", NOW, random.Random(4))
    assert quiz.get_attempt(db.session, visitor, visit_id).user_id is None
    assert quiz.claim(db.session, visitor.visitor_key or "", other.user_id or 0) == 1
    assert quiz.get_attempt(db.session, other, visit_id).user_id == other.user_id


def test_practise_my_mistakes_is_a_quiz_of_exactly_the_wrong_ones(content_app: Flask) -> None:
    owner = learner()
    attempt_id = quiz.start_test(db.session, owner, ["all"], 5, "true_false", NOW, random.Random(5))
    attempt = quiz.get_attempt(db.session, owner, attempt_id)
    wrong = set()
    for n, item in enumerate(attempt.items):
        response = wrong_response(item) if n % 2 == 0 else right_response(item)
        if n % 2 == 0:
            wrong.add(item.question_id)
        quiz.answer(db.session, owner, attempt_id, item.id, response, NOW)
    again = quiz.practise_mistakes(db.session, owner, attempt_id, NOW, random.Random(6))
    assert {i.question_id for i in quiz.get_attempt(db.session, owner, again).items} == wrong


def test_a_wrong_quiz_answer_brings_the_terms_flashcards_due_and_a_right_one_counts_as_hard(content_app: Flask) -> None:
    owner = learner()
    tf = db.session.scalars(select(Question).where(Question.kind == TRUE_FALSE_TERM).limit(2)).all()
    cards = []
    for question in tf:
        flashcard = db.session.scalar(
            select(Question.id).where(Question.term_id == question.term_id, Question.study_order > 0).limit(1)
        )
        cards.append(
            review_card(
                owner.user_id,
                flashcard,
                due=NOW + timedelta(days=20),
                last_review=NOW - timedelta(days=10),
                stability=30.0,
            )
        )
    commit()
    attempt_id = quiz.start_test(db.session, owner, ["all"], 5, "true_false", NOW, random.Random(7))
    attempt = quiz.get_attempt(db.session, owner, attempt_id)
    # answer the two chosen questions directly, as items of a fresh attempt would
    for item, question in zip(attempt.items[:2], tf, strict=True):
        item.question_id, item.question, item.options = question.id, question, list(question.options)
    commit()
    quiz.answer(db.session, owner, attempt_id, attempt.items[0].id, wrong_response(attempt.items[0]), NOW)
    quiz.answer(db.session, owner, attempt_id, attempt.items[1].id, right_response(attempt.items[1]), NOW)
    db.session.expire_all()
    forgotten, recognised = (db.session.get(Card, c.id) for c in cards)
    assert forgotten is not None and recognised is not None
    assert forgotten.state == State.RELEARNING and forgotten.due < NOW + timedelta(days=1)
    assert recognised.state == State.REVIEW and recognised.due > NOW + timedelta(days=20)
    logs = db.session.scalars(select(ReviewLog).where(ReviewLog.user_id == owner.user_id)).all()
    assert sorted((log.rating, log.source) for log in logs) == [(Rating.AGAIN, "quiz"), (Rating.HARD, "quiz")]


def test_learn_runs_to_done_climbing_from_choice_to_typed(content_app: Flask) -> None:
    owner = learner()
    attempt_id = quiz.start_learn(db.session, owner, "zone:green", NOW, random.Random(8))
    for _ in range(200):
        attempt = quiz.get_attempt(db.session, owner, attempt_id)
        item = quiz.current_item(attempt)
        if item is None:
            break
        quiz.answer(db.session, owner, attempt_id, item.id, right_response(item), NOW, random.Random(9))
    attempt = quiz.get_attempt(db.session, owner, attempt_id)
    assert attempt.finished_at is not None
    terms = db.session.scalar(
        select(func.count())
        .select_from(Question)
        .where(
            Question.kind == "term_to_definition",
            Question.zone_id == db.session.scalar(select(Zone.id).where(Zone.slug == "green")),
        )
    )
    assert len(attempt.items) == rules.LEARN_RIGHTS * terms
    kinds = [item.question.kind for item in attempt.items]
    assert kinds.count("definition_to_term") == terms  # every term's second right answer was typed


def test_match_mistakes_add_a_penalty_and_the_best_time_is_kept(content_app: Flask) -> None:
    owner = learner()
    attempt_id = quiz.start_match(db.session, owner, "zone:blue", NOW, random.Random(10))
    item = quiz.get_attempt(db.session, owner, attempt_id).items[0]
    assert not quiz.answer(db.session, owner, attempt_id, item.id, wrong_response(item), NOW).correct
    assert quiz.answer(
        db.session, owner, attempt_id, item.id, right_response(item), NOW + timedelta(seconds=30)
    ).correct
    attempt = quiz.get_attempt(db.session, owner, attempt_id)
    assert attempt.finished_at is not None and attempt.penalty_ms >= rules.MATCH_PENALTY_MS * 2
    best = quiz.best_match_ms(db.session, owner.user_id or 0, "zone:blue")
    assert best == 30_000 + attempt.penalty_ms
    assert json.loads(attempt.items[0].response or "[]") == right_response(item)


def test_history_lists_attempts_and_accuracy_per_zone(content_app: Flask) -> None:
    owner = learner()
    attempt_id = quiz.start_test(db.session, owner, ["zone:purple"], 5, "choice", NOW, random.Random(11))
    for item in quiz.get_attempt(db.session, owner, attempt_id).items:
        quiz.answer(db.session, owner, attempt_id, item.id, right_response(item), NOW)
    rows, accuracy = quiz.history(db.session, owner.user_id or 0)
    assert [r.attempt.id for r in rows] == [attempt_id]
    assert any(a.answered >= 1 and a.percent == 100 for a in accuracy)
    assert (
        db.session.scalar(select(func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id == owner.user_id))
        == 1
    )


def test_a_typed_answer_with_a_small_typo_is_accepted_and_says_so(content_app: Flask) -> None:
    owner = learner()
    attempt_id = quiz.start_test(db.session, owner, ["all"], 50, "typed", NOW, random.Random(12))
    attempt = quiz.get_attempt(db.session, owner, attempt_id)
    item = next(i for i in attempt.items if len(i.question.answer) >= 9 and i.question.answer.isalpha())
    answer = item.question.answer
    typo = answer[:3] + answer[4] + answer[3] + answer[5:]  # two letters swapped
    feedback = quiz.answer(db.session, owner, attempt_id, item.id, typo, NOW)
    assert feedback.correct and feedback.leniency and "typo forgiven" in feedback.leniency
