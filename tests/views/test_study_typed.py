"""Typed fill-in-the-blank cards in the review: check (htmx and plain forms), grade, suggested rating.

Checking writes nothing and stores nothing typed; only the rating the learner then presses counts.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp.core.generation import CLOZE_CHOICE, CLOZE_TYPED
from studyapp.extensions import db
from studyapp.models import Card, Question, ReviewLog, User
from tests.conftest import commit, review_card
from tests.views.test_auth import register
from tests.views.test_study import HX, fields


@dataclass(frozen=True)
class Cloze:
    id: int
    answer: str
    distractor: str
    user_id: int = 0  # the learner it is due for

    @property
    def typo(self) -> str:
        """The answer with one inner letter left out: one edit, within the budget of 9+ letters."""
        middle = len(self.answer) // 2
        return self.answer[:middle] + self.answer[middle + 1 :]


def _cloze() -> Cloze:
    """A cloze card of the real bank whose answer is one word of 9+ letters, with its choice twin."""
    rows = db.session.execute(
        select(Question.id, Question.key, Question.answer).where(Question.kind == CLOZE_TYPED).order_by(Question.id)
    ).all()
    for row in rows:
        if row.answer.isalpha() and len(row.answer) >= 9:
            twin = db.session.scalar(
                select(Question.options).where(Question.key == row.key.replace(CLOZE_TYPED, CLOZE_CHOICE, 1))
            )
            if twin:
                return Cloze(row.id, row.answer, next(o for o in twin if o != row.answer))
    raise AssertionError("the bank has no long one-word cloze with a multiple-choice twin")


@pytest.fixture
def learner(content_app: Flask) -> FlaskClient:
    web = content_app.test_client()
    assert register(web, username=f"typist-{uuid.uuid4().hex[:12]}").status_code == 302
    return web


@pytest.fixture
def cloze(learner: FlaskClient) -> Cloze:
    """The learner's current card: that cloze, due for review."""
    found = _cloze()
    user_id = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    now = datetime.now(UTC)
    review_card(user_id, found.id, due=now - timedelta(days=1), last_review=now - timedelta(days=5), stability=4.0)
    commit()
    return replace(found, user_id=user_id)


def shown(client: FlaskClient) -> tuple[str, dict[str, str]]:
    html = client.get("/study").get_data(as_text=True)
    return html, fields(html)


def check(client: FlaskClient, form: dict[str, str], typed: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    data = {k: form[k] for k in ("csrf_token", "question_id", "card_id", "version", "shown_at") if k in form}
    return client.post("/study/check", data={**data, "typed": typed}, headers=headers or {})


def written() -> tuple[int, int]:
    """Review-log rows and the sum of card versions: what any write would change."""
    db.session.rollback()  # a fresh read, after the app's own commits
    logs = db.session.scalar(select(func.count()).select_from(ReviewLog))
    versions = db.session.scalar(select(func.coalesce(func.sum(Card.version), 0)))
    return int(logs or 0), int(versions or 0)


def suggested(html: str) -> str | None:
    found = re.search(r'data-rating="(\d)"[^>]*data-suggested', html)
    return found[1] if found else None


def test_a_cloze_card_has_an_answer_box_and_other_cards_do_not(learner: FlaskClient, cloze: Cloze) -> None:
    html, form = shown(learner)
    assert int(form["question_id"]) == cloze.id
    assert '<label for="typed">Your answer</label>' in html and 'name="typed"' in html
    assert 'action="/study/check"' in html and 'hx-target="#back"' in html
    # The one-time token sits in the rating form only: checking never spends it.
    assert html.count('name="token"') == 1
    learner.post("/study/answer", data={**form, "rating": "3"})
    assert 'name="typed"' not in learner.get("/study").get_data(as_text=True)  # a new term card


def test_htmx_check_with_a_typo_swaps_in_the_back_forgiven_with_hard_suggested(
    learner: FlaskClient,
    cloze: Cloze,
) -> None:
    _, form = shown(learner)
    before = written()
    response = check(learner, form, cloze.typo, HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and 'id="study"' not in html
    assert '<details class="back" id="back" open>' in html
    assert "Correct (typo forgiven: 1 letter off" in html
    assert re.search(r"<ins>.*?</ins>", html, re.S)
    assert suggested(html) == "2"  # Hard
    assert cloze.answer in html
    assert written() == before


def test_no_js_check_renders_the_page_with_the_back_open_then_any_rating_applies_once(
    learner: FlaskClient,
    cloze: Cloze,
) -> None:
    _, form = shown(learner)
    response = check(learner, form, cloze.answer.upper())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert '<details class="back" id="back" open>' in html
    assert "<strong>Correct</strong>" in html and "typo forgiven" not in html
    assert suggested(html) == "3"  # Good
    assert re.search(r'data-rating="3"[^>]*autofocus', html)
    assert f'value="{cloze.answer.upper()}" readonly' in html
    before = written()
    # The learner overrides the suggestion with Easy: the rating form of the checked page posts it.
    rated = learner.post("/study/answer", data={**fields(html), "rating": "4"})
    assert rated.status_code == 303
    mine = (Card.question_id == cloze.id, Card.user_id == cloze.user_id)
    logs = db.session.execute(select(ReviewLog.rating).join(Card).where(*mine)).scalars().all()
    assert logs == [4] and written()[0] == before[0] + 1


def test_a_wrong_answer_says_not_quite_with_the_difference_and_suggests_again(
    learner: FlaskClient,
    cloze: Cloze,
) -> None:
    _, form = shown(learner)
    html = check(learner, form, cloze.distractor, HX).get_data(as_text=True)
    assert "<strong>Not quite</strong>" in html
    assert "<del>" in html and "<ins>" in html
    assert suggested(html) == "1"  # Again


def test_an_empty_answer_just_reveals_for_self_grading(learner: FlaskClient, cloze: Cloze) -> None:
    _, form = shown(learner)
    html = check(learner, form, "   ", HX).get_data(as_text=True)
    assert '<details class="back" id="back" open>' in html and cloze.answer in html
    assert 'id="grade"' not in html and suggested(html) is None


@pytest.mark.parametrize("typed", ["back\x00tracking", "x" * 600])
def test_unreadable_answers_get_a_reason_and_write_nothing(learner: FlaskClient, cloze: Cloze, typed: str) -> None:
    _, form = shown(learner)
    before = written()
    htmx = check(learner, form, typed, HX)
    assert htmx.status_code == 400 and htmx.headers["HX-Retarget"] == "#notices"
    assert "could not be read" in htmx.get_data(as_text=True)
    plain = check(learner, form, typed)
    page = plain.get_data(as_text=True)
    assert plain.status_code == 400 and "<html" in page
    assert "control characters" in page or "at most 500 characters" in page
    assert '<details class="back" id="back">' in page  # not revealed
    assert written() == before


def test_a_check_for_a_card_answered_meanwhile_gets_the_current_card(learner: FlaskClient, cloze: Cloze) -> None:
    _, form = shown(learner)
    assert learner.post("/study/answer", data={**form, "rating": "3"}, headers=HX).status_code == 200
    late = check(learner, form, cloze.answer, HX)
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "already answered" in html
    assert late.headers["HX-Retarget"] == "#study" and 'id="study"' in html
    assert check(learner, form, cloze.answer).status_code == 303  # without JavaScript: back to the page


def test_a_malformed_check_form_is_refused(learner: FlaskClient, cloze: Cloze) -> None:
    _, form = shown(learner)
    response = check(learner, {**form, "version": "not a number"}, cloze.answer, HX)
    assert response.status_code == 400 and "could not be read" in response.get_data(as_text=True)


def test_checking_a_card_that_is_not_typed_just_reveals(learner: FlaskClient) -> None:
    _, form = shown(learner)  # a new learner's first card: a term's flashcard
    html = check(learner, form, "anything", HX).get_data(as_text=True)
    assert '<details class="back" id="back" open>' in html and 'id="grade"' not in html
