"""Quiz pages through the test client: page or fragment, integrity, no 500 on bad input."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyapp.extensions import db
from studyapp.models import QuizAttempt
from tests.views.test_auth import register

HX = {"HX-Request": "true"}


def token(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]  # type: ignore[index]


def start(client: FlaskClient, formats: str = "choice") -> str:
    csrf = token(client.get("/quiz").get_data(as_text=True))
    response = client.post("/quiz/test", data={"csrf_token": csrf, "topics": "all", "length": "5", "formats": formats})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_a_visitor_takes_a_quiz_one_question_at_a_time_and_the_fragment_comes_without_the_layout(
    client: FlaskClient,
) -> None:
    url = start(client)
    page = client.get(url).get_data(as_text=True)
    assert "Question 1 of 5" in page and "<html" in page
    fragment = client.get(url, headers=HX)
    assert "<html" not in fragment.get_data(as_text=True) and "HX-Request" in fragment.headers["Vary"]
    item = re.search(r'name="item_id" value="(\d+)"', page)[1]  # type: ignore[index]
    option = html.unescape(re.search(r'name="response" value="([^"]+)"', page)[1])  # type: ignore[index]
    answered = client.post(
        url + "/answer",
        data={"csrf_token": token(page), "item_id": item, "response": option, "correct": "true", "score": "5"},
        headers=HX,
    )
    body = answered.get_data(as_text=True)
    assert answered.status_code == 200 and ("Right" in body or "Not quite" in body) and "The answer:" in body
    no_js = client.post(url + "/answer", data={"csrf_token": token(page), "item_id": item, "response": option})
    assert no_js.status_code == 303 and "/feedback/0" in no_js.headers["Location"]  # a replay: the recorded result


def test_bad_answers_get_a_clear_4xx_and_write_nothing(client: FlaskClient) -> None:
    url = start(client)
    page = client.get(url).get_data(as_text=True)
    item = re.search(r'name="item_id" value="(\d+)"', page)[1]  # type: ignore[index]
    csrf = token(page)
    for data in (
        {"item_id": item, "response": "not offered"},
        {"item_id": item, "response": "x" * 10_000},
        {"item_id": item, "response": "a\x00b"},
        {"item_id": "abc"},
        {"item_id": "999999999"},
        {},
    ):
        response = client.post(url + "/answer", data={"csrf_token": csrf, **data})
        assert 400 <= response.status_code < 500, (data, response.status_code)
    assert "Question 1 of 5" in client.get(url).get_data(as_text=True)


def test_another_visitors_attempt_is_a_404(client: FlaskClient, content_app: Flask) -> None:
    url = start(client)
    assert content_app.test_client().get(url).status_code == 404


def test_signing_up_after_a_quiz_keeps_the_attempt_and_history_shows_it(client: FlaskClient) -> None:
    url = start(client)
    attempt_id = int(url.rsplit("/", 1)[1])
    assert register(client, username="quizzer-one").status_code == 302
    assert db.session.scalar(select(QuizAttempt.user_id).where(QuizAttempt.id == attempt_id)) is not None
    history = client.get("/quiz/history").get_data(as_text=True)
    assert f"/quiz/{attempt_id}/results" in history
