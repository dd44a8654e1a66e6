"""A visitor searches the glossary, opens a term, follows a related term and opens an article."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_search_open_term_follow_related_open_article(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Browse the glossary").click()
    expect(page.get_by_role("heading", name="Glossary", exact=True)).to_be_visible()

    # Search as you type: htmx swaps the results in without a page load.
    page.get_by_label("Search terms").fill("quantiz")
    results = page.locator("#results")
    expect(results).to_contain_text("for “quantiz”")
    qlora = results.locator('a[href="/glossary/qlora"]')
    expect(qlora).to_be_visible()
    qlora.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("QLoRA")
    expect(page.get_by_text("Related terms")).to_be_visible()
    page.locator('dl.relations a[href="/glossary/lora"]').first.click()
    expect(page).to_have_url("/glossary/lora")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Low-Rank Adaptation")

    page.get_by_role("link", name="What are LoRA and QLoRA?").first.click()
    expect(page).to_have_url("/articles/lora-and-qlora")
    expect(page.get_by_role("heading", level=1)).to_have_text("What are LoRA and QLoRA?")
    expect(page.locator("ol.key-points li").first).to_be_visible()


def test_search_works_without_javascript(browser: object, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto("/glossary")
    page.get_by_label("Search terms").fill("temperature")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url("/glossary?q=temperature&zone=")
    expect(page.locator("#results")).to_contain_text("for “temperature”")
    context.close()


def test_pages_fit_a_375_pixel_phone(browser: object, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740})  # type: ignore[attr-defined]
    page = context.new_page()
    for url in ("/", "/glossary", "/glossary/retrieval-augmented-generation", "/articles/agents-vs-models"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)
    context.close()


def test_unknown_term_shows_the_404_page(page: Page) -> None:
    response = page.goto("/glossary/not-a-term")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_typing_replaces_the_url_and_back_keeps_the_box_filled(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Browse the glossary").click()
    expect(page).to_have_url("/glossary")
    entries = page.evaluate("history.length")

    box = page.get_by_label("Search terms")
    box.press_sequentially("atten", delay=300)  # slower than the debounce: a request per key
    results = page.locator("#results")
    expect(results).to_contain_text("for “atten”")
    expect(page).to_have_url("/glossary?q=atten&zone=")
    assert page.evaluate("history.length") == entries  # replaced, not one entry per keystroke
    expect(results.locator("ol.ranked li").first).to_contain_text("Attention Mechanism")

    results.get_by_role("link", name="Attention Mechanism").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Attention Mechanism")
    page.go_back()
    expect(page).to_have_url("/glossary?q=atten&zone=")
    expect(page.get_by_label("Search terms")).to_have_value("atten")
    expect(page.locator("#results")).to_contain_text("for “atten”")

    page.go_back()  # the search was one entry: Back again leaves the glossary
    expect(page).to_have_url("/")


def test_a_misspelling_offers_did_you_mean_as_you_type(page: Page) -> None:
    page.goto("/glossary")
    page.get_by_label("Search terms").fill("attension")
    suggestion = page.locator("#results .suggestion")
    expect(suggestion).to_contain_text("Did you mean Attention Mechanism?")
    suggestion.get_by_role("link").click()
    expect(page).to_have_url("/glossary?q=Attention+Mechanism")
    expect(page.get_by_label("Search terms")).to_have_value("Attention Mechanism")
    expect(page.locator("#results ol.ranked li").first).to_contain_text("Attention Mechanism")
