"""queue indexes: a covering user/due index on card, partial indexes for live and retired questions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 17:55:00

Today's counts and the next-card picks filter a learner's cards by state, suspension, burial and
introduction time: with those columns in the index, SQLite answers them from the index alone. The
new-card count compares the number of live flashcard questions with the learner's cards, which the
two partial question indexes make a count over index entries.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

LIVE = sa.text("retired_at IS NULL")
RETIRED = sa.text("retired_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index('ix_card_user_due')
        batch_op.create_index(
            'ix_card_user_due', ['user_id', 'due', 'state', 'suspended', 'buried_until', 'introduced_at', 'last_review', 'stability'], unique=False
        )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_study_order')
        batch_op.create_index(
            'ix_question_live_order', ['study_order'], unique=False, sqlite_where=LIVE, postgresql_where=LIVE
        )
        batch_op.create_index(
            'ix_question_retired', ['id'], unique=False, sqlite_where=RETIRED, postgresql_where=RETIRED
        )


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_retired')
        batch_op.drop_index('ix_question_live_order')
        batch_op.create_index('ix_question_study_order', ['study_order'], unique=False)
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index('ix_card_user_due')
        batch_op.create_index('ix_card_user_due', ['user_id', 'due'], unique=False)
