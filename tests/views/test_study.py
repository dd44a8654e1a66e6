"""The review page through the test client: page vs fragment, exactly-once answers, ownership."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp.extensions import db
from studyapp.models import Card, Question, ReviewLog, User
from tests.conftest import QueryCounter, commit, review_card
from tests.views.test_auth import register

HX = {"HX-Request": "true"}


def fields(html: str) -> dict[str, str]:
    found = dict(re.findall(r'name="(question_id|card_id|version|token|shown_at|csrf_token)" value="([^"]*)"', html))
    assert "token" in found, html[:500]
    return found


@pytest.fixture
def learner(content_app: Flask) -> FlaskClient:
    web = content_app.test_client()
    # The content database is shared by tests, so every learner needs a fresh name.
    assert register(web, username=f"learner-{uuid.uuid4().hex[:12]}").status_code == 302
    return web


def test_study_needs_a_login(content_app: Flask) -> None:
    response = content_app.test_client().get("/study")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=%2Fstudy")
    visitor = content_app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', visitor.get("/login").get_data(as_text=True))[1]  # type: ignore[index]
    expired = visitor.post("/study/undo", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert expired.status_code == 401 and expired.headers["HX-Redirect"].startswith("/login")


def test_review_page_shows_a_new_card_with_four_buttons(learner: FlaskClient) -> None:
    html = learner.get("/study").get_data(as_text=True)
    assert "<html" in html and 'id="study"' in html
    assert "Show answer" in html
    for name in ("Again", "Hard", "Good", "Easy"):
        assert name in html
    assert re.search(r'class="interval">\d+[smhd]<', html)
    assert "new</span>" in html and "learning</span>" in html and "review</span>" in html
    assert len(html.encode()) < 10_000


def test_answer_with_htmx_returns_the_next_card_fragment(learner: FlaskClient) -> None:
    first = fields(learner.get("/study").get_data(as_text=True))
    response = learner.post("/study/answer", data={**first, "rating": "3"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="study"' in html
    assert fields(html)["token"] != first["token"]
    assert "HX-Request" in response.headers["Vary"]


def test_answer_without_javascript_posts_and_redirects(learner: FlaskClient) -> None:
    first = fields(learner.get("/study").get_data(as_text=True))
    response = learner.post("/study/answer", data={**first, "rating": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/study"


def test_double_submit_applies_once_and_the_replay_is_told(learner: FlaskClient) -> None:
    """A second post of the same card (a double click without JavaScript, or a page restored by
    Back) writes nothing and gets the stale-tab notice with the current card."""
    first = fields(learner.get("/study").get_data(as_text=True))
    one = learner.post("/study/answer", data={**first, "rating": "3"}, headers=HX)
    two = learner.post("/study/answer", data={**first, "rating": "3"}, headers=HX)
    assert one.status_code == 200 and two.status_code == 409
    assert "already answered" in two.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReviewLog).where(ReviewLog.token == first["token"])) == 1


def test_stale_tab_gets_a_409_with_the_current_card(learner: FlaskClient) -> None:
    # Two tabs show the same card; the first answer wins, the second is told.
    tab_one = fields(learner.get("/study").get_data(as_text=True))
    tab_two = fields(learner.get("/study").get_data(as_text=True))
    assert tab_one["question_id"] == tab_two["question_id"]
    assert learner.post("/study/answer", data={**tab_one, "rating": "3"}, headers=HX).status_code == 200
    stale = learner.post("/study/answer", data={**tab_two, "rating": "4"}, headers=HX)
    assert stale.status_code == 409
    assert "already answered" in stale.get_data(as_text=True)


def test_bad_answers_are_4xx_not_500(learner: FlaskClient) -> None:
    first = fields(learner.get("/study").get_data(as_text=True))
    assert learner.post("/study/answer", data={**first, "rating": "7"}, headers=HX).status_code == 400
    assert learner.post("/study/answer", data={**first, "rating": "x"}, headers=HX).status_code == 400
    assert (
        learner.post("/study/answer", data={**first, "question_id": "99999999", "rating": "3"}, headers=HX).status_code
        == 404
    )
    assert (
        learner.post("/study/bury", data={"question_id": "99999999", "csrf_token": first["csrf_token"]}).status_code
        == 404
    )


def test_another_learners_card_ids_are_refused(content_app: Flask, learner: FlaskClient) -> None:
    first = fields(learner.get("/study").get_data(as_text=True))
    learner.post("/study/answer", data={**first, "rating": "1"}, headers=HX)
    card = db.session.scalars(select(Card).order_by(Card.id.desc())).first()
    assert card is not None
    intruder = content_app.test_client()
    assert register(intruder, username=f"intruder-{uuid.uuid4().hex[:12]}").status_code == 302
    own = fields(intruder.get("/study").get_data(as_text=True))
    stolen = {**own, "card_id": str(card.id), "question_id": str(card.question_id), "version": str(card.version)}
    assert intruder.post("/study/answer", data={**stolen, "rating": "4"}, headers=HX).status_code == 404
    db.session.refresh(card)
    assert card.reps == 1


def test_undo_bury_and_suspend_through_the_page(learner: FlaskClient) -> None:
    first = fields(learner.get("/study").get_data(as_text=True))
    learner.post("/study/answer", data={**first, "rating": "3"}, headers=HX)
    undone = learner.post("/study/undo", data={"csrf_token": first["csrf_token"]}, headers=HX)
    assert "Undone." in undone.get_data(as_text=True)
    assert fields(undone.get_data(as_text=True))["question_id"] == first["question_id"]
    buried = learner.post(
        "/study/bury", data={"question_id": first["question_id"], "csrf_token": first["csrf_token"]}, headers=HX
    )
    assert fields(buried.get_data(as_text=True))["question_id"] != first["question_id"]
    second = fields(buried.get_data(as_text=True))
    learner.post("/study/suspend", data={"question_id": second["question_id"], "csrf_token": first["csrf_token"]})
    assert "Unsuspend" in learner.get("/study/suspended").get_data(as_text=True)
    assert (
        learner.post(
            "/study/unsuspend", data={"question_id": second["question_id"], "csrf_token": first["csrf_token"]}
        ).status_code
        == 303
    )
    assert "No suspended cards" in learner.get("/study/suspended").get_data(as_text=True)


def test_an_answer_takes_at_most_nine_statements(learner: FlaskClient, count_queries: QueryCounter) -> None:
    from studyapp.services import study

    seen: list[int] = []
    original = study.answer

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        before = count_queries.count
        result = original(*args, **kwargs)
        seen.append(count_queries.count - before)
        return result

    study.answer = counted  # type: ignore[assignment]
    try:
        first = fields(learner.get("/study").get_data(as_text=True))
        learner.post("/study/answer", data={**first, "rating": "1"}, headers=HX)  # new card: insert
        again = fields(learner.get("/study").get_data(as_text=True))
        learner.post("/study/answer", data={**again, "rating": "3"}, headers=HX)  # existing card: update
    finally:
        study.answer = original  # type: ignore[assignment]
    assert seen and max(seen) <= 9, seen


def test_a_review_answer_request_takes_nine_statements(learner: FlaskClient, count_queries: QueryCounter) -> None:
    """The whole request, on a day of reviews: the session's user, the card, its update, burying
    its siblings, the log row, the three progress roll-ups (day, topic, calibration), and one
    statement for the counts and the next card."""
    user_id = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    now = datetime.now(UTC)
    questions = db.session.scalars(select(Question.id).where(Question.study_order > 0).limit(3)).all()
    for question_id in questions:
        review_card(
            user_id,
            question_id,
            due=now - timedelta(days=1),
            last_review=now - timedelta(days=6),
            stability=5.0,
            introduced_at=now - timedelta(days=30),
            reps=4,
        )
    commit()
    shown = fields(learner.get("/study", headers=HX).get_data(as_text=True))
    assert int(shown["question_id"]) in questions
    before = count_queries.count
    response = learner.post("/study/answer", data={**shown, "rating": "3"}, headers=HX)
    assert response.status_code == 200
    assert count_queries.count - before == 9, count_queries.statements[before:]
    assert int(fields(response.get_data(as_text=True))["question_id"]) in set(questions) - {int(shown["question_id"])}


def test_an_answer_in_a_topic_session_looks_the_topic_up_once(
    learner: FlaskClient, count_queries: QueryCounter
) -> None:
    shown = fields(learner.get("/study?topic=zone:green", headers=HX).get_data(as_text=True))
    before = count_queries.count
    response = learner.post("/study/answer?topic=zone:green", data={**shown, "rating": "3"}, headers=HX)
    assert response.status_code == 200 and "topic=zone:green" in response.get_data(as_text=True)
    lookups = [s for s in count_queries.statements[before:] if "FROM zone" in s and "zone.slug" in s]
    assert len(lookups) == 1, lookups


def test_review_page_uses_a_bounded_number_of_queries(learner: FlaskClient, count_queries: QueryCounter) -> None:
    learner.get("/study")
    before = count_queries.count
    learner.get("/study")
    assert count_queries.count - before <= 3, count_queries.statements[before:]


@pytest.mark.parametrize(
    "override",
    [
        {"shown_at": "253402300800000"},
        {"shown_at": str(2**70)},
        {"card_id": str(2**70)},
        {"question_id": str(2**70)},
        {"version": str(2**40)},
        {"token": "short"},
    ],
)
def test_out_of_range_fields_are_a_400(learner: FlaskClient, override: dict[str, str]) -> None:
    first = fields(learner.get("/study").get_data(as_text=True))
    response = learner.post("/study/answer", data={**first, "rating": "3", **override}, headers=HX)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ReviewLog).where(ReviewLog.token == first["token"])) == 0


def test_card_actions_refuse_huge_ids(learner: FlaskClient) -> None:
    token = fields(learner.get("/study").get_data(as_text=True))["csrf_token"]
    for action in ("bury", "suspend", "unsuspend"):
        assert (
            learner.post(f"/study/{action}", data={"question_id": str(2**70), "csrf_token": token}).status_code == 404
        )


@pytest.mark.parametrize("token", [None, "forged"])
def test_study_posts_without_a_valid_csrf_token_change_nothing(learner: FlaskClient, token: str | None) -> None:
    """The study forms leave the CSRF check to CSRFProtect: it must still refuse every POST."""
    first = fields(learner.get("/study").get_data(as_text=True))
    data = {k: v for k, v in first.items() if k != "csrf_token"}
    if token:
        data["csrf_token"] = token
    for path in ("/study/answer", "/study/bury", "/study/suspend", "/study/undo"):
        response = learner.post(path, data={**data, "rating": "3"}, headers=HX)
        assert response.status_code == 400, path
    assert fields(learner.get("/study").get_data(as_text=True))["question_id"] == first["question_id"]


def test_htmx_errors_are_notices_for_the_notice_area_not_pages(learner: FlaskClient) -> None:
    first = fields(learner.get("/study").get_data(as_text=True))
    no_token = learner.post("/study/answer", data={**first, "csrf_token": "forged", "rating": "3"}, headers=HX)
    missing = learner.post(
        "/study/bury", data={"question_id": "99999999", "csrf_token": first["csrf_token"]}, headers=HX
    )
    for response, status in ((no_token, 400), (missing, 404)):
        html = response.get_data(as_text=True)
        assert response.status_code == status
        assert response.headers["HX-Retarget"] == "#notices" and response.headers["HX-Reswap"] == "innerHTML"
        assert "<html" not in html and 'role="alert"' in html
    assert "Form expired" in no_token.get_data(as_text=True)
    page = learner.post("/study/bury", data={"question_id": "99999999", "csrf_token": first["csrf_token"]})
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)


def test_undo_is_disabled_until_there_is_something_to_undo(learner: FlaskClient) -> None:
    page = learner.get("/study").get_data(as_text=True)
    assert re.search(r'id="undo"[^>]*disabled', page)
    first = fields(page)
    answered = learner.post("/study/answer", data={**first, "rating": "4"}, headers=HX).get_data(as_text=True)
    assert not re.search(r'id="undo"[^>]*disabled', answered)


def test_a_topic_session_keeps_its_topic_and_an_unknown_topic_is_a_404(learner: FlaskClient) -> None:
    page = learner.get("/study?topic=zone:green").get_data(as_text=True)
    assert "Studying <strong>" in page, page
    assert "topic=zone:green" in page
    assert learner.get("/study?topic=zone:orange").status_code == 404


def test_zone_and_article_pages_offer_a_topic_session(learner: FlaskClient) -> None:
    glossary = learner.get("/glossary").get_data(as_text=True)
    assert "/study?topic=zone:blue" in glossary
    article = learner.get("/articles/lora-and-qlora").get_data(as_text=True)
    assert "/study?topic=article:lora-and-qlora" in article
    assert learner.get("/study?topic=article:lora-and-qlora").status_code == 200
