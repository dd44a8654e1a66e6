"""Progress: the dashboard at /progress, the card browser, and the export of a learner's history.

The browser's filter form is a plain GET form; with htmx it swaps only the table (same URL,
`Vary: HX-Request`). Card actions post and, without JavaScript, redirect back to the same
filtered page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import cast
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, abort, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from studyapp import web
from studyapp.core import stats
from studyapp.extensions import db
from studyapp.progress.forms import BrowseForm, CardActionForm, ExportForm
from studyapp.services import accounts, progress, quiz
from studyapp.services.progress import EXPORT_TABLES

bp = Blueprint("progress", __name__, url_prefix="/progress")

FILTER_KEYS = ("q", "zone", "article", "state", "sort", "desc", "page")
NOTICES = {
    "suspend": "Card suspended: it stays out of your reviews until you unsuspend it.",
    "unsuspend": "Card unsuspended: it is back in your reviews.",
    "reset": "Card reset: it is new again (its history is kept).",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _learner() -> accounts.SessionUser:
    return cast(accounts.SessionUser, current_user._get_current_object())  # type: ignore[attr-defined]


@bp.get("")
@login_required
def dashboard() -> ResponseReturnValue:
    board = progress.dashboard(db.session(), _learner(), _now())
    attempts, accuracy = quiz.history(db.session(), _learner().id)
    return web.render(
        "progress/dashboard.html",
        "progress/dashboard.html",
        board=board,
        columns=EXPORT_TABLES,
        quiz_attempts=[row.attempt for row in attempts if row.attempt.finished_at][:20],
        quiz_accuracy=accuracy,
    )


def _filters(form: BrowseForm) -> dict[str, str]:
    """The browser's filters as a query string's values (empty ones left out)."""
    values = {name: form[name].data for name in ("q", "zone", "article", "state", "sort")}
    values["desc"] = "y" if form.desc.data else None
    values["page"] = str(form.page.data) if form.page.data and form.page.data > 1 else None
    return {k: str(v) for k, v in values.items() if v}


def _browser(form: BrowseForm, notice: str | None = None, status: int = 200) -> Response:
    page = progress.browse(db.session(), _learner(), form.to_query(), _now())
    return web.render(
        "progress/cards.html",
        "progress/_cards.html",
        status,
        form=form,
        listing=page,
        notice=notice,
        back=urlencode(_filters(form)),
    )


def _browse_form(args: Mapping[str, str]) -> BrowseForm:
    form = BrowseForm(MultiDict(args))
    form.set_topics(*progress.topics(db.session()))
    return form


@bp.get("/cards")
@login_required
def cards() -> ResponseReturnValue:
    form = _browse_form(request.args)
    if not form.validate():
        return web.render(
            "progress/cards.html", "progress/_cards.html", 400, form=form, listing=None, notice=None, back=""
        )
    return _browser(form)


@bp.post("/cards/<int:card_id>")
@login_required
def card_action(card_id: int) -> ResponseReturnValue:
    form = CardActionForm()
    if not form.validate():
        abort(400, description="Choose suspend, unsuspend or reset.")
    learner, now, action = _learner(), _now(), form.action.data
    if action == "reset":
        done = progress.reset_card(db.session(), learner, card_id, now)
    else:
        done = progress.set_suspended(db.session(), learner, card_id, action == "suspend", now)
    if not done:
        abort(404, description="That card is not one of yours.")
    # The browser's filters come back as its query string; only those keys are kept.
    filters = {k: v for k, v in parse_qsl((form.back.data or "").lstrip("?")) if k in FILTER_KEYS}
    browse = _browse_form(filters)
    if not browse.validate():
        browse = _browse_form({})
    return web.after_action(
        NOTICES[action],
        lambda notice, status: _browser(browse, notice, status),
        url_for("progress.cards") + ("?" + urlencode(filters) if filters else ""),
        category="success",
    )


def _filename(table: str, extension: str) -> str:
    settings = _learner().settings
    day = stats.study_date(_now(), settings.timezone, settings.day_start_hour)
    return f"studyapp-{table}-{day.isoformat()}.{extension}"


def _download(chunks: Iterator[str], mimetype: str, filename: str) -> Response:
    """A streamed attachment of an export's chunks, ending its read transaction when they end.

    The request's teardown closes its session before the first chunk is read; the export then
    reads on through the same Session object, which checks out a connection again and would hold
    it, idle in a transaction, until the Session is garbage collected.
    """
    session = db.session()  # the request's session, the one the export was given

    def streamed() -> Iterator[str]:
        try:
            yield from chunks
        finally:
            session.close()

    response = Response(stream_with_context(streamed()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/export.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    form = ExportForm(request.args)
    if not form.validate():
        abort(400, description=f"Choose one of: {', '.join(EXPORT_TABLES)}.")
    table = form.table.data
    return _download(progress.export_csv(db.session(), _learner(), table), "text/csv", _filename(table, "csv"))


@bp.get("/export.json")
@login_required
def export_json() -> ResponseReturnValue:
    chunks = progress.export_json(db.session(), _learner(), _now())
    return _download(chunks, "application/json", _filename("history", "json"))
