"""A learner registers, studies ten cards with the keyboard alone, undoes one, logs out and back in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def counts(page: Page) -> tuple[int, int, int]:
    text = page.locator(".counts").inner_text()
    found = [int(n) for n in re.findall(r"(\d+)\s+(?:new|learning|review)", text)]
    assert len(found) == 3, text
    return found[0], found[1], found[2]


def test_register_study_ten_cards_with_the_keyboard_undo_and_come_back(page: Page) -> None:
    page.goto("/register")
    page.get_by_label("Username").fill("keyboard-learner")
    page.get_by_label("Password").fill("a long and memorable passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url("/study")
    expect(page.get_by_text("Welcome! Your first cards are ready.")).to_be_visible()
    start = counts(page)
    assert start[0] == 20  # a new learner gets the default 20 new cards

    for i in range(10):
        front = page.locator("#card-front").inner_text()
        page.keyboard.press("Space")
        expect(page.locator("#answer")).to_be_visible()
        before = page.locator("#study input[name=token]").get_attribute("value")
        page.keyboard.press("3" if i % 3 else "1")
        # htmx swaps in the next card without a page load: the token changes in place.
        expect(page.locator("#study input[name=token]")).not_to_have_attribute("value", before or "")
        assert page.url.endswith("/study")
        assert front  # every card showed a front

    after = counts(page)
    assert after[0] == start[0] - 10  # ten new cards were introduced
    assert after[1] > 0  # and sit in learning, due again within minutes

    before_undo = counts(page)
    page.keyboard.press("u")
    expect(page.get_by_text("Undone.")).to_be_visible()
    assert counts(page) != before_undo

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto("/study")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill("keyboard-learner")
    page.get_by_label("Password").fill("a long and memorable passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url("/study")

    # Finish the day quickly (settings: no new cards left), then the summary shows.
    page.goto("/settings")
    page.get_by_label("New cards per day").fill("0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto("/study")
    while page.locator("#card-front").count():
        page.keyboard.press("Space")
        token = page.locator("#study input[name=token]").get_attribute("value")
        page.keyboard.press("4")
        expect(page.locator(f'#study input[name=token][value="{token}"]')).to_have_count(0)
    expect(page.get_by_role("heading", name="All done for today")).to_be_visible()
    expect(page.locator(".done")).to_contain_text("% correct")
    expect(page.locator(".done")).to_contain_text("Due tomorrow")
