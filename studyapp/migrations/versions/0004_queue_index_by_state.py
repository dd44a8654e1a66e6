"""queue index by state: the learner's cards by (state, due), and by introduction time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:00:00

With (user_id, due, ...) the queue's counts and picks read every card of the learner and filtered
them by state. Leading on (user_id, state, due) makes each of them a range of the index: learning
due soon, reviews due today, the learning card due now and the reviews to rank. Cards introduced
today and a learner's card count come from a narrow (user_id, introduced_at) index, which an
answer never changes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index('ix_card_user_due')
        batch_op.create_index(
            'ix_card_user_queue',
            ['user_id', 'state', 'due', 'suspended', 'buried_until', 'last_review', 'stability'],
            unique=False,
        )
        batch_op.create_index('ix_card_user_introduced', ['user_id', 'introduced_at'], unique=False)


def downgrade():
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index('ix_card_user_introduced')
        batch_op.drop_index('ix_card_user_queue')
        batch_op.create_index(
            'ix_card_user_due',
            ['user_id', 'due', 'state', 'suspended', 'buried_until', 'introduced_at', 'last_review', 'stability'],
            unique=False,
        )
