"""compliance and voice: incidents, mediation cases, suggestions, acknowledgements; outbox priority

Revision ID: 0010_compliance_voice
Revises: 0009_org_sync
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0010_compliance_voice'
down_revision = '0009_org_sync'
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, models.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('data_kind', sa.Text(), nullable=True),
    sa.Column('affected', sa.Text(), nullable=True),
    sa.Column('still_exposed', sa.Text(), nullable=True),
    sa.Column('alerted', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    _when('created_at', False),
    _when('last_update_at', False),
    _when('closed_at'),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('conclusion', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_reporter'), ['reporter'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_created_at'), ['created_at'], unique=False)

    op.create_table('mediation_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant', sa.String(length=64), nullable=False),
    sa.Column('counterpart', sa.String(length=64), nullable=True),
    sa.Column('matter', sa.Text(), nullable=False),
    sa.Column('mediator', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    _when('created_at', False),
    _when('mediation_due_at', False),
    sa.Column('mediation_note', sa.Text(), nullable=True),
    _when('mediated_at'),
    _when('escalated_at'),
    sa.Column('escalation_reason', sa.String(length=16), nullable=True),
    sa.Column('arbitration_note', sa.Text(), nullable=True),
    sa.Column('arbitrated_by', sa.String(length=64), nullable=True),
    _when('closed_at'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_cases'))
    )
    with op.batch_alter_table('mediation_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediation_cases_applicant'), ['applicant'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediation_cases_counterpart'), ['counterpart'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediation_cases_status'), ['status'], unique=False)

    op.create_table('suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    _when('created_at', False),
    _when('answered_at'),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestions'))
    )
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestions_author'), ['author'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_created_at'), ['created_at'], unique=False)

    op.create_table('acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    _when('acknowledged_at', False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acknowledgements')),
    sa.UniqueConstraint('subject_type', 'subject_id', 'userid', name='uq_acknowledgements_subject_user')
    )

    # P15/P17: urgent alerts are claimed before everything else in the outbox.
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('priority')
    op.drop_table('acknowledgements')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestions_created_at'))
        batch_op.drop_index(batch_op.f('ix_suggestions_status'))
        batch_op.drop_index(batch_op.f('ix_suggestions_author'))
    op.drop_table('suggestions')
    with op.batch_alter_table('mediation_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediation_cases_status'))
        batch_op.drop_index(batch_op.f('ix_mediation_cases_counterpart'))
        batch_op.drop_index(batch_op.f('ix_mediation_cases_applicant'))
    op.drop_table('mediation_cases')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_created_at'))
        batch_op.drop_index(batch_op.f('ix_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_reporter'))
    op.drop_table('incidents')
