"""Pure figures for the progress pages: study days, streaks, retention, calibration, chart geometry.

Everything here works on values the progress service has already aggregated in SQL (one row per
study day, per topic or per retrievability bin), never on review rows, and takes `now` or `today`
as a parameter.

A study day is named by the local date it starts on: with the day starting at 4 am, an answer at
01:30 on 3 March counts for 2 March. The UTC instants where days begin are worked out here with
zoneinfo, so a 23- or 25-hour day around a daylight-saving change is one day like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fsrs.scheduler import DEFAULT_PARAMETERS

MATURE_DAYS = 21  # Anki's line: a review card whose interval is 21 days or more is mature
CALIBRATION_BINS = 10  # predicted recall in tenths: [0, 0.1), ..., [0.9, 1.0]
RETENTION_WINDOWS = (7, 30, 365)
HEATMAP_DAYS = 365


# --- study days ---------------------------------------------------------------------------


def study_date(moment: datetime, timezone: str, day_start_hour: int) -> date:
    """The study day `moment` belongs to, named by the local date the day starts on."""
    local = moment.astimezone(ZoneInfo(timezone))
    return local.date() if local.hour >= day_start_hour else local.date() - timedelta(days=1)


def day_start(day: date, timezone: str, day_start_hour: int) -> datetime:
    """The UTC instant study day `day` begins.

    At a spring-forward gap the start hour may not exist locally (a 2 am start on a night that
    jumps from 2 to 3): zoneinfo then reads it with the offset before the gap, which lands on the
    first instant that does exist.
    """
    return datetime.combine(day, time(day_start_hour), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def day_starts(first: date, count: int, timezone: str, day_start_hour: int) -> list[datetime]:
    """The UTC starts of `count` consecutive study days from `first`, plus the end of the last."""
    return [day_start(first + timedelta(days=i), timezone, day_start_hour) for i in range(count + 1)]


# --- streaks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudiedDay:
    """A study day with at least one answer, and the soonest any card was due once it was over.

    `next_due` None means unknown (history from before it was recorded): the days after it then
    count as days something was due.
    """

    day: date
    next_due: datetime | None


@dataclass(frozen=True)
class Streaks:
    current: int
    longest: int
    studied_today: bool


def streaks(days: Sequence[StudiedDay], today: date, start_of: Callable[[date], datetime]) -> Streaks:
    """Current and longest streak, counted in study days.

    Days without answers between two study days break the streak only if something was due on
    one of them: the gap after study day A is forgiven when nothing came due before the next study
    day began (A's `next_due` at or after that day's start). Today never breaks the current
    streak: it is not over yet.
    """
    ordered = sorted(days, key=lambda d: d.day)

    def bridged(earlier: StudiedDay, later_day: date) -> bool:
        if later_day - earlier.day <= timedelta(days=1):
            return True
        return earlier.next_due is not None and earlier.next_due >= start_of(later_day)

    longest = run = 0
    for i, studied in enumerate(ordered):
        run = run + 1 if i and bridged(ordered[i - 1], studied.day) else 1
        longest = max(longest, run)
    if not ordered:
        return Streaks(0, 0, False)
    last = ordered[-1]
    studied_today = last.day == today
    alive = studied_today or bridged(last, today)
    return Streaks(current=run if alive else 0, longest=longest, studied_today=studied_today)


# --- retention and calibration -------------------------------------------------------------


def rate(passed: int, answers: int) -> float | None:
    """A pass rate, or None when there were no answers (shown as "no data", never as 0%)."""
    return passed / answers if answers else None


def calibration_bin(retrievability: float) -> int:
    """The bin a predicted recall falls in; 1.0 goes in the top bin."""
    return min(CALIBRATION_BINS - 1, max(0, int(retrievability * CALIBRATION_BINS)))


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    answers: int
    predicted: float  # mean predicted recall of the bin's answers
    actual: float  # share of them that were not Again


def calibration(rows: Sequence[tuple[int, int, int, float]]) -> list[CalibrationBin]:
    """(bin, answers, passed, sum of predictions) rows as bins, lowest first, empty bins left out."""
    bins = []
    for index, answers, passed, predicted_sum in sorted(rows):
        if answers:
            bins.append(
                CalibrationBin(
                    low=index / CALIBRATION_BINS,
                    high=(index + 1) / CALIBRATION_BINS,
                    answers=answers,
                    predicted=predicted_sum / answers,
                    actual=passed / answers,
                )
            )
    return bins


def decay(parameters: Sequence[float] | None) -> float:
    """FSRS-6's forgetting-curve exponent (w20) for a learner's parameters (None: the defaults)."""
    return float((parameters or DEFAULT_PARAMETERS)[20])


def curve_factor(parameters: Sequence[float] | None) -> float:
    """FSRS-6's factor, chosen so that recall is 90% when elapsed days equal the stability."""
    return float(0.9 ** (-1 / decay(parameters)) - 1)


def recall(elapsed_days: float, stability: float, parameters: Sequence[float] | None = None) -> float:
    """Predicted recall after `elapsed_days` (FSRS-6's forgetting curve; py-fsrs counts whole days)."""
    return float((1 + curve_factor(parameters) * elapsed_days / stability) ** -decay(parameters))


# --- chart geometry ------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    day: date
    count: int
    x: int
    y: int
    level: int  # 0 (none) to 4 (busiest), for the colour


@dataclass(frozen=True)
class Heatmap:
    cells: list[HeatCell]
    months: list[tuple[int, str]]  # (x, "Jan") where a month's first day falls
    width: int
    height: int
    cell: int
    total: int
    active_days: int


def heat_level(count: int, busiest: int) -> int:
    if count <= 0 or busiest <= 0:
        return 0
    return min(4, 1 + (4 * (count - 1)) // busiest)


def heatmap(counts: Mapping[date, int], today: date, days: int = HEATMAP_DAYS, cell: int = 12) -> Heatmap:
    """A year's calendar: one column per week (Monday on top), the last column holding today."""
    first = today - timedelta(days=days - 1)
    grid_start = first - timedelta(days=first.weekday())
    busiest = max((counts.get(first + timedelta(days=i), 0) for i in range(days)), default=0)
    cells, months = [], []
    top = 14  # room for month labels
    for i in range(days):
        day = first + timedelta(days=i)
        week = (day - grid_start).days // 7
        count = counts.get(day, 0)
        x = week * cell
        cells.append(HeatCell(day, count, x, top + day.weekday() * cell, heat_level(count, busiest)))
        if day.day == 1:
            months.append((x, day.strftime("%b")))
    weeks = (today - grid_start).days // 7 + 1
    return Heatmap(
        cells=cells,
        months=months,
        width=weeks * cell,
        height=top + 7 * cell,
        cell=cell,
        total=sum(c.count for c in cells),
        active_days=sum(1 for c in cells if c.count),
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    top: float  # the value the chart's full height stands for
    baseline: float  # y of the zero line


def bar_chart(values: Sequence[tuple[str, float]], width: int = 360, height: int = 120) -> BarChart:
    """Bars side by side filling `width`; the tallest reaches the top (a "nice" round value)."""
    top = nice_ceiling(max((v for _, v in values), default=0))
    slot = width / max(len(values), 1)
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, (label, value) in enumerate(values):
        bar_height = height * value / top if top else 0.0
        bars.append(Bar(label, value, i * slot + gap / 2, height - bar_height, slot - gap, bar_height))
    return BarChart(bars=bars, width=width, height=height, top=top, baseline=float(height))


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value` (0 stays 0)."""
    if value <= 0:
        return 0.0
    magnitude = 1.0
    while magnitude * 10 < value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class RecallCurve:
    points: list[tuple[float, float]]  # (x, y) of the forgetting curve from the last review
    now: tuple[float, float] | None  # where the card stands today, if within the span
    span_days: int
    width: int
    height: int


def recall_curve(
    stability: float,
    elapsed_days: float,
    parameters: Sequence[float] | None = None,
    width: int = 320,
    height: int = 120,
    steps: int = 40,
) -> RecallCurve:
    """Predicted recall from the last review over a span long enough to show today and the decay."""
    span = max(7, round(max(elapsed_days * 1.5, stability * 2)))
    points = []
    for i in range(steps + 1):
        day = span * i / steps
        points.append((width * i / steps, height * (1 - recall(day, stability, parameters))))
    now = None
    if 0 <= elapsed_days <= span:
        now = (width * elapsed_days / span, height * (1 - recall(int(elapsed_days), stability, parameters)))
    return RecallCurve(points=points, now=now, span_days=span, width=width, height=height)
