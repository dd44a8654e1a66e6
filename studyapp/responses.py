"""What every response carries: security headers, honest caching, compression, and the favicon.

Set here only, so no view can forget a header and every route (error pages included) gets the
same policy: the constant headers by a WSGI middleware, the rest by one after_request hook.

- **Security headers.** A Content-Security-Policy that allows scripts, styles, images and
  connections from this site only, with no inline script, no `eval` and no inline style (htmx is
  configured to match in base.html: `allowEval` and `includeIndicatorStyles` off), plus
  `nosniff`, a referrer policy that never sends paths to other sites, and no framing.
  flask-talisman would do the same in more code, but its last release is from 2023, and it
  also forces HTTPS redirects and secure cookies, which the app already decides in config.py.
- **Caching.** A page shown to a signed-in learner, and every htmx fragment, is `no-store`: the
  browser keeps no copy, so Back re-requests `/study` instead of showing a card already answered.
  Static files keep their public max-age. Every other page varies by cookie, since its navigation
  and CSRF token belong to one visitor's session, and is revalidated (`private, no-cache`).
- **Compression** (flask-compress: zstd, brotli or gzip as the browser accepts), skipped for
  bodies under `COMPRESS_MIN_SIZE`. One exception, against BREACH: a page that both carries the
  session's CSRF token and reflects the query string (a search, `?next=`) is sent uncompressed, so
  its compressed length cannot be used to guess the token byte by byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, redirect, url_for
from flask.globals import _cv_app, _cv_request
from flask.sessions import SessionMixin
from flask.typing import ResponseReturnValue
from flask_compress import Compress

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # frame-ancestors supersedes this in every current browser; older ones only know this header.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

_SECURITY_HEADER_LIST = list(SECURITY_HEADERS.items())
_STATIC_ENDPOINTS = frozenset({"static", "favicon"})

_compress = Compress()


def init_app(app: Flask) -> None:
    # The hook below decides when to compress, so flask-compress must not register its own.
    app.config["COMPRESS_REGISTER"] = False
    _compress.init_app(app)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(_every_response)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


class SecurityHeaders:
    """WSGI middleware adding the constant security headers to every response, error pages included.

    The same for every response and set by no view, so they are appended as they go out instead
    of through werkzeug's Headers, whose every lookup and assignment scans the header list and
    raises (and catches) an exception for each header that is missing: the same result for a
    tenth of the cost.
    """

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, headers + _SECURITY_HEADER_LIST, exc_info)

        return self.wsgi_app(environ, start)


def _favicon() -> ResponseReturnValue:
    # Browsers and crawlers ask for /favicon.ico even when the page links the SVG icon.
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def _signed_in(g: Any, session: SessionMixin) -> bool:
    """Whether the request belongs to a signed-in learner, without loading the user to find out.

    Flask-Login keeps the user it loaded in `g._login_user`; a request that never asked is signed
    in if its session names a login (one revoked meanwhile only makes the page `no-store` too).
    """
    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def _every_response(response: Response) -> Response:
    """Vary and Cache-Control as the module's docstring says, then compression.

    The request context is read once and the response's headers scanned once: this runs for
    every response, and werkzeug's Headers scans its whole list for each lookup or assignment.
    """
    ctx = _cv_request.get()
    req, app = ctx.request, ctx.app
    if req.endpoint in _STATIC_ENDPOINTS:
        return _compressed(response, app)
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    if "vary" in present:
        add_vary(response, "Cookie")
    else:
        headers.add("Vary", "Cookie")
    if req.environ.get("HTTP_HX_REQUEST") or _signed_in(_cv_app.get().g, ctx.session):
        if "cache-control" in present:
            headers["Cache-Control"] = "no-store"
        else:
            headers.add("Cache-Control", "no-store")
    elif "cache-control" not in present:
        headers.add("Cache-Control", "private, no-cache")
    # A page holding the CSRF token (rendered in this request) that may echo the query string.
    if req.query_string and _cv_app.get().g.get("csrf_token") is not None and response.mimetype == "text/html":
        add_vary(response, "Accept-Encoding")
        return response
    return _compressed(response, app)


def _compressed(response: Response, app: Flask) -> Response:
    """flask-compress's choice, asked only of a body it might compress: a stream, or one over the minimum.

    A smaller body is sent as it is whatever the browser accepts, so it needs no
    `Vary: Accept-Encoding` either.
    """
    length = None if response.is_streamed else response.calculate_content_length()
    if length is not None and length < app.config["COMPRESS_MIN_SIZE"]:
        return response
    return _compress.after_request(response)


def add_vary(response: Response, *names: str) -> None:
    """Add header names to `Vary`, keeping those already there.

    What `response.vary.add()` does, without parsing the header into a HeaderSet and writing it
    back on every call: most responses reach here two or three times.
    """
    present = [name.strip() for value in response.headers.getlist("Vary") for name in value.split(",")]
    known = {name.lower() for name in present}
    missing = [name for name in names if name.lower() not in known]
    if missing:
        response.headers["Vary"] = ", ".join([*(name for name in present if name), *missing])
