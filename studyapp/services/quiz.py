"""Quizzes: start a Test, Learn or Match attempt, answer its items, finish, and the history.

The server grades (core.grading); the client sends only what the learner chose or typed. An item
is answered once: a replayed answer gets the recorded result, a finished attempt is read-only, and
another learner's attempt is not found. A visitor's attempt belongs to a random key kept in their
session, and signing up straight after claims it.

A signed-in learner's quiz answers are evidence for the memory model: each one counts as a review
(core.quiz.evidence_rating: Again when wrong, Hard when recognised, Good when typed) of their
flashcards in review on the same term or key point, at most once per card per study day, logged
with source "quiz".
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from studyapp.core import grading, review
from studyapp.core import quiz as rules
from studyapp.core.generation import CHOICE_DEFINITION, CHOICE_TERM, DEFINITION_TO_TERM, FLASHCARD_KINDS, MATCHING
from studyapp.core.scheduling import State
from studyapp.core.settings import LearnerSettings
from studyapp.models import (
    Article,
    Card,
    Question,
    QuizAttempt,
    QuizItem,
    ReviewLog,
    Term,
    Zone,
)
from studyapp.services import progress
from studyapp.services.transaction import writing


class QuizError(Exception):
    """A quiz request that cannot be honoured; the message says why."""


@dataclass(frozen=True)
class Owner:
    """Who takes a quiz: a signed-in learner (with their settings), or a visitor's key."""

    user_id: int | None = None
    visitor_key: str | None = None
    settings: LearnerSettings | None = None

    def owns(self, attempt: QuizAttempt) -> bool:
        if self.user_id is not None:
            return attempt.user_id == self.user_id
        return attempt.user_id is None and self.visitor_key is not None and attempt.visitor_key == self.visitor_key


def visitor_key(token: str) -> str:
    return hashlib.sha256(f"quiz-visitor:{token}".encode()).hexdigest()


@dataclass(frozen=True)
class TopicChoice:
    spec: str
    name: str
    kind: str  # "zone" or "article"


def topic_choices(session: Session) -> list[TopicChoice]:
    zones = session.execute(select(Zone.slug, Zone.name).where(Zone.retired_at.is_(None)).order_by(Zone.position))
    articles = session.execute(
        select(Article.slug, Article.title).where(Article.retired_at.is_(None)).order_by(Article.id)
    )
    return [TopicChoice(f"zone:{s}", n, "zone") for s, n in zones] + [
        TopicChoice(f"article:{s}", n, "article") for s, n in articles
    ]


# --- starting -------------------------------------------------------------------------------


def _live_questions(kinds: Sequence[str]) -> object:
    return select(
        Question.id, Question.kind, Question.term_id, Question.key_point_id, Question.zone_id, Question.article_id
    ).where(Question.retired_at.is_(None), Question.kind.in_(list(kinds)))


def _weakest_terms(session: Session, owner: Owner, now: datetime, count: int = 15) -> set[int]:
    """The learner's terms with the lowest retrievability now (cards in review only)."""
    if owner.user_id is None or owner.settings is None:
        return set()
    from studyapp.core import scheduling

    settings = owner.settings.scheduler()
    rows = session.execute(
        select(Question.term_id, Card.state, Card.step, Card.stability, Card.difficulty, Card.due, Card.last_review)
        .join(Question, Card.question_id == Question.id)
        .where(Card.user_id == owner.user_id, Card.state == State.REVIEW, Question.term_id.is_not(None))
    ).all()
    scored: dict[int, float] = {}
    for term_id, state, step, stability, difficulty, due, last_review in rows:
        r = scheduling.retrievability(
            settings, scheduling.CardState(state, step, stability, difficulty, due, last_review), now
        )
        if r is not None and term_id is not None:
            scored[term_id] = min(r, scored.get(term_id, 1.0))
    return {term for term, _ in sorted(scored.items(), key=lambda kv: kv[1])[:count]}


def _new_attempt(
    session: Session, owner: Owner, mode: str, topics: list[str], formats: str, now: datetime
) -> QuizAttempt:
    attempt = QuizAttempt(
        user_id=owner.user_id,
        visitor_key=None if owner.user_id is not None else owner.visitor_key,
        mode=mode,
        topics=topics,
        formats=formats,
        started_at=now,
    )
    session.add(attempt)
    return attempt


def _options_for(question: Question, rng: random.Random) -> list[str]:
    if question.kind == MATCHING:
        return rules.shuffled([right for _, right in question.pairs], rng)
    if question.options:
        return rules.shuffled(list(question.options), rng) if len(question.options) > 2 else list(question.options)
    return []


def start_test(
    session: Session, owner: Owner, topics: Sequence[str], length: int, formats: str, now: datetime, rng: random.Random
) -> int:
    """A Test of `length` questions drawn from the topics; raises QuizError when there are none."""
    if length not in rules.LENGTHS or formats not in rules.FORMATS or not topics:
        raise QuizError("Choose at least one topic, a length and a format.")
    kinds = rules.FORMATS[formats]
    rows = session.execute(_live_questions(kinds)).all()  # type: ignore[call-overload]
    zone_ids = dict(session.execute(select(Zone.id, Zone.slug)).all())
    article_ids = dict(session.execute(select(Article.id, Article.slug)).all())
    weakest = _weakest_terms(session, owner, now) if "weakest" in topics else set()
    if "weakest" in topics and not weakest:
        raise QuizError("You have no reviewed cards yet, so there is no weakest topic: study a few days first.")
    candidates = []
    for question_id, _kind, term_id, key_point_id, zone_id, article_id in rows:
        subject = f"term:{term_id}" if term_id else f"kp:{key_point_id}" if key_point_id else f"q:{question_id}"
        for topic in topics:
            if (
                topic == "all"
                or (topic == "weakest" and term_id in weakest)
                or (zone_id is not None and topic == f"zone:{zone_ids.get(zone_id)}")
                or (article_id is not None and topic == f"article:{article_ids.get(article_id)}")
            ):
                candidates.append(rules.Candidate(question_id, topic, subject))
                break
    chosen = rules.draw(candidates, list(topics), length, rng)
    if not chosen:
        raise QuizError("There are no questions of that format in those topics; choose another format or topic.")
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(chosen)))}
    with writing(session):
        attempt = _new_attempt(session, owner, "test", list(topics), formats, now)
        for position, question_id in enumerate(chosen):
            question = questions[question_id]
            attempt.items.append(
                QuizItem(position=position, question_id=question_id, options=_options_for(question, rng))
            )
        attempt.total = len(chosen)
    return attempt.id


def _zone_id(session: Session, topic: str) -> int:
    if not topic.startswith("zone:"):
        raise QuizError("Learn and Match work on one glossary zone: choose a zone.")
    zone_id = session.scalar(select(Zone.id).where(Zone.slug == topic.removeprefix("zone:"), Zone.retired_at.is_(None)))
    if zone_id is None:
        raise QuizError("There is no such zone.")
    return zone_id


def _learn_subjects(session: Session, zone_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Term.id).where(Term.zone_id == zone_id, Term.retired_at.is_(None)).order_by(Term.position)
        )
    )


def start_learn(session: Session, owner: Owner, topic: str, now: datetime, rng: random.Random) -> int:
    """A Learn session on one zone: its terms, each until answered right twice."""
    zone_id = _zone_id(session, topic)
    if not _learn_subjects(session, zone_id):
        raise QuizError("That zone has no terms yet.")
    with writing(session):
        attempt = _new_attempt(session, owner, "learn", [topic], "learn", now)
        session.flush()
        _append_learn_item(session, attempt, rng)
    return attempt.id


def _learn_answers(attempt: QuizAttempt) -> list[rules.LearnAnswer]:
    return [
        rules.LearnAnswer(str(item.question.term_id), _level(item.question.kind), bool(item.correct))
        for item in attempt.items
        if item.answered_at is not None
    ]


def _level(kind: str) -> str:
    return "recall" if kind in rules.RECALL_KINDS else "recognition"


def _append_learn_item(session: Session, attempt: QuizAttempt, rng: random.Random) -> bool:
    """Add the next Learn question; False when every term is done."""
    zone_id = _zone_id(session, attempt.topics[0])
    subjects = [str(t) for t in _learn_subjects(session, zone_id)]
    step = rules.next_learn_step(subjects, _learn_answers(attempt))
    if step is None:
        return False
    kinds = (DEFINITION_TO_TERM,) if step.level == "recall" else (CHOICE_TERM, CHOICE_DEFINITION)
    options = list(
        session.scalars(
            select(Question).where(
                Question.term_id == int(step.subject), Question.kind.in_(kinds), Question.retired_at.is_(None)
            )
        )
    )
    if not options:
        return False
    question = rng.choice(options)
    attempt.items.append(
        QuizItem(
            position=len(attempt.items), question_id=question.id, question=question, options=_options_for(question, rng)
        )
    )
    attempt.total = len(attempt.items)
    return True


def start_match(session: Session, owner: Owner, topic: str, now: datetime, rng: random.Random) -> int:
    """A Match game: six term-definition pairs of one zone, against the clock."""
    zone_id = _zone_id(session, topic)
    games = list(
        session.scalars(
            select(Question).where(
                Question.kind == MATCHING, Question.zone_id == zone_id, Question.retired_at.is_(None)
            )
        )
    )
    games = [g for g in games if len(g.pairs) >= rules.MATCH_PAIRS - 1] or games
    if not games:
        raise QuizError("That zone has no matching game yet.")
    game = rng.choice(games)
    with writing(session):
        attempt = _new_attempt(session, owner, "match", [topic], "matching", now)
        attempt.items.append(QuizItem(position=0, question_id=game.id, options=_options_for(game, rng)))
        attempt.total = 1
    return attempt.id


def practise_mistakes(session: Session, owner: Owner, attempt_id: int, now: datetime, rng: random.Random) -> int:
    """A new Test of the questions this attempt got wrong."""
    attempt = get_attempt(session, owner, attempt_id)
    wrong = [item.question_id for item in attempt.items if item.answered_at is not None and not item.correct]
    if not wrong:
        raise QuizError("No mistakes to practise: well done.")
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(wrong)))}
    with writing(session):
        new = _new_attempt(session, owner, "test", attempt.topics, attempt.formats, now)
        for position, question_id in enumerate(rules.shuffled([str(i) for i in wrong], rng)):
            question = questions[int(question_id)]
            new.items.append(QuizItem(position=position, question_id=question.id, options=_options_for(question, rng)))
        new.total = len(wrong)
    return new.id


# --- taking ---------------------------------------------------------------------------------


def get_attempt(session: Session, owner: Owner, attempt_id: int) -> QuizAttempt:
    """The owner's attempt with its items and questions; raises LookupError for anyone else's."""
    attempt = (
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.id == attempt_id)
            .options(joinedload(QuizAttempt.items).joinedload(QuizItem.question))
        )
        .unique()
        .first()
    )
    if attempt is None or not owner.owns(attempt):
        raise LookupError(attempt_id)
    return attempt


def current_item(attempt: QuizAttempt) -> QuizItem | None:
    return next((item for item in attempt.items if item.answered_at is None), None)


@dataclass(frozen=True)
class OptionMeaning:
    """What a wrong option actually is: a term's definition, or the term a definition belongs to."""

    option: str
    term_label: str
    term_slug: str
    definition: str


@dataclass(frozen=True)
class Feedback:
    item: QuizItem
    correct: bool
    expected: str
    leniency: str | None
    chosen_meaning: OptionMeaning | None
    wrong_pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (left, chosen, right answer)
    replayed: bool = False


MAX_RESPONSE = 2000


def _clean(response: str) -> str:
    if len(response) > MAX_RESPONSE:
        raise QuizError("That answer is too long.")
    if "\x00" in response or any(ord(c) < 32 and c not in "\t\n\r" for c in response):
        raise QuizError("That answer contains characters that cannot be read.")
    return response.strip()


def _meaning(session: Session, question: Question, chosen: str) -> OptionMeaning | None:
    if question.kind == CHOICE_DEFINITION:
        term = session.scalars(select(Term).where(Term.definition == chosen)).first()
    elif question.kind == CHOICE_TERM:
        term = next(
            (t for t in session.scalars(select(Term).where(Term.name == chosen.split(" (")[0])) if t.label == chosen),
            None,
        )
    else:
        return None
    if term is None:
        return None
    return OptionMeaning(chosen, term.label, term.slug, term.definition)


def _grade(item: QuizItem, response: str | list[str]) -> tuple[bool, str | None, list[tuple[str, str, str]]]:
    """The server's grade of a response to an item: (correct, what was forgiven, wrong matching pairs)."""
    question = item.question
    if question.kind == MATCHING:
        chosen = list(response) if isinstance(response, list) else []
        if len(chosen) != len(question.pairs) or any(c not in item.options for c in chosen):
            raise QuizError("Match every term with one of the definitions shown.")
        wrong = [(left, c, right) for (left, right), c in zip(question.pairs, chosen, strict=True) if c != right]
        return not wrong, None, wrong
    text = response if isinstance(response, str) else ""
    if item.options:
        if text not in item.options:
            raise QuizError("Choose one of the options shown.")
        return text == question.answer, None, []
    if not text:
        raise QuizError("Type an answer first (or your best guess).")
    kind = question.kind if question.kind in grading.TYPED_KINDS else grading.TYPED
    result = grading.grade(kind, grading.Spec(answer=question.answer, accepted=tuple(question.accepted)), text)
    if result.verdict is grading.Verdict.UNREADABLE:
        raise QuizError(result.message or "That answer cannot be read.")
    return result.correct, result.summary if result.correct and result.leniency else None, []


def answer(
    session: Session,
    owner: Owner,
    attempt_id: int,
    item_id: int,
    response: str | list[str],
    now: datetime,
    rng: random.Random | None = None,
) -> Feedback:
    """Grade and record the answer to one item (once); count it as evidence for a signed-in learner."""
    attempt = get_attempt(session, owner, attempt_id)
    item = next((i for i in attempt.items if i.id == item_id), None)
    if item is None:
        raise LookupError(item_id)
    if item.answered_at is not None:
        return _recorded(session, item, replayed=True)
    if attempt.finished_at is not None:
        raise QuizError("This quiz is finished; it can no longer be changed.")
    response = [_clean(r) for r in response] if isinstance(response, list) else _clean(response)
    correct, leniency, wrong_pairs = _grade(item, response)
    with writing(session):
        if attempt.mode == "match" and not correct:
            attempt.penalty_ms += rules.MATCH_PENALTY_MS * len(wrong_pairs)
        else:
            item.answered_at = now
            item.response = json.dumps(response) if isinstance(response, list) else response
            item.correct = correct
            item.leniency = leniency
            attempt.score += 1 if correct else 0
            if owner.user_id is not None and owner.settings is not None:
                _count_as_evidence(session, owner, item.question, correct, now)
            if attempt.mode == "learn":
                if not _append_learn_item(session, attempt, rng or random.Random()):
                    attempt.finished_at = now
            elif current_item(attempt) is None:
                attempt.finished_at = now
    return Feedback(
        item=item,
        correct=correct,
        expected=item.question.answer,
        leniency=leniency,
        chosen_meaning=None if correct or isinstance(response, list) else _meaning(session, item.question, response),
        wrong_pairs=wrong_pairs,
    )


def _recorded(session: Session, item: QuizItem, replayed: bool = False) -> Feedback:
    response: str | list[str] = item.response or ""
    wrong: list[tuple[str, str, str]] = []
    if item.question.kind == MATCHING and item.response:
        chosen = json.loads(item.response)
        wrong = [(left, c, right) for (left, right), c in zip(item.question.pairs, chosen, strict=False) if c != right]
        response = chosen
    meaning = None if item.correct or isinstance(response, list) else _meaning(session, item.question, response)
    return Feedback(item, bool(item.correct), item.question.answer, item.leniency, meaning, wrong, replayed)


def feedback_for(session: Session, owner: Owner, attempt_id: int, position: int) -> Feedback:
    attempt = get_attempt(session, owner, attempt_id)
    item = next((i for i in attempt.items if i.position == position and i.answered_at is not None), None)
    if item is None:
        raise LookupError(position)
    return _recorded(session, item)


def override(session: Session, owner: Owner, attempt_id: int, item_id: int) -> None:
    """The learner says a typed answer marked wrong was right: recorded as an override, scored right."""
    attempt = get_attempt(session, owner, attempt_id)
    item = next((i for i in attempt.items if i.id == item_id), None)
    if item is None or item.answered_at is None:
        raise LookupError(item_id)
    if item.correct or item.options:
        raise QuizError("Only a typed answer marked wrong can be overridden.")
    with writing(session):
        item.correct = True
        item.overridden = True
        attempt.score += 1


def _count_as_evidence(session: Session, owner: Owner, question: Question, correct: bool, now: datetime) -> None:
    """The quiz answer as a review of the learner's flashcards in review on the same subject."""
    assert owner.user_id is not None and owner.settings is not None
    subject = (
        Question.term_id == question.term_id
        if question.term_id is not None
        else Question.key_point_id == question.key_point_id
    )
    if question.term_id is None and question.key_point_id is None:
        return
    day_start, _ = owner.settings.study_day(now)
    cards = session.scalars(
        select(Card)
        .join(Question, Card.question_id == Question.id)
        .where(
            Card.user_id == owner.user_id,
            subject,
            Question.kind.in_(FLASHCARD_KINDS),
            Card.state == State.REVIEW,
            Card.suspended.is_(False),
            or_(Card.last_review.is_(None), Card.last_review < day_start),
        )
    ).all()
    rating = rules.evidence_rating(question.kind, correct)
    for card in cards:
        before = review.CardSnapshot.of(card)
        applied = review.apply_rating(
            before,
            rating,
            now=now,
            shown_at=now,
            settings=owner.settings.scheduler(),
            seed=review.fuzz_seed(owner.user_id, card.question_id, card.reps),
        )
        for name, value in applied.card.columns().items():
            setattr(card, name, value)
        card.version += 1
        log = applied.log
        session.add(
            ReviewLog(
                card_id=card.id,
                user_id=owner.user_id,
                token=secrets.token_urlsafe(24),
                rating=log.rating,
                reviewed_at=now,
                duration_ms=0,
                state_before=log.state_before,
                state_after=log.state_after,
                retrievability=log.retrievability,
                before={"card": before.to_dict(), "buried": []},
                stability_after=log.stability_after,
                difficulty_after=log.difficulty_after,
                due_after=log.due_after,
                source="quiz",
            )
        )
        session.flush()
        progress.record_answer(
            session.connection(),
            owner.settings,
            user_id=owner.user_id,
            card_id=card.id,
            reviewed_at=now,
            rating=log.rating,
            state_before=log.state_before,
            retrievability=log.retrievability,
            duration_ms=0,
        )


# --- after ----------------------------------------------------------------------------------


def claim(session: Session, visitor: str, user_id: int) -> int:
    """Give a visitor's attempts to the account they just made; how many."""
    attempts = session.scalars(
        select(QuizAttempt).where(QuizAttempt.visitor_key == visitor, QuizAttempt.user_id.is_(None))
    ).all()
    if attempts:
        with writing(session):
            for attempt in attempts:
                attempt.user_id = user_id
                attempt.visitor_key = None
    return len(attempts)


def best_match_ms(session: Session, user_id: int, topic: str) -> int | None:
    """The learner's best Match time on a topic (clock plus penalties)."""
    attempts = session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user_id, QuizAttempt.mode == "match", QuizAttempt.finished_at.is_not(None)
        )
    ).all()
    times = [
        rules.match_time_ms(int((a.finished_at - a.started_at).total_seconds() * 1000), 0) + a.penalty_ms  # type: ignore[operator]
        for a in attempts
        if a.topics == [topic]
    ]
    return min(times) if times else None


@dataclass(frozen=True)
class HistoryRow:
    attempt: QuizAttempt
    topic_names: list[str]


@dataclass(frozen=True)
class Accuracy:
    name: str
    answered: int
    correct: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


def history(session: Session, user_id: int) -> tuple[list[HistoryRow], list[Accuracy]]:
    """The learner's attempts, newest first, and their accuracy per zone and per article."""
    names = {c.spec: c.name for c in topic_choices(session)} | {"all": "Everything", "weakest": "My weakest terms"}
    attempts = session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id).order_by(QuizAttempt.started_at.desc()).limit(200)
    ).all()
    rows = [HistoryRow(a, [names.get(t, t) for t in a.topics]) for a in attempts]
    answered = (
        select(QuizItem.question_id, QuizItem.correct)
        .join(QuizAttempt, QuizItem.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.user_id == user_id, QuizItem.answered_at.is_not(None))
        .subquery()
    )
    accuracy = []
    for label, column, model in (("zone", Question.zone_id, Zone), ("article", Question.article_id, Article)):
        title = Zone.name if model is Zone else Article.title
        for name, count, right in session.execute(
            select(title, func.count(), func.sum(case((answered.c.correct.is_(True), 1), else_=0)))
            .select_from(answered)
            .join(Question, Question.id == answered.c.question_id)
            .join(model, model.id == column)
            .group_by(title)
            .order_by(title)
        ):
            accuracy.append(Accuracy(f"{name}", int(count), int(right or 0)))
        del label
    return rows, accuracy
