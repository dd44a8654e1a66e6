"""The progress pages through the test client: dashboard, home, card browser, export."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyapp.core import stats
from studyapp.core.scheduling import Rating
from studyapp.extensions import db
from studyapp.models import Card, Question, User
from tests.services.test_progress import answer
from tests.views.test_auth import register

HX = {"HX-Request": "true"}


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]  # type: ignore[index]


@pytest.fixture
def learner(content_app: Flask) -> tuple[FlaskClient, User]:
    web = content_app.test_client()
    name = f"learner-{uuid.uuid4().hex[:12]}"
    assert register(web, username=name).status_code == 302
    user = db.session.scalars(select(User).where(User.username == name)).one()
    return web, user


def seed(user: User, days: int = 3, per_day: int = 4) -> list[int]:
    """A few days of answers ending now, on the first flashcards of the real bank."""
    questions = list(
        db.session.scalars(select(Question).where(Question.study_order > 0).order_by(Question.study_order))
    )
    now = datetime.now(UTC)
    logs = []
    for day in range(days):
        for i in range(per_day):
            at = now - timedelta(days=days - 1 - day, minutes=10 * (per_day - i))
            rating = Rating.AGAIN if i == 0 else Rating.GOOD
            logs.append(answer(user, questions[i], at, rating, due_after=now + timedelta(days=2 + i)))
    return [log.card_id for log in logs]


def test_progress_needs_a_login(content_app: Flask) -> None:
    visitor = content_app.test_client()
    for url in ("/progress", "/progress/cards", "/progress/export.csv", "/progress/export.json"):
        response = visitor.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


def test_a_new_learner_gets_a_friendly_empty_dashboard(learner: tuple[FlaskClient, User]) -> None:
    web, _ = learner
    html = web.get("/progress").get_data(as_text=True)
    assert 'id="progress-empty"' in html and "Study now" in html
    assert 'id="quiz-progress"' in html and "No finished quizzes yet" in html
    assert "heatmap-svg" not in html


def test_the_dashboard_shows_today_the_calendar_and_the_tables(learner: tuple[FlaskClient, User]) -> None:
    web, user = learner
    seed(user)
    html = web.get("/progress").get_data(as_text=True)
    assert re.search(r'id="today-reviews">4<', html)
    assert re.search(r'id="streak">3 days<', html)
    cells = re.findall(
        r'<g class="day" tabindex="0" role="img" aria-label="([^"]+)" data-day="([^"]+)" data-count="(\d+)"', html
    )
    assert len(cells) == stats.HEATMAP_DAYS
    assert sum(int(c) for _, _, c in cells) == 12 and cells[-1][2] == "4" and cells[-1][0].endswith(": 4 reviews")
    assert "Days with reviews, as a table" in html and 'id="retention"' in html and 'id="mastery"' in html
    assert "<script" not in html.split("<main", 1)[1]  # the charts are plain SVG
    # True retention over 7 days: days 2 and 3 had 4 review answers each, one of them Again.
    row = re.search(r"<th scope=\"row\">All cards</th><td>([\d.]+)%", html)
    assert row and float(row[1]) == pytest.approx(100 * 9 / 12, abs=0.05)


def test_home_shows_todays_numbers_when_signed_in(learner: tuple[FlaskClient, User], content_app: Flask) -> None:
    web, user = learner
    seed(user, days=2)
    html = web.get("/").get_data(as_text=True)
    assert re.search(r'id="home-streak">2 days<', html)
    assert re.search(r'id="home-minutes">0 <span class="muted">of 10</span>', html)  # 4 x 10 s today
    assert re.search(r'id="home-new">\d+<', html) and 'id="home-due"' in html
    assert html.count(">Study now<") == 1
    anonymous = content_app.test_client().get("/").get_data(as_text=True)
    assert 'id="today"' not in anonymous and "Browse the glossary" in anonymous


def test_the_daily_goal_is_a_setting(learner: tuple[FlaskClient, User]) -> None:
    web, user = learner
    page = web.get("/settings").get_data(as_text=True)
    assert 'name="daily_goal_minutes"' in page
    fields = {
        "desired_retention": "0.90",
        "new_per_day": "20",
        "reviews_per_day": "200",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "timezone": "UTC",
        "day_start_hour": "4",
        "daily_goal_minutes": "25",
        "csrf_token": csrf_of(page),
    }
    assert web.post("/settings", data=fields).status_code in (200, 302, 303)
    db.session.expire_all()
    assert db.session.get(User, user.id).daily_goal_minutes == 25  # type: ignore[union-attr]
    refused = web.post("/settings", data={**fields, "daily_goal_minutes": "0"})
    assert refused.status_code == 422 and "Use 1 to 600." in refused.get_data(as_text=True)


def test_card_browser_page_fragment_and_filters(learner: tuple[FlaskClient, User]) -> None:
    web, user = learner
    seed(user, days=1)
    page = web.get("/progress/cards")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and html.count('<tr id="card-') == 4
    assert "HX-Request" in page.headers["Vary"]
    fragment = web.get("/progress/cards?state=new", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="no-cards"' in fragment and "No card matches" in fragment
    young = web.get("/progress/cards?state=young&sort=lapses&desc=y").get_data(as_text=True)
    assert young.count('data-state="young"') == 4
    bad = web.get("/progress/cards?state=ancient")
    assert bad.status_code == 400 and "Not a valid choice" in bad.get_data(as_text=True)


def test_suspend_and_reset_from_the_browser(learner: tuple[FlaskClient, User], content_app: Flask) -> None:
    web, user = learner
    card_id = seed(user, days=1)[0]
    token = csrf_of(web.get("/progress/cards").get_data(as_text=True))
    data = {"csrf_token": token, "action": "suspend", "back": "state=young&q=&bogus=1"}
    done = web.post(f"/progress/cards/{card_id}", data=data, headers=HX)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "<html" not in html and "Card suspended" in html
    assert html.count('<tr id="card-') == 3  # the young filter came back with the fragment
    assert db.session.get(Card, card_id).suspended  # type: ignore[union-attr]
    plain = web.post(f"/progress/cards/{card_id}", data={**data, "action": "unsuspend"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/progress/cards?state=young"
    reset = web.post(f"/progress/cards/{card_id}", data={**data, "action": "reset"}, headers=HX)
    assert "Card reset" in reset.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Card, card_id).last_review is None  # type: ignore[union-attr]
    assert web.post(f"/progress/cards/{card_id}", data={**data, "action": "explode"}).status_code == 400
    stranger = content_app.test_client()
    assert register(stranger, username=f"other-{uuid.uuid4().hex[:12]}").status_code == 302
    other_token = csrf_of(stranger.get("/progress/cards").get_data(as_text=True))
    theirs = stranger.post(f"/progress/cards/{card_id}", data={**data, "csrf_token": other_token})
    assert theirs.status_code == 404


def test_export_csv_and_json_are_downloads_named_by_date(learner: tuple[FlaskClient, User]) -> None:
    web, user = learner
    card_ids = seed(user, days=2, per_day=3)
    # buffered: read the stream inside the request's context (the test client runs each in its own)
    response = web.get("/progress/export.csv", buffered=True)
    day = stats.study_date(datetime.now(UTC), "UTC", 4).isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="studyapp-reviews-{day}.csv"'
    assert response.mimetype == "text/csv" and "Content-Length" not in response.headers  # streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["card_id"]) for r in rows] == card_ids
    cards = web.get("/progress/export.csv?table=cards", buffered=True).get_data(as_text=True)
    assert cards.startswith("card_id,question_key,item") and cards.count("\r\n") == 1 + len(set(card_ids))
    assert web.get("/progress/export.csv?table=passwords").status_code == 400
    document = json.loads(web.get("/progress/export.json", buffered=True).get_data(as_text=True))
    assert len(document["reviews"]) == 6 and document["quizzes"] == []


def test_an_export_gives_its_connection_back_when_it_ends(learner: tuple[FlaskClient, User]) -> None:
    """The stream reads after the request's teardown: left to the garbage collector, its connection
    stayed checked out, idle in a transaction, and a later TRUNCATE or DDL waited on it."""
    web, user = learner
    seed(user, days=1, per_day=2)
    for url in ("/progress/export.csv", "/progress/export.csv?table=cards", "/progress/export.json"):
        before = db.engine.pool.checkedout()  # type: ignore[attr-defined]
        assert web.get(url, buffered=True).status_code == 200
        assert db.engine.pool.checkedout() == before, url  # type: ignore[attr-defined]


def test_a_term_page_shows_the_signed_in_learners_card(learner: tuple[FlaskClient, User], content_app: Flask) -> None:
    web, user = learner
    seed(user, days=1, per_day=1)
    question = db.session.scalars(
        select(Question).where(Question.study_order > 0).order_by(Question.study_order)
    ).first()
    assert question is not None and question.term is not None
    html = web.get(f"/glossary/{question.term.slug}").get_data(as_text=True)
    assert 'id="my-cards"' in html and "<polyline" in html and "Review history (1)" in html
    anonymous = content_app.test_client().get(f"/glossary/{question.term.slug}").get_data(as_text=True)
    assert 'id="my-cards"' not in anonymous


def test_the_dashboard_and_export_show_the_learners_quizzes(content_app: Flask) -> None:
    import re as _re
    import uuid as _uuid

    from tests.views.test_auth import register as _register
    from tests.views.test_quiz import start as _start

    client = content_app.test_client()
    assert _register(client, username=f"quizboard-{_uuid.uuid4().hex[:10]}").status_code == 302
    url = _start(client, formats="true_false")
    attempt_id = url.rsplit("/", 1)[1]
    for _ in range(5):
        page = client.get(url).get_data(as_text=True)
        item = _re.search(r'name="item_id" value="(\d+)"', page)
        if item is None:
            break
        token = _re.search(r'name="csrf-token" content="([^"]+)"', page)[1]  # type: ignore[index]
        client.post(url + "/answer", data={"csrf_token": token, "item_id": item[1], "response": "True"})
    board = client.get("/progress").get_data(as_text=True)
    assert f"/quiz/{attempt_id}/results" in board and "Quiz accuracy per zone and article" in board
    exported = client.get("/progress/export.csv?table=quizzes", buffered=True).get_data(as_text=True).splitlines()
    assert exported[0].startswith("attempt_id,") and exported[1].startswith(f"{attempt_id},")
