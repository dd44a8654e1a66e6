"""Idempotent import of the content bank and its questions into the database.

Rows are matched by their stable key (zone, term and article slugs, key point keys, question keys)
and compared by a hash of their content: a changed row is updated in place (same id, so learners'
cards and history keep pointing at it), a row that left the bank is retired (hidden from new study,
history kept), an unchanged row is not written at all. Everything happens in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from studyapp.core import content, generation
from studyapp.core.glossary_search import search_names
from studyapp.core.siblings import sibling_pairs
from studyapp.models import Article, KeyPoint, KeyPointTerm, Question, QuestionSibling, Term, TermRelation, Zone
from studyapp.services.transaction import writing


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"added {self.added}, updated {self.updated}, retired {self.retired}, unchanged {self.unchanged}"


Row = TypeVar("Row", Zone, Article, Term, KeyPoint, Question)


# What json.dumps(fields, sort_keys=True, default=list) builds on every call, built once: the
# same text, so the same hashes as rows already stored.
_HASHED_JSON = json.JSONEncoder(sort_keys=True, default=list)


def content_hash(fields: dict[str, Any]) -> str:
    """The hash of a row's fields as JSON: tuples and lists give the same JSON array, so the
    fields may hold the bank's own tuples (and the JSON columns store them as arrays too)."""
    return hashlib.sha256(_HASHED_JSON.encode(fields).encode()).hexdigest()


class _Sync:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.report = SyncReport()

    def upsert(
        self,
        model: type[Row],
        key_columns: Sequence[Any],
        key_of: Callable[[Sequence[Any]], Any],
        wanted: dict[Any, dict[str, Any]],
        linked: dict[Any, Any] | None = None,
    ) -> tuple[dict[Any, int], set[Any]]:
        """Bring one table in line with `wanted` (key -> column values).

        Only ids, hashes and keys are read; full rows are loaded just for the keys that changed,
        so a no-op import costs one narrow query per table. `linked` holds, per key, what lives
        in other tables but belongs to the row's content (a term's relations, a key point's
        terms): it is hashed with the row, so a change there marks the row changed. Returns the
        ids by key (retired rows included) and the keys that were added or updated.
        """
        rows = self.session.execute(select(model.id, model.content_hash, model.retired_at, *key_columns)).all()
        existing = {key_of(tuple(row[3:])): row for row in rows}
        ids: dict[Any, int] = {key: row.id for key, row in existing.items()}
        added: dict[Any, dict[str, Any]] = {}
        changed: set[Any] = set()
        for key, fields in wanted.items():
            digest = content_hash({**fields, "_linked": (linked or {}).get(key)})
            row = existing.get(key)
            if row is None:
                added[key] = {**fields, "content_hash": digest, "created_at": self.now, "updated_at": self.now}
                changed.add(key)
                self.report.added += 1
            elif row.content_hash != digest or row.retired_at is not None:
                self.session.execute(
                    update(model)
                    .where(model.id == row.id)
                    .values(**fields, content_hash=digest, retired_at=None, updated_at=self.now)
                    .execution_options(synchronize_session=False)
                )
                changed.add(key)
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        gone = [row.id for key, row in existing.items() if key not in wanted and row.retired_at is None]
        if gone:
            self.session.execute(
                update(model)
                .where(model.id.in_(gone))
                .values(retired_at=self.now, updated_at=self.now)
                .execution_options(synchronize_session=False)
            )
            self.report.retired += len(gone)
        if added:
            # One executemany INSERT, not ORM objects: the unit of work's per-object bookkeeping
            # (attribute history, relationship cascades) cost more than the writes themselves,
            # and nothing here uses the objects. Rows go in the bank's order, as before. The new
            # ids are read back by key in one narrow query: RETURNING in parameter order would
            # make SQLite insert row by row.
            self.session.execute(insert(model), list(added.values()))
            inserted = self.session.execute(select(model.id, *key_columns)).all()
            new_ids = {key_of(tuple(row[1:])): row.id for row in inserted}
            ids.update({key: new_ids[key] for key in added})
        return ids, changed


def _zone_fields(zone: content.Zone) -> dict[str, Any]:
    return {
        "slug": zone.slug,
        "name": zone.name,
        "position": zone.position,
        "basis": zone.basis,
        "intro": zone.intro,
        "source_note": zone.source_note,
    }


def _article_fields(article: content.Article) -> dict[str, Any]:
    contrasts = None
    if article.contrasts:
        contrasts = {
            "left": article.contrasts.left,
            "right": article.contrasts.right,
            "pairs": [
                {"dimension": p.dimension, "left": p.left, "right": p.right, "basis": p.basis}
                for p in article.contrasts.pairs
            ],
        }
    return {
        "slug": article.slug,
        "title": article.title,
        "source_url": article.source_url,
        "published": article.published,
        "coverage": article.coverage,
        "summary": article.summary,
        "sections": [{"title": s.title, "basis": s.basis} for s in article.sections],
        "contrasts": contrasts,
    }


def import_bank(
    session: Session, bank: content.Bank, questions: Sequence[generation.Question], now: datetime
) -> SyncReport:
    """Sync the bank and its generated questions into the database in one transaction."""
    sync = _Sync(session, now)
    with writing(session):
        return _import(sync, session, bank, questions)


def _import(sync: _Sync, session: Session, bank: content.Bank, questions: Sequence[generation.Question]) -> SyncReport:
    zones, _ = sync.upsert(Zone, [Zone.slug], _first, {z.slug: _zone_fields(z) for z in bank.zones})
    articles, _ = sync.upsert(Article, [Article.slug], _first, {a.slug: _article_fields(a) for a in bank.articles})
    term_fields = {
        t.slug: {
            "slug": t.slug,
            "zone_id": zones[t.zone],
            "position": position,
            "name": t.name,
            "acronym": t.acronym,
            "aliases": t.aliases,
            "definition": t.definition,
            "explanation": t.explanation,
            "example": t.example,
            "article_id": articles.get(t.article),
            "basis": t.basis,
            "sources": t.sources,
            # The database indexes the words of names, aliases and definition itself
            # (migration 0005); exact and prefix matches on name and acronym use this column.
            "search_names": search_names([t.name, *filter(None, [t.acronym])]),
        }
        for position, t in enumerate(bank.terms)
    }
    # Relations are part of a term's content: hash them with it, rewrite them when it changes.
    relations = {t.slug: {k: v for k, v in t.relations.items() if v} for t in bank.terms}
    terms, changed_terms = sync.upsert(Term, [Term.slug], _first, term_fields, relations)
    _rewrite_relations(session, bank, terms, changed_terms)

    point_fields = {
        (kp.article, kp.key): {
            "article_id": articles[kp.article],
            "key": kp.key,
            "section": kp.section,
            "position": kp.position,
            "statement": kp.statement,
            "cloze": [{"text": c.text, "aliases": c.aliases} for c in kp.cloze],
            "explanation": kp.explanation,
            "basis": kp.basis,
        }
        for kp in bank.key_points
    }
    point_terms = {(kp.article, kp.key): kp.terms for kp in bank.key_points}
    by_article_id = {article_id: slug for slug, article_id in articles.items()}
    points, changed_points = sync.upsert(
        KeyPoint,
        [KeyPoint.article_id, KeyPoint.key],
        lambda key: (by_article_id[key[0]], key[1]),
        point_fields,
        point_terms,
    )
    _rewrite_point_terms(session, bank, points, terms, changed_points)

    question_fields = {
        q.key: {
            "key": q.key,
            "kind": q.kind,
            "prompt": q.prompt,
            "answer": q.answer,
            "explanation": q.explanation,
            "options": q.options,
            "accepted": q.accepted,
            "pairs": q.pairs,
            "term_id": terms[q.term] if q.term else None,
            "zone_id": zones[q.zone] if q.zone else None,
            "article_id": articles[q.article] if q.article else None,
            "key_point_id": points[(q.article, q.key_point)] if q.article and q.key_point else None,
            "fallback": q.fallback,
            "study_order": q.study_order,
        }
        for q in questions
    }
    question_ids, _ = sync.upsert(Question, [Question.key], _first, question_fields)
    _rewrite_siblings(session, question_ids, sibling_pairs(questions))
    return sync.report


def _rewrite_siblings(session: Session, ids: dict[str, int], pairs: set[tuple[str, str]]) -> None:
    """Make question_sibling hold exactly these pairs (by question key), writing only the difference."""
    wanted = {(ids[a], ids[b]) for a, b in pairs}
    stored = {
        (row[0], row[1]) for row in session.execute(select(QuestionSibling.question_id, QuestionSibling.sibling_id))
    }
    gone = stored - wanted
    for question_id, sibling_id in gone:
        session.execute(
            delete(QuestionSibling).where(
                QuestionSibling.question_id == question_id, QuestionSibling.sibling_id == sibling_id
            )
        )
    added = [{"question_id": a, "sibling_id": b} for a, b in sorted(wanted - stored)]
    if added:
        session.execute(insert(QuestionSibling), added)


def _first(key: Sequence[Any]) -> Any:
    return key[0]


def _rewrite_relations(session: Session, bank: content.Bank, terms: dict[str, int], changed: Iterable[str]) -> None:
    changed = list(changed)
    if not changed:
        return
    ids = [terms[slug] for slug in changed]
    session.execute(delete(TermRelation).where(TermRelation.term_id.in_(ids)))
    rows = [
        {"term_id": terms[slug], "kind": kind, "target_id": terms[target]}
        for slug in changed
        for kind, targets in bank.term(slug).relations.items()
        for target in targets
    ]
    if rows:
        session.execute(insert(TermRelation), rows)


def _rewrite_point_terms(
    session: Session,
    bank: content.Bank,
    points: dict[tuple[str, str], int],
    terms: dict[str, int],
    changed: Iterable[tuple[str, str]],
) -> None:
    changed = list(changed)
    if not changed:
        return
    by_key = {(kp.article, kp.key): kp for kp in bank.key_points}
    session.execute(delete(KeyPointTerm).where(KeyPointTerm.key_point_id.in_([points[k] for k in changed])))
    rows = [{"key_point_id": points[k], "term_id": terms[slug]} for k in changed for slug in by_key[k].terms]
    if rows:
        session.execute(insert(KeyPointTerm), rows)
