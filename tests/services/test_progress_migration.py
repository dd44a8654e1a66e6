"""Migration 0007 fills the roll-ups from an existing review log (on a fresh SQLite database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import flask_migrate
from sqlalchemy import select, text

from studyapp import create_app
from studyapp.extensions import db
from studyapp.models import CalibrationTally, Question, ReviewDay, ReviewTopicDay
from studyapp.services.transaction import writing
from tests.conftest import FIXTURE_BANK, import_bank


def test_the_backfill_names_study_days_in_the_learners_time_zone(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}", "SECRET_KEY": "t", "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(revision="0006")
        connection = db.engine.connect()
        with connection.begin():
            connection.execute(
                text(
                    "INSERT INTO user_account (id, username, username_key, password_hash, desired_retention,"
                    " new_per_day, reviews_per_day, learning_steps, relearning_steps, maximum_interval, timezone,"
                    " day_start_hour, created_at, updated_at) VALUES (1, 'ada', 'ada', 'x', 0.9, 20, 200, '[]', '[]',"
                    " 36500, 'Europe/Berlin', 4, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        connection.close()
    with app.app_context():  # the content tables as 0006 has them, filled by the import
        import_bank(FIXTURE_BANK)
        question = db.session.scalars(select(Question).where(Question.zone_id.is_not(None))).first()
        assert question is not None
        rows = [
            # (reviewed_at UTC, rating, state_before, retrievability, due_after)
            ("2026-03-10 02:59:00", 3, 0, None, "2026-03-10 03:09:00"),  # 03:59 in Berlin: 9 March
            ("2026-03-10 03:00:00", 1, 2, 0.93, "2026-03-10 03:10:00"),  # 04:00: 10 March
            ("2026-03-10 03:05:00", 3, 2, 0.55, "2026-03-14 03:05:00"),
        ]
        with writing(db.session):
            db.session.execute(
                text(
                    "INSERT INTO card (id, user_id, question_id, state, step, stability, difficulty, due, last_review,"
                    " reps, lapses, suspended, leech, introduced_at, version) VALUES (1, 1, :q, 2, NULL, 4.0, 5.0,"
                    " '2026-03-14 03:05:00', '2026-03-10 03:05:00', 3, 1, 0, 0, '2026-03-10 02:59:00', 4)"
                ),
                {"q": question.id},
            )
            for i, (at, rating, before, predicted, due) in enumerate(rows):
                db.session.execute(
                    text(
                        "INSERT INTO review_log (card_id, user_id, token, rating, reviewed_at, duration_ms, state_before,"
                        " state_after, retrievability, before, stability_after, difficulty_after, due_after)"
                        " VALUES (1, 1, :token, :rating, :at, 5000, :before, 2, :r, NULL, 4.0, 5.0, :due)"
                    ),
                    {"token": f"t{i}", "rating": rating, "at": at, "before": before, "r": predicted, "due": due},
                )
        db.session.remove()
        flask_migrate.upgrade()
        days = {r.day: r for r in db.session.scalars(select(ReviewDay))}
        assert set(days) == {date(2026, 3, 9), date(2026, 3, 10)}
        assert (days[date(2026, 3, 9)].reviews, days[date(2026, 3, 9)].review_answers) == (1, 0)
        tenth = days[date(2026, 3, 10)]
        assert (tenth.reviews, tenth.duration_ms, tenth.review_answers, tenth.review_passed) == (2, 10000, 2, 1)
        assert days[date(2026, 3, 9)].next_due is not None and tenth.next_due is not None
        assert tenth.next_due.isoformat() == "2026-03-14T03:05:00+00:00"
        topic = db.session.scalars(select(ReviewTopicDay)).one()
        assert (topic.zone_id, topic.review_answers, topic.review_passed) == (question.zone_id, 2, 1)
        bins = {t.bin: (t.answers, t.passed) for t in db.session.scalars(select(CalibrationTally))}
        assert bins == {9: (1, 0), 5: (1, 1)}
        db.session.remove()
        db.engine.dispose()
