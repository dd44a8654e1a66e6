"""Browser journeys of the review's second pass: siblings apart over a first day, undo of a
suspend, the phone layout, and the whole loop with JavaScript off."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e


def sign_up(page: Page) -> None:
    page.goto("/register")
    page.get_by_label("Username").fill(f"learner-{uuid.uuid4().hex[:10]}")
    page.get_by_label("Password").fill("a long and memorable passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/study"))


def normal(text: str) -> str:
    return " " + re.sub(r"[^\w]+", " ", text.casefold()).strip() + " "


def test_a_first_day_of_twenty_cards_never_shows_an_answer_printed_before(page: Page) -> None:
    sign_up(page)
    printed: list[str] = []
    for _ in range(20):
        page.keyboard.press("Space")
        answer = page.locator("#answer").inner_text()
        assert not any(normal(answer) in text for text in printed), answer
        printed.append(normal(page.locator("#study .card").inner_text()))
        token = page.locator("#study input[name=token]").get_attribute("value")
        page.keyboard.press("4")
        expect(page.locator(f'#study input[name=token][value="{token}"]')).to_have_count(0)


def test_undo_takes_back_a_suspend(page: Page) -> None:
    sign_up(page)
    front = page.locator("#card-front").inner_text()
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_text("Card suspended.")).to_be_visible()
    assert page.locator("#card-front").inner_text() != front
    page.keyboard.press("u")
    expect(page.get_by_text("Undone.")).to_be_visible()
    expect(page.locator("#card-front")).to_have_text(front)
    page.goto("/study/suspended")
    expect(page.get_by_text("No suspended cards")).to_be_visible()


def test_on_a_phone_the_rating_buttons_stay_on_screen_after_the_answer(browser: Browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    sign_up(page)
    for _ in range(6):
        page.get_by_text("Show answer").click()
        for rating in ("Again", "Hard", "Good", "Easy"):
            box = page.locator(".ratings button", has_text=rating).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, (rating, box)
        token = page.locator("#study input[name=token]").get_attribute("value")
        page.locator(".ratings button", has_text="Easy").click()
        expect(page.locator(f'#study input[name=token][value="{token}"]')).to_have_count(0)
    context.close()


def test_the_review_loop_works_with_javascript_off(browser: Browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_up(page)
    first = page.locator("#card-front").inner_text()
    page.get_by_text("Show answer").click()
    page.get_by_role("button", name=re.compile("^Good")).click()
    expect(page).to_have_url(re.compile(r"/study$"))
    assert page.locator("#card-front").inner_text() != first
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Undone.")).to_be_visible()
    expect(page.locator("#card-front")).to_have_text(first)
    page.get_by_role("button", name="Bury until tomorrow").click()
    expect(page.get_by_text("Card buried until tomorrow.")).to_be_visible()
    context.close()
