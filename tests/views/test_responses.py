"""What every response carries: security headers on every route, honest caching, compression, favicon."""

from __future__ import annotations

import gzip
import html
import re
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyapp.extensions import db
from studyapp.models import Article, Term
from tests.views.test_auth import register

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HX = {"HX-Request": "true"}


def answered_quiz(client: FlaskClient) -> int:
    """Start a quick quiz as this client and answer its first question; the attempt's id."""
    page = client.get("/quiz").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]  # type: ignore[index]
    url = client.post("/quiz/quick", data={"csrf_token": csrf}).headers["Location"]
    question = client.get(url).get_data(as_text=True)
    item = re.search(r'name="item_id" value="(\d+)"', question)[1]  # type: ignore[index]
    option = re.search(r'name="response" value="([^"]+)"', question)
    first_definition = re.search(r'<option value="([^"]+)"', question)
    pairs = {f"match-{n}": html.unescape(first_definition[1]) for n in range(6)} if first_definition else {}
    data = {"csrf_token": csrf, "item_id": item, "response": html.unescape(option[1]) if option else "a guess", **pairs}
    assert client.post(url + "/answer", data=data).status_code == 303
    return int(url.rsplit("/", 1)[1])


def get_urls(app: Flask, attempt_id: int = 1) -> list[str]:
    """One URL for every GET rule of the URL map, slugs taken from the content."""
    values = {
        "glossary.term": {"slug": db.session.scalars(select(Term.slug).limit(1)).one()},
        "glossary.article": {"slug": db.session.scalars(select(Article.slug).limit(1)).one()},
        "static": {"filename": "css/app.css"},
        "quiz.take": {"attempt_id": attempt_id},
        "quiz.results": {"attempt_id": attempt_id},
        "quiz.feedback": {"attempt_id": attempt_id, "position": 0},
    }
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" in (rule.methods or ()):
                arguments = values.get(rule.endpoint, {})
                assert set(arguments) == set(rule.arguments), f"no test values for {rule.endpoint}"
                urls.append(url_for(rule.endpoint, **arguments))
    return urls


def assert_security_headers(response, url: str) -> None:  # type: ignore[no-untyped-def]
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives.get("default-src") == "'self'", url
    assert directives.get("object-src") == "'none'", url
    assert directives.get("base-uri") == "'self'", url
    assert directives.get("frame-ancestors") == "'none'", url
    assert directives.get("form-action") == "'self'", url
    for source in directives.values():
        assert "unsafe-inline" not in source and "unsafe-eval" not in source, url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", url


@pytest.fixture
def learner(content_app: Flask) -> FlaskClient:
    web = content_app.test_client()
    assert register(web, username=f"headers-{uuid.uuid4().hex[:12]}").status_code == 302
    return web


def test_every_get_route_sends_the_security_headers_to_a_visitor(content_app: Flask, client: FlaskClient) -> None:
    urls = get_urls(content_app)
    assert len(urls) >= 10 and "/study" in urls and "/settings" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        assert_security_headers(response, url)


def test_every_get_route_sends_the_security_headers_and_no_store_when_signed_in(
    content_app: Flask, learner: FlaskClient
) -> None:
    for url in get_urls(content_app, answered_quiz(learner)):
        response = learner.get(url, buffered=True)  # a streamed export runs to its end here
        assert response.status_code < 400, url
        assert_security_headers(response, url)
        if url.startswith("/static/") or url == "/favicon.ico":
            continue
        assert response.headers["Cache-Control"] == "no-store", url
        assert "Cookie" in response.vary, url


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("GET", "/no/such/page", 404), ("GET", "/glossary/no-such-term", 404), ("GET", "/logout", 405)],
)
def test_error_responses_carry_the_headers_too(client: FlaskClient, method: str, url: str, status: int) -> None:
    response = client.open(url, method=method)
    assert response.status_code == status
    assert_security_headers(response, url)


def test_a_bad_post_is_refused_with_the_headers(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "x"})  # no CSRF token
    assert response.status_code == 400
    assert_security_headers(response, "/login")


def test_templates_hold_no_inline_script_style_or_event_handlers() -> None:
    offences = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\shx-on", r"\son[a-z]+="):
            offences += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offences == []


def test_htmx_is_configured_for_the_policy(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config is not None
    assert '"allowEval":false' in config.group(1) and '"includeIndicatorStyles":false' in config.group(1)
    assert '"responseHandling"' in config.group(1)
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert ".htmx-indicator" in css  # htmx no longer injects these rules itself


def test_study_and_its_fragments_are_never_stored(learner: FlaskClient) -> None:
    for headers in ({}, HX):
        response = learner.get("/study", headers=headers)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_a_visitor_fragment_is_not_stored_and_a_visitor_page_is_revalidated(client: FlaskClient) -> None:
    fragment = client.get("/glossary?q=attention", headers=HX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["Cache-Control"] == "no-store"
    page = client.get("/glossary")
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in page.vary and "HX-Request" in page.vary


def test_static_files_keep_public_caching(client: FlaskClient) -> None:
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"] and "max-age=3600" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]


def test_favicon_is_served(client: FlaskClient) -> None:
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["Location"] == "/static/favicon.svg"
    icon = client.get(legacy.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.get_data()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in client.get("/").get_data(as_text=True)


def test_pages_scripts_and_styles_are_compressed_when_big_enough(client: FlaskClient) -> None:
    plain = client.get("/glossary").get_data()
    assert len(plain) > 10_000
    for url in ("/glossary", "/static/css/app.css", "/static/vendor/htmx-2.0.11.min.js"):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        assert "Accept-Encoding" in response.vary, url
        if url.startswith("/static/"):
            # Files are streamed; streamed bodies use zstd, brotli or deflate, not gzip.
            response = client.get(url, headers={"Accept-Encoding": "br"})
            assert response.headers.get("Content-Encoding") == "br", url
            continue
        assert response.headers.get("Content-Encoding") == "gzip", url
        body = response.get_data()
        assert len(body) < len(plain) / 3
        # the CSRF token is signed with the time in seconds, so two pages may differ there only
        token = re.compile(rb'name="csrf-token" content="[^"]+"')
        assert token.sub(b"", gzip.decompress(body)) == token.sub(b"", plain)


def test_tiny_responses_are_not_compressed(client: FlaskClient) -> None:
    response = client.get("/favicon.ico", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert client.get("/static/favicon.svg", headers={"Accept-Encoding": "br"}).headers.get("Content-Encoding") is None


def test_a_page_reflecting_the_query_beside_the_csrf_token_is_not_compressed(client: FlaskClient) -> None:
    # BREACH: a secret and attacker-chosen text in one compressed body leak the secret by its length.
    page = client.get("/glossary?q=attention", headers={"Accept-Encoding": "gzip"})
    assert 'name="csrf-token"' in page.get_data(as_text=True)
    assert "Content-Encoding" not in page.headers
    # The fragment carries no token, so it may be compressed.
    fragment = client.get("/glossary?q=a", headers={"Accept-Encoding": "gzip", **HX})
    assert "csrf" not in gzip.decompress(fragment.get_data()).decode()
    assert fragment.headers.get("Content-Encoding") == "gzip"


def test_add_vary_keeps_what_is_there_and_adds_each_name_once(app: Flask) -> None:
    from studyapp.responses import add_vary

    with app.test_request_context():
        response = app.make_response("")
        add_vary(response, "Cookie")
        add_vary(response, "HX-Request", "cookie")
        assert response.headers.getlist("Vary") == ["Cookie, HX-Request"]
        response.headers["Vary"] = "Accept-Encoding,  Origin"
        add_vary(response, "Origin", "Cookie")
        assert response.headers["Vary"] == "Accept-Encoding, Origin, Cookie"


def test_the_template_url_for_builds_what_flask_builds_and_steps_aside_for_url_defaults(app: Flask) -> None:
    from flask import url_for

    from studyapp.web import template_url_for

    cached = template_url_for(app, limit=2)
    with app.test_request_context():
        for endpoint, values in [
            ("study.review", {}),
            ("study.review", {"topic": "zone:red"}),
            ("study.review", {"topic": None}),
            ("glossary.term", {"slug": "attention"}),
            ("glossary.term", {"slug": "lora"}),
            ("static", {"filename": "css/app.css"}),
            ("study.review", {"topic": "zone:red"}),  # the cache was cleared at its limit
            ("study.review", {"_anchor": "card"}),
        ]:
            assert cached(endpoint, **values) == url_for(endpoint, **values)
        assert cached("study.review", _external=True) == "http://localhost/study"
        assert cached("glossary.term", slug=["a", "b"]) == url_for("glossary.term", slug=["a", "b"])
    with app.test_request_context(environ_overrides={"SCRIPT_NAME": "/app"}):
        assert cached("study.review") == "/app/study"
    app.url_default_functions[None].append(lambda endpoint, values: values.setdefault("topic", "zone:blue"))
    try:
        with app.test_request_context():
            assert "topic=zone" in cached("study.review") and cached("study.review") == url_for("study.review")
    finally:
        app.url_default_functions[None].pop()


def test_the_template_url_for_relies_on_flask_closing_setup_at_the_first_request(app: Flask) -> None:
    """Once the app has served a request, URL defaults can no longer be added: the memo's premise."""
    from flask import url_for

    from studyapp.web import template_url_for

    cached = template_url_for(app)
    app.test_client().get("/glossary")
    assert getattr(app, "_got_first_request", False)
    with pytest.raises(AssertionError, match="setup method"):
        app.url_defaults(lambda endpoint, values: None)
    with app.test_request_context():
        for _ in range(2):  # built, then remembered
            assert cached("glossary.term", slug="attention") == url_for("glossary.term", slug="attention")
            assert cached("glossary.index", zone="red", q="x") == url_for("glossary.index", zone="red", q="x")
            assert cached("glossary.index", q="x", zone="red") == url_for("glossary.index", q="x", zone="red")
    with app.test_request_context(environ_overrides={"SCRIPT_NAME": "/app"}):
        assert cached("glossary.term", slug="attention") == "/app/glossary/attention"
    # No request: Flask's own url_for, which needs SERVER_NAME for that.
    with app.app_context(), pytest.raises(RuntimeError):
        cached("glossary.term", slug="attention")
