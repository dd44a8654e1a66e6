"""The review page: the same URL serves the page or, for htmx, the card fragment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from htmx_flask import request

from studyapp.extensions import db
from studyapp.services import accounts, study
from studyapp.study.forms import AnswerForm, CardActionForm

bp = Blueprint("study", __name__, url_prefix="/study")


def _now() -> datetime:
    return datetime.now(UTC)


def _learner() -> accounts.SessionUser:
    """The logged-in user itself: every attribute read through the current_user proxy costs a lookup."""
    return cast(accounts.SessionUser, current_user._get_current_object())  # type: ignore[attr-defined]


def _render(notice: str | None = None, status: int = 200) -> Response:
    """The review page, or only its card fragment for htmx (Vary: HX-Request)."""
    today = study.today(db.session(), _learner(), _now())
    template = "study/_card.html" if request.htmx else "study/review.html"
    response = make_response(render_template(template, today=today, notice=notice), status)
    response.vary.add("HX-Request")
    if request.htmx:
        response.headers["HX-Trigger"] = "studied"
    return response


def _after(notice: str | None, status: int = 200, category: str = "info") -> ResponseReturnValue:
    """htmx gets the next card in place; without JavaScript, post-redirect-get."""
    if request.htmx:
        return _render(notice, status)
    if notice:
        flash(notice, category)
    return redirect(url_for("study.review"), code=303)


@bp.get("")
@login_required
def review() -> ResponseReturnValue:
    return _render()


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
        abort(404)
    if result.outcome is study.Outcome.STALE:
        return _after(
            "That card was already answered (in another tab or window). Here is your current card.", 409, "warning"
        )
    if result.became_leech:
        return _after(
            "That card keeps slipping (8 lapses): it is now suspended as a leech. Rewrite it in your head, then unsuspend it.",
            200,
            "warning",
        )
    return _after(None)


@bp.post("/undo")
@login_required
def undo() -> ResponseReturnValue:
    if study.undo(db.session(), _learner(), _now()):
        return _after("Last answer undone.")
    return _after("Nothing to undo today.", 409, "warning")


@bp.post("/bury")
@login_required
def bury() -> ResponseReturnValue:
    form = CardActionForm()
    if not form.validate() or not study.bury(db.session(), _learner(), form.question_id.data, _now()):
        abort(404)
    return _after("Card buried until tomorrow.")


@bp.post("/suspend")
@login_required
def suspend() -> ResponseReturnValue:
    form = CardActionForm()
    if not form.validate() or not study.set_suspended(db.session(), _learner(), form.question_id.data, True, _now()):
        abort(404)
    return _after("Card suspended. Find it under Suspended cards to bring it back.")


@bp.get("/suspended")
@login_required
def suspended() -> ResponseReturnValue:
    cards = study.suspended_cards(db.session(), _learner())
    return render_template("study/suspended.html", cards=cards, form=CardActionForm(formdata=None))


@bp.post("/unsuspend")
@login_required
def unsuspend() -> ResponseReturnValue:
    form = CardActionForm()
    if not form.validate() or not study.set_suspended(db.session(), _learner(), form.question_id.data, False, _now()):
        abort(404)
    flash("Card is back in your reviews.", "success")
    return redirect(url_for("study.suspended"), code=303)
