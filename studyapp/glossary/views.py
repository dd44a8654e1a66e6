"""Browsing the content: home page, glossary with search, term pages and articles."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, render_template
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import current_user
from htmx_flask import request
from wtforms import SelectChoice

from studyapp import web
from studyapp.extensions import db
from studyapp.glossary.forms import SearchForm
from studyapp.services import glossary, progress

bp = Blueprint("glossary", __name__)


@bp.record_once
def _term_row_filter(state: BlueprintSetupState) -> None:
    """`{{ term | term_row(...) }}`: a glossary row, rendered once per term and flags (web.memoized_fragment)."""
    state.app.jinja_env.filters["term_row"] = web.memoized_fragment(state.app, "glossary/_term_row.html")


@bp.get("/")
def home() -> ResponseReturnValue:
    today = None
    if current_user.is_authenticated:  # signed in: today's numbers and one "Study now" button
        today = progress.home(db.session(), current_user._get_current_object(), datetime.now(UTC))
    return render_template(
        "glossary/home.html", zones=glossary.zones(db.session()), articles=glossary.articles(db.session()), today=today
    )


@bp.get("/glossary")
def index() -> ResponseReturnValue:
    zones = glossary.zones(db.session())
    form = SearchForm(request.args)
    form.zone.choices = [SelectChoice("", "All zones")] + [SelectChoice(z.slug, z.name) for z in zones]
    status = 200
    if form.validate():
        limit = current_app.config["GLOSSARY_SEARCH_LIMIT"]
        result = glossary.search(db.session(), form.q.data or "", form.zone.data or None, limit, zones)
    else:
        result, status = None, 400
    return web.render("glossary/index.html", "glossary/_results.html", status, form=form, zones=zones, result=result)


@bp.get("/glossary/<slug>")
def term(slug: str) -> ResponseReturnValue:
    page = glossary.term_page(db.session(), slug)
    if page is None:
        abort(404)
    cards = None
    if current_user.is_authenticated:  # the learner's own cards on this term
        cards = progress.term_cards(db.session(), current_user._get_current_object(), page.term.id, datetime.now(UTC))
    return render_template("glossary/term.html", page=page, my_cards=cards)


@bp.get("/articles")
def articles() -> ResponseReturnValue:
    return render_template("glossary/articles.html", articles=glossary.articles(db.session()))


@bp.get("/articles/<slug>")
def article(slug: str) -> ResponseReturnValue:
    found = glossary.article_page(db.session(), slug)
    if found is None:
        abort(404)
    article, points = found
    return render_template("glossary/article.html", article=article, points=points)
