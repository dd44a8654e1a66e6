"""What every response carries: security headers, honest caching, compression, and the favicon.

One after_request hook, so no view can forget a header and every route (error pages included)
gets the same policy:

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

from flask import Flask, Response, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_compress import Compress
from flask_login import current_user

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

_compress = Compress()


def init_app(app: Flask) -> None:
    # The hook below decides when to compress, so flask-compress must not register its own.
    app.config["COMPRESS_REGISTER"] = False
    _compress.init_app(app)
    app.after_request(_every_response)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _favicon() -> ResponseReturnValue:
    # Browsers and crawlers ask for /favicon.ico even when the page links the SVG icon.
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def _is_static() -> bool:
    return request.endpoint == "static" or request.endpoint == "favicon"


def _reflects_input_beside_a_secret() -> bool:
    """The body holds the CSRF token (rendered in this request) and may echo the query string."""
    return bool(request.query_string) and g.get("csrf_token") is not None


def _every_response(response: Response) -> Response:
    response.headers.update({k: v for k, v in SECURITY_HEADERS.items() if k not in response.headers})
    if not _is_static():
        response.vary.add("Cookie")
        if request.headers.get("HX-Request") or current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        elif "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-cache"
        if response.mimetype == "text/html" and _reflects_input_beside_a_secret():
            response.vary.add("Accept-Encoding")
            return response
    return _compress.after_request(response)
