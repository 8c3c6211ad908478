"""passive replies: the text a callback was answered with, kept with the callback

Revision ID: 0014_passive_replies
Revises: 0013_history_indexes
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_passive_replies'
down_revision = '0013_history_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbound_callbacks', schema=None) as batch_op:
        batch_op.drop_column('reply')
