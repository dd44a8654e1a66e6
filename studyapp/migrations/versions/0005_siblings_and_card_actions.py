"""siblings and card actions: questions that give each other away, and bury/suspend for undo

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:30:00

question_sibling pairs flashcard questions that must not be studied on the same day (filled by the
content import). card_action keeps the day's bury and suspend actions, so undo takes back any
action in reverse order. card.introduced_at becomes nullable: a card buried or suspended before
its first answer has not been introduced.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'question_sibling',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('sibling_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sibling_id'], ['question.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', 'sibling_id'),
    )
    op.create_table(
        'card_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('acted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['card_id'], ['card.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('card_action', schema=None) as batch_op:
        batch_op.create_index('ix_card_action_card_id', ['card_id'], unique=False)
        batch_op.create_index('ix_card_action_user_time', ['user_id', 'acted_at'], unique=False)
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.alter_column('introduced_at', existing_type=sa.DateTime(timezone=True), nullable=True)


def downgrade():
    op.execute("UPDATE card SET introduced_at = due WHERE introduced_at IS NULL")
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.alter_column('introduced_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table('card_action', schema=None) as batch_op:
        batch_op.drop_index('ix_card_action_user_time')
        batch_op.drop_index('ix_card_action_card_id')
    op.drop_table('card_action')
    op.drop_table('question_sibling')
