"""meetings: a location (会议 N 地点 …), for meetings that can change (issue 24)

Revision ID: 0017_meeting_location
Revises: 0016_in_use_since
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_meeting_location'
down_revision = '0016_in_use_since'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('location')
