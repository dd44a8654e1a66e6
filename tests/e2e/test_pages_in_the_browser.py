"""The main pages in a real browser: the policy holds (no CSP violation), axe-core finds nothing at desktop
and phone widths, sign-up takes the browser's time zone, and Back never shows an answered card."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.e2e

PASSPHRASE = "a long and memorable passphrase"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# Every CSP violation is kept on the page, and printed by the console as well.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
"""


@pytest.fixture
def context_factory(browser: Browser, live_server: str) -> Iterator[object]:
    contexts: list[BrowserContext] = []

    def make(**options: object) -> Page:
        context = browser.new_context(base_url=live_server, **options)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_up(page: Page, name: str | None = None) -> str:
    name = name or f"browser-{uuid.uuid4().hex[:10]}"
    page.goto("/register")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSPHRASE)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url("/study")
    return name


def content_urls(page: Page) -> list[str]:
    page.goto("/glossary")
    term = page.locator("#results a[href^='/glossary/']").first.get_attribute("href")
    page.goto("/articles")
    article = page.locator("main a[href^='/articles/']").first.get_attribute("href")
    assert term and article
    return ["/", "/glossary", term, "/articles", article]


def test_sign_up_takes_the_browsers_time_zone(context_factory) -> None:  # type: ignore[no-untyped-def]
    page = context_factory(timezone_id="Asia/Tokyo")
    sign_up(page)
    expect(page.get_by_text("Set your time zone")).to_have_count(0)
    page.goto("/settings")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")


def test_sign_up_without_javascript_falls_back_to_utc_and_asks(context_factory) -> None:  # type: ignore[no-untyped-def]
    page = context_factory(timezone_id="America/Los_Angeles", java_script_enabled=False)
    sign_up(page)
    page.get_by_role("link", name="Set your time zone").click()
    expect(page).to_have_url("/settings#timezone")
    field = page.get_by_label("Time zone")
    expect(field).to_have_value("UTC")
    field.fill("America/Los_Angeles")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("America/Los_Angeles")


def test_the_main_pages_break_no_rule_of_the_content_security_policy(context_factory) -> None:  # type: ignore[no-untyped-def]
    page = context_factory()
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    def check(where: str) -> None:
        assert page.evaluate("window.__cspViolations") == [], where

    for url in [*content_urls(page), "/login", "/register"]:
        page.goto(url)
        check(url)
    page.goto("/glossary")
    page.locator("#q").fill("attention")  # htmx search with its indicator
    expect(page).to_have_url(re.compile(r"/glossary\?q=attention"))
    check("search")
    sign_up(page)
    check("/study")
    shown = page.locator("#study input[name=token]").get_attribute("value")
    page.keyboard.press("Space")
    page.keyboard.press("3")  # htmx swaps in the next card
    expect(page.locator("#study input[name=token]")).not_to_have_attribute("value", shown or "")
    check("answer")
    page.goto("/settings")
    page.get_by_label("Desired retention").fill("2")
    page.get_by_role("button", name="Save settings").click()
    check("settings with errors")
    assert [text for text in console if "Content Security Policy" in text] == []


@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_finds_no_violation_on_the_main_pages(context_factory, width: str) -> None:  # type: ignore[no-untyped-def]
    page = context_factory(viewport=WIDTHS[width])
    axe = Axe()
    found: dict[str, str] = {}

    def audit(where: str) -> None:
        results = axe.run(page)
        if results.violations_count:
            found[where] = results.generate_report()

    for url in [*content_urls(page), "/login", "/register"]:
        page.goto(url)
        audit(url)
    sign_up(page)
    audit("/study")
    page.keyboard.press("Space")
    expect(page.locator("#answer")).to_be_visible()
    audit("/study, answer shown")
    page.goto("/settings")
    audit("/settings")
    page.get_by_label("Desired retention").fill("0.99")
    page.get_by_label("Time zone").fill("Nowhere/Special")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Choose a retention between 0.70 and 0.97.")).to_be_visible()
    audit("/settings with errors")
    assert found == {}, "\n\n".join(f"{where}:\n{report}" for where, report in found.items())


def test_a_failed_save_moves_focus_to_the_first_field_in_error(context_factory) -> None:  # type: ignore[no-untyped-def]
    page = context_factory()
    sign_up(page)
    page.goto("/settings")
    page.get_by_label("Learning steps", exact=True).fill("soon")
    page.get_by_label("Time zone").fill("Nowhere/Special")
    page.get_by_role("button", name="Save settings").click()
    steps = page.get_by_label("Learning steps", exact=True)
    expect(steps).to_be_focused()
    description = steps.get_attribute("aria-describedby") or ""
    assert description.split() == ["learning_steps-error", "steps-help"]
    expect(page.locator("#learning_steps-error")).to_contain_text("is not a step")


def test_back_after_answering_shows_the_current_card_not_the_answered_one(context_factory) -> None:  # type: ignore[no-untyped-def]
    page = context_factory()
    sign_up(page)
    page.get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="Study", exact=True).click()  # a plain GET, as a learner usually arrives
    answered = page.locator("#study input[name=token]").get_attribute("value")
    page.keyboard.press("Space")
    page.keyboard.press("3")
    expect(page.locator("#study input[name=token]")).not_to_have_attribute("value", answered or "")
    page.get_by_role("link", name="Glossary").click()
    expect(page).to_have_url("/glossary")
    page.go_back()
    expect(page).to_have_url("/study")
    page.wait_for_load_state()
    expect(page.locator("#card-front")).to_be_visible()
    assert page.locator("#study input[name=token]").get_attribute("value") != answered, (
        "Back showed the card already answered"
    )


def test_signed_in_learners_are_sent_on_from_the_sign_up_page(context_factory) -> None:  # type: ignore[no-untyped-def]
    page = context_factory()
    sign_up(page)
    page.go_back()  # back to the sign-up form: it is not kept, and the server sends the learner on
    expect(page).to_have_url("/study")
    page.goto("/login?next=/articles")
    expect(page).to_have_url("/articles")


def test_no_favicon_request_fails(context_factory) -> None:  # type: ignore[no-untyped-def]
    page = context_factory()
    failures: list[str] = []
    page.on("response", lambda response: failures.append(response.url) if response.status >= 400 else None)
    page.goto("/")
    page.goto("/favicon.ico")
    assert failures == []
