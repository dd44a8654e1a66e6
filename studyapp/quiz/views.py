"""Quizzes at /quiz: Test, Learn and Match, one question at a time (page or htmx fragment).

Anyone can take a quiz; a visitor's attempts belong to a random key in their session, which
signing up claims. Without JavaScript every step is a form that posts and redirects.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyapp import web
from studyapp.core import quiz as rules
from studyapp.core.generation import MATCHING
from studyapp.extensions import db
from studyapp.quiz.forms import TestForm, ZoneForm
from studyapp.services import quiz

bp = Blueprint("quiz", __name__, url_prefix="/quiz")
VISITOR = "quiz_visitor"


def _now() -> datetime:
    return datetime.now(UTC)


def _owner(create: bool = False) -> quiz.Owner:
    if current_user.is_authenticated:
        return quiz.Owner(user_id=current_user.id, settings=current_user.settings)
    token = session.get(VISITOR)
    if token is None and create:
        token = session[VISITOR] = secrets.token_urlsafe(24)
    return quiz.Owner(visitor_key=quiz.visitor_key(token) if token else None)


def _attempt(attempt_id: int) -> quiz.QuizAttempt:
    try:
        return quiz.get_attempt(db.session(), _owner(), attempt_id)
    except LookupError:
        abort(404, description="There is no such quiz of yours.")


def _start_forms(test: TestForm | None = None) -> dict[str, object]:
    choices = quiz.topic_choices(db.session())
    test = test or TestForm(formdata=None)
    specs = [SelectChoice("all", "Everything")] + [SelectChoice(c.spec, c.name) for c in choices]
    if current_user.is_authenticated:
        specs.insert(1, SelectChoice("weakest", "My weakest terms"))
    test.topics.choices = specs
    zones = [SelectChoice(c.spec, c.name) for c in choices if c.kind == "zone"]
    learn, match = ZoneForm(formdata=None, prefix="learn"), ZoneForm(formdata=None, prefix="match")
    learn.topic.choices = match.topic.choices = zones
    return {"test": test, "learn": learn, "match": match}


@bp.get("")
def start() -> ResponseReturnValue:
    return render_template("quiz/start.html", **_start_forms())


def _go(attempt_id: int) -> ResponseReturnValue:
    return redirect(url_for("quiz.take", attempt_id=attempt_id), code=303)


def _refused(error: quiz.QuizError, forms: dict[str, object] | None = None) -> ResponseReturnValue:
    if web.is_htmx():
        return web.error_response(400, "That quiz cannot start", str(error))
    return render_template("quiz/start.html", error=str(error), **(forms or _start_forms())), 400


@bp.post("/test")
def start_test() -> ResponseReturnValue:
    forms = _start_forms(TestForm())
    form = forms["test"]
    assert isinstance(form, TestForm)
    if not form.validate():
        return render_template("quiz/start.html", **forms), 400
    try:
        attempt_id = quiz.start_test(
            db.session(),
            _owner(create=True),
            form.topics.data or [],
            int(form.length.data),
            form.formats.data,
            _now(),
            random.Random(),
        )
    except quiz.QuizError as error:
        return _refused(error, forms)
    return _go(attempt_id)


@bp.post("/quick")
def quick() -> ResponseReturnValue:
    """The home page's one-click quiz: ten mixed questions from everything."""
    try:
        attempt_id = quiz.start_test(db.session(), _owner(create=True), ["all"], 10, "mixed", _now(), random.Random())
    except quiz.QuizError as error:
        return _refused(error)
    return _go(attempt_id)


@bp.post("/<mode>")
def start_zone_mode(mode: str) -> ResponseReturnValue:
    if mode not in ("learn", "match"):
        abort(404)
    form = ZoneForm(prefix=mode)
    form.topic.choices = [SelectChoice(c.spec, c.name) for c in quiz.topic_choices(db.session()) if c.kind == "zone"]
    if not form.validate():
        return _refused(quiz.QuizError("Choose a zone."))
    starter = quiz.start_learn if mode == "learn" else quiz.start_match
    try:
        attempt_id = starter(db.session(), _owner(create=True), form.topic.data, _now(), random.Random())
    except quiz.QuizError as error:
        return _refused(error)
    return _go(attempt_id)


def _question_context(attempt: quiz.QuizAttempt, error: str | None = None) -> dict[str, object]:
    item = quiz.current_item(attempt)
    context: dict[str, object] = {"attempt": attempt, "item": item, "error": error, "MATCHING": MATCHING}
    if attempt.mode == "learn":
        subjects = sorted({str(i.question.term_id) for i in attempt.items})
        states = rules.learn_state(subjects, quiz._learn_answers(attempt))
        context["learn"] = {s: sum(1 for v in states.values() if v == s) for s in ("not started", "learning", "done")}
    return context


@bp.get("/<int:attempt_id>")
def take(attempt_id: int) -> ResponseReturnValue:
    attempt = _attempt(attempt_id)
    if quiz.current_item(attempt) is None:
        return redirect(url_for("quiz.results", attempt_id=attempt_id), code=303)
    return web.render("quiz/take.html", "quiz/_question.html", **_question_context(attempt))


@bp.post("/<int:attempt_id>/answer")
def answer(attempt_id: int) -> ResponseReturnValue:
    attempt = _attempt(attempt_id)
    item_id = request.form.get("item_id", type=int)
    if item_id is None:
        abort(400, description="That answer did not say which question it was for.")
    item = next((i for i in attempt.items if i.id == item_id), None)
    if item is None:
        abort(404, description="That question is not part of this quiz.")
    response: str | list[str]
    if item.question.kind == MATCHING:
        response = [request.form.get(f"match-{n}", "") for n in range(len(item.question.pairs))]
    else:
        response = request.form.get("response", "")
    try:
        feedback = quiz.answer(db.session(), _owner(), attempt_id, item_id, response, _now(), random.Random())
    except quiz.QuizError as error:
        context = _question_context(_attempt(attempt_id), str(error))
        return web.render("quiz/take.html", "quiz/_question.html", 400, **context)
    if attempt.mode == "match" and not feedback.correct:
        context = _question_context(_attempt(attempt_id), f"{len(feedback.wrong_pairs)} wrong: +5 s each. Try again.")
        context["wrong"] = {left for left, _, _ in feedback.wrong_pairs}
        return web.render("quiz/take.html", "quiz/_question.html", 200, **context)
    if not web.is_htmx():
        return redirect(url_for("quiz.feedback", attempt_id=attempt_id, position=feedback.item.position), code=303)
    return web.render("quiz/feedback.html", "quiz/_feedback.html", attempt=_attempt(attempt_id), feedback=feedback)


@bp.get("/<int:attempt_id>/feedback/<int:position>")
def feedback(attempt_id: int, position: int) -> ResponseReturnValue:
    attempt = _attempt(attempt_id)
    try:
        shown = quiz.feedback_for(db.session(), _owner(), attempt_id, position)
    except LookupError:
        abort(404, description="That question has not been answered yet.")
    return web.render("quiz/feedback.html", "quiz/_feedback.html", attempt=attempt, feedback=shown)


@bp.post("/<int:attempt_id>/override/<int:item_id>")
def override(attempt_id: int, item_id: int) -> ResponseReturnValue:
    try:
        quiz.override(db.session(), _owner(), attempt_id, item_id)
    except LookupError:
        abort(404, description="That question is not part of this quiz.")
    except quiz.QuizError as error:
        abort(409, description=str(error))
    attempt = _attempt(attempt_id)
    position = next(i.position for i in attempt.items if i.id == item_id)
    return redirect(url_for("quiz.feedback", attempt_id=attempt_id, position=position), code=303)


@bp.get("/<int:attempt_id>/results")
def results(attempt_id: int) -> ResponseReturnValue:
    attempt = _attempt(attempt_id)
    best = None
    if attempt.mode == "match" and attempt.user_id is not None:
        best = quiz.best_match_ms(db.session(), attempt.user_id, attempt.topics[0])
    return render_template("quiz/results.html", attempt=attempt, best_ms=best, MATCHING=MATCHING)


@bp.post("/<int:attempt_id>/mistakes")
def mistakes(attempt_id: int) -> ResponseReturnValue:
    try:
        new_id = quiz.practise_mistakes(db.session(), _owner(), attempt_id, _now(), random.Random())
    except LookupError:
        abort(404, description="There is no such quiz of yours.")
    except quiz.QuizError as error:
        abort(409, description=str(error))
    return _go(new_id)


@bp.get("/history")
@login_required
def history() -> ResponseReturnValue:
    rows, accuracy = quiz.history(db.session(), current_user.id)
    return render_template("quiz/history.html", rows=rows, accuracy=accuracy)
