"""sender actions: the per-sender budget's log (issue 29), keyed by a hash of the userid

Revision ID: 0015_sender_actions
Revises: 0014_passive_replies
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa

from models.base import UTCDateTime

revision = '0015_sender_actions'
down_revision = '0014_passive_replies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sender_actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_key', sa.String(length=64), nullable=False),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sender_actions_sender_key_at', 'sender_actions', ['sender_key', 'at'])
    op.create_index('ix_sender_actions_at', 'sender_actions', ['at'])


def downgrade() -> None:
    op.drop_index('ix_sender_actions_at', table_name='sender_actions')
    op.drop_index('ix_sender_actions_sender_key_at', table_name='sender_actions')
    op.drop_table('sender_actions')
