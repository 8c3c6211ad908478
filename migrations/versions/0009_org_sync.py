"""org sync: WeCom address-book fields and P2 dates on the org tables, inactive departments and groups, org_state

Revision ID: 0009_org_sync
Revises: 0008_drafts_and_card_copies
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0009_org_sync'
down_revision = '0008_drafts_and_card_copies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('leaders', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('rank', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('rank', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wecom_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('wecom_departments', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('is_leader_in_dept', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('main_department', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('direct_leader', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('position', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('status', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('joined', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('group_since', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('rank', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('org_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('config_hash', sa.String(length=64), nullable=True),
    sa.Column('home_department', sa.String(length=64), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=True),
    sa.Column('synced_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_state'))
    )


def downgrade() -> None:
    op.drop_table('org_state')
    with op.batch_alter_table('people', schema=None) as batch_op:
        for column in ('group_since', 'joined', 'rank', 'status', 'position', 'direct_leader', 'main_department', 'is_leader_in_dept',
                       'wecom_departments', 'wecom_name'):
            batch_op.drop_column(column)
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('rank')
        batch_op.drop_column('active')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('rank')
        batch_op.drop_column('active')
        batch_op.drop_column('leaders')
        batch_op.drop_column('parent_id')
