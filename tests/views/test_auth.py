"""Accounts through the test client: registration rules, login throttling, sessions, settings."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp.extensions import db
from studyapp.models import Card, LoginSession, ReviewLog, User

PASSWORD = "correct horse battery staple"


def csrf(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, url
    return match.group(1) or match.group(2)


def register(client: FlaskClient, username: str = "ada", password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    token = csrf(client, "/register")
    return client.post("/register", data={"username": username, "password": password, "csrf_token": token, **extra})


def login(client: FlaskClient, username: str = "ada", password: str = PASSWORD, next_url: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf(client, "/login")
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def logout(client: FlaskClient):  # type: ignore[no-untyped-def]
    return client.post("/logout", data={"csrf_token": csrf(client, "/settings")})


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    return app.test_client()


def test_register_logs_in_and_leads_to_study(web: FlaskClient) -> None:
    response = register(web, email="ada@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/study"
    assert web.get("/study").status_code == 200
    user = db.session.scalars(select(User)).one()
    assert user.email == "ada@example.org" and user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 8 characters"),
        ("password123", "most common"),
        ("iloveyou", "most common"),
        ("adaada", "at least 8"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(web: FlaskClient, password: str, message: str) -> None:
    response = register(web, password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_long_unicode_passphrases_are_welcome(web: FlaskClient) -> None:
    assert register(web, password="ťří slova 🐍 " * 10).status_code == 302


def test_username_taken_case_insensitively(web: FlaskClient) -> None:
    register(web)
    other = web.application.test_client()
    response = register(other, username="ADA")
    assert response.status_code == 422 and "taken" in response.get_data(as_text=True)


def test_unknown_user_and_wrong_password_look_the_same(web: FlaskClient) -> None:
    register(web)
    logout(web)
    wrong = login(web, password="not the password at all")
    unknown = login(web, username="nobody")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert "Unknown username or wrong password." in response.get_data(as_text=True)


def test_login_is_throttled_per_account(web: FlaskClient) -> None:
    register(web)
    logout(web)
    elsewhere = web.application.test_client()  # a browser that never logged in to this account
    for _ in range(5):
        assert login(elsewhere, password="wrong password here").status_code == 401
    throttled = login(elsewhere)  # even the right password waits now
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) > 0


def test_login_is_throttled_per_address(web: FlaskClient) -> None:
    for i in range(20):
        login(web, username=f"someone{i}", password="guessing passwords")
    assert login(web, username="fresh-name").status_code == 429


def test_next_only_redirects_within_the_site(web: FlaskClient) -> None:
    register(web)
    for target, expected in (
        ("/glossary/lora", "/glossary/lora"),
        ("https://evil.example/", "/study"),
        ("//evil.example", "/study"),
        ("/\\evil", "/study"),
    ):
        logout(web)
        response = login(web, next_url=target)
        assert response.headers["Location"] == expected, target


def test_logout_ends_the_session_on_the_server(web: FlaskClient) -> None:
    register(web)
    stolen = web.get_cookie("session")
    assert stolen is not None
    logout(web)
    thief = web.application.test_client()
    thief.set_cookie("session", stolen.value)
    response = thief.get("/study")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_login_starts_a_fresh_session(web: FlaskClient) -> None:
    register(web)
    logout(web)
    before = web.get_cookie("session")
    login(web)
    after = web.get_cookie("session")
    assert before is None or after is None or before.value != after.value


def test_changing_the_password_ends_other_sessions(web: FlaskClient) -> None:
    register(web)
    laptop = web.application.test_client()
    login(laptop)
    assert laptop.get("/study").status_code == 200
    response = web.post(
        "/settings/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "csrf_token": csrf(web, "/settings"),
        },
    )
    assert response.status_code == 302
    assert web.get("/study").status_code == 200
    assert laptop.get("/study").status_code == 302
    logout(web)
    assert login(web, password="a brand new passphrase").status_code == 302


def test_wrong_current_password_is_refused(web: FlaskClient) -> None:
    register(web)
    response = web.post(
        "/settings/password",
        data={
            "current_password": "nope nope nope",
            "new_password": "a brand new passphrase",
            "csrf_token": csrf(web, "/settings"),
        },
    )
    assert response.status_code == 422 and "not your current password" in response.get_data(as_text=True)


def test_deleting_the_account_deletes_its_data(content_app: Flask) -> None:
    web = content_app.test_client()
    assert register(web, username="gone").status_code == 302
    page = web.get("/study").get_data(as_text=True)
    fields = dict(re.findall(r'name="(question_id|version|token|shown_at|csrf_token)" value="([^"]+)"', page))
    assert web.post("/study/answer", data={**fields, "rating": "3"}).status_code == 303
    user_id = db.session.scalars(select(User.id).where(User.username == "gone")).one()
    assert db.session.scalar(select(func.count()).select_from(Card).where(Card.user_id == user_id)) == 1
    response = web.post("/settings/delete", data={"password": PASSWORD, "csrf_token": csrf(web, "/settings")})
    assert response.status_code == 302
    for model in (Card, ReviewLog, LoginSession):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id)) == 0
    assert db.session.get(User, user_id) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("desired_retention", "0.99", "between 0.70 and 0.97"),
        ("desired_retention", "lots", "Not a valid decimal"),
        ("learning_steps", "1m 2d", "between 1 second and 1 day"),
        ("learning_steps", "soon", "is not a step"),
        ("relearning_steps", "25h", "between 1 second and 1 day"),
        ("timezone", "Mars/Olympus", "is not a time zone we know"),
        ("day_start_hour", "24", "from 0 to 23"),
        ("new_per_day", "-1", "0 to 9999"),
    ],
)
def test_bad_settings_re_render_with_a_message_and_change_nothing(
    web: FlaskClient, field: str, value: str, message: str
) -> None:
    register(web)
    good = {
        "desired_retention": "0.9",
        "new_per_day": "20",
        "reviews_per_day": "200",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "timezone": "UTC",
        "day_start_hour": "4",
    }
    response = web.post("/settings", data={**good, field: value, "csrf_token": csrf(web, "/settings")})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    user = db.session.scalars(select(User)).one()
    db.session.refresh(user)
    assert (user.desired_retention, user.learning_steps, user.timezone, user.day_start_hour) == (
        0.9,
        [60, 600],
        "UTC",
        4,
    )


def test_settings_are_saved(web: FlaskClient) -> None:
    register(web)
    data = {
        "desired_retention": "0.85",
        "new_per_day": "5",
        "reviews_per_day": "100",
        "learning_steps": "30s 5m 1h",
        "relearning_steps": "",
        "timezone": "Europe/Prague",
        "day_start_hour": "3",
        "csrf_token": csrf(web, "/settings"),
    }
    assert web.post("/settings", data=data).status_code == 302
    user = db.session.scalars(select(User)).one()
    db.session.refresh(user)
    assert (user.desired_retention, user.new_per_day, user.learning_steps, user.relearning_steps, user.timezone) == (
        0.85,
        5,
        [30, 300, 3600],
        [],
        "Europe/Prague",
    )
    assert "30s 5m 1h" in web.get("/settings").get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(web: FlaskClient) -> None:
    response = web.post("/register", data={"username": "x", "password": PASSWORD})
    assert response.status_code in (400, 422)
