"""How a question is shown to a learner: its text, its term and article, and where it comes from.

Study and quiz both show questions; both select FACE_COLUMNS from a FROM clause made by
`with_face_sources` and turn each row into a `Face` with `face_of`, so the label and provenance
rules live here (and in core.content) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Join, Table

from studyapp.core.content import question_basis, term_label
from studyapp.models import Article, KeyPoint, Question, Term


@dataclass(frozen=True)
class TermRef:
    slug: str
    label: str


@dataclass(frozen=True)
class ArticleRef:
    slug: str
    title: str


@dataclass(frozen=True)
class Face:
    """What a card or quiz item shows: its question's text and where that comes from."""

    id: int
    kind: str
    prompt: str
    answer: str
    explanation: str
    basis: str  # "source" or "supplementary": the key point's, else the term's
    term: TermRef | None
    article: ArticleRef | None


FACE_COLUMNS = (
    Question.id.label("face_id"),
    Question.kind.label("face_kind"),
    Question.prompt.label("face_prompt"),
    Question.answer.label("face_answer"),
    Question.explanation.label("face_explanation"),
    Term.slug.label("term_slug"),
    Term.name.label("term_name"),
    Term.acronym.label("term_acronym"),
    Term.basis.label("term_basis"),
    Article.slug.label("article_slug"),
    Article.title.label("article_title"),
    KeyPoint.basis.label("key_point_basis"),
)
QUESTIONS = cast(Table, Question.__table__)


def with_face_sources(questions: Join | Table) -> Join:
    """A FROM clause holding questions, joined to what a face shows of their term, article and key point."""
    return (
        questions.outerjoin(Term, Question.term_id == Term.id)
        .outerjoin(Article, Question.article_id == Article.id)
        .outerjoin(KeyPoint, Question.key_point_id == KeyPoint.id)
    )


def face_of(row: Any) -> Face:
    """A row holding FACE_COLUMNS (by their labels) as a Face."""
    term = TermRef(row.term_slug, term_label(row.term_name, row.term_acronym)) if row.term_slug is not None else None
    article = ArticleRef(row.article_slug, row.article_title) if row.article_slug is not None else None
    return Face(
        id=row.face_id,
        kind=row.face_kind,
        prompt=row.face_prompt,
        answer=row.face_answer,
        explanation=row.face_explanation,
        basis=question_basis(row.key_point_basis, row.term_basis),
        term=term,
        article=article,
    )
