"""Pure progress figures: study days across time zones and DST, streaks, calibration, chart geometry."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from studyapp.core import scheduling, stats
from studyapp.core.scheduling import State
from studyapp.core.stats import Streaks, StudiedDay


@pytest.mark.parametrize(
    ("moment", "zone", "hour", "expected"),
    [
        (datetime(2026, 3, 10, 2, 59, tzinfo=UTC), "Europe/Berlin", 4, date(2026, 3, 9)),  # 03:59 local
        (datetime(2026, 3, 10, 3, 0, tzinfo=UTC), "Europe/Berlin", 4, date(2026, 3, 10)),  # 04:00 local
        (datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "Europe/Berlin", 0, date(2026, 3, 11)),
        (datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "America/New_York", 4, date(2026, 3, 10)),
        # Kathmandu is UTC+5:45: 22:14 UTC is 03:59 the next morning, still the day before.
        (datetime(2026, 3, 10, 22, 14, tzinfo=UTC), "Asia/Kathmandu", 4, date(2026, 3, 10)),
        (datetime(2026, 3, 10, 22, 15, tzinfo=UTC), "Asia/Kathmandu", 4, date(2026, 3, 11)),
    ],
)
def test_study_date(moment: datetime, zone: str, hour: int, expected: date) -> None:
    assert stats.study_date(moment, zone, hour) == expected


def test_study_days_agree_with_the_review_s_study_day() -> None:
    moment = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    for zone in ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"):
        for hour in (0, 3, 4, 23):
            start, end = scheduling.study_day(moment, zone, hour)
            day = stats.study_date(moment, zone, hour)
            assert stats.day_start(day, zone, hour) == start
            assert stats.day_start(day + timedelta(days=1), zone, hour) == end


def test_day_lengths_around_daylight_saving_changes() -> None:
    # The clocks spring forward at 2 am on 8 March, inside the study day that began at 4 am on the 7th.
    starts = stats.day_starts(date(2026, 3, 7), 3, "America/New_York", 4)
    assert [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(starts)] == [23, 24, 24]
    starts = stats.day_starts(date(2026, 10, 31), 2, "America/New_York", 4)  # fall back on 1 November
    assert [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(starts)] == [25, 24]


def test_a_day_start_inside_the_spring_gap_is_the_first_instant_that_exists() -> None:
    # New York skips 02:00-03:00 on 8 March 2026; a 2 am day start that night begins at 03:00 EDT.
    assert stats.day_start(date(2026, 3, 8), "America/New_York", 2) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)


def _day(n: int, next_due_in: float | None = 0.5) -> StudiedDay:
    day = date(2026, 1, 1) + timedelta(days=n)
    due = None if next_due_in is None else _start(day) + timedelta(days=next_due_in)
    return StudiedDay(day, due)


def test_streaks_count_consecutive_study_days() -> None:
    today = date(2026, 1, 1) + timedelta(days=9)
    days = [_day(0), _day(1), _day(2), _day(5), _day(6), _day(8), _day(9)]
    assert stats.streaks(days, today, _start) == Streaks(current=2, longest=3, studied_today=True)


def test_a_gap_with_nothing_due_is_bridged_and_one_with_something_due_is_not() -> None:
    today = date(2026, 1, 1) + timedelta(days=6)
    # After day 1 nothing was due until day 4 began (3 days on): days 2 and 3 are free.
    bridged = [_day(0), _day(1, next_due_in=3.0), _day(4), _day(5), _day(6)]
    assert stats.streaks(bridged, today, _start) == Streaks(5, 5, True)
    # One hour earlier, the card came due during day 3: the streak breaks there.
    broken = [_day(0), _day(1, next_due_in=2.96), _day(4), _day(5), _day(6)]
    assert stats.streaks(broken, today, _start) == Streaks(3, 3, True)
    # Unknown next due (history from before it was recorded) counts as something due.
    unknown = [_day(0), _day(1, next_due_in=None), _day(4)]
    assert stats.streaks(unknown, date(2026, 1, 5), _start) == Streaks(1, 2, True)


def test_the_current_streak_survives_until_a_due_day_passes_unstudied() -> None:
    days = [_day(0), _day(1, next_due_in=1.5)]
    assert stats.streaks(days, date(2026, 1, 3), _start) == Streaks(2, 2, False)  # due during today: not over
    assert stats.streaks(days, date(2026, 1, 4), _start) == Streaks(0, 2, False)
    assert stats.streaks([], date(2026, 1, 4), _start) == Streaks(0, 0, False)


def test_calibration_bins() -> None:
    assert [stats.calibration_bin(r) for r in (0.0, 0.0999, 0.1, 0.55, 0.9, 0.999, 1.0)] == [0, 0, 1, 5, 9, 9, 9]
    bins = stats.calibration([(9, 4, 3, 3.8), (0, 0, 0, 0.0), (5, 2, 1, 1.1)])
    assert [(b.low, b.answers, b.actual) for b in bins] == [(0.5, 2, 0.5), (0.9, 4, 0.75)]
    assert bins[1].predicted == pytest.approx(0.95)


def test_rate_is_none_without_answers() -> None:
    assert stats.rate(0, 0) is None and stats.rate(3, 4) == 0.75 and stats.rate(0, 2) == 0.0


def test_recall_is_fsrs_6_s_forgetting_curve() -> None:
    settings = scheduling.Settings()
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    for elapsed, stability in ((0, 1.0), (1, 2.5), (10, 10.0), (400, 35.0)):
        card = scheduling.CardState(State.REVIEW, None, stability, 5.0, now, now - timedelta(days=elapsed))
        assert stats.recall(elapsed, stability) == pytest.approx(scheduling.retrievability(settings, card, now))
    assert stats.recall(7, 7.0) == pytest.approx(0.9)


def test_heatmap_has_365_days_in_week_columns_with_today_last() -> None:
    today = date(2026, 12, 1)  # a Tuesday
    counts = {today: 10, today - timedelta(days=1): 1, today - timedelta(days=364): 5, today - timedelta(days=365): 99}
    heat = stats.heatmap(counts, today)
    assert len(heat.cells) == 365 and heat.cells[-1].day == today and heat.cells[0].day == today - timedelta(days=364)
    assert heat.total == 16 and heat.active_days == 3  # the day 365 days back is outside
    last = heat.cells[-1]
    assert last.x == heat.width - heat.cell and last.y == 14 + 1 * heat.cell  # Tuesday: second row
    assert heat.cells[-2].x == last.x and heat.cells[-2].y == 14  # Monday above it
    assert len({(c.x, c.y) for c in heat.cells}) == 365
    assert [c.level for c in heat.cells if c.count] == [2, 1, 4]  # 1 + 4 * (count - 1) // busiest
    assert [name for _, name in heat.months][:2] == ["Jan", "Feb"] and len(heat.months) == 12


def test_bar_chart_geometry() -> None:
    chart = stats.bar_chart([("a", 0), ("b", 3), ("c", 7)], width=300, height=100)
    assert chart.top == 10
    assert [round(b.height) for b in chart.bars] == [0, 30, 70]
    assert all(b.y + b.height == pytest.approx(100) for b in chart.bars)
    assert chart.bars[2].x + chart.bars[2].width <= 300 and chart.bars[1].x == pytest.approx(101)
    assert stats.bar_chart([]).top == 0


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), (0.3, 0.5), (1, 1), (7, 10), (11, 20), (23, 25), (26, 50), (120, 200)]
)
def test_nice_ceiling(value: float, expected: float) -> None:
    assert stats.nice_ceiling(value) == expected


def test_recall_curve_starts_at_full_recall_and_marks_today() -> None:
    curve = stats.recall_curve(stability=10.0, elapsed_days=10.0, width=200, height=100)
    assert curve.span_days == 20 and curve.points[0] == (0.0, 0.0) and curve.points[-1][0] == 200
    assert [y for _, y in curve.points] == sorted(y for _, y in curve.points)  # recall only falls
    assert curve.now == (100.0, pytest.approx(10.0))  # 90% recall when elapsed equals stability
    assert stats.recall_curve(stability=1.0, elapsed_days=400.0).now is not None
