"""The cheaper per-request extensions: cookie sessions and Flask-Login without session protection."""

from __future__ import annotations

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient

from studyapp.extensions import CookieSessions
from tests.conftest import QueryCounter
from tests.views.test_auth import register


def _app(interface: SecureCookieSessionInterface, key: str = "one", fallbacks: list[str] | None = None) -> Flask:
    app = Flask(__name__)
    app.secret_key = key
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks or []
    app.session_interface = interface

    @app.get("/set/<value>")
    def set_value(value: str) -> str:
        session["value"] = value
        return ""

    @app.get("/get")
    def get_value() -> str:
        return str(session.get("value", "<none>"))

    return app


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _read(app: Flask, cookie: str) -> str:
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/get").text


def test_cookie_sessions_read_and_write_the_cookies_flask_does() -> None:
    ours, flasks = _app(CookieSessions()), _app(SecureCookieSessionInterface())
    client = ours.test_client()
    client.get("/set/ours")
    assert _read(flasks, _cookie(client)) == "ours"
    client = flasks.test_client()
    client.get("/set/flasks")
    assert _read(ours, _cookie(client)) == "flasks"


def test_cookie_sessions_refuse_a_tampered_or_foreign_cookie() -> None:
    ours = _app(CookieSessions())
    client = ours.test_client()
    client.get("/set/secret")
    cookie = _cookie(client)
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    assert _read(ours, tampered) == "<none>"
    assert _read(_app(CookieSessions(), key="another"), cookie) == "<none>"


def test_cookie_sessions_follow_a_key_rotation() -> None:
    old = _app(CookieSessions(), key="old")
    client = old.test_client()
    client.get("/set/kept")
    cookie = _cookie(client)
    rotated = _app(CookieSessions(), key="new", fallbacks=["old"])
    assert _read(rotated, cookie) == "kept"
    # One interface, the key changed under it (as a test fixture might): no stale serializer.
    interface = CookieSessions()
    app = _app(interface, key="old")
    assert _read(app, cookie) == "kept"
    app.secret_key = app.config["SECRET_KEY"] = "new"
    assert _read(app, cookie) == "<none>"


def test_a_login_cookie_carries_no_session_identifier_hash(client: FlaskClient) -> None:
    assert register(client).status_code == 302
    with client.session_transaction() as stored:
        assert stored.get("_user_id")
        assert not stored.get("_id")  # Flask-Login's SHA-512 of address and User-Agent, unused here
    assert client.get("/study").status_code == 200


def test_a_fragment_that_never_shows_the_user_does_not_load_it(
    client: FlaskClient, count_queries: QueryCounter
) -> None:
    assert register(client, "grace").status_code == 302
    before = count_queries.count
    fragment = client.get("/glossary?q=model", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert not any("login_session" in s for s in count_queries.statements[before:])
    page = client.get("/glossary?q=model")  # the full page shows who is logged in
    assert "grace" in page.text and "Log out" in page.text
    anonymous = client.application.test_client().get("/glossary").text
    assert "Log in" in anonymous and "Log out" not in anonymous
