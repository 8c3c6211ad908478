"""amount_fen: approval amounts in integer fen, with the quantity × unit price when given

Revision ID: 0007_amount_fen
Revises: 0006_people
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_amount_fen'
down_revision = '0006_people'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('quantity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unit_fen', sa.BigInteger(), nullable=True))
    op.execute("UPDATE approval_requests SET amount_fen = amount_yuan * 100")
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.alter_column('amount_fen', existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column('amount_yuan')


def downgrade() -> None:
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_yuan', sa.BigInteger(), nullable=True))
    # Whole yuan only: fen are rounded down, as the old column could not hold them.
    op.execute("UPDATE approval_requests SET amount_yuan = amount_fen / 100")
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.alter_column('amount_yuan', existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column('unit_fen')
        batch_op.drop_column('quantity')
        batch_op.drop_column('amount_fen')
