"""The htmx vocabulary every blueprint shares: page or fragment, after an action, events, errors.

- `render`: one URL serves the whole page, or for an htmx request only its fragment, with
  `Vary: HX-Request` so no cache hands one to the other.
- `after_action`: after a POST, htmx gets the fragment in place; without JavaScript the browser is
  redirected (post/redirect/get) and the notice becomes a flashed message.
- `trigger`: tell other widgets on the page something happened (`HX-Trigger`).
- `template_url_for`: the `url_for` templates call, remembering the URLs it has built.
- `memoized_fragment`: a small fragment repeated across pages (a glossary row), rendered once per
  distinct content.
- `error_response`: an error for an htmx request is a short notice swapped into the page's notice
  area (`#notices`), never a full page put where a fragment was expected; a request whose login
  has expired is sent to the login page with `HX-Redirect`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, flash, make_response, redirect, render_template, request
from flask.globals import _cv_request
from flask.typing import ResponseReturnValue
from flask_login.utils import login_url
from markupsafe import Markup

from studyapp.responses import add_vary

NOTICE_AREA = "#notices"


def is_htmx() -> bool:
    """An htmx request (a full-page history restore is not one: it wants the page)."""
    # The WSGI environ directly: werkzeug's header lookup raises and catches an exception per miss.
    environ = request.environ
    return environ.get("HTTP_HX_REQUEST") == "true" and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"


def render(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    """The page, or for htmx only the fragment it includes, from the same context."""
    response = make_response(render_template(fragment if is_htmx() else page, **context), status)
    add_vary(response, "HX-Request")
    return response


def after_action(
    notice: str | None,
    fragment: Callable[[str | None, int], Response],
    redirect_to: str,
    status: int = 200,
    category: str = "info",
) -> ResponseReturnValue:
    """The result of an action: the fragment for htmx, else a flashed notice and a 303 to `redirect_to`."""
    if is_htmx():
        return fragment(notice, status)
    if notice:
        flash(notice, category)
    return redirect(redirect_to, code=303)


def trigger(response: Response, *events: str) -> Response:
    """Add client-side events (HX-Trigger) to a response, keeping any already set."""
    existing = [e.strip() for e in response.headers.get("HX-Trigger", "").split(",") if e.strip()]
    response.headers["HX-Trigger"] = ", ".join(dict.fromkeys([*existing, *events]))
    return response


def template_url_for(app: Flask, limit: int = 4096) -> Callable[..., str]:
    """`url_for` for templates, building each distinct URL once per process.

    The card fragment alone builds a dozen URLs from a handful of endpoints and arguments (the
    answer form's action, the links of the card's term and article), and a page of glossary
    results a hundred, each through werkzeug's URL map. What a URL is depends only on the
    endpoint, the arguments and the script root, as long as no URL defaults or value
    preprocessors are registered and the URL is relative: anything else, or an argument that
    cannot be a key, is built afresh. Blueprints can add defaults and preprocessors until the app
    serves its first request, when Flask closes its setup; from then on that check is not repeated.
    """
    built: dict[tuple[Any, ...], str] = {}
    settled = False  # no URL defaults or value preprocessors, and setup is closed

    def url_for(endpoint: str, **values: Any) -> str:
        nonlocal settled
        if not settled:
            if any(app.url_default_functions.values()) or any(app.url_value_preprocessors.values()):
                return app.url_for(endpoint, **values)
            settled = getattr(app, "_got_first_request", False)  # Flask's flag; absent, check every time
        context = _cv_request.get(None)
        if context is None or endpoint.startswith(".") or values.get("_external"):
            return app.url_for(endpoint, **values)
        try:
            key = (endpoint, context.request.script_root, *values.items())
            url = built.get(key)
        except TypeError:  # a list or dict argument
            return app.url_for(endpoint, **values)
        if url is None:
            if len(built) >= limit:
                built.clear()
            url = built[key] = app.url_for(endpoint, **values)
        return url

    return url_for


def memoized_fragment(app: Flask, template: str, limit: int = 4096) -> Callable[..., Markup]:
    """A template filter rendering `template` once per distinct value and flags, per process.

    `{{ term | row(badge=True) }}` renders the template with `item=term, badge=True` the first
    time and hands back the same markup after that. This holds only for a fragment that depends
    on nothing but its arguments and URLs: never on the user, the session or the request beyond
    its script root (part of the key). Its arguments are hashable values that carry everything
    the fragment shows, such as the named tuples of glossary search, so new content is a new
    key and nothing needs invalidating; past `limit` entries the least recently used go. With template
    auto-reload on (debug), every call renders afresh so an edited template shows at once.

    A page of fifty glossary rows otherwise spends a fifth of its instructions building the same
    rows' URLs and escaping the same definitions (bench.instructions, GET /glossary?q=model).
    """

    def fresh(item: Any, flags: dict[str, Any]) -> Markup:
        # The template is .html, so Jinja escaped every value it printed: the result is markup.
        return Markup(app.jinja_env.get_template(template).render(item=item, **flags))  # noqa: S704

    @functools.lru_cache(maxsize=limit)
    def remembered(script_root: str | None, item: Any, flags: tuple[tuple[str, Any], ...]) -> Markup:
        return fresh(item, dict(flags))

    def render(item: Any, **flags: Any) -> Markup:
        if app.jinja_env.auto_reload:
            return fresh(item, flags)
        context = _cv_request.get(None)
        return remembered(context.request.script_root if context else None, item, tuple(flags.items()))

    return render


def error_response(code: int, title: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """A full error page, or for htmx a notice for the notice area."""
    if is_htmx():
        response = make_response(render_template("_error.html", code=code, title=title, message=message), code)
        response.headers["HX-Retarget"] = NOTICE_AREA
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = make_response(render_template("error.html", code=code, title=title, message=message), code)
    response.headers.update(headers or {})
    add_vary(response, "HX-Request")
    return response


def login_required_response() -> ResponseReturnValue:
    """Flask-Login's answer to a request without a valid login: the login page, even from htmx."""
    login = login_url("auth.login", next_url=request.url if request.method == "GET" else None)
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login
        return response
    flash("Log in to study.", "info")
    return redirect(login)
