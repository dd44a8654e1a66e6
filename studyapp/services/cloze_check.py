"""Checking a typed fill-in-the-blank card before the learner rates it: read only, nothing stored.

The review shows a cloze card with a text box; "Check" grades what was typed (core.grading) and
shows the answer with a suggested rating, which the learner may change before rating as usual.
The typed text is neither stored nor logged: only the rating, through study.answer, is.

The card is the one the page showed: today's queue is read as of the moment it was shown, so a
learning card falling due while the learner types does not take its place; a card answered
since (in another tab) no longer matches, and the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session, aliased

from studyapp.core import grading
from studyapp.core.generation import CLOZE_CHOICE, CLOZE_TYPED
from studyapp.core.grading import Grade
from studyapp.core.scheduling import Rating
from studyapp.models import Question
from studyapp.services import study


@dataclass(frozen=True)
class Checked:
    today: study.Today  # the card as it was shown (with a fresh one-time token for its rating)
    grade: Grade | None  # None when nothing was typed: the learner grades themselves, as before
    suggested: Rating | None


def _spec(session: Session, question_id: int, answer: str) -> grading.Spec:
    """The card's accepted answers, and its multiple-choice twin's distractors as confusable:
    each is a plausible wrong answer to this very blank, so a typo never turns into one."""
    twin = aliased(Question)
    twin_key = literal(CLOZE_CHOICE + ":") + func.substr(Question.key, len(CLOZE_TYPED) + 2)
    row = session.execute(
        select(Question.accepted, twin.options).outerjoin(twin, twin.key == twin_key).where(Question.id == question_id)
    ).one()
    confusable = tuple(o for o in (row.options or ()) if o != answer)
    return grading.Spec(answer, accepted=tuple(row.accepted or ()), confusable=confusable)


def check(
    session: Session,
    learner: study.Learner,
    *,
    question_id: int,
    version: int,
    shown_at: datetime,
    typed: str,
    topic: study.TopicRef | None = None,
    extras: study.Extras | None = None,
) -> Checked | None:
    """Grade `typed` against the card shown at `shown_at`; None when that card is no longer the
    learner's current one. A blank `typed` is no grade (reveal and self-grade); anything the grader
    cannot read comes back as an UNREADABLE grade for the caller to refuse."""
    today = study.today(session, learner, shown_at, topic, extras or study.Extras())
    card = today.card
    if card is None or card.question.id != question_id or card.version != version:
        return None
    if card.question.kind != CLOZE_TYPED or not typed.strip():
        return Checked(today, None, None)
    result = grading.grade(CLOZE_TYPED, _spec(session, question_id, card.question.answer), typed)
    return Checked(today, result, grading.suggested_rating(result))
