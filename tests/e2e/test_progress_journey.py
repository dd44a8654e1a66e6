"""Browser journey: a learner with a few days of history reads the dashboard, browses, suspends, exports."""

from __future__ import annotations

import csv
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from studyapp import create_app
from studyapp.core.scheduling import Rating
from studyapp.extensions import db
from studyapp.models import Card, Question, User
from tests.conftest import BANK_DIR, import_bank
from tests.services.test_progress import answer

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def progress_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """The app served on a free port, with its app object kept so the test can seed history."""
    path: Path = tmp_path_factory.mktemp("progress-live") / "live.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "e2e"})
    with app.app_context():
        flask_migrate.upgrade()
        import_bank(BANK_DIR)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()


def seed_history(app: Flask, username: str) -> list[int]:
    """Three study days, four answers each (the first of each day Again), ending a few minutes ago."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        questions = list(
            db.session.scalars(select(Question).where(Question.study_order > 0).order_by(Question.study_order).limit(4))
        )
        now = datetime.now(UTC)
        card_ids = []
        for day in range(3):
            for i, question in enumerate(questions):
                at = now - timedelta(days=2 - day, minutes=20 - 4 * i)
                log = answer(
                    user, question, at, Rating.AGAIN if i == 0 else Rating.GOOD, due_after=now + timedelta(days=3 + i)
                )
                card_ids.append(log.card_id)
        db.session.remove()
        return card_ids


def test_dashboard_heatmap_browser_suspend_and_export(
    browser: Any, progress_server: tuple[str, Flask], tmp_path: Path
) -> None:
    url, app = progress_server
    context = browser.new_context(base_url=url, viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    username = f"learner-{uuid.uuid4().hex[:8]}"
    page.goto("/register")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/study")
    studied = seed_history(app, username)

    # Home: today's numbers and one button.
    page.goto("/")
    assert page.inner_text("#home-streak") == "3 days"
    assert page.locator("text=Study now").count() == 1

    # The dashboard: today's figures, then a heatmap day reached with the keyboard.
    page.click("text=Your progress")
    page.wait_for_url("**/progress")
    assert page.inner_text("#today-reviews") == "4"
    assert page.inner_text("#streak") == "3 days"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows a phone screen
    page.focus("a.skip-chart")
    page.keyboard.press("Tab")  # the calendar's first day
    first = page.locator("g.day").first
    assert first.evaluate("el => el === document.activeElement")
    today = page.locator("g.day").last
    today.focus()
    label = today.locator(".day-label")
    assert label.is_visible() and label.text_content().endswith(": 4 reviews")  # type: ignore[union-attr]
    assert not first.locator(".day-label").is_visible()

    # The card browser: filter (htmx swaps the table), then suspend a card in place.
    page.click("text=Browse your cards")
    page.wait_for_url("**/progress/cards")
    assert page.locator("tr[id^=card-]").count() == 4
    page.select_option("#state", "young")
    page.wait_for_url("**state=young**")
    assert page.locator("tr[id^=card-]").count() == 4
    row = page.locator("tr[id^=card-]").first
    row_id = row.get_attribute("id")
    row.locator("button", has_text="Suspend").click()
    page.wait_for_selector("text=Card suspended")
    assert page.locator("tr[id^=card-]").count() == 3  # still filtered to young cards
    assert page.locator(f"#{row_id}").count() == 0
    with app.app_context():
        assert db.session.get(Card, int(row_id.split("-")[1])).suspended  # type: ignore[union-attr]
        db.session.remove()
    page.select_option("#state", "suspended")
    page.wait_for_selector(f"#{row_id} >> text=Unsuspend")

    # Export: the downloaded CSV's rows are what was studied.
    page.goto("/progress")
    with page.expect_download() as download_info:
        page.click("text=Review log (CSV)")
    download = download_info.value
    assert download.suggested_filename.startswith("studyapp-reviews-") and download.suggested_filename.endswith(".csv")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["card_id"]) for r in rows] == studied
    assert [r["rating_name"] for r in rows] == ["Again", "Good", "Good", "Good"] * 3
    context.close()
