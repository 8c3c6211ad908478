"""drafts_and_card_copies: drafts apart from requests (numbered on submit), every card copy sent

Revision ID: 0008_drafts_and_card_copies
Revises: 0007_amount_fen
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0008_drafts_and_card_copies'
down_revision = '0007_amount_fen'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('approval_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('requester', sa.String(length=64), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('unit_fen', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['approval_requests.id'],
                            name=op.f('fk_approval_drafts_request_id_approval_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_drafts'))
    )
    with op.batch_alter_table('approval_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_drafts_requester'), ['requester'], unique=False)
    op.create_table('card_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    sa.Column('task_id', sa.String(length=128), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settled_as', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_copies'))
    )
    with op.batch_alter_table('card_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_copies_ref'), ['ref'], unique=False)
    # Drafts were rows of approval_requests: those never submitted are not requests. (Their
    # summary cards answer as expired; the requester sends the request again.)
    op.execute("DELETE FROM approval_requests WHERE status IN ('draft', 'cancelled')")


def downgrade() -> None:
    with op.batch_alter_table('card_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_copies_ref'))
    op.drop_table('card_copies')
    with op.batch_alter_table('approval_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_drafts_requester'))
    op.drop_table('approval_drafts')
