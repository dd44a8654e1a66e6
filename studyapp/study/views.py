"""The review page: the same URL serves the page or, for htmx, the card fragment.

Every action (answer, undo, bury, suspend, study more) answers htmx with the next card in place
and a browser without JavaScript with a redirect back to the page. Checking a typed
fill-in-the-blank answer changes nothing: it answers htmx with the card's back (the grade, the
answer, a suggested rating) and a browser without JavaScript with the page, the back open. `?topic=zone:<slug>` or
`?topic=article:<slug>` limits the session to one zone's or article's cards.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from flask import Blueprint, Response, abort, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from studyapp import web
from studyapp.core.grading import Verdict
from studyapp.extensions import db
from studyapp.services import accounts, cloze_check, study
from studyapp.study.forms import AnswerForm, CardActionForm, CheckForm, MoreForm

bp = Blueprint("study", __name__, url_prefix="/study")

STALE = "That card was already answered (in another tab, or on a page you went back to). Here is your current card."
EXTRAS_KEY = "study_extras"  # what the learner asked for beyond today's limits, for one study day


def _now() -> datetime:
    return datetime.now(UTC)


def _learner() -> accounts.SessionUser:
    """The logged-in user itself: every attribute read through the current_user proxy costs a lookup."""
    return cast(accounts.SessionUser, current_user._get_current_object())  # type: ignore[attr-defined]


def _topic() -> study.TopicRef | None:
    spec = request.args.get("topic")
    if not spec:
        return None
    topic = study.find_topic(db.session(), spec)
    if topic is None:
        abort(404, description="There is no such zone or article to study.")
    return topic


def _extras(learner: accounts.SessionUser, now: datetime) -> study.Extras:
    saved = session.get(EXTRAS_KEY)
    if not saved or saved.get("day") != learner.settings.study_day(now)[0].isoformat():
        return study.Extras()
    return study.Extras(more_new=int(saved.get("more_new", 0)), review_ahead=bool(saved.get("review_ahead")))


def _review_url(topic: study.TopicRef | None) -> str:
    return url_for("study.review", topic=topic.spec if topic else None)


def _card(notice: str | None = None, status: int = 200, topic: study.TopicRef | None = None) -> Response:
    """The review page, or only its card fragment for htmx, of the session limited to `topic`."""
    learner, now = _learner(), _now()
    today = study.today(db.session(), learner, now, topic, _extras(learner, now))
    response = web.render("study/review.html", "study/_card.html", status, today=today, notice=notice, now=now)
    return web.trigger(response, "studied") if web.is_htmx() else response


def _after(notice: str | None, status: int = 200, category: str = "info") -> ResponseReturnValue:
    topic = _topic()  # looked up once: the fragment and the redirect both need it
    return web.after_action(notice, lambda n, s: _card(n, s, topic), _review_url(topic), status, category)


@bp.get("")
@login_required
def review() -> ResponseReturnValue:
    return _card(topic=_topic())


@bp.post("/answer")
@login_required
def answer() -> ResponseReturnValue:
    form = AnswerForm()
    if not form.validate():
        return _after("That answer could not be read; here is your current card.", 400, "error")
    result = study.answer(
        db.session(),
        _learner(),
        question_id=form.question_id.data,
        card_id=form.card_id.data,
        version=form.version.data,
        token=form.token.data,
        rating=form.rating.data,
        shown_at=datetime.fromtimestamp(form.shown_at.data / 1000, UTC),
        now=_now(),
    )
    if result.outcome is study.Outcome.NOT_FOUND:
        abort(404, description="That card no longer exists.")
    if result.outcome in (study.Outcome.STALE, study.Outcome.REPLAYED):
        return _after(STALE, 409, "warning")
    if result.became_leech:
        return _after(
            "That card keeps slipping (8 lapses): it is now suspended as a leech. Rewrite it in your head, then unsuspend it.",
            200,
            "warning",
        )
    return _after(None)


@bp.post("/check")
@login_required
def check() -> ResponseReturnValue:
    """Grade a typed fill-in-the-blank answer and reveal the card's back with it; nothing is written."""
    form = CheckForm()
    if not form.validate():
        return _card_in_place("That answer could not be read; here is your current card.", 400, "error")
    learner, now = _learner(), _now()
    checked = cloze_check.check(
        db.session(),
        learner,
        question_id=form.question_id.data,
        version=form.version.data,
        shown_at=datetime.fromtimestamp(form.shown_at.data / 1000, UTC),
        typed=form.typed.data or "",
        topic=_topic(),
        extras=_extras(learner, now),
    )
    if checked is None:
        return _card_in_place(STALE, 409, "warning")
    if checked.grade is not None and checked.grade.verdict is Verdict.UNREADABLE:
        if web.is_htmx():
            return web.error_response(400, "That answer could not be read", checked.grade.message)
        return web.render(
            "study/review.html", "study/_card.html", 400, today=checked.today, notice=checked.grade.message, now=now
        )
    return web.render(
        "study/review.html",
        "study/_back.html",
        today=checked.today,
        notice=None,
        now=now,
        checked=checked,
        typed=form.typed.data,
    )


def _card_in_place(notice: str, status: int, category: str) -> ResponseReturnValue:
    """The current card instead of a back: htmx aimed the check at the back, so retarget the whole card."""
    response = _after(notice, status, category)
    if web.is_htmx() and isinstance(response, Response):
        response.headers["HX-Retarget"] = "#study"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.post("/undo")
@login_required
def undo() -> ResponseReturnValue:
    if study.undo(db.session(), _learner(), _now()):
        return _after("Undone.")
    return _after("Nothing to undo today.", 409, "warning")


@bp.post("/bury")
@login_required
def bury() -> ResponseReturnValue:
    form = CardActionForm()
    if not form.validate() or not study.bury(db.session(), _learner(), form.question_id.data, _now()):
        abort(404, description="That card no longer exists.")
    return _after("Card buried until tomorrow. Press U to undo.")


@bp.post("/suspend")
@login_required
def suspend() -> ResponseReturnValue:
    form = CardActionForm()
    if not form.validate() or not study.set_suspended(db.session(), _learner(), form.question_id.data, True, _now()):
        abort(404, description="That card no longer exists.")
    return _after("Card suspended. Press U to undo, or find it under Suspended cards.")


@bp.post("/more")
@login_required
def more() -> ResponseReturnValue:
    """Study beyond today's limits: more new cards, or reviews due in the next few days."""
    form = MoreForm()
    if not form.validate():
        return _after("Choose more new cards or reviewing ahead.", 400, "error")
    learner, now = _learner(), _now()
    extras = _extras(learner, now)
    session[EXTRAS_KEY] = {
        "day": learner.settings.study_day(now)[0].isoformat(),
        "more_new": extras.more_new + (study.MORE_NEW_STEP if form.what.data == "new" else 0),
        "review_ahead": extras.review_ahead or form.what.data == "ahead",
    }
    if form.what.data == "new":
        return _after(f"{study.MORE_NEW_STEP} more new cards for today.")
    return _after(f"Reviewing cards due in the next {study.REVIEW_AHEAD_DAYS} days.")


@bp.get("/suspended")
@login_required
def suspended() -> ResponseReturnValue:
    cards = study.suspended_cards(db.session(), _learner())
    return web.render("study/suspended.html", "study/suspended.html", cards=cards, form=CardActionForm(formdata=None))


@bp.post("/unsuspend")
@login_required
def unsuspend() -> ResponseReturnValue:
    form = CardActionForm()
    if not form.validate() or not study.set_suspended(db.session(), _learner(), form.question_id.data, False, _now()):
        abort(404, description="That card no longer exists.")
    flash("Card is back in your reviews.", "success")
    return redirect(url_for("study.suspended"), code=303)
