"""Progress figures from hand-built histories, on SQLite and PostgreSQL.

Every history here is written answer by answer the way the review writes one: the card updated, a
review-log row appended, and `progress.record_answer` called in the same transaction. The figures
are then checked against numbers worked out by hand in each test.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from studyapp.core import scheduling, stats
from studyapp.core.scheduling import Rating, State
from studyapp.extensions import db
from studyapp.models import Card, Question, ReviewDay, ReviewLog, User, Zone
from studyapp.services import progress, study
from studyapp.services.accounts import hash_password
from studyapp.services.transaction import writing
from tests.conftest import FIXTURE_BANK, commit, import_bank

_HASH = hash_password("correct horse battery staple")
AGAIN, HARD, GOOD, EASY = Rating


def make_user(name: str = "ada", **settings: object) -> User:
    created = datetime(2025, 1, 1, tzinfo=UTC)
    user = User(
        username=name, username_key=name, password_hash=_HASH, created_at=created, updated_at=created, **settings
    )
    db.session.add(user)
    commit()
    return user


@pytest.fixture
def bank(app: Flask) -> Flask:
    import_bank(FIXTURE_BANK)
    return app


def flashcards(zone: str | None = None) -> list[Question]:
    query = select(Question).where(Question.study_order > 0).order_by(Question.study_order)
    if zone:
        query = query.join(Zone, Zone.id == Question.zone_id).where(Zone.slug == zone)
    return list(db.session.scalars(query))


def answer(
    user: User,
    question: Question,
    at: datetime,
    rating: Rating = GOOD,
    *,
    state_before: State = State.REVIEW,
    retrievability: float | None = 0.9,
    duration_ms: int = 10_000,
    due_after: datetime | None = None,
    state_after: State = State.REVIEW,
) -> ReviewLog:
    """One answer as the review writes it: card updated, log appended, roll-ups kept, one transaction."""
    due_after = due_after or at + timedelta(days=30)
    with writing(db.session):
        card = db.session.scalars(select(Card).where(Card.user_id == user.id, Card.question_id == question.id)).first()
        if card is None:
            card = Card(user_id=user.id, question_id=question.id, introduced_at=at, version=1)
            db.session.add(card)
        card.state, card.step, card.stability, card.difficulty = state_after, None, 30.0, 5.0
        card.due, card.last_review = due_after, at
        log = ReviewLog(
            user_id=user.id,
            token=secrets.token_hex(16),
            rating=rating,
            reviewed_at=at,
            duration_ms=duration_ms,
            state_before=state_before,
            state_after=state_after,
            retrievability=None if state_before == State.NEW else retrievability,
            before=None,
            stability_after=30.0,
            difficulty_after=5.0,
            due_after=due_after,
        )
        db.session.flush()
        log.card_id = card.id
        db.session.add(log)
        db.session.flush()
        progress.record_answer(
            db.session.connection(),
            user.settings,
            user_id=user.id,
            card_id=card.id,
            reviewed_at=at,
            rating=rating,
            state_before=state_before,
            retrievability=log.retrievability,
            duration_ms=duration_ms,
        )
    return log


def local(zone: str, *parts: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def board(user: User, now: datetime) -> progress.Dashboard:
    db.session.expire_all()
    return progress.dashboard(db.session, user, now)


def counts_by_day(b: progress.Dashboard) -> dict[date, int]:
    return {cell.day: cell.count for cell in b.heatmap.cells if cell.count}


# --- study days, heatmap ------------------------------------------------------------------


def test_heatmap_counts_split_at_the_learners_day_start(bank: Flask) -> None:
    user = make_user(timezone="Europe/Berlin", day_start_hour=4)
    q = flashcards()
    answer(user, q[0], local("Europe/Berlin", 2026, 3, 10, 3, 59))  # still 9 March's study day
    answer(user, q[1], local("Europe/Berlin", 2026, 3, 10, 4, 0))  # 10 March's
    answer(user, q[2], local("Europe/Berlin", 2026, 3, 11, 0, 30))  # after midnight: still 10 March
    answer(user, q[3], local("Europe/Berlin", 2026, 3, 11, 4, 0, 1))
    b = board(user, local("Europe/Berlin", 2026, 3, 11, 12, 0))
    assert counts_by_day(b) == {date(2026, 3, 9): 1, date(2026, 3, 10): 2, date(2026, 3, 11): 1}
    assert b.today == date(2026, 3, 11) and b.today_figures.reviews == 1
    assert b.heatmap.total == 4 and b.heatmap.active_days == 3


def test_a_25_hour_study_day_at_the_autumn_change_is_one_day(bank: Flask) -> None:
    # New York falls back on 1 November 2026: the study day starting at 4 am on 31 October lasts 25 hours.
    user = make_user(timezone="America/New_York", day_start_hour=4)
    q = flashcards()
    answer(user, q[0], datetime(2026, 10, 31, 8, 0, tzinfo=UTC))  # 04:00 EDT: 31 Oct starts
    answer(user, q[1], datetime(2026, 11, 1, 8, 59, tzinfo=UTC))  # 03:59 EST: still 31 Oct
    answer(user, q[2], datetime(2026, 11, 1, 9, 0, tzinfo=UTC))  # 04:00 EST: 1 Nov
    b = board(user, datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    assert counts_by_day(b) == {date(2026, 10, 31): 2, date(2026, 11, 1): 1}
    assert b.streaks == stats.Streaks(current=2, longest=2, studied_today=True)


def test_a_past_day_keeps_its_name_after_the_learner_moves(bank: Flask) -> None:
    user = make_user(timezone="Europe/Berlin", day_start_hour=4)
    answer(user, flashcards()[0], local("Europe/Berlin", 2026, 5, 1, 23, 30))
    user.timezone = "America/Los_Angeles"
    commit()
    b = board(user, local("America/Los_Angeles", 2026, 5, 2, 12, 0))
    assert counts_by_day(b) == {date(2026, 5, 1): 1}  # in Los Angeles it was 14:30 the same day anyway
    assert b.streaks.current == 1


def test_minutes_and_reviews_per_day_over_30_and_90_days(bank: Flask) -> None:
    user = make_user()
    q = flashcards()
    now = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    answer(user, q[0], now - timedelta(days=1), duration_ms=90_000)
    answer(user, q[1], now - timedelta(days=1), duration_ms=30_000)
    answer(user, q[2], now - timedelta(days=40), duration_ms=60_000)
    b = board(user, now)
    thirty, ninety = dict(b.per_day[30]), dict(b.per_day[90])
    assert len(thirty) == 30 and len(ninety) == 90
    assert thirty[date(2026, 6, 29)] == progress.DayFigures(2, 120)
    assert date(2026, 5, 21) not in thirty and ninety[date(2026, 5, 21)] == progress.DayFigures(1, 60)
    assert sum(f.reviews for f in ninety.values()) == 3
    assert [bar.value for bar in b.charts["minutes30"].bars][-2] == 2.0


# --- streaks ------------------------------------------------------------------------------


def test_a_day_with_nothing_due_does_not_break_the_streak(bank: Flask) -> None:
    user = make_user()
    q = flashcards()
    day = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
    # Two study days, then every card due three days later; the learner comes back on time.
    answer(user, q[0], day, due_after=day + timedelta(days=4))
    answer(user, q[0], day + timedelta(days=1), due_after=day + timedelta(days=4))
    answer(user, q[0], day + timedelta(days=4), due_after=day + timedelta(days=5))
    b = board(user, day + timedelta(days=4, hours=1))
    assert b.streaks == stats.Streaks(current=3, longest=3, studied_today=True)


def test_a_day_with_something_due_and_no_study_breaks_the_streak(bank: Flask) -> None:
    user = make_user()
    q = flashcards()
    day = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
    answer(user, q[0], day, due_after=day + timedelta(days=1))
    answer(user, q[0], day + timedelta(days=1), due_after=day + timedelta(days=2))
    answer(user, q[0], day + timedelta(days=2), due_after=day + timedelta(days=3))
    # Day 3: q[0] was due and nothing was studied. Days 4 and 5 studied.
    answer(user, q[0], day + timedelta(days=4), due_after=day + timedelta(days=5))
    answer(user, q[0], day + timedelta(days=5), due_after=day + timedelta(days=20))
    b = board(user, day + timedelta(days=5, hours=1))
    assert b.streaks == stats.Streaks(current=2, longest=3, studied_today=True)
    # Nothing due until day 20: the current streak is alive on day 10 without studying since day 5.
    assert board(user, day + timedelta(days=10)).streaks == stats.Streaks(current=2, longest=3, studied_today=False)
    # On day 21 the card has been due for a day: the streak is over, the record stays.
    assert board(user, day + timedelta(days=21)).streaks == stats.Streaks(current=0, longest=3, studied_today=False)


def test_today_does_not_break_the_streak_before_it_is_over(bank: Flask) -> None:
    user = make_user(timezone="Asia/Tokyo", day_start_hour=5)
    q = flashcards()
    answer(user, q[0], local("Asia/Tokyo", 2026, 4, 1, 20, 0), due_after=local("Asia/Tokyo", 2026, 4, 2, 9, 0))
    # 2 April, 06:00 in Tokyo: the card is due today but today is not over.
    b = board(user, local("Asia/Tokyo", 2026, 4, 2, 6, 0))
    assert b.streaks == stats.Streaks(current=1, longest=1, studied_today=False)
    # 3 April: 2 April passed with a card due and no study.
    assert board(user, local("Asia/Tokyo", 2026, 4, 3, 6, 0)).streaks.current == 0


def test_streak_days_follow_the_day_start_hour(bank: Flask) -> None:
    user = make_user(timezone="UTC", day_start_hour=0)
    q = flashcards()
    # 23:50 and 00:10: two calendar days with midnight as the day start...
    answer(user, q[0], datetime(2026, 7, 1, 23, 50, tzinfo=UTC), due_after=datetime(2026, 7, 2, 1, tzinfo=UTC))
    answer(user, q[1], datetime(2026, 7, 2, 0, 10, tzinfo=UTC), due_after=datetime(2026, 7, 3, 1, tzinfo=UTC))
    assert board(user, datetime(2026, 7, 2, 12, tzinfo=UTC)).streaks.current == 2
    # ...and one study day when the day starts at 4 am (answers recorded under that setting).
    other = make_user("bob", timezone="UTC", day_start_hour=4)
    answer(other, q[0], datetime(2026, 7, 1, 23, 50, tzinfo=UTC), due_after=datetime(2026, 7, 2, 1, tzinfo=UTC))
    answer(other, q[1], datetime(2026, 7, 2, 0, 10, tzinfo=UTC), due_after=datetime(2026, 7, 3, 1, tzinfo=UTC))
    assert board(other, datetime(2026, 7, 2, 2, tzinfo=UTC)).streaks.current == 1


# --- retention and calibration --------------------------------------------------------------


def test_true_retention_counts_review_answers_that_were_not_again(bank: Flask) -> None:
    user = make_user()
    green, red = flashcards("green"), flashcards("red")
    now = datetime(2026, 9, 30, 12, tzinfo=UTC)
    answer(user, green[0], now - timedelta(days=1), GOOD)
    answer(user, green[1], now - timedelta(days=2), AGAIN)
    answer(user, green[2], now - timedelta(days=3), HARD)  # Hard is a pass
    answer(user, red[0], now - timedelta(days=10), AGAIN)  # in 30 and 365, not 7
    answer(user, red[1], now - timedelta(days=100), EASY)  # in 365 only
    answer(user, red[2], now - timedelta(days=400), AGAIN)  # in none
    # Answers on new and learning cards are not retention: a first answer, a relearning step.
    answer(user, green[3], now - timedelta(days=1), AGAIN, state_before=State.NEW)
    answer(user, green[3], now - timedelta(days=1), AGAIN, state_before=State.RELEARNING)
    rows = {r.label: r for r in board(user, now).retention}
    overall = rows["All cards"]
    assert overall.answers == (3, 4, 5)
    assert overall.rates == (2 / 3, 2 / 4, 3 / 5)
    green_name = db.session.scalar(select(Zone.name).where(Zone.slug == "green"))
    red_name = db.session.scalar(select(Zone.name).where(Zone.slug == "red"))
    assert rows[green_name].rates == (2 / 3, 2 / 3, 2 / 3)
    assert rows[red_name].answers == (0, 1, 2) and rows[red_name].rates == (None, 0.0, 0.5)


def test_retention_without_any_again_is_100_percent_and_none_without_answers(bank: Flask) -> None:
    user = make_user()
    now = datetime(2026, 9, 30, 12, tzinfo=UTC)
    assert board(user, now).retention[0].rates == (None, None, None)
    for i, q in enumerate(flashcards()[:4]):
        answer(user, q, now - timedelta(days=i), [HARD, GOOD, EASY, GOOD][i])
    assert board(user, now).retention[0].rates == (1.0, 1.0, 1.0)


def test_calibration_bins_compare_predicted_recall_with_passes(bank: Flask) -> None:
    user = make_user()
    q = flashcards()
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for i, (predicted, rating) in enumerate(
        [(0.95, GOOD), (0.91, AGAIN), (1.0, GOOD), (0.55, AGAIN), (0.59, GOOD), (0.05, AGAIN)]
    ):
        answer(user, q[i % len(q)], at + timedelta(minutes=i), rating, retrievability=predicted)
    answer(user, q[0], at, GOOD, state_before=State.NEW)  # a first answer has no prediction
    bins = {(round(b.low, 1), round(b.high, 1)): b for b in board(user, at + timedelta(hours=1)).calibration}
    assert set(bins) == {(0.0, 0.1), (0.5, 0.6), (0.9, 1.0)}
    top = bins[(0.9, 1.0)]
    assert top.answers == 3 and top.actual == pytest.approx(2 / 3) and top.predicted == pytest.approx(2.86 / 3)
    assert bins[(0.5, 0.6)].actual == 0.5 and bins[(0.5, 0.6)].predicted == pytest.approx(0.57)
    assert bins[(0.0, 0.1)].actual == 0.0


def test_undo_takes_an_answer_back_out_of_every_figure(bank: Flask) -> None:
    user = make_user()
    q = flashcards()
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    answer(user, q[0], at, GOOD)
    log = answer(user, q[1], at + timedelta(minutes=1), AGAIN, retrievability=0.42)
    with writing(db.session):
        db.session.delete(log)
        progress.forget_answer(db.session.connection(), user.settings, log)
    b = board(user, at + timedelta(hours=1))
    assert b.today_figures == progress.DayFigures(1, 10)
    assert b.retention[0].rates[0] == 1.0
    assert [(c.answers, round(c.low, 1)) for c in b.calibration] == [(1, 0.9)]


# --- forecast, states, mastery -------------------------------------------------------------


def test_forecast_counts_cards_due_per_study_day_with_overdue_today(bank: Flask) -> None:
    user = make_user(timezone="Europe/Berlin", day_start_hour=4)
    q = flashcards()
    now = local("Europe/Berlin", 2026, 10, 20, 12, 0)
    answer(user, q[0], now - timedelta(days=9), due_after=now - timedelta(days=2))  # overdue: today
    answer(user, q[1], now - timedelta(days=9), due_after=local("Europe/Berlin", 2026, 10, 21, 3, 59))  # today
    answer(user, q[2], now - timedelta(days=9), due_after=local("Europe/Berlin", 2026, 10, 21, 4, 0))  # tomorrow
    # The 25th is the autumn change in Berlin: a card due at 3:30 on the 26th is still the 25th's.
    answer(user, q[3], now - timedelta(days=9), due_after=local("Europe/Berlin", 2026, 10, 26, 3, 30))
    answer(user, q[4], now - timedelta(days=9), due_after=local("Europe/Berlin", 2026, 11, 18, 12, 0))  # day 29
    answer(user, q[5], now - timedelta(days=9), due_after=local("Europe/Berlin", 2026, 11, 19, 12, 0))  # day 30: out
    suspended = answer(user, q[6], now - timedelta(days=9), due_after=now)
    db.session.get(Card, suspended.card_id).suspended = True  # type: ignore[union-attr]
    commit()
    forecast = dict(board(user, now).forecast)
    assert len(forecast) == 30
    assert forecast[date(2026, 10, 20)] == 2
    assert forecast[date(2026, 10, 21)] == 1
    assert forecast[date(2026, 10, 25)] == 1
    assert forecast[date(2026, 11, 18)] == 1
    assert sum(forecast.values()) == 5


def test_cards_by_state_and_mastery_per_zone(bank: Flask) -> None:
    user = make_user()
    green = flashcards("green")
    now = datetime(2026, 8, 1, 12, tzinfo=UTC)
    answer(user, green[0], now - timedelta(days=1), state_after=State.LEARNING, due_after=now)
    answer(user, green[1], now - timedelta(days=1), due_after=now + timedelta(days=5))  # young: 6-day interval
    answer(user, green[2], now - timedelta(days=30), due_after=now + timedelta(days=30))  # mature
    answer(user, green[3], now - timedelta(days=30), due_after=now - timedelta(days=9))  # 21 days: mature
    study.set_suspended(db.session, user, green[4].id, True, now)
    b = board(user, now)
    live_flashcards = len(flashcards())
    assert b.states == progress.CardStates(new=live_flashcards - 5, learning=1, young=1, mature=2, suspended=1)
    green_row = next(m for m in b.mastery if m.kind == "zone" and m.slug == "green")
    assert (green_row.cards, green_row.mature) == (5, 2)
    # Retrievability now, by FSRS-6's curve on each answered card (stability 30, whole days elapsed).
    expected = [stats.recall(d, 30.0) for d in (1, 1, 30, 30)]
    assert green_row.average_recall == pytest.approx(sum(expected) / 4)
    settings = user.settings.scheduler()
    card = scheduling.CardState(
        state=State.REVIEW, step=None, stability=30.0, difficulty=5.0, due=now, last_review=now - timedelta(days=30)
    )
    assert stats.recall(30, 30.0) == pytest.approx(scheduling.retrievability(settings, card, now))
    green_terms = {q.term_id for q in flashcards("green") if q.key_point_id is None}
    answered_terms = {q.term_id for q in green[:5] if q.key_point_id is None}
    assert green_row.unseen == len(green_terms - answered_terms)


def test_a_new_learner_sees_an_empty_dashboard(bank: Flask) -> None:
    user = make_user()
    b = board(user, datetime(2026, 8, 1, 12, tzinfo=UTC))
    assert b.is_empty and b.streaks == stats.Streaks(0, 0, False)
    assert b.states.new == len(flashcards()) and b.states.total == b.states.new
    assert b.calibration == [] and sum(n for _, n in b.forecast) == 0


def test_the_dashboard_is_at_most_15_aggregate_statements(bank: Flask) -> None:
    user = make_user()
    q = flashcards()
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    for i in range(60):
        answer(user, q[i % len(q)], start + timedelta(days=i % 40, minutes=i), [AGAIN, GOOD][i % 2])
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        progress.dashboard(db.session, user, start + timedelta(days=41))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 15, statements
    assert not any("review_log" in s.lower() for s in statements)


# --- card browser -------------------------------------------------------------------------


def test_browser_filters_searches_sorts_and_pages(bank: Flask) -> None:
    user = make_user()
    q = flashcards()
    now = datetime(2026, 8, 1, 12, tzinfo=UTC)
    for i, question in enumerate(q):
        answer(user, question, now - timedelta(days=1), due_after=now + timedelta(days=i + 1))  # interval i + 2 days
    page = progress.browse(db.session, user, progress.BrowseQuery(), now)
    assert page.total == len(q) and [c.due for c in page.cards] == sorted(c.due for c in page.cards)
    green = progress.browse(db.session, user, progress.BrowseQuery(zone="green"), now)
    assert green.total == len(flashcards("green")) and all(c.zone for c in green.cards)
    target = page.cards[0]
    found = progress.browse(db.session, user, progress.BrowseQuery(search=target.item[:12].upper()), now)
    assert target.id in {c.id for c in found.cards}
    by_recall = progress.browse(db.session, user, progress.BrowseQuery(sort="retrievability"), now)
    recalls = [c.recall for c in by_recall.cards]
    assert recalls == sorted(recalls)  # type: ignore[type-var]
    mature = progress.browse(db.session, user, progress.BrowseQuery(state="mature"), now)
    assert mature.total == sum(1 for i in range(len(q)) if i + 2 >= stats.MATURE_DAYS) > 0
    assert {c.state for c in mature.cards} == {"mature"}
    assert progress.browse(db.session, user, progress.BrowseQuery(state="young"), now).total == len(q) - mature.total
    assert progress.browse(db.session, user, progress.BrowseQuery(search="100%_\\"), now).total == 0
    # A page past the end shows the last page.
    assert progress.browse(db.session, user, progress.BrowseQuery(page=99), now).page == page.pages


def test_browser_pages_hold_at_most_50_cards(bank: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "CARDS_PER_PAGE", 3)
    user = make_user()
    now = datetime(2026, 8, 1, 12, tzinfo=UTC)
    for question in flashcards()[:7]:
        answer(user, question, now - timedelta(days=1))
    pages = [progress.browse(db.session, user, progress.BrowseQuery(page=n), now) for n in (1, 2, 3)]
    assert [len(p.cards) for p in pages] == [3, 3, 1] and pages[0].pages == 3
    assert len({c.id for p in pages for c in p.cards}) == 7


def test_suspend_unsuspend_and_reset_from_the_browser(bank: Flask) -> None:
    user, other = make_user(), make_user("bob")
    now = datetime(2026, 8, 1, 12, tzinfo=UTC)
    log = answer(user, flashcards()[0], now - timedelta(days=3), AGAIN)
    card_id = log.card_id
    assert not progress.set_suspended(db.session, other, card_id, True, now)
    assert progress.set_suspended(db.session, user, card_id, True, now)
    assert progress.browse(db.session, user, progress.BrowseQuery(state="suspended"), now).total == 1
    assert progress.set_suspended(db.session, user, card_id, False, now)
    assert not progress.reset_card(db.session, other, card_id, now)
    assert progress.reset_card(db.session, user, card_id, now)
    db.session.expire_all()
    card = db.session.get(Card, card_id)
    assert card is not None and card.last_review is None and card.lapses == 0 and card.introduced_at is None
    assert db.session.scalar(select(func.count()).select_from(ReviewLog).where(ReviewLog.card_id == card_id)) == 1
    assert progress.browse(db.session, user, progress.BrowseQuery(), now).cards[0].state == "new"


# --- export -------------------------------------------------------------------------------


def test_the_export_rows_are_the_review_log(bank: Flask) -> None:
    user, other = make_user(timezone="Europe/Berlin"), make_user("bob")
    q = flashcards()
    at = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 03:00 in Berlin: the previous study day
    logs = [answer(user, q[i], at + timedelta(hours=i), [AGAIN, GOOD, EASY][i % 3]) for i in range(5)]
    answer(other, q[0], at)
    rows = list(csv.DictReader(io.StringIO("".join(progress.export_csv(db.session, user, "reviews")))))
    assert len(rows) == 5
    assert tuple(rows[0]) == progress.REVIEW_COLUMNS
    for row, log in zip(rows, logs, strict=True):
        assert datetime.fromisoformat(row["reviewed_at"]) == log.reviewed_at
        assert (int(row["card_id"]), int(row["rating"]), int(row["duration_ms"])) == (
            log.card_id,
            log.rating,
            log.duration_ms,
        )
        assert row["rating_name"] == Rating(log.rating).label
    assert rows[0]["study_day"] == "2026-03-31" and rows[1]["study_day"] == "2026-04-01"
    document = json.loads("".join(progress.export_json(db.session, user, at)))
    assert [r["card_id"] for r in document["reviews"]] == [log.card_id for log in logs]
    assert len(document["cards"]) == 5 and document["quizzes"] == []
    assert document["columns"]["reviews"] == list(progress.REVIEW_COLUMNS)
    cards = list(csv.DictReader(io.StringIO("".join(progress.export_csv(db.session, user, "cards")))))
    assert {int(c["card_id"]) for c in cards} == {log.card_id for log in logs}


def test_the_export_streams_in_batches(bank: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "_BATCH", 2)
    user = make_user()
    q = flashcards()
    at = datetime(2026, 4, 1, 12, tzinfo=UTC)
    for i in range(5):
        answer(user, q[i], at + timedelta(minutes=i))
    chunks = list(progress.export_csv(db.session, user, "reviews"))
    assert len(chunks) == 3  # the header with rows 1-2, rows 3-4, row 5
    assert sum(chunk.count("\r\n") for chunk in chunks) == 6


# --- home -----------------------------------------------------------------------------------


def test_home_shows_due_now_new_available_streak_and_minutes(bank: Flask) -> None:
    user = make_user(daily_goal_minutes=4)
    q = flashcards()
    now = datetime(2026, 5, 5, 12, tzinfo=UTC)
    answer(user, q[0], now - timedelta(days=1), due_after=now - timedelta(hours=1), duration_ms=60_000)
    answer(user, q[1], now - timedelta(minutes=5), due_after=now + timedelta(days=3), duration_ms=120_000)
    db.session.expire_all()
    home = progress.home(db.session, user, now)
    assert home.due_now == 1
    assert home.new_available == study.today(db.session, user, now).counts.new > 0
    assert home.streaks.current == 2 and home.today == progress.DayFigures(1, 120)
    assert (home.goal_minutes, home.goal_percent) == (4, 50)


def test_the_review_keeps_the_roll_up(bank: Flask) -> None:
    user = make_user()
    now = datetime(2026, 5, 5, 12, tzinfo=UTC)
    shown = study.today(db.session, user, now).card
    assert shown is not None
    study.answer(
        db.session,
        user,
        question_id=shown.question.id,
        card_id=None,
        version=0,
        token=shown.token,
        rating=GOOD,
        shown_at=now,
        now=now,
    )
    assert db.session.scalar(select(ReviewDay.reviews).where(ReviewDay.user_id == user.id)) == 1
    study.undo(db.session, user, now)
    assert db.session.scalar(select(ReviewDay.reviews).where(ReviewDay.user_id == user.id)) == 0


def test_a_term_page_shows_the_learners_cards_history_and_curve(bank: Flask) -> None:
    user, other = make_user(), make_user("bob")
    question = next(q for q in flashcards() if q.term_id is not None and q.key_point_id is None)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    answer(user, question, now - timedelta(days=20), AGAIN, state_before=State.NEW)
    answer(user, question, now - timedelta(days=10), GOOD, due_after=now + timedelta(days=20))
    answer(other, question, now - timedelta(days=1))
    cards = progress.term_cards(db.session, user, question.term_id, now)  # type: ignore[arg-type]
    mine = next(c for c in cards if c.kind == question.kind)
    assert [(r[1], r[2]) for r in mine.reviews] == [("Good", "review"), ("Again", "new")]
    assert mine.state == "mature" and mine.recall  # a 30-day interval == pytest.approx(stats.recall(10, 30.0))
    assert mine.curve is not None and mine.curve.now is not None and mine.curve.span_days == 60
    assert progress.term_cards(db.session, make_user("cy"), question.term_id, now) == []  # type: ignore[arg-type]
