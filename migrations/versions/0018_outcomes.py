"""outcomes: what became of each offer, with what the portal knew before it (issue 15)

Revision ID: 0018_outcomes
Revises: 0017_staff_oidc
Create Date: 2026-12-04 10:00:00.000000

candidate_outcomes holds one row per offer with an outcome (joined, reneged, no-show), copies
of the offer the reports group by, and the facts before the outcome that the reports and the
calibration of the statuses read. Its pointers to people say SET NULL: when retention forgets
a candidate, the row stays without them. The worker marks candidates joined once their joining
moment has passed (`flask outcomes mark-joined` does it at once after this upgrade).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_outcomes'
down_revision = '0017_staff_oidc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'candidate_outcomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('automatic', sa.Boolean(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('joining_date', sa.Date(), nullable=False),
        sa.Column('joining_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('department', sa.String(length=80), nullable=False),
        sa.Column('location', sa.String(length=80), nullable=False),
        sa.Column('recruiter_id', sa.Integer(), nullable=True),
        sa.Column('facts_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_quiet_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('first_at_risk_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('longest_silence_days', sa.Integer(), nullable=False),
        sa.Column('active_weeks', sa.Integer(), nullable=False),
        sa.Column('offered_weeks', sa.SmallInteger(), nullable=False),
        sa.Column('promise_hours', sa.SmallInteger(), nullable=False),
        sa.Column('answers_within_quarter', sa.Integer(), nullable=False),
        sa.Column('answers_within_half', sa.Integer(), nullable=False),
        sa.Column('answers_within_promise', sa.Integer(), nullable=False),
        sa.Column('answers_late', sa.Integer(), nullable=False),
        sa.Column('questions_unanswered', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('joined', 'reneged', 'no_show')",
            name=op.f('ck_candidate_outcomes_outcome'),
        ),
        sa.ForeignKeyConstraint(
            ['candidate_id'], ['users.id'],
            name=op.f('fk_candidate_outcomes_candidate_id_users'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['recorded_by_id'], ['users.id'],
            name=op.f('fk_candidate_outcomes_recorded_by_id_users'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['recruiter_id'], ['users.id'],
            name=op.f('fk_candidate_outcomes_recruiter_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_outcomes')),
        sa.UniqueConstraint('candidate_id', name=op.f('uq_candidate_outcomes_candidate_id')),
    )
    with op.batch_alter_table('candidate_outcomes', schema=None) as batch_op:
        batch_op.create_index(
            'ix_candidate_outcomes_joining', ['joining_date', 'outcome'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_candidate_outcomes_recruiter_id'), ['recruiter_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('candidate_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_outcomes_recruiter_id'))
        batch_op.drop_index('ix_candidate_outcomes_joining')
    op.drop_table('candidate_outcomes')
