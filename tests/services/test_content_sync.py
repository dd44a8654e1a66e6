"""The idempotent import, on SQLite and PostgreSQL: in place, retire, no-op, all or nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from studyapp.core import content, generation
from studyapp.extensions import db
from studyapp.models import KeyPoint, Question, Term, TermRelation, Zone
from studyapp.services import content_sync
from tests.conftest import FIXTURE_BANK

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    target = tmp_path / "questions"
    shutil.copytree(FIXTURE_BANK, target)
    return target


def sync(root: Path, now: datetime = NOW) -> content_sync.SyncReport:
    bank = content.load_bank(root)
    return content_sync.import_bank(db.session, bank, generation.generate(bank), now)


def test_first_import_adds_everything(app: Flask, bank_dir: Path) -> None:
    report = sync(bank_dir)
    bank = content.load_bank(bank_dir)
    expected = (
        len(bank.zones) + len(bank.articles) + len(bank.terms) + len(bank.key_points) + len(generation.generate(bank))
    )
    assert (report.added, report.updated, report.retired, report.unchanged) == (expected, 0, 0, 0)
    apple = db.session.scalars(select(Term).where(Term.slug == "apple")).one()
    assert apple.zone.slug == "red" and apple.article is not None and apple.article.slug == "orchard"
    assert {(r.kind, r.target.slug) for r in apple.relations} == {("confusable_with", "pear"), ("related", "cherry")}
    assert apple.created_at == NOW and apple.created_at.tzinfo is not None


def test_second_import_changes_nothing_and_writes_nothing(app: Flask, bank_dir: Path) -> None:
    first = sync(bank_dir)
    writes: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SELECT", "PRAGMA")):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        second = sync(bank_dir, NOW + timedelta(days=1))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert (second.added, second.updated, second.retired) == (0, 0, 0)
    assert second.unchanged == first.added
    assert [
        w for w in writes if not w.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
    ] == []


def test_edited_definition_updates_in_place(app: Flask, bank_dir: Path) -> None:
    sync(bank_dir)
    before = db.session.scalars(select(Term).where(Term.slug == "pear")).one()
    pear_id = before.id
    question_id = db.session.scalars(select(Question.id).where(Question.key == "term_to_definition:pear")).one()
    path = bank_dir / "glossary" / "red.yaml"
    path.write_text(path.read_text().replace("softens from the inside when ripe", "softens from the core when ripe"))
    report = sync(bank_dir, NOW + timedelta(hours=1))
    db.session.expire_all()
    pear = db.session.get(Term, pear_id)
    assert pear is not None and "from the core" in pear.definition
    assert pear.updated_at == NOW + timedelta(hours=1)
    question = db.session.get(Question, question_id)
    assert question is not None and question.answer == pear.definition
    assert report.updated >= 2 and report.added == 0 and report.retired == 0


def test_removed_content_is_retired_and_comes_back_with_its_ids(app: Flask, bank_dir: Path) -> None:
    sync(bank_dir)
    kale_id = db.session.scalars(select(Term.id).where(Term.slug == "kale")).one()
    path = bank_dir / "glossary" / "green.yaml"
    original = path.read_text()
    kale_start = original.index("  - slug: kale")
    path.write_text(original[:kale_start])
    article = bank_dir / "articles" / "orchard.yaml"
    article_text = article.read_text()
    start, end = article_text.index("      - key: kale-is-hardy"), article_text.index("contrasts:")
    article.write_text(article_text[:start] + article_text[end:])
    report = sync(bank_dir)
    assert report.retired > 0 and report.added == 0
    kale = db.session.get(Term, kale_id)
    assert kale is not None and kale.retired_at == NOW
    live = db.session.scalars(select(Question).where(Question.term_id == kale_id, Question.retired_at.is_(None))).all()
    assert live == []
    assert db.session.scalar(select(func.count()).select_from(KeyPoint).where(KeyPoint.retired_at.is_not(None))) == 1

    path.write_text(original)
    article.write_text(article_text)
    sync(bank_dir)
    db.session.expire_all()
    again = db.session.scalars(select(Term).where(Term.slug == "kale")).one()
    assert again.id == kale_id and again.retired_at is None


def test_changed_relations_are_rewritten(app: Flask, bank_dir: Path) -> None:
    sync(bank_dir)
    path = bank_dir / "glossary" / "red.yaml"
    path.write_text(
        path.read_text().replace(
            "related: [cherry]\n    provenance: {article: orchard, basis: source}",
            "related: [plum]\n    provenance: {article: orchard, basis: source}",
        )
    )
    sync(bank_dir)
    rows = db.session.execute(
        select(TermRelation.kind, Term.slug)
        .join(Term, Term.id == TermRelation.target_id)
        .where(TermRelation.term_id == select(Term.id).where(Term.slug == "apple").scalar_subquery())
    ).all()
    assert set(rows) == {("confusable_with", "pear"), ("related", "plum")}


def test_a_failing_import_leaves_the_database_as_it_was(app: Flask, bank_dir: Path) -> None:
    sync(bank_dir)
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (Zone, Term, Question)}
    bank = content.load_bank(bank_dir)
    broken = [
        *generation.generate(bank),
        generation.Question(key="x", kind="choice_term", prompt="p", answer="a", explanation="e", term="no-such-term"),
    ]
    path = bank_dir / "glossary" / "red.yaml"
    path.write_text(path.read_text().replace("Granny Smith", "Bramley"))
    edited = content.load_bank(bank_dir)
    with pytest.raises(KeyError):
        content_sync.import_bank(db.session, edited, broken, NOW)
    assert {
        m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (Zone, Term, Question)
    } == counts
    assert "Granny Smith" in db.session.scalars(select(Term.example).where(Term.slug == "apple")).one()


def test_timestamps_come_back_as_aware_utc(app: Flask, bank_dir: Path) -> None:
    sync(bank_dir, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    zone = db.session.scalars(select(Zone)).first()
    db.session.expire_all()
    assert zone is not None
    assert zone.created_at.tzinfo is not None and zone.created_at.utcoffset() == timedelta(0)
    assert zone.created_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_question_reports_its_key_points_basis_before_its_terms(app: Flask, bank_dir: Path) -> None:
    sync(bank_dir)
    # kale-is-hardy is a supplementary key point; apples-need-pollinators a source one.
    for key, expected in (
        ("cloze_typed:orchard:kale-is-hardy:1", "supplementary"),
        ("cloze_typed:orchard:apples-need-pollinators:1", "source"),
    ):
        question = db.session.scalars(select(Question).where(Question.key == key)).one()
        assert question.basis == expected
    pear_card = db.session.scalars(select(Question).where(Question.key == "term_to_definition:pear")).one()
    assert pear_card.basis == "supplementary"
