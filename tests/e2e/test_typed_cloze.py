"""Browser journey: a learner types a fill-in-the-blank answer with a small typo, sees it accepted
with "typo forgiven" and Hard suggested, rates it Good instead, and can undo that rating; and
the same check with JavaScript off."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from studyapp.core import content, generation

pytestmark = pytest.mark.e2e
BANK_DIR = Path(__file__).resolve().parents[2] / "questions"
FILL_IN = generation.KIND_LABELS[generation.CLOZE_TYPED]


def long_one_word_answers() -> dict[str, str]:
    """Cloze prompts whose answer is one word of 9+ letters (a budget of two typos), by prompt."""
    questions = generation.generate(content.load_bank(BANK_DIR))
    return {
        q.prompt: q.answer
        for q in questions
        if q.kind == generation.CLOZE_TYPED and q.answer.isalpha() and len(q.answer) >= 9
    }


def sign_up(page: Page) -> None:
    page.goto("/register")
    page.get_by_label("Username").fill(f"typist-{uuid.uuid4().hex[:10]}")
    page.get_by_label("Password").fill("a long and memorable passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/study"))


def with_a_typo(answer: str) -> str:
    middle = len(answer) // 2
    return answer[:middle] + answer[middle + 1 :]


def settled(page: Page) -> None:
    """htmx wires up swapped-in forms only when the swap settles (20 ms later): a key pressed
    before then would submit the plain form instead."""
    expect(page.locator(".htmx-settling, .htmx-swapping")).to_have_count(0)


def easy_by_keyboard(page: Page) -> None:
    page.keyboard.press("Space")
    token = page.locator("#study input[name=token]").get_attribute("value")
    page.keyboard.press("4")
    expect(page.locator(f'#study input[name=token][value="{token}"]')).to_have_count(0)
    settled(page)


def easy_by_forms(page: Page) -> None:
    page.get_by_text("Show answer").click()
    page.get_by_role("button", name=re.compile("^Easy")).click()


def study_until_a_long_cloze(page: Page, easy: Callable[[Page], None]) -> str:
    """Rate cards Easy until the current one is a cloze with a long one-word answer; its answer."""
    answers = long_one_word_answers()
    for _ in range(40):
        prompt = page.locator("#card-front").inner_text().strip()
        if page.locator("#study .card-kind").inner_text().startswith(FILL_IN) and prompt in answers:
            return answers[prompt]
        easy(page)
    raise AssertionError("no long cloze card within 40 cards")


def test_a_typo_is_forgiven_said_so_and_the_suggested_rating_can_be_changed(page: Page) -> None:
    sign_up(page)
    answer = study_until_a_long_cloze(page, easy_by_keyboard)
    prompt = page.locator("#card-front").inner_text()

    page.keyboard.press("Tab")  # from the card's front to its answer box
    expect(page.get_by_label("Your answer")).to_be_focused()
    page.keyboard.type("u3 ")  # in the box, U, digits and Space are just typing: no undo, rating or reveal
    expect(page.get_by_label("Your answer")).to_have_value("u3 ")
    expect(page.locator("#answer")).not_to_be_visible()
    page.keyboard.press("Control+A")
    page.keyboard.type(with_a_typo(answer))
    page.keyboard.press("Enter")

    grade = page.locator("#grade")
    expect(grade).to_contain_text("Correct (typo forgiven: 1 letter off")
    expect(page.locator("#answer")).to_have_text(answer)
    expect(page.locator("#grade ins")).to_have_count(1)
    suggested = page.locator(".rating.suggested")
    expect(suggested).to_contain_text("Hard")
    expect(suggested).to_be_focused()
    settled(page)

    token = page.locator("#study input[name=token]").get_attribute("value")
    page.keyboard.press("3")  # the learner disagrees with the suggestion: Good
    expect(page.locator(f'#study input[name=token][value="{token}"]')).to_have_count(0)
    assert page.locator("#card-front").inner_text() != prompt

    page.keyboard.press("u")  # the rating was applied: it can be undone, and the cloze comes back
    expect(page.get_by_text("Undone.")).to_be_visible()
    expect(page.locator("#card-front")).to_have_text(prompt)


def test_without_javascript_the_check_is_a_plain_form(browser: Browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_up(page)
    answer = study_until_a_long_cloze(page, easy_by_forms)
    page.get_by_label("Your answer").fill(with_a_typo(answer))
    page.get_by_role("button", name="Check").click()
    expect(page).to_have_url(re.compile(r"/study/check"))
    expect(page.locator("#grade")).to_contain_text("typo forgiven")
    expect(page.locator("#answer")).to_be_visible()
    expect(page.locator(".rating.suggested")).to_contain_text("Hard")
    page.get_by_role("button", name=re.compile("^Good")).click()
    expect(page).to_have_url(re.compile(r"/study$"))
    expect(page.locator("#grade")).to_have_count(0)  # the next card, not yet checked
    context.close()
