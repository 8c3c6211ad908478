"""people: rotation requests and steps, self-evaluations, quarterly evaluations, commendations (P2, P13, P14)

Revision ID: 0006_people
Revises: 0005_emulator
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0006_people'
down_revision = '0005_emulator'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('given_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendations'))
    )
    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commendations_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_commendations_userid'), ['userid'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('rater', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=True),
    sa.Column('department_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rating', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('kpis', sa.JSON(), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('task_id', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('quarter', 'subject', name='uq_evaluations_quarter_subject')
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_quarter'), ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_rater'), ['rater'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_subject'), ['subject'], unique=False)

    op.create_table('rotation_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant', sa.String(length=64), nullable=False),
    sa.Column('from_group', sa.String(length=64), nullable=True),
    sa.Column('to_group', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('group_since', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_step', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.Column('outcome_notified', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_requests'))
    )
    with op.batch_alter_table('rotation_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_requests_applicant'), ['applicant'], unique=False)
        batch_op.create_index(batch_op.f('ix_rotation_requests_status'), ['status'], unique=False)

    op.create_table('self_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_submitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('revisions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_evaluations')),
    sa.UniqueConstraint('userid', 'period', name='uq_self_evaluations_userid_period')
    )
    with op.batch_alter_table('self_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_evaluations_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_evaluations_userid'), ['userid'], unique=False)

    op.create_table('rotation_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('approver', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('task_id', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['rotation_requests.id'], name=op.f('fk_rotation_steps_request_id_rotation_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_steps')),
    sa.UniqueConstraint('request_id', 'position', name='uq_rotation_steps_request_position')
    )
    with op.batch_alter_table('rotation_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_steps_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rotation_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_steps_request_id'))

    op.drop_table('rotation_steps')
    with op.batch_alter_table('self_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_evaluations_userid'))
        batch_op.drop_index(batch_op.f('ix_self_evaluations_period'))

    op.drop_table('self_evaluations')
    with op.batch_alter_table('rotation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_requests_status'))
        batch_op.drop_index(batch_op.f('ix_rotation_requests_applicant'))

    op.drop_table('rotation_requests')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_subject'))
        batch_op.drop_index(batch_op.f('ix_evaluations_rater'))
        batch_op.drop_index(batch_op.f('ix_evaluations_quarter'))

    op.drop_table('evaluations')
    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commendations_userid'))
        batch_op.drop_index(batch_op.f('ix_commendations_created_at'))

    op.drop_table('commendations')
