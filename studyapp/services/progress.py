"""Progress: the dashboard's figures, the card browser, the export, and the roll-ups behind them.

The dashboard never reads the review log. Each answer adds itself, in its own transaction
(`record_answer`), to three small roll-ups: `review_day` (answers, time and review-card passes per
study day, and what was due next once the day was over), `review_topic_day` (review-card passes
per day, zone and article) and `calibration_tally` (review-card answers by predicted recall). A
learner with 100,000 answers over three years has about 1,100 day rows, so the dashboard is a
handful of aggregate statements whose cost barely grows with history. The study day of an answer
is fixed when it is recorded (the learner's time zone and day start at that moment): a day
studied in Berlin stays that day after a move to New York.

Figures about cards (states, mastery, retrievability now, the forecast) are aggregates over the
learner's card rows, computed in SQL: retrievability is FSRS-6's forgetting curve written as
SQL, counting whole elapsed days as py-fsrs does. Forecast days are bucketed with a CASE over
day boundaries computed in Python (zoneinfo), which handles daylight-saving changes on every
backend.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Float,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from studyapp.core import stats
from studyapp.core.review import CardSnapshot
from studyapp.core.scheduling import Rating, State
from studyapp.core.settings import LearnerSettings
from studyapp.models import (
    Article,
    CalibrationTally,
    Card,
    KeyPoint,
    Question,
    QuizAttempt,
    ReviewDay,
    ReviewLog,
    ReviewTopicDay,
    Term,
    Zone,
)
from studyapp.services import study
from studyapp.services.prepared import Prepared
from studyapp.services.transaction import read_in_transaction, writing

CARDS_PER_PAGE = 50
BROWSER_STATES = ("new", "learning", "young", "mature", "suspended")
BROWSER_SORTS = ("due", "retrievability", "lapses", "item", "zone")


class Learner(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def settings(self) -> LearnerSettings: ...


# --- the roll-ups, kept in the answer's transaction ------------------------------------------


def _next_due() -> Any:
    """The soonest any answered, unsuspended card of the learner is due: three index seeks."""
    per_state = [
        select(func.min(Card.due).label("due")).where(
            Card.user_id == bindparam("user_id"),
            Card.state == state,
            Card.suspended.is_(False),
            Card.last_review.is_not(None),
        )
        for state in (State.LEARNING, State.REVIEW, State.RELEARNING)
    ]
    soonest = union_all(*per_state).subquery()
    return select(func.min(soonest.c.due)).scalar_subquery()


def _topic_of(column: Any) -> Any:
    return (
        select(func.coalesce(column, 0))
        .select_from(Card)
        .join(Question, Question.id == Card.question_id)
        .where(Card.id == bindparam("card_id"))
        .scalar_subquery()
    )


def _upsert(insert: Any, model: Any, keys: Sequence[str], values: dict[str, Any], replace: Sequence[str] = ()) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE: add the new row's counts to the stored ones."""
    statement = insert(model).values(**values)
    table = model.__table__
    updates = {
        name: (statement.excluded[name] if name in replace else table.c[name] + statement.excluded[name])
        for name in values
        if name not in keys
    }
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)


@lru_cache(maxsize=4)
def _rollup_statements(dialect: str) -> tuple[Any, Any, Any]:
    """The three UPSERTs, built once per dialect (building them costs more than running them)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    day = _upsert(
        insert,
        ReviewDay,
        ("user_id", "day"),
        {
            "user_id": bindparam("user_id"),
            "day": bindparam("day", type_=Date),
            "reviews": bindparam("sign"),
            "duration_ms": bindparam("duration_ms", type_=BigInteger),
            "review_answers": bindparam("answers"),
            "review_passed": bindparam("passed"),
            "next_due": _next_due(),
        },
        replace=("next_due",),
    )
    topic = _upsert(
        insert,
        ReviewTopicDay,
        ("user_id", "day", "zone_id", "article_id"),
        {
            "user_id": bindparam("user_id"),
            "day": bindparam("day", type_=Date),
            "zone_id": _topic_of(Question.zone_id),
            "article_id": _topic_of(Question.article_id),
            "review_answers": bindparam("answers"),
            "review_passed": bindparam("passed"),
        },
    )
    tally = _upsert(
        insert,
        CalibrationTally,
        ("user_id", "bin"),
        {
            "user_id": bindparam("user_id"),
            "bin": bindparam("bin"),
            "answers": bindparam("answers"),
            "passed": bindparam("passed"),
            "predicted_sum": bindparam("predicted_sum", type_=Float),
        },
    )
    return day, topic, tally


# Every answer runs these, inside its write transaction: prepared like the rest of the answer step
# (services/prepared.py says what that gives up), since through Connection.execute the three cost
# more in SQLAlchemy's Python than in the database.
_DAY_ROW, _TOPIC_ROW, _TALLY_ROW = (
    Prepared(lambda dialect, i=i: _rollup_statements(dialect)[i])  # type: ignore[misc]
    for i in range(3)
)


def record_answer(
    connection: Connection,
    settings: LearnerSettings,
    *,
    user_id: int,
    card_id: int,
    reviewed_at: datetime,
    rating: int,
    state_before: int,
    retrievability: float | None,
    duration_ms: int,
    sign: int = 1,
) -> None:
    """Add one answer to the learner's roll-ups (sign=-1 takes it back out, for undo).

    Call it inside the answer's `writing()` block, after the card is updated, so `next_due` sees
    the card's new due time. One statement, three for an answer on a card in review.
    """
    in_review = state_before == State.REVIEW
    values = {
        "user_id": user_id,
        "card_id": card_id,
        "day": stats.study_date(reviewed_at, settings.timezone, settings.day_start_hour),
        "sign": sign,
        "duration_ms": sign * duration_ms,
        "answers": sign * int(in_review),
        "passed": sign * int(in_review and rating != Rating.AGAIN),
    }
    _DAY_ROW.rowcount(connection, values)
    if not in_review:
        return
    _TOPIC_ROW.rowcount(connection, values)
    if retrievability is None:
        return
    values["bin"] = stats.calibration_bin(retrievability)
    values["predicted_sum"] = sign * retrievability
    _TALLY_ROW.rowcount(connection, values)


def forget_answer(connection: Connection, settings: LearnerSettings, log: ReviewLog) -> None:
    """Take an undone answer back out of the roll-ups; call it after the card is restored."""
    record_answer(
        connection,
        settings,
        user_id=log.user_id,
        card_id=log.card_id,
        reviewed_at=log.reviewed_at,
        rating=log.rating,
        state_before=log.state_before,
        retrievability=log.retrievability,
        duration_ms=log.duration_ms,
        sign=-1,
    )


# --- SQL expressions ----------------------------------------------------------------------


def _julian_days(connection: Connection, column: Any) -> Any:
    """Days since the Julian epoch, fractional, as SQLite's julianday() counts them."""
    if connection.dialect.name == "sqlite":
        return func.julianday(column)
    return func.extract("epoch", column) / 86400.0 + 2440587.5


def _julian(moment: datetime) -> float:
    return moment.timestamp() / 86400.0 + 2440587.5


def _retrievability(connection: Connection, settings: LearnerSettings, now: datetime) -> Any:
    """FSRS-6 recall now, in SQL: (1 + factor * whole elapsed days / stability) ^ -decay; NULL if unanswered."""
    parameters = settings.fsrs_parameters
    elapsed = func.floor(literal(_julian(now), Float) - _julian_days(connection, Card.last_review))
    ratio = func.max(elapsed, 0) if connection.dialect.name == "sqlite" else func.greatest(elapsed, 0)
    return case(
        (
            and_(Card.last_review.is_not(None), Card.stability > 0),
            func.power(1 + stats.curve_factor(parameters) * ratio / Card.stability, -stats.decay(parameters)),
        ),
        else_=None,
    )


def _interval_days(connection: Connection) -> Any:
    return _julian_days(connection, Card.due) - _julian_days(connection, Card.last_review)


def _state_of(connection: Connection) -> Any:
    """The browser's state of a card: suspended, new (never answered), learning, young or mature."""
    return case(
        (Card.suspended.is_(True), "suspended"),
        (Card.last_review.is_(None), "new"),
        (Card.state != State.REVIEW, "learning"),
        (_interval_days(connection) >= stats.MATURE_DAYS, "mature"),
        else_="young",
    )


# --- the dashboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    reviews: int
    seconds: int

    @property
    def minutes(self) -> int:
        return self.seconds // 60


@dataclass(frozen=True)
class Retention:
    """True retention over the last 7, 30 and 365 study days: shares of review-card answers not Again."""

    label: str
    rates: tuple[float | None, ...]
    answers: tuple[int, ...]


@dataclass(frozen=True)
class Mastery:
    label: str
    kind: str  # "zone" or "article"
    slug: str
    cards: int
    mature: int
    average_recall: float | None
    unseen: int  # terms (zone) or key points (article) with no answered card yet


@dataclass(frozen=True)
class CardStates:
    new: int = 0
    learning: int = 0
    young: int = 0
    mature: int = 0
    suspended: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature + self.suspended

    def items(self) -> list[tuple[str, int]]:
        return [(name, getattr(self, name)) for name in BROWSER_STATES]


@dataclass(frozen=True)
class Dashboard:
    today: date
    today_figures: DayFigures
    goal_minutes: int
    streaks: stats.Streaks
    heatmap: stats.Heatmap
    per_day: dict[int, list[tuple[date, DayFigures]]]  # 30 and 90 days, oldest first
    forecast: list[tuple[date, int]]  # the next 30 days from today; overdue cards count for today
    retention: list[Retention]  # overall first, then zones, then articles
    states: CardStates
    mastery: list[Mastery]
    calibration: list[stats.CalibrationBin]
    charts: dict[str, stats.BarChart] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.heatmap.total == 0 and self.streaks.longest == 0


def _studied_days(session: Session, user_id: int) -> list[Any]:
    return list(
        session.execute(
            select(
                ReviewDay.day,
                ReviewDay.reviews,
                ReviewDay.duration_ms,
                ReviewDay.review_answers,
                ReviewDay.review_passed,
                ReviewDay.next_due,
            )
            .where(ReviewDay.user_id == user_id, ReviewDay.reviews > 0)
            .order_by(ReviewDay.day)
        )
    )


def _streaks(rows: Sequence[Any], settings: LearnerSettings, today: date) -> stats.Streaks:
    return stats.streaks(
        [stats.StudiedDay(r.day, r.next_due) for r in rows],
        today,
        lambda day: stats.day_start(day, settings.timezone, settings.day_start_hour),
    )


@dataclass(frozen=True)
class Home:
    due_now: int
    new_available: int
    streaks: stats.Streaks
    today: DayFigures
    goal_minutes: int

    @property
    def goal_percent(self) -> int:
        return min(100, round(100 * self.today.seconds / (60 * self.goal_minutes))) if self.goal_minutes else 0


def home(session: Session, learner: study.Learner, now: datetime) -> Home:
    """The signed-in home page: what is waiting now, the streak and today's minutes."""
    settings = learner.settings
    today = stats.study_date(now, settings.timezone, settings.day_start_hour)
    counts = study.today(session, learner, now).counts
    rows = _studied_days(session, learner.id)
    last = rows[-1] if rows and rows[-1].day == today else None
    return Home(
        due_now=counts.learning + counts.review,
        new_available=counts.new,
        streaks=_streaks(rows, settings, today),
        today=DayFigures(last.reviews, last.duration_ms // 1000) if last else DayFigures(0, 0),
        goal_minutes=settings.daily_goal_minutes,
    )


def _forecast(session: Session, user_id: int, settings: LearnerSettings, today: date, days: int) -> list[int]:
    starts = stats.day_starts(today, days, settings.timezone, settings.day_start_hour)
    # Buckets by day start; anything due before tomorrow (overdue included) counts for today.
    bucket = case(*((Card.due < start, i) for i, start in enumerate(starts[1:])), else_=days)
    # Grouped outside a subquery: PostgreSQL would not match a GROUP BY expression whose bound
    # parameters differ from the select list's.
    due = (
        select(bucket.label("bucket"))
        .where(
            Card.user_id == user_id,
            Card.suspended.is_(False),
            Card.last_review.is_not(None),
            Card.due < starts[-1],
        )
        .subquery()
    )
    rows = session.execute(select(due.c.bucket, func.count()).group_by(due.c.bucket)).all()
    counts = [0] * days
    for index, count in rows:
        if index < days:
            counts[index] += count
    return counts


def _topic_names(session: Session) -> tuple[dict[int, tuple[str, str]], dict[int, tuple[str, str]]]:
    zones = {
        row.id: (row.slug, row.name)
        for row in session.execute(
            select(Zone.id, Zone.slug, Zone.name).where(Zone.retired_at.is_(None)).order_by(Zone.position)
        )
    }
    articles = {
        row.id: (row.slug, row.title)
        for row in session.execute(
            select(Article.id, Article.slug, Article.title).where(Article.retired_at.is_(None)).order_by(Article.id)
        )
    }
    return zones, articles


def _retention(
    session: Session,
    user_id: int,
    today: date,
    days: Sequence[Any],
    zones: dict[int, tuple[str, str]],
    articles: dict[int, tuple[str, str]],
) -> list[Retention]:
    firsts = [today - timedelta(days=n - 1) for n in stats.RETENTION_WINDOWS]
    overall = [[0, 0] for _ in firsts]
    for row in days:  # one row per study day
        for i, first in enumerate(firsts):
            if row.day >= first:
                overall[i][0] += row.review_answers
                overall[i][1] += row.review_passed
    columns = []
    for first in firsts:
        window = ReviewTopicDay.day >= first
        columns.append(func.sum(case((window, ReviewTopicDay.review_answers), else_=0)))
        columns.append(func.sum(case((window, ReviewTopicDay.review_passed), else_=0)))
    rows = session.execute(
        select(ReviewTopicDay.zone_id, ReviewTopicDay.article_id, *columns)
        .where(ReviewTopicDay.user_id == user_id, ReviewTopicDay.day >= firsts[-1])
        .group_by(ReviewTopicDay.zone_id, ReviewTopicDay.article_id)
    ).all()
    by_zone: dict[int, list[int]] = defaultdict(lambda: [0] * 2 * len(firsts))
    by_article: dict[int, list[int]] = defaultdict(lambda: [0] * 2 * len(firsts))
    for zone_id, article_id, *sums in rows:
        for target, key in ((by_zone, zone_id), (by_article, article_id)):
            if key:
                target[key] = [a + int(b or 0) for a, b in zip(target[key], sums, strict=True)]

    def line(label: str, sums: Sequence[int]) -> Retention:
        pairs = [(sums[2 * i], sums[2 * i + 1]) for i in range(len(firsts))]
        return Retention(label, tuple(stats.rate(p, a) for a, p in pairs), tuple(a for a, _ in pairs))

    result = [line("All cards", [n for pair in overall for n in pair])]
    result += [line(name, by_zone[zid]) for zid, (_, name) in zones.items() if zid in by_zone]
    result += [line(title, by_article[aid]) for aid, (_, title) in articles.items() if aid in by_article]
    return result


def _cards_by_topic(session: Session, user_id: int, settings: LearnerSettings, now: datetime) -> list[Any]:
    connection = session.connection()
    state = _state_of(connection)
    recall = _retrievability(connection, settings, now)
    live = and_(Card.user_id == user_id, Question.retired_at.is_(None))
    return list(
        session.execute(
            select(
                Question.zone_id,
                Question.article_id,
                func.count().label("cards"),
                *(func.sum(case((state == name, 1), else_=0)).label(name) for name in BROWSER_STATES),
                func.avg(case((Card.suspended.is_(False), recall), else_=None)).label("recall"),
            )
            .select_from(Card)
            .join(Question, Question.id == Card.question_id)
            .where(live)
            .group_by(Question.zone_id, Question.article_id)
        )
    )


def _answered(user_id: int, question: Any) -> Any:
    """The learner has answered (or suspended) the card of `question`."""
    return exists().where(
        Card.user_id == user_id,
        Card.question_id == question.id,
        or_(Card.last_review.is_not(None), Card.suspended.is_(True)),
    )


def _unseen(session: Session, user_id: int) -> tuple[int, dict[int, int], dict[int, int]]:
    """Never-answered flashcards; terms per zone and key points per article with no answered card."""
    new = session.scalar(
        select(func.count()).where(
            Question.study_order > 0, Question.retired_at.is_(None), ~_answered(user_id, Question)
        )
    )
    asked = aliased(Question, name="asked")
    term_unseen = ~exists().where(asked.term_id == Term.id, asked.key_point_id.is_(None), _answered(user_id, asked))
    point_unseen = ~exists().where(asked.key_point_id == KeyPoint.id, _answered(user_id, asked))
    terms: Any = (
        select(literal_column("'zone'").label("kind"), Term.zone_id.label("topic"), func.count().label("n"))
        .where(Term.retired_at.is_(None), term_unseen)
        .group_by(Term.zone_id)
    )
    points: Any = (
        select(literal_column("'article'").label("kind"), KeyPoint.article_id.label("topic"), func.count().label("n"))
        .where(KeyPoint.retired_at.is_(None), point_unseen)
        .group_by(KeyPoint.article_id)
    )
    by_zone: dict[int, int] = {}
    by_article: dict[int, int] = {}
    for kind, topic, n in session.execute(union_all(terms, points)):
        (by_zone if kind == "zone" else by_article)[topic] = n
    return int(new or 0), by_zone, by_article


def dashboard(session: Session, learner: Learner, now: datetime) -> Dashboard:
    """Every figure of /progress, from the roll-ups and aggregate queries over the learner's cards."""
    settings = learner.settings
    today = stats.study_date(now, settings.timezone, settings.day_start_hour)
    days = _studied_days(session, learner.id)
    by_day = {row.day: DayFigures(row.reviews, row.duration_ms // 1000) for row in days}
    zones, articles = _topic_names(session)

    per_day = {
        n: [(d, by_day.get(d, DayFigures(0, 0))) for d in (today - timedelta(days=n - 1 - i) for i in range(n))]
        for n in (30, 90)
    }
    forecast_counts = _forecast(session, learner.id, settings, today, 30)
    forecast = [(today + timedelta(days=i), n) for i, n in enumerate(forecast_counts)]

    topics = _cards_by_topic(session, learner.id, settings, now)
    new, unseen_zone, unseen_article = _unseen(session, learner.id)
    totals = {name: sum(int(getattr(r, name) or 0) for r in topics) for name in BROWSER_STATES}
    states = CardStates(
        new=new,
        learning=totals["learning"],
        young=totals["young"],
        mature=totals["mature"],
        suspended=totals["suspended"],
    )
    mastery = []
    for kind, names, unseen, column in (
        ("zone", zones, unseen_zone, 0),
        ("article", articles, unseen_article, 1),
    ):
        for topic_id, (slug, name) in names.items():
            mine = [r for r in topics if r[column] == topic_id]
            cards = sum(r.cards for r in mine)
            weights = sum(r.cards - int(r.new or 0) - int(r.suspended or 0) for r in mine if r.recall is not None)
            recall = (
                sum(
                    float(r.recall) * (r.cards - int(r.new or 0) - int(r.suspended or 0))
                    for r in mine
                    if r.recall is not None
                )
                / weights
                if weights
                else None
            )
            mastery.append(
                Mastery(
                    label=name,
                    kind=kind,
                    slug=slug,
                    cards=cards,
                    mature=sum(int(r.mature or 0) for r in mine),
                    average_recall=recall,
                    unseen=unseen.get(topic_id, 0),
                )
            )
    calibration = stats.calibration(
        [
            (row.bin, row.answers, row.passed, row.predicted_sum)
            for row in session.execute(
                select(
                    CalibrationTally.bin,
                    CalibrationTally.answers,
                    CalibrationTally.passed,
                    CalibrationTally.predicted_sum,
                ).where(CalibrationTally.user_id == learner.id)
            )
        ]
    )
    board = Dashboard(
        today=today,
        today_figures=by_day.get(today, DayFigures(0, 0)),
        goal_minutes=settings.daily_goal_minutes,
        streaks=_streaks(days, settings, today),
        heatmap=stats.heatmap({d: f.reviews for d, f in by_day.items()}, today),
        per_day=per_day,
        forecast=forecast,
        retention=_retention(session, learner.id, today, days, zones, articles),
        states=states,
        mastery=mastery,
        calibration=calibration,
    )
    for n, series in per_day.items():
        board.charts[f"reviews{n}"] = stats.bar_chart([(d.isoformat(), f.reviews) for d, f in series])
        board.charts[f"minutes{n}"] = stats.bar_chart([(d.isoformat(), f.seconds / 60) for d, f in series])
    board.charts["forecast"] = stats.bar_chart([(d.isoformat(), n) for d, n in forecast])
    return board


# --- the card browser ---------------------------------------------------------------------


@dataclass(frozen=True)
class BrowseQuery:
    zone: str | None = None
    article: str | None = None
    state: str | None = None
    search: str = ""
    sort: str = "due"
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class BrowsedCard:
    id: int
    question_id: int
    item: str
    kind: str
    zone: str | None
    article: str | None
    state: str
    due: datetime
    recall: float | None
    lapses: int
    suspended: bool


@dataclass(frozen=True)
class CardPage:
    cards: list[BrowsedCard]
    total: int
    page: int
    pages: int
    query: BrowseQuery


def _item_label() -> Any:
    """What a card is about: its key point's statement, else its term's name."""
    return case((Question.key_point_id.is_not(None), KeyPoint.statement), else_=Term.name)


def browse(session: Session, learner: Learner, query: BrowseQuery, now: datetime) -> CardPage:
    """One page of the learner's cards, filtered, searched and sorted in SQL: three statements.

    The count and the page's ids come from the card rows alone unless a filter or the sort needs
    the question's topic or text; the labels are then read for the page's 50 cards only, so a
    learner with 2,000 cards costs little more than one with 100.
    """
    connection = session.connection()
    state = _state_of(connection)
    recall = _retrievability(connection, learner.settings, now)
    item = _item_label()
    conditions: list[Any] = [Card.user_id == learner.id]
    needs_content = bool(query.zone or query.article or query.search.strip()) or query.sort in ("item", "zone")
    if query.zone:
        conditions.append(Zone.slug == query.zone)
    if query.article:
        conditions.append(Article.slug == query.article)
    if query.state:
        conditions.append(state == query.state)
    if query.search.strip():
        pattern = "%" + query.search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(func.lower(item).like(pattern, escape="\\"), func.lower(Question.prompt).like(pattern, escape="\\"))
        )

    def joined(statement: Any, content: bool = True) -> Any:
        statement = statement.select_from(Card)
        if content:
            statement = (
                statement.join(Question, Question.id == Card.question_id)
                .outerjoin(Term, Term.id == Question.term_id)
                .outerjoin(KeyPoint, KeyPoint.id == Question.key_point_id)
                .outerjoin(Zone, Zone.id == Question.zone_id)
                .outerjoin(Article, Article.id == Question.article_id)
            )
        return statement

    total = int(session.scalar(joined(select(func.count()), needs_content).where(*conditions)) or 0)
    pages = max(1, -(-total // CARDS_PER_PAGE))
    page = min(max(1, query.page), pages)
    key = {
        "due": Card.due,
        "retrievability": recall,
        "lapses": Card.lapses,
        "item": func.lower(item),
        "zone": func.coalesce(Zone.position, 1000 + Article.id),
    }[query.sort if query.sort in BROWSER_SORTS else "due"]
    order = [key.desc() if query.descending else key.asc()]
    if query.sort == "retrievability":  # never-answered cards (no recall) last either way
        order.insert(0, recall.is_(None))
    ids = list(
        session.scalars(
            joined(select(Card.id), needs_content)
            .where(*conditions)
            .order_by(*order, Card.id)
            .limit(CARDS_PER_PAGE)
            .offset((page - 1) * CARDS_PER_PAGE)
        )
    )
    found = (
        {
            r.id: r
            for r in session.execute(
                joined(
                    select(
                        Card.id,
                        Card.question_id,
                        item.label("item"),
                        Question.kind,
                        Zone.name.label("zone"),
                        Article.title.label("article"),
                        state.label("state"),
                        Card.due,
                        recall.label("recall"),
                        Card.lapses,
                        Card.suspended,
                    )
                ).where(Card.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    rows = [found[i] for i in ids if i in found]
    cards = [
        BrowsedCard(
            id=r.id,
            question_id=r.question_id,
            item=r.item,
            kind=r.kind,
            zone=r.zone,
            article=r.article,
            state=r.state,
            due=r.due,
            recall=None if r.recall is None else float(r.recall),
            lapses=r.lapses,
            suspended=bool(r.suspended),
        )
        for r in rows
    ]
    return CardPage(cards=cards, total=total, page=page, pages=pages, query=query)


def topics(session: Session) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(slug, name) of the live zones and articles, for the browser's filters."""
    zones, articles = _topic_names(session)
    return list(zones.values()), list(articles.values())


def _question_of(session: Session, learner: Learner, card_id: int) -> int | None:
    return session.scalar(select(Card.question_id).where(Card.id == card_id, Card.user_id == learner.id))


def set_suspended(session: Session, learner: Learner, card_id: int, suspended: bool, now: datetime) -> bool:
    """Suspend or unsuspend one of the learner's cards (through the review's own rule); False if not theirs."""
    question_id = _question_of(session, learner, card_id)
    if question_id is None:
        return False
    return study.set_suspended(session, learner, question_id, suspended, now)


def reset_card(session: Session, learner: Learner, card_id: int, now: datetime) -> bool:
    """Forget a card: it becomes new again (due now, no stability, no lapses), its history kept.

    The card is not re-introduced (introduced_at cleared), so it uses up no new-card slot until
    it is answered again. False when the card is not the learner's.
    """
    fresh = CardSnapshot.new(now)
    with writing(session):
        result = session.execute(
            update(Card)
            .where(Card.id == card_id, Card.user_id == learner.id)
            .values(**fresh.columns(), introduced_at=None, version=Card.version + 1)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TermCard:
    """One of the learner's cards on a term page: its state, recall now, history and forgetting curve."""

    kind: str
    state: str
    due: datetime
    recall: float | None
    lapses: int
    reviews: list[tuple[datetime, str, str, int]]  # (when, rating, state before, seconds), newest first
    curve: stats.RecallCurve | None


TERM_HISTORY = 50  # answers shown per card on a term page


def term_cards(session: Session, learner: Learner, term_id: int, now: datetime) -> list[TermCard]:
    """The learner's cards on a term's own questions, with their last answers: two statements."""
    connection = session.connection()
    settings = learner.settings
    rows = session.execute(
        select(
            Card.id,
            Question.kind,
            _state_of(connection).label("state"),
            Card.due,
            _retrievability(connection, settings, now).label("recall"),
            Card.lapses,
            Card.stability,
            Card.last_review,
        )
        .join(Question, Question.id == Card.question_id)
        .where(Card.user_id == learner.id, Question.term_id == term_id, Question.key_point_id.is_(None))
        .order_by(Question.study_order)
    ).all()
    if not rows:
        return []
    history: dict[int, list[tuple[datetime, str, str, int]]] = defaultdict(list)
    for log in session.execute(
        select(
            ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating, ReviewLog.state_before, ReviewLog.duration_ms
        )
        .where(ReviewLog.user_id == learner.id, ReviewLog.card_id.in_([r.id for r in rows]))
        .order_by(ReviewLog.reviewed_at.desc())
        .limit(TERM_HISTORY * len(rows))
    ):
        if len(history[log.card_id]) < TERM_HISTORY:
            state_before = State(log.state_before).name.lower()
            history[log.card_id].append(
                (log.reviewed_at, Rating(log.rating).label, state_before, log.duration_ms // 1000)
            )
    cards = []
    for r in rows:
        curve = None
        if r.stability and r.last_review is not None:
            elapsed = (now - r.last_review).total_seconds() / 86400
            curve = stats.recall_curve(r.stability, elapsed, settings.fsrs_parameters)
        cards.append(
            TermCard(
                kind=r.kind,
                state=r.state,
                due=r.due,
                recall=None if r.recall is None else float(r.recall),
                lapses=r.lapses,
                reviews=history.get(r.id, []),
                curve=curve,
            )
        )
    return cards


# --- export -------------------------------------------------------------------------------

REVIEW_COLUMNS = (
    "reviewed_at",
    "study_day",
    "card_id",
    "question_key",
    "item",
    "zone",
    "article",
    "rating",
    "rating_name",
    "state_before",
    "state_after",
    "duration_ms",
    "retrievability",
    "stability_after",
    "difficulty_after",
    "due_after",
)
CARD_COLUMNS = (
    "card_id",
    "question_key",
    "item",
    "zone",
    "article",
    "state",
    "due",
    "stability",
    "difficulty",
    "reps",
    "lapses",
    "suspended",
    "leech",
    "introduced_at",
    "last_review",
)
QUIZ_COLUMNS: tuple[str, ...] = ("attempt_id", "started_at", "finished_at", "mode", "topics", "score", "questions")
EXPORT_TABLES = {"reviews": REVIEW_COLUMNS, "cards": CARD_COLUMNS, "quizzes": QUIZ_COLUMNS}
_BATCH = 1000


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _joined_topics(statement: Any) -> Any:
    return (
        statement.join(Question, Question.id == Card.question_id)
        .outerjoin(Term, Term.id == Question.term_id)
        .outerjoin(KeyPoint, KeyPoint.id == Question.key_point_id)
        .outerjoin(Zone, Zone.id == Question.zone_id)
        .outerjoin(Article, Article.id == Question.article_id)
    )


def review_records(session: Session, learner: Learner) -> Iterator[dict[str, Any]]:
    """The learner's review log, oldest first, fetched in batches so memory stays flat."""
    settings = learner.settings
    statement = _joined_topics(
        select(
            ReviewLog.reviewed_at,
            ReviewLog.card_id,
            Question.key,
            _item_label().label("item"),
            Zone.slug.label("zone"),
            Article.slug.label("article"),
            ReviewLog.rating,
            ReviewLog.state_before,
            ReviewLog.state_after,
            ReviewLog.duration_ms,
            ReviewLog.retrievability,
            ReviewLog.stability_after,
            ReviewLog.difficulty_after,
            ReviewLog.due_after,
        )
        .select_from(ReviewLog)
        .join(Card, Card.id == ReviewLog.card_id)
    ).where(ReviewLog.user_id == learner.id)
    read_in_transaction(session)
    result = session.execute(
        statement.order_by(ReviewLog.reviewed_at, ReviewLog.id).execution_options(yield_per=_BATCH)
    )
    for r in result:
        yield {
            "reviewed_at": _iso(r.reviewed_at),
            "study_day": stats.study_date(r.reviewed_at, settings.timezone, settings.day_start_hour).isoformat(),
            "card_id": r.card_id,
            "question_key": r.key,
            "item": r.item,
            "zone": r.zone,
            "article": r.article,
            "rating": int(r.rating),
            "rating_name": Rating(r.rating).label,
            "state_before": State(r.state_before).name.lower(),
            "state_after": State(r.state_after).name.lower(),
            "duration_ms": r.duration_ms,
            "retrievability": r.retrievability,
            "stability_after": r.stability_after,
            "difficulty_after": r.difficulty_after,
            "due_after": _iso(r.due_after),
        }


def card_records(session: Session, learner: Learner) -> Iterator[dict[str, Any]]:
    """The learner's cards, in id order, in batches."""
    state = _state_of(session.connection())
    statement = _joined_topics(
        select(
            Card.id,
            Question.key,
            _item_label().label("item"),
            Zone.slug.label("zone"),
            Article.slug.label("article"),
            state.label("state"),
            Card.due,
            Card.stability,
            Card.difficulty,
            Card.reps,
            Card.lapses,
            Card.suspended,
            Card.leech,
            Card.introduced_at,
            Card.last_review,
        ).select_from(Card)
    ).where(Card.user_id == learner.id)
    read_in_transaction(session)
    for r in session.execute(statement.order_by(Card.id).execution_options(yield_per=_BATCH)):
        yield {
            "card_id": r.id,
            "question_key": r.key,
            "item": r.item,
            "zone": r.zone,
            "article": r.article,
            "state": r.state,
            "due": _iso(r.due),
            "stability": r.stability,
            "difficulty": r.difficulty,
            "reps": r.reps,
            "lapses": r.lapses,
            "suspended": bool(r.suspended),
            "leech": bool(r.leech),
            "introduced_at": _iso(r.introduced_at),
            "last_review": _iso(r.last_review),
        }


def quiz_records(session: Session, learner: Learner) -> Iterator[dict[str, Any]]:
    """The learner's quiz attempts, oldest first, fetched in batches."""
    read_in_transaction(session)
    result = session.execute(
        select(
            QuizAttempt.id,
            QuizAttempt.started_at,
            QuizAttempt.finished_at,
            QuizAttempt.mode,
            QuizAttempt.topics,
            QuizAttempt.score,
            QuizAttempt.total,
        )
        .where(QuizAttempt.user_id == learner.id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
        .execution_options(yield_per=_BATCH)
    )
    for r in result:
        yield {
            "attempt_id": r.id,
            "started_at": _iso(r.started_at),
            "finished_at": _iso(r.finished_at),
            "mode": r.mode,
            "topics": " ".join(r.topics),
            "score": r.score,
            "questions": r.total,
        }


_RECORDS = {"reviews": review_records, "cards": card_records, "quizzes": quiz_records}


def export_csv(session: Session, learner: Learner, table: str) -> Iterator[str]:
    """One table as CSV text chunks: a header line, then a chunk per batch of rows."""
    columns = EXPORT_TABLES[table]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for i, record in enumerate(_RECORDS[table](session, learner), start=1):
        writer.writerow(record)
        if i % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_json(session: Session, learner: Learner, now: datetime) -> Iterator[str]:
    """{"exported_at", "columns", "reviews", "cards", "quizzes"} as text chunks, one record a line."""
    yield json.dumps({"exported_at": now.isoformat(), "columns": EXPORT_TABLES})[:-1]
    for table, records in _RECORDS.items():
        yield f', "{table}": ['
        chunk: list[str] = []
        for i, record in enumerate(records(session, learner)):
            chunk.append(("\n" if i == 0 else ",\n") + json.dumps(record))
            if len(chunk) == _BATCH:
                yield "".join(chunk)
                chunk = []
        yield "".join(chunk) + "]"
    yield "}\n"
