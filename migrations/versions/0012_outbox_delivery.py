"""outbox delivery: the per-recipient send log, ordered parts of long messages, files (priority: 0010)

Revision ID: 0012_outbox_delivery
Revises: 0011_projects_documents
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0012_outbox_delivery'
down_revision = '0011_projects_documents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recipient_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=64), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipient_sends'))
    )
    with op.batch_alter_table('recipient_sends', schema=None) as batch_op:
        batch_op.create_index('ix_recipient_sends_recipient_at', ['recipient', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recipient_sends_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recipient_sends_outbox_id'), ['outbox_id'], unique=False)

    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('media_id', sa.String(length=255), nullable=True),
    sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('part', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_outbox_chain', ['chain', 'part'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_chain')
        batch_op.drop_column('part')
        batch_op.drop_column('chain')
    with op.batch_alter_table('recipient_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipient_sends_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_recipient_sends_at'))
        batch_op.drop_index('ix_recipient_sends_recipient_at')
    op.drop_table('recipient_sends')
    op.drop_table('outbox_attachments')
