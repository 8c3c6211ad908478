"""in use since: people.added_at (who came into the org after the install), and the install time
(kv_store "bot.in_use_since") of an existing database: its first callback, as the audit read it

Revision ID: 0016_in_use_since
Revises: 0015_sender_actions
Create Date: 2026-12-08
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0016_in_use_since'
down_revision = '0015_sender_actions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    first = bind.execute(sa.text("SELECT min(received_at) FROM inbound_callbacks")).scalar()
    if first is not None:
        if isinstance(first, str):  # SQLite hands back text
            first = datetime.fromisoformat(first)
        if first.tzinfo is None:
            first = first.replace(tzinfo=timezone.utc)
        bind.execute(sa.text("INSERT INTO kv_store (key, value) VALUES ('bot.in_use_since', :value)"),
                     {"value": first.isoformat()})


def downgrade() -> None:
    op.execute("DELETE FROM kv_store WHERE key = 'bot.in_use_since'")
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('added_at')
