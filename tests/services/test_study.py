"""Daily review through the service layer and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest
from flask import Flask
from sqlalchemy import func, select

from studyapp.core import scheduling
from studyapp.core.generation import DEFINITION_TO_TERM, TERM_TO_DEFINITION
from studyapp.extensions import db
from studyapp.models import Card, Question, QuestionSibling, ReviewLog, User
from studyapp.services import study, study_queries
from studyapp.services.accounts import hash_password
from tests.conftest import FIXTURE_BANK, commit, import_bank, review_card

# A copy of shared/fsrs-reference.json: 22 rating sequences with the states fsrs 6.3.2 produces.
REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "fsrs-reference.json").read_text())
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_HASH = hash_password("correct horse battery staple")


def make_user(name: str = "ada", **settings: object) -> User:
    user = User(username=name, username_key=name, password_hash=_HASH, created_at=T0, updated_at=T0, **settings)
    db.session.add(user)
    commit()
    return user


@pytest.fixture
def bank(app: Flask) -> Flask:
    import_bank(FIXTURE_BANK)
    return app


def submit(user: User, shown: study.ShownCard, now: datetime, rating: int, token: str | None = None) -> study.Answer:
    """Answer a card as the review page shown it (its question, card, version and token)."""
    return study.answer(
        db.session,
        user,
        question_id=shown.question.id,
        card_id=shown.card_id,
        version=shown.version,
        token=token or shown.token,
        rating=rating,
        shown_at=now,
        now=now,
    )


def answer_shown(user: User, now: datetime, rating: int, token: str | None = None) -> study.Answer:
    shown = study.today(db.session, user, now).card
    assert shown is not None
    return submit(user, shown, now, rating, token)


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=[c["id"] for c in REFERENCE["cases"]])
def test_fsrs_reference_through_service_and_database(bank: Flask, case: dict) -> None:
    s = case["scheduler"]
    user = make_user(
        desired_retention=s["desired_retention"],
        learning_steps=s["learning_steps"],
        relearning_steps=s["relearning_steps"],
        maximum_interval=s["maximum_interval"],
        fsrs_parameters=s["parameters"],
    )
    question_id = db.session.scalars(select(Question.id).where(Question.key == "term_to_definition:apple")).one()
    card_id, version = None, 0
    for step in case["steps"]:
        now = datetime.fromisoformat(step["review_at"])
        result = study.answer(
            db.session,
            user,
            question_id=question_id,
            card_id=card_id,
            version=version,
            token=secrets.token_urlsafe(18),
            rating=step["rating"],
            shown_at=now,
            now=now,
            fuzz=False,
        )
        assert result.outcome is study.Outcome.APPLIED
        db.session.expire_all()  # load the card back from the database, as the next request would
        card = db.session.scalars(select(Card).where(Card.user_id == user.id)).one()
        card_id, version = card.id, card.version
        where = (case["id"], step["i"])
        assert fsrs.State(card.state).name == step["state"], where
        assert card.step == step["step"], where
        assert card.stability == pytest.approx(step["stability"], rel=1e-12), where
        assert card.difficulty == pytest.approx(step["difficulty"], rel=1e-12), where
        assert card.due == datetime.fromisoformat(step["due"]), where
        log = db.session.scalars(
            select(ReviewLog).where(ReviewLog.card_id == card.id).order_by(ReviewLog.id.desc())
        ).first()
        assert log is not None
        if step["retrievability_before"] is None:
            assert log.retrievability is None
        else:
            assert log.retrievability == pytest.approx(step["retrievability_before"], rel=1e-12), where


def test_new_cards_follow_the_glossary_and_the_reverse_waits_a_day(bank: Flask) -> None:
    user = make_user(new_per_day=4, learning_steps=[], relearning_steps=[])
    kinds = []
    for _ in range(4):
        shown = study.today(db.session, user, T0).card
        assert shown is not None and shown.queue == "new"
        kinds.append((shown.question.kind, shown.question.term.slug if shown.question.term else None))
        answer_shown(user, T0, scheduling.GOOD)
    assert kinds[0] == (TERM_TO_DEFINITION, "apple")
    assert all(kind != DEFINITION_TO_TERM for kind, _ in kinds)
    today = study.today(db.session, user, T0)
    assert today.card is None and today.counts.new == 0  # the day's limit of 4 is reached
    tomorrow = T0 + timedelta(days=1)
    shown_tomorrow = []
    for _ in range(4):
        shown = study.today(db.session, user, tomorrow).card
        assert shown is not None
        shown_tomorrow.append(shown.question.kind)
        answer_shown(user, tomorrow, scheduling.GOOD)
    assert DEFINITION_TO_TERM in shown_tomorrow


def test_queue_order_learning_then_reviews_then_new(bank: Flask) -> None:
    user = make_user(new_per_day=3)
    answer_shown(user, T0, scheduling.AGAIN)  # apple forward: learning, due in 1 minute
    later = T0 + timedelta(minutes=2)
    today = study.today(db.session, user, later)
    assert today.card is not None and today.card.queue == "learning"
    assert today.counts.learning == 1 and today.counts.new == 2


def test_counts_and_day_follow_the_time_zone_and_day_start(bank: Flask) -> None:
    user = make_user(timezone="America/New_York", day_start_hour=4, new_per_day=2)
    night = datetime(2026, 1, 6, 8, 30, tzinfo=UTC)  # 03:30 in New York: still the 5th's study day
    answer_shown(user, night, scheduling.EASY)
    answer_shown(user, night, scheduling.EASY)
    assert study.today(db.session, user, night).counts.new == 0
    morning = datetime(2026, 1, 6, 9, 30, tzinfo=UTC)  # 04:30 in New York: a new study day
    assert study.today(db.session, user, morning).counts.new == 2


def test_reviews_over_the_daily_maximum_come_lowest_retrievability_first(bank: Flask) -> None:
    user = make_user(reviews_per_day=1)
    question_ids = db.session.scalars(
        select(Question.id).where(Question.kind == TERM_TO_DEFINITION).order_by(Question.id).limit(2)
    ).all()
    for qid, stability in zip(question_ids, (30.0, 2.0), strict=True):
        review_card(
            user.id,
            qid,
            due=T0 - timedelta(days=1),
            last_review=T0 - timedelta(days=10),
            stability=stability,
            introduced_at=T0 - timedelta(days=20),
        )
    commit()
    today = study.today(db.session, user, T0)
    assert today.counts.review == 1
    assert today.card is not None and today.card.question.id == question_ids[1]  # stability 2: least likely recalled


def test_the_intervals_shown_are_the_intervals_given(bank: Flask) -> None:
    user = make_user()
    for _ in range(6):
        answer_shown(user, T0, scheduling.EASY)
    now = T0 + timedelta(days=40)
    shown = study.today(db.session, user, now).card
    assert shown is not None and shown.queue == "review"
    answer_shown(user, now, scheduling.GOOD, token=shown.token)
    card = db.session.get(Card, shown.card_id)
    assert card is not None
    db.session.refresh(card)
    assert scheduling.format_interval(card.due - now) == shown.intervals[scheduling.GOOD]


def test_replayed_token_applies_once(bank: Flask) -> None:
    user = make_user()
    shown = study.today(db.session, user, T0).card
    assert shown is not None
    assert submit(user, shown, T0, 3).outcome is study.Outcome.APPLIED
    assert submit(user, shown, T0, 3).outcome is study.Outcome.REPLAYED
    assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 1


def test_stale_tab_gets_stale_not_a_lost_update(bank: Flask) -> None:
    user = make_user()
    answer_shown(user, T0, scheduling.AGAIN)
    later = T0 + timedelta(minutes=5)
    tab_one = study.today(db.session, user, later).card
    tab_two = study.today(db.session, user, later).card
    assert tab_one is not None and tab_two is not None and tab_one.card_id == tab_two.card_id
    assert submit(user, tab_one, later, 3).outcome is study.Outcome.APPLIED
    assert submit(user, tab_two, later, 1).outcome is study.Outcome.STALE
    log = db.session.scalars(select(ReviewLog).order_by(ReviewLog.id.desc())).first()
    assert log is not None and log.rating == 3


def test_undo_restores_the_exact_previous_state(bank: Flask) -> None:
    user = make_user()
    answer_shown(user, T0, scheduling.GOOD)
    card = db.session.scalars(select(Card)).one()
    snapshot = {
        c: getattr(card, c)
        for c in ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
    }
    later = T0 + timedelta(minutes=10)
    answer_shown(user, later, scheduling.GOOD)
    assert study.undo(db.session, user, later)
    db.session.expire_all()
    card = db.session.scalars(select(Card)).one()
    assert {c: getattr(card, c) for c in snapshot} == snapshot
    assert db.session.scalar(select(func.count()).select_from(ReviewLog)) == 1
    assert study.undo(db.session, user, later)  # the first answer: the card goes back to new
    assert db.session.scalar(select(func.count()).select_from(Card)) == 0
    assert not study.undo(db.session, user, later)


def test_bury_hides_until_tomorrow_and_suspend_until_unsuspended(bank: Flask) -> None:
    user = make_user(new_per_day=50)
    first = study.today(db.session, user, T0).card
    assert first is not None
    assert study.bury(db.session, user, first.question.id, T0)
    assert study.today(db.session, user, T0).card.question.id != first.question.id  # type: ignore[union-attr]
    assert study.set_suspended(db.session, user, first.question.id, True, T0)
    tomorrow = T0 + timedelta(days=1)
    ids = set()
    for _ in range(3):
        shown = study.today(db.session, user, tomorrow).card
        assert shown is not None
        ids.add(shown.question.id)
        study.bury(db.session, user, shown.question.id, tomorrow)
    assert first.question.id not in ids
    assert [c.question_id for c in study.suspended_cards(db.session, user)] == [first.question.id]
    assert study.set_suspended(db.session, user, first.question.id, False, tomorrow)
    assert study.suspended_cards(db.session, user) == []


def test_eight_lapses_make_a_leech(bank: Flask) -> None:
    user = make_user(learning_steps=[], relearning_steps=[], new_per_day=1)
    now = T0
    answer_shown(user, now, scheduling.GOOD)
    leech = False
    for _ in range(8):
        card = db.session.scalars(select(Card)).one()
        db.session.refresh(card)
        now = card.due + timedelta(hours=1)
        assert not card.suspended
        leech = answer_shown(user, now, scheduling.AGAIN).became_leech
        card = db.session.scalars(select(Card)).one()
        db.session.refresh(card)
        if not leech:
            now = card.due + timedelta(minutes=1)
            answer_shown(user, now, scheduling.GOOD)
    card = db.session.scalars(select(Card)).one()
    db.session.refresh(card)
    assert leech and card.lapses == 8 and card.suspended and card.leech


def test_another_users_card_is_not_found(bank: Flask) -> None:
    ada, bob = make_user("ada"), make_user("bob")
    answer_shown(ada, T0, scheduling.AGAIN)
    card = db.session.scalars(select(Card).where(Card.user_id == ada.id)).one()
    result = study.answer(
        db.session,
        bob,
        question_id=card.question_id,
        card_id=card.id,
        version=card.version,
        token=secrets.token_urlsafe(18),
        rating=4,
        shown_at=T0,
        now=T0,
    )
    assert result.outcome is study.Outcome.NOT_FOUND
    db.session.refresh(card)
    assert card.reps == 1
    assert study.suspended_cards(db.session, bob) == []


def test_twenty_concurrent_submissions_of_one_token_log_once(bank: Flask) -> None:
    user = make_user()
    answer_shown(user, T0, scheduling.AGAIN)
    later = T0 + timedelta(minutes=5)
    shown = study.today(db.session, user, later).card
    assert shown is not None
    user_id = user.id
    db.session.remove()
    barrier = threading.Barrier(20)
    outcomes: list[study.Outcome] = []
    errors: list[BaseException] = []

    def submit_in_thread() -> None:
        try:
            with bank.app_context():
                me = db.session.get(User, user_id)
                db.session.expunge(me)
                db.session.close()  # give the connection back while waiting: 20 threads, 15 pooled
                barrier.wait()
                outcomes.append(submit(me, shown, later, 3).outcome)
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit_in_thread) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(o.value for o in outcomes) == ["applied"] + ["replayed"] * 19
    assert db.session.scalar(select(func.count()).select_from(ReviewLog).where(ReviewLog.token == shown.token)) == 1


def test_next_card_query_uses_the_user_due_index(bank: Flask) -> None:
    user = make_user()
    params = study._params(user, T0, None, study.Extras())
    statement = study_queries.explain_next_learning(params, T0)
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "USING INDEX ix_card_user_queue" in plan, plan
            assert "SCAN card" not in plan, plan
            # The queue head (counts and both picks) reads the learner's cards from the index
            # alone, and looks up only the chosen card by its primary key.
            sql = study_queries.explain_queue_head(params, "sqlite").compile(
                db.engine, compile_kwargs={"literal_binds": True}
            )
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert plan.count("COVERING INDEX ix_card_user_queue") >= 4, plan  # two counts, two picks
            assert "SEARCH card USING INTEGER PRIMARY KEY" in plan, plan
            assert "SCAN card" not in plan, plan
        else:
            # A tiny test table makes any plan cheap; forbid sequential scans to see what is possible.
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "ix_card_user_queue" in plan, plan


def test_new_cards_count_against_live_questions_only(bank: Flask) -> None:
    """A learner with a card for every flashcard has no new cards, until a question is added,
    even when one of the learner's cards belongs to a question that was retired meanwhile."""
    user = make_user()
    flashcards = db.session.scalars(select(Question).where(Question.study_order > 0).order_by(Question.id)).all()
    for q in flashcards:
        review_card(
            user.id, q.id, due=T0 + timedelta(days=20), last_review=T0 - timedelta(days=10), stability=30.0, reps=3
        )
    commit()
    assert study.today(db.session, user, T0).counts.new == 0

    flashcards[0].retired_at = T0
    added = Question(
        key="term_to_definition:added-later",
        kind=TERM_TO_DEFINITION,
        prompt="Added later",
        answer="A new card.",
        explanation="Imported after the learner had every other card.",
        options=[],
        accepted=[],
        pairs=[],
        study_order=10_000,
        content_hash="0" * 64,
        created_at=T0,
        updated_at=T0,
    )
    db.session.add(added)
    commit()
    assert study.today(db.session, user, T0).counts.new == 1
    shown = study.today(db.session, user, T0).card
    assert shown is not None and shown.question.id == added.id and shown.queue == "new"


def _printed(face: study.Face) -> str:
    return " " + re.sub(r"[^\w]+", " ", f"{face.prompt} {face.answer} {face.explanation}".casefold()) + " "


def test_a_new_learners_first_100_cards_never_show_an_answer_printed_earlier_that_day(content_app: Flask) -> None:
    """On the real bank: no card whose answer an earlier card of the day printed, and never two
    cards of one key point on one day."""
    user = make_user(f"sib-{secrets.token_hex(4)}", new_per_day=100)
    printed: list[str] = []
    key_points: set[int] = set()
    for _ in range(100):
        shown = study.today(db.session, user, T0).card
        assert shown is not None, f"ran out of new cards after {len(printed)}"
        answer = " " + re.sub(r"[^\w]+", " ", shown.question.answer.casefold()).strip() + " "
        assert not any(answer in text for text in printed), shown.question
        key_point = db.session.scalar(select(Question.key_point_id).where(Question.id == shown.question.id))
        assert key_point is None or key_point not in key_points, shown.question
        if key_point is not None:
            key_points.add(key_point)
        printed.append(_printed(shown.question))
        assert submit(user, shown, T0, scheduling.EASY).outcome is study.Outcome.APPLIED  # Easy: no repeat today


def test_an_answer_buries_its_sibling_cards_and_undo_brings_them_back(content_app: Flask) -> None:
    user = make_user(f"bury-{secrets.token_hex(4)}")
    a, b = db.session.execute(select(QuestionSibling.question_id, QuestionSibling.sibling_id).limit(1)).one()
    for question_id in (a, b):
        review_card(user.id, question_id, due=T0 - timedelta(days=1), last_review=T0 - timedelta(days=9), stability=8.0)
    commit()
    shown = study.today(db.session, user, T0).card
    assert shown is not None and shown.question.id in (a, b)
    submit(user, shown, T0, scheduling.GOOD)
    other = a if shown.question.id == b else b
    assert study.today(db.session, user, T0).card is None or study.today(db.session, user, T0).card.question.id != other  # type: ignore[union-attr]
    db.session.expire_all()
    buried = db.session.scalars(select(Card).where(Card.user_id == user.id, Card.question_id == other)).one()
    assert buried.buried_until is not None and buried.buried_until > T0
    assert study.undo(db.session, user, T0)
    db.session.expire_all()
    assert db.session.get(Card, buried.id).buried_until is None  # type: ignore[union-attr]


def test_rating_bury_and_suspend_are_undone_in_reverse_order(content_app: Flask) -> None:
    user = make_user(f"undo-{secrets.token_hex(4)}")
    first = study.today(db.session, user, T0).card
    assert first is not None
    submit(user, first, T0, scheduling.EASY)
    second = study.today(db.session, user, T0 + timedelta(seconds=10)).card
    assert second is not None
    assert study.bury(db.session, user, second.question.id, T0 + timedelta(seconds=20))
    third = study.today(db.session, user, T0 + timedelta(seconds=30)).card
    assert third is not None and third.question.id != second.question.id
    assert study.set_suspended(db.session, user, third.question.id, True, T0 + timedelta(seconds=40))
    assert study.today(db.session, user, T0 + timedelta(seconds=50)).can_undo

    later = T0 + timedelta(minutes=1)
    assert study.undo(db.session, user, later)  # the suspend
    assert study.today(db.session, user, later).card.question.id == third.question.id  # type: ignore[union-attr]
    assert study.undo(db.session, user, later)  # the bury
    assert study.today(db.session, user, later).card.question.id == second.question.id  # type: ignore[union-attr]
    assert study.undo(db.session, user, later)  # the rating
    assert study.today(db.session, user, later).card.question.id == first.question.id  # type: ignore[union-attr]
    assert not study.undo(db.session, user, later)
    today = study.today(db.session, user, later)
    assert not today.can_undo
    assert db.session.scalar(select(func.count()).select_from(Card).where(Card.user_id == user.id)) == 0


def test_burying_an_unseen_card_uses_no_new_card_slot(content_app: Flask) -> None:
    user = make_user(f"slot-{secrets.token_hex(4)}", new_per_day=3)
    first = study.today(db.session, user, T0)
    assert first.card is not None and first.counts.new == 3
    assert study.bury(db.session, user, first.card.question.id, T0)
    after = study.today(db.session, user, T0)
    assert after.counts.new == 3 and after.card is not None and after.card.question.id != first.card.question.id


def test_a_topic_session_shows_only_that_zones_cards(content_app: Flask) -> None:
    user = make_user(f"topic-{secrets.token_hex(4)}")
    topic = study.find_topic(db.session, "zone:green")
    assert topic is not None and study.find_topic(db.session, "zone:orange") is None
    for _ in range(5):
        shown = study.today(db.session, user, T0, topic).card
        assert shown is not None
        zone = db.session.scalar(select(Question.zone_id).where(Question.id == shown.question.id))
        assert zone == topic.topic.id
        submit(user, shown, T0, scheduling.EASY)


def test_a_commit_outside_the_unit_of_work_fails_under_test(app: Flask) -> None:
    db.session.add(User(username="loose", username_key="loose", password_hash="x", created_at=T0, updated_at=T0))
    with pytest.raises(RuntimeError, match=r"outside services\.transaction\.writing"):
        db.session.commit()
    db.session.rollback()
