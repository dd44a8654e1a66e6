"""progress roll-ups: answers per study day, per topic and day, and by predicted recall; daily goal

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00

The progress dashboard reads these small tables instead of the review log, so a learner with
100,000 answers costs about what one with 1,000 does. The answer step keeps them current in its
own transaction; this migration fills them from the existing review log, naming each answer's
study day with the learner's current time zone and day start, and working out each day's
`next_due` (the soonest any answered card was due once the day was over) by replaying the log.
"""
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

REVIEW = 2  # State.REVIEW
AGAIN = 1  # Rating.AGAIN
BINS = 10


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('daily_goal_minutes', sa.Integer(), nullable=False, server_default='10'))
    op.create_table(
        'review_day',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('reviews', sa.Integer(), nullable=False),
        sa.Column('duration_ms', sa.BigInteger(), nullable=False),
        sa.Column('review_answers', sa.Integer(), nullable=False),
        sa.Column('review_passed', sa.Integer(), nullable=False),
        sa.Column('next_due', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'day'),
    )
    op.create_table(
        'review_topic_day',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('review_answers', sa.Integer(), nullable=False),
        sa.Column('review_passed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'day', 'zone_id', 'article_id'),
    )
    op.create_table(
        'calibration_tally',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('bin', sa.Integer(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('passed', sa.Integer(), nullable=False),
        sa.Column('predicted_sum', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'bin'),
    )
    _backfill(op.get_bind())


def _aware(value):
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _backfill(connection):
    """One pass over the review log per learner, in time order (a one-off, so plain Python)."""
    users = sa.table('user_account', sa.column('id'), sa.column('timezone'), sa.column('day_start_hour'))
    log = sa.table(
        'review_log',
        sa.column('user_id'),
        sa.column('card_id'),
        sa.column('reviewed_at', sa.DateTime()),
        sa.column('rating'),
        sa.column('state_before'),
        sa.column('duration_ms'),
        sa.column('retrievability', sa.Float()),
        sa.column('due_after', sa.DateTime()),
        sa.column('id'),
    )
    card = sa.table('card', sa.column('id'), sa.column('question_id'))
    question = sa.table('question', sa.column('id'), sa.column('zone_id'), sa.column('article_id'))
    review_day = sa.table(
        'review_day', sa.column('day', sa.Date()), sa.column('next_due', sa.DateTime()),
        *(sa.column(n) for n in ('user_id', 'reviews', 'duration_ms', 'review_answers', 'review_passed'))
    )
    topic_day = sa.table(
        'review_topic_day', sa.column('day', sa.Date()), *(sa.column(n) for n in ('user_id', 'zone_id', 'article_id', 'review_answers', 'review_passed'))
    )
    tally = sa.table('calibration_tally', *(sa.column(n) for n in ('user_id', 'bin', 'answers', 'passed', 'predicted_sum')))
    for user_id, timezone, hour in connection.execute(sa.select(users.c.id, users.c.timezone, users.c.day_start_hour)).all():
        zone = ZoneInfo(timezone)
        days, topics, bins, dues = {}, defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0, 0.0]), {}
        rows = connection.execute(
            sa.select(
                log.c.reviewed_at, log.c.card_id, log.c.rating, log.c.state_before, log.c.duration_ms,
                log.c.retrievability, log.c.due_after, question.c.zone_id, question.c.article_id,
            )
            .select_from(log.join(card, card.c.id == log.c.card_id).join(question, question.c.id == card.c.question_id))
            .where(log.c.user_id == user_id)
            .order_by(log.c.reviewed_at, log.c.id)
        )
        current = None
        for reviewed_at, card_id, rating, before, duration, predicted, due_after, zone_id, article_id in rows:
            local = _aware(reviewed_at).astimezone(zone)
            day = local.date() if local.hour >= hour else local.date() - timedelta(days=1)
            if current is not None and day != current:
                days[current][4] = min(dues.values())
            current = day
            dues[card_id] = _aware(due_after)
            totals = days.setdefault(day, [0, 0, 0, 0, None])
            totals[0] += 1
            totals[1] += duration or 0
            if before == REVIEW:
                passed = int(rating != AGAIN)
                totals[2] += 1
                totals[3] += passed
                topic = topics[(day, zone_id or 0, article_id or 0)]
                topic[0] += 1
                topic[1] += passed
                if predicted is not None:
                    tallied = bins[min(BINS - 1, max(0, int(predicted * BINS)))]
                    tallied[0] += 1
                    tallied[1] += passed
                    tallied[2] += predicted
        if current is not None:
            days[current][4] = min(dues.values())
        if days:
            connection.execute(
                review_day.insert(),
                [
                    {"user_id": user_id, "day": d, "reviews": t[0], "duration_ms": t[1], "review_answers": t[2],
                     "review_passed": t[3], "next_due": t[4] if connection.dialect.name != "sqlite" else t[4].replace(tzinfo=None)}
                    for d, t in days.items()
                ],
            )
        if topics:
            connection.execute(
                topic_day.insert(),
                [{"user_id": user_id, "day": d, "zone_id": z, "article_id": a, "review_answers": t[0], "review_passed": t[1]}
                 for (d, z, a), t in topics.items()],
            )
        if bins:
            connection.execute(
                tally.insert(),
                [{"user_id": user_id, "bin": b, "answers": t[0], "passed": t[1], "predicted_sum": t[2]} for b, t in bins.items()],
            )


def downgrade():
    op.drop_table('calibration_tally')
    op.drop_table('review_topic_day')
    op.drop_table('review_day')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('daily_goal_minutes')
