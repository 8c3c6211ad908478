"""history indexes: jobs whose cost follows the window or what is still open, not the history

Revision ID: 0013_history_indexes
Revises: 0012_outbox_delivery
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0013_history_indexes'
down_revision = '0012_outbox_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.create_index('ix_approval_steps_approver_status', ['approver', 'status'], unique=False)
        batch_op.create_index('ix_approval_steps_decided_at', ['decided_at'], unique=False)
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_minutes_due_at'), ['minutes_due_at'], unique=False)
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('stale_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replanned_at', models.base.UTCDateTime(timezone=True), nullable=True))
    # Items escalated before this revision are in the ledger: mark them, so the hourly check skips them.
    op.execute(
        "UPDATE action_items SET escalated_at = (SELECT min(l.created_at) FROM notification_ledger l "
        "WHERE l.kind = 'decision_unowned' AND l.record = CAST(action_items.id AS VARCHAR(32))) "
        "WHERE owner IS NULL AND EXISTS (SELECT 1 FROM notification_ledger l "
        "WHERE l.kind = 'decision_unowned' AND l.record = CAST(action_items.id AS VARCHAR(32)))")


def downgrade() -> None:
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_column('replanned_at')
        batch_op.drop_column('stale_at')
        batch_op.drop_column('escalated_at')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_minutes_due_at'))
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_decided_at')
        batch_op.drop_index('ix_approval_steps_approver_status')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_at')
