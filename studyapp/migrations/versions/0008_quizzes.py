"""quizzes: attempts and their items, and the source of each review-log row

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00

A quiz attempt holds its items with the options as shown and the server's grade. A signed-in
learner's quiz answers also count as evidence on their flashcards: such review-log rows are marked
source='quiz'.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'quiz_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('visitor_key', sa.String(length=64), nullable=True),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.Column('topics', sa.JSON(), nullable=False),
        sa.Column('formats', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('penalty_ms', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempt_user_time', ['user_id', 'started_at'], unique=False)
        batch_op.create_index('ix_quiz_attempt_visitor_key', ['visitor_key'], unique=False)
    op.create_table(
        'quiz_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('response', sa.Text(), nullable=True),
        sa.Column('correct', sa.Boolean(), nullable=True),
        sa.Column('leniency', sa.String(length=200), nullable=True),
        sa.Column('overridden', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempt.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['question.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('attempt_id', 'position'),
    )
    with op.batch_alter_table('quiz_item', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_item_question_id', ['question_id'], unique=False)
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='review', nullable=False))


def downgrade():
    with op.batch_alter_table('review_log', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('quiz_item', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_item_question_id')
    op.drop_table('quiz_item')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempt_visitor_key')
        batch_op.drop_index('ix_quiz_attempt_user_time')
    op.drop_table('quiz_attempt')
