"""A bare Flask app: the second baseline of `bench.study` (issue 9), served the same way as bench.app.

It renders the same card fragment (templates/study/_card.html) from the same constants as
bench/app.py's in-app baseline, and has an empty route, but has none of studyapp's extensions,
request hooks or configuration: no session is opened (Flask opens it lazily and nothing reads it),
no user is loaded, no CSRF check, no database, no htmx request class. What it costs is what Flask,
Jinja and gunicorn cost, so a ratio against it shows everything studyapp adds on top.

The template's globals are cheap stubs: `csrf_token()` returns a constant of the real token's
length, and the endpoints its `url_for` calls name are registered with the real URLs (they answer
an empty 404-free body, never used by the bench). `current_user` is not read by the fragment.

    gunicorn 'bench.bare:create_bare_app()'
"""

from __future__ import annotations

from flask import Flask, make_response, render_template
from flask.typing import ResponseReturnValue

from bench.app import BASELINE_PATH, EMPTY_PATH, fake_today
from studyapp import config
from studyapp.core.generation import KIND_LABELS
from studyapp.core.scheduling import Rating

# Flask-WTF's signed token for a 40-hex-character raw token is 91 characters long.
_CSRF_TOKEN = "I" * 91

# The endpoints _card.html links to, with the URLs studyapp serves them at.
_LINKED = {
    "study.undo": "/study/undo",
    "study.answer": "/study/answer",
    "study.bury": "/study/bury",
    "study.suspend": "/study/suspend",
    "glossary.term": "/glossary/<slug>",
    "glossary.article": "/articles/<slug>",
    "glossary.index": "/glossary",
    "auth.settings": "/settings",
    "glossary.articles": "/articles",
    "study.review": "/study",
    "study.more": "/study/more",
}


def _nothing(**_: object) -> ResponseReturnValue:
    return ""


def create_bare_app() -> Flask:
    app = Flask(__name__, template_folder=str(config.PROJECT_ROOT / "templates"), static_folder=None)
    app.jinja_env.globals["csrf_token"] = lambda: _CSRF_TOKEN
    # The domain labels studyapp's templates read (constants, as studyapp registers them).
    app.jinja_env.globals.update(KIND_LABELS=KIND_LABELS, RATINGS=tuple(Rating))
    for endpoint, rule in _LINKED.items():
        app.add_url_rule(rule, endpoint, _nothing, methods=["GET", "POST"])

    def baseline() -> ResponseReturnValue:
        response = make_response(render_template("study/_card.html", today=fake_today(), notice=None))
        response.vary.add("HX-Request")
        response.headers["HX-Trigger"] = "studied"
        return response

    def empty() -> ResponseReturnValue:
        return ""

    app.add_url_rule(BASELINE_PATH, "bench_baseline", baseline, methods=["GET", "POST"])
    app.add_url_rule(EMPTY_PATH, "bench_empty", empty, methods=["GET", "POST"])
    return app
