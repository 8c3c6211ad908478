"""emulator: the emulator's chat log, kept across restarts

Revision ID: 0005_emulator
Revises: 0004
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0005_emulator'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('emulator_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('msgtype', sa.String(length=32), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('task_id', sa.String(length=128), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('card_state', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emulator_messages'))
    )
    with op.batch_alter_table('emulator_messages', schema=None) as batch_op:
        batch_op.create_index('ix_emulator_messages_user', ['userid', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emulator_messages_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('emulator_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emulator_messages_task_id'))
        batch_op.drop_index('ix_emulator_messages_user')
    op.drop_table('emulator_messages')
