"""Quiz journeys in a real browser: a visitor's keyboard-only Test, a learner's mistakes and
history, Learn to done, and Match by keyboard."""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def answer_by_keyboard(page: Page, wrong: bool = False) -> None:
    """Answer the current question with the keyboard alone, then move on with Enter."""
    quiz = page.locator("#quiz")
    if quiz.locator("input[type=radio]").count():
        keys = [k for k in quiz.locator("input[type=radio]").evaluate_all("els => els.map(e => e.dataset.key)")]
        page.keyboard.press(keys[-1] if wrong else keys[0])
        page.keyboard.press("Enter")
    elif quiz.locator("select").count():
        for n in range(quiz.locator("select").count()):
            quiz.locator("select").nth(n).focus()
            page.keyboard.press("ArrowDown")
        quiz.get_by_role("button", name=re.compile("Check")).focus()
        page.keyboard.press("Enter")
    else:
        page.keyboard.type("a guess")
        page.keyboard.press("Enter")


def next_question(page: Page) -> None:
    expect(page.locator("#feedback-heading")).to_be_visible()
    page.keyboard.press("Enter")


def sign_up(page: Page) -> None:
    page.goto("/register")
    page.get_by_label("Username").fill(f"quiz-{uuid.uuid4().hex[:10]}")
    page.get_by_label("Password").fill("a long and memorable passphrase")
    page.get_by_role("button", name="Sign up").click()


def test_a_visitor_takes_a_mixed_ten_question_test_by_keyboard_and_sees_the_results(page: Page) -> None:
    page.goto("/quiz")
    page.get_by_role("button", name="Quick quiz: 10 mixed questions").click()
    for n in range(10):
        expect(page.locator(".quiz-progress")).to_contain_text(f"Question {n + 1} of 10")
        answer_by_keyboard(page)
        next_question(page)
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
    expect(page.locator(".score")).to_contain_text("of 10")
    assert page.locator("tbody tr").count() == 10


def test_a_learner_practises_their_mistakes_and_finds_both_attempts_in_history(page: Page) -> None:
    sign_up(page)
    page.goto("/quiz")
    page.get_by_label("Everything").check()
    page.get_by_label("5 questions").check()
    page.get_by_label("True or false").check()
    page.get_by_role("button", name="Start the test").click()
    for _ in range(5):
        answer_by_keyboard(page, wrong=True)
        next_question(page)
    page.get_by_role("button", name="Practise my mistakes").click()
    expect(page.locator(".quiz-progress")).to_contain_text("Question 1 of")
    answer_by_keyboard(page)
    page.goto("/quiz/history")
    expect(page.locator("tbody tr").first).to_be_visible()
    assert page.locator("table").first.locator("tbody tr").count() == 2


def definitions(database: Path) -> dict[str, str]:
    """Each term's label and name -> its definition, read from the live server's database."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name, acronym, definition FROM term").fetchall()
    found = {}
    for name, acronym, definition in rows:
        found[name] = definition
        found[f"{name} ({acronym})" if acronym else name] = definition
    return found


def test_a_learn_session_runs_to_done(page: Page, live_database: Path) -> None:
    """Answer wrong the first time a question is seen, then right from what the feedback taught."""
    known: dict[str, str] = {}
    page.goto("/quiz")
    page.locator("#learn-topic").select_option(index=4)
    page.get_by_role("button", name="Start learning").click()
    for _ in range(400):
        if page.get_by_role("heading", name="Your results").count():
            break
        quiz = page.locator("#quiz")
        if quiz.locator("#feedback-heading").count():
            prompt = quiz.locator(".feedback .front").inner_text().strip()
            known[prompt] = quiz.locator(".feedback .answer").inner_text().strip()
            page.keyboard.press("Enter")
            expect(page.locator("#quiz-prompt, h1:has-text('Your results')").first).to_be_visible()
            continue
        prompt = quiz.locator("#quiz-prompt").inner_text().strip()
        answer = known.get(prompt)
        radios = quiz.locator("input[type=radio]")
        if radios.count():
            values = radios.evaluate_all("els => els.map(e => e.value)")
            index = values.index(answer) if answer in values else 0
            radios.nth(index).check()
        else:
            quiz.locator("#response").fill(answer or "no idea")
        quiz.get_by_role("button", name="Check").click()
        expect(page.locator("#feedback-heading, h1:has-text('Your results')").first).to_be_visible()
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()


def test_a_match_game_is_finished_by_keyboard_and_its_time_kept(page: Page, live_database: Path) -> None:
    sign_up(page)
    meaning = definitions(live_database)
    page.goto("/quiz")
    page.locator("#match-topic").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Play Match
    expect(page.locator(".quiz-progress")).to_contain_text("Match")
    selects = page.locator("#quiz select")
    for n in range(selects.count()):
        label = page.locator(f"label[for=match-{n}]").inner_text().strip()
        selects.nth(n).focus()
        options = selects.nth(n).locator("option").evaluate_all("els => els.map(e => e.value)")
        for _ in range(options.index(meaning[label])):
            page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Check my pairs").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#feedback-heading")).to_have_text("Right")
    page.keyboard.press("Enter")
    expect(page.locator(".score")).to_contain_text("Time:")
    expect(page.locator(".score")).to_contain_text("Your best on this zone")


def test_a_typed_quiz_answer_with_a_typo_is_accepted_and_says_so(page: Page, live_database: Path) -> None:
    with sqlite3.connect(live_database) as connection:
        answers = dict(connection.execute("SELECT prompt, answer FROM question WHERE kind = 'cloze_typed'").fetchall())
    page.goto("/quiz")
    page.get_by_label("Everything").check()
    page.get_by_label("50 questions").check()
    page.get_by_label("Typed answers").check()
    page.get_by_role("button", name="Start the test").click()
    for _ in range(50):
        prompt = page.locator("#quiz-prompt").inner_text().strip()
        answer = answers.get(prompt, "")
        if len(answer) >= 9 and answer.isalpha():
            page.keyboard.type(answer[:3] + answer[4] + answer[3] + answer[5:])
            page.keyboard.press("Enter")
            expect(page.locator("#feedback-heading")).to_have_text("Right")
            expect(page.locator(".feedback")).to_contain_text("typo forgiven")
            return
        page.keyboard.type("a guess")
        page.keyboard.press("Enter")
        next_question(page)
        expect(page.locator("#quiz-prompt")).to_be_visible()
    pytest.fail("no typed question with a long one-word answer came up")
