"""The cheaper per-request extensions: cookie sessions and Flask-Login without session protection."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import flask_wtf.csrf
import pytest
from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie
from wtforms import ValidationError

from studyapp import StudyApp
from studyapp.extensions import CookieSessions, CsrfProtection, StudyRequest, _cookie_value
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


def _tampered(cookie: str) -> str:
    """The cookie with the first character of its signature changed.

    Not the last character: the signature's final base64 character carries padding bits, so
    swapping "A" for "B" there can decode to the very same bytes and leave the cookie valid.
    """
    body, _, signature = cookie.rpartition(".")
    first = "B" if signature[0] == "A" else "A"
    return f"{body}.{first}{signature[1:]}"


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
    assert _read(ours, _tampered(cookie)) == "<none>"
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


def test_a_verified_cookie_is_remembered_but_never_trusted_beyond_what_verification_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interface = CookieSessions()
    app = _app(interface)
    client = app.test_client()
    client.get("/set/remembered")
    cookie = _cookie(client)
    assert _read(app, cookie) == "remembered"
    assert _read(app, cookie) == "remembered"  # the second read is the memo's
    assert len(interface._verified) == 1
    # One byte off is checked in full, and refused.
    assert _read(app, _tampered(cookie)) == "<none>"
    # Past its age limit a remembered cookie is refused, as Flask refuses it.
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert _read(app, cookie) == "<none>"


def test_a_remembered_cookie_decodes_to_a_fresh_session_each_time() -> None:
    app = _app(CookieSessions())

    @app.get("/list")
    def make_list() -> str:
        session["items"] = ["a"]
        return ""

    @app.get("/mutate")
    def mutate() -> str:
        session["items"].append("changed in place")  # not saved: Flask does not see in-place changes
        return ",".join(session["items"])

    client = app.test_client()
    client.get("/list")
    cookie = _cookie(client)
    reader = app.test_client()
    reader.set_cookie("session", cookie)
    assert reader.get("/mutate").text == "a,changed in place"
    assert reader.get("/mutate").text == "a,changed in place"  # not "a,changed in place,changed in place"


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


def test_no_session_cookie_is_sent_or_parsed_for_a_request_that_changed_nothing(client: FlaskClient) -> None:
    # No cookie in, nothing changed: no cookie out (Flask's save_session would conclude the same).
    assert client.get("/glossary", headers={"HX-Request": "true"}).headers.get("Set-Cookie") is None
    # A page with a form puts a CSRF token in the session: that one is saved.
    assert "session=" in (client.get("/login").headers.get("Set-Cookie") or "")
    # Reading it back changes nothing, so it is not sent again.
    assert client.get("/login").headers.get("Set-Cookie") is None


def test_a_cookie_of_another_name_is_no_session(client: FlaskClient) -> None:
    client.set_cookie("other", "x")
    response = client.get("/login")
    assert response.status_code == 200
    assert "session=" in (response.headers.get("Set-Cookie") or "")


def test_csrf_is_still_checked_on_every_unsafe_method_and_only_there(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200  # safe: no token needed
    refused = client.post("/login", data={"username": "grace", "password": "x" * 12})
    assert refused.status_code == 400 and "Form expired" in refused.text
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/study/answer").status_code in (400, 405)


def test_the_remember_me_machinery_is_not_registered(app: Flask) -> None:
    hooks = [f.__qualname__ for f in app.after_request_funcs.get(None, [])]
    assert not any("remember" in name for name in hooks)
    assert len(app.before_request_funcs.get(None, [])) == 1  # the CSRF check, nothing else


def _csrf_app(protection: CsrfProtection, key: str = "one") -> Flask:
    app = Flask(__name__)
    app.secret_key = key
    app.session_interface = CookieSessions()
    protection.init_app(app)

    @app.get("/token")
    def ours() -> str:
        return protection.generate()

    @app.get("/flask-wtf-token")
    def flask_wtfs() -> str:
        return str(flask_wtf.csrf.generate_csrf())

    @app.post("/post")
    def post() -> str:
        return "accepted"

    @app.errorhandler(CSRFError)
    def refused(error: CSRFError) -> tuple[str, int]:
        return str(error.description), 400

    return app


def _check(app: Flask, client: FlaskClient, token: str, check: Callable[[str], None]) -> str:
    """Run a token check inside a request that carries the client's session."""
    cookie = client.get_cookie("session")
    headers = {"Cookie": f"session={cookie.value}"} if cookie else {}
    with app.test_request_context("/post", method="POST", headers=headers):
        try:
            check(token)
        except ValidationError as error:
            return str(error.args[0])
    return "valid"


def test_csrf_tokens_are_the_ones_flask_wtf_makes_and_checks() -> None:
    protection = CsrfProtection()
    app = _csrf_app(protection)
    client = app.test_client()
    ours = client.get("/token").text
    assert _check(app, client, ours, flask_wtf.csrf.validate_csrf) == "valid"
    other = app.test_client()
    theirs = other.get("/flask-wtf-token").text
    assert _check(app, other, theirs, protection.validate) == "valid"
    assert client.post("/post", data={"csrf_token": ours}).text == "accepted"
    assert other.post("/post", data={"csrf_token": theirs}).text == "accepted"


def test_a_signed_csrf_token_is_reused_for_a_minute_only(monkeypatch: pytest.MonkeyPatch) -> None:
    protection = CsrfProtection()
    app = _csrf_app(protection)
    client = app.test_client()
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start)
    first = client.get("/token").text
    monkeypatch.setattr(time, "time", lambda: start + CsrfProtection.REUSE_SECONDS - 1)
    assert client.get("/token").text == first
    monkeypatch.setattr(time, "time", lambda: start + CsrfProtection.REUSE_SECONDS + 1)
    later = client.get("/token").text
    assert later != first
    assert _check(app, client, later, flask_wtf.csrf.validate_csrf) == "valid"


def test_a_remembered_csrf_token_is_never_trusted_beyond_what_verification_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    protection = CsrfProtection()
    app = _csrf_app(protection)
    client = app.test_client()
    token = client.get("/token").text
    assert _check(app, client, token, protection.validate) == "valid"
    # Not the last character: of its six bits base64 decoding keeps four, so changing it can leave
    # the signature's bytes as they were (and the token valid) about one time in sixteen.
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    assert _check(app, client, tampered, protection.validate) == "The CSRF token is invalid."
    assert _check(app, client, "", protection.validate) == "The CSRF token is missing."
    stranger = app.test_client()
    stranger.get("/token")  # a session with a token of its own
    assert _check(app, stranger, token, protection.validate) == "The CSRF tokens do not match."
    assert _check(app, app.test_client(), token, protection.validate) == "The CSRF session token is missing."
    assert _check(_csrf_app(CsrfProtection(), key="another"), client, token, protection.validate) in (
        "The CSRF token is invalid.",
        "The CSRF session token is missing.",  # the other app cannot read this session cookie
    )
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert _check(app, client, token, protection.validate) == "The CSRF token has expired."


def test_a_csrf_token_of_an_old_key_is_refused_after_the_key_changes() -> None:
    protection = CsrfProtection()
    app = _csrf_app(protection)
    app.config["SECRET_KEY_FALLBACKS"] = ["one"]  # the session cookie stays readable
    client = app.test_client()
    token = client.get("/token").text
    assert _check(app, client, token, protection.validate) == "valid"
    app.secret_key = app.config["SECRET_KEY"] = "two"
    assert _check(app, client, token, protection.validate) == "The CSRF token is invalid."


def test_csrf_tokens_are_found_where_flask_wtf_looks_for_them() -> None:
    protection = CsrfProtection()
    app = _csrf_app(protection)
    client = app.test_client()
    token = client.get("/token").text
    assert client.post("/post", data={"csrf_token": token}).text == "accepted"
    assert client.post("/post", data={"settings-csrf_token": token}).text == "accepted"  # a prefixed form
    assert client.post("/post", headers={"X-CSRFToken": token}).text == "accepted"
    assert client.post("/post", headers={"X-CSRF-Token": token}).text == "accepted"
    refused = client.post("/post", data={"csrf_token": ""}, headers={"X-Other": token})
    assert refused.status_code == 400 and refused.text == "The CSRF token is missing."


def test_an_endpoint_exempted_after_requests_were_checked_is_exempt_from_then_on() -> None:
    protection = CsrfProtection()
    app = _csrf_app(protection)
    client = app.test_client()
    assert client.post("/post").status_code == 400  # the answer for "post" is now remembered
    protection.exempt("tests.test_extensions.post")
    assert client.post("/post").text == "accepted"


def _form_app(request_class: type[Request]) -> Flask:
    app = Flask(__name__)
    app.request_class = request_class
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/form")
    def form() -> dict[str, object]:
        return {
            "form": list(request.form.items(multi=True)),
            "files": list(request.files),
            "body": request.get_data(as_text=True),
        }

    @app.errorhandler(400)
    @app.errorhandler(413)
    def refused(error: HTTPException) -> tuple[str, int]:
        return type(error).__name__, error.code or 500

    return app


FORM_BODIES = [
    b"",
    b"a=1&b=2",
    b"a=&a=x&b&&c=3",
    b"q=caf%C3%A9+au+lait&r=%2B%26%3D",
    b"q=caf\xc3\xa9",
    b"q=%ZZ%&r=%",
    b"q=%FF%FE&r=ok",  # percent-escapes that are not UTF-8
    b"\xff\xfe=1",  # a body that is not UTF-8 at all: an empty form
    b"a=1;b=2",
    b"a=" + b"x" * 97,  # exactly MAX_CONTENT_LENGTH
    b"a=" + b"x" * 98,  # one byte over: 413
]
FORM_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "Application/X-WWW-Form-Urlencoded",
    "text/plain",
]


@pytest.mark.parametrize("body", FORM_BODIES)
@pytest.mark.parametrize("content_type", FORM_TYPES)
def test_the_urlencoded_form_is_read_as_werkzeug_reads_it(body: bytes, content_type: str) -> None:
    ours, werkzeugs = _form_app(StudyRequest).test_client(), _form_app(Request).test_client()
    mine = ours.post("/form", data=body, content_type=content_type)
    theirs = werkzeugs.post("/form", data=body, content_type=content_type)
    assert (mine.status_code, mine.get_data()) == (theirs.status_code, theirs.get_data())


def test_a_client_that_sends_less_than_it_announced_is_refused_as_werkzeug_refuses_it() -> None:
    for request_class in (StudyRequest, Request):
        client = _form_app(request_class).test_client()
        response = client.post(
            "/form", data=b"a=1", content_type=FORM_TYPES[0], environ_overrides={"CONTENT_LENGTH": "50"}
        )
        assert (response.status_code, response.text) == (400, "ClientDisconnected"), request_class


def test_forms_the_fast_path_does_not_read_go_to_werkzeug() -> None:
    app = _form_app(StudyRequest)
    app.config["MAX_CONTENT_LENGTH"] = None
    client = app.test_client()
    upload = client.post("/form", data={"a": "1", "file": (io.BytesIO(b"hello"), "notes.txt")})
    assert upload.json == {"form": [["a", "1"]], "files": ["file"], "body": ""}
    chunked = client.post(
        "/form",
        data=b"a=1",
        content_type=FORM_TYPES[0],
        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
    )
    assert chunked.json is not None and chunked.json["form"] == [["a", "1"]]


def test_the_fast_form_is_immutable_and_the_request_is_htmx_aware(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parser(self: Request) -> None:
        raise AssertionError("a urlencoded body went through werkzeug's form parser")

    monkeypatch.setattr(Request, "make_form_data_parser", no_parser)
    app = _form_app(StudyRequest)
    with app.test_request_context(
        "/form", method="POST", data=b"a=1", content_type=FORM_TYPES[0], headers={"HX-Request": "true"}
    ):
        assert request.form["a"] == "1"
        with pytest.raises(TypeError):
            request.form["a"] = "2"  # type: ignore[index]
        assert request.files == {} and request.stream.read() == b""
        assert request.htmx and not StudyRequest(request.environ).htmx.boosted


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("session=abc.def", "abc.def"),
        ("a=1; session=abc.def; b=2", "abc.def"),
        ("xsession=1;session= abc ", "abc"),
        ("session=first; session=second", "first"),
        ('session="quoted"', None),
        ("session=a\\b", None),
        ("sessionx=1", None),
        ("", None),
    ],
)
def test_the_session_cookie_is_read_out_of_the_header_or_left_to_werkzeug(header: str, value: str | None) -> None:
    assert _cookie_value(header, "session") == value
    if value is not None:  # what the fast read gives is what werkzeug's full parse gives
        assert parse_cookie(header)["session"] == value


def test_a_session_cookie_among_others_or_quoted_reads_as_flask_reads_it() -> None:
    ours, flasks = _app(CookieSessions()), _app(SecureCookieSessionInterface())
    client = ours.test_client()
    client.get("/set/kept")
    cookie = _cookie(client)
    for header in (f"a=1; session={cookie}; b=2", f'session="{cookie}"', f"session={cookie}; session=other"):
        for app in (ours, flasks):
            assert app.test_client(use_cookies=False).get("/get", headers={"Cookie": header}).text == "kept", (
                app,
                header,
            )


def test_a_remembered_plain_session_is_copied_so_a_change_stays_in_its_request() -> None:
    app = _app(CookieSessions())

    @app.get("/overwrite")
    def overwrite() -> str:
        before = session["value"]
        session["value"] = "changed"
        return before

    client = app.test_client()
    client.get("/set/original")
    cookie = _cookie(client)
    assert _read(app, cookie) == "original"  # verified once, remembered from here
    reader = app.test_client()
    reader.set_cookie("session", cookie)
    assert reader.get("/overwrite").text == "original"
    assert _read(app, cookie) == "original"  # the old cookie still says what it said


def test_the_app_asks_once_per_function_how_to_call_it(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def view() -> str:
        return ""

    assert isinstance(app, StudyApp)
    assert app.ensure_sync(view) is app.ensure_sync(view) is view
    monkeypatch.setattr(app, "SYNC_LIMIT", 3)
    for _ in range(10):
        app.ensure_sync(lambda: None)  # a new function each time, as after_this_request passes
    assert len(app._sync) <= 3
