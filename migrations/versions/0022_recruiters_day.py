"""the recruiter's day: time away and cover, working hours, saved replies, private notes

Revision ID: 0022_recruiters_day
Revises: 0021_api_writes
Create Date: 2026-12-04 10:00:00.000000

staff_absences: a recruiter away from one day to another, and who covers (questions.cover).
working_hours: a recruiter's working week, which the answer promise counts in
(questions.working_hours); nobody has a row yet, so everyone keeps the default week.
saved_replies: replies staff insert into answers. candidate_notes: staff's private notes on a
candidate (deleted with the candidate). ix_users_name: the staff's people search, by name.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_recruiters_day'
down_revision = '0021_api_writes'
branch_labels = None
depends_on = None


def _user_key(table, column, ondelete):
    return sa.ForeignKeyConstraint(
        [column], ['users.id'], name=op.f(f'fk_{table}_{column}_users'), ondelete=ondelete
    )


def upgrade():
    op.create_table(
        'staff_absences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recruiter_id', sa.Integer(), nullable=False),
        sa.Column('cover_id', sa.Integer(), nullable=True),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            'first_day <= last_day', name=op.f('ck_staff_absences_days_in_order')
        ),
        _user_key('staff_absences', 'recruiter_id', 'CASCADE'),
        _user_key('staff_absences', 'cover_id', 'SET NULL'),
        _user_key('staff_absences', 'created_by_id', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_absences')),
    )
    with op.batch_alter_table('staff_absences', schema=None) as batch_op:
        batch_op.create_index('ix_staff_absences_recruiter', ['recruiter_id', 'ends_at'], unique=False)
        batch_op.create_index('ix_staff_absences_cover', ['cover_id', 'ends_at'], unique=False)

    op.create_table(
        'working_hours',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('weekdays', sa.Integer(), nullable=False),
        sa.Column('starts_minute', sa.Integer(), nullable=False),
        sa.Column('ends_minute', sa.Integer(), nullable=False),
        sa.Column('holiday_calendar', sa.String(length=80), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            'starts_minute >= 0 AND starts_minute < ends_minute AND ends_minute <= 1440',
            name=op.f('ck_working_hours_hours_in_order'),
        ),
        sa.CheckConstraint(
            'weekdays > 0 AND weekdays < 128', name=op.f('ck_working_hours_weekdays')
        ),
        _user_key('working_hours', 'user_id', 'CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_working_hours')),
    )

    op.create_table(
        'saved_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('shared', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('title', sa.String(length=80), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        _user_key('saved_replies', 'owner_id', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_replies')),
    )
    with op.batch_alter_table('saved_replies', schema=None) as batch_op:
        batch_op.create_index('ix_saved_replies_owner', ['owner_id', 'title'], unique=False)

    op.create_table(
        'candidate_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _user_key('candidate_notes', 'candidate_id', 'CASCADE'),
        _user_key('candidate_notes', 'author_id', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_notes')),
    )
    with op.batch_alter_table('candidate_notes', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_notes_candidate', ['candidate_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_notes_author_id'), ['author_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_name', ['name', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_name')
    with op.batch_alter_table('candidate_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_notes_author_id'))
        batch_op.drop_index('ix_candidate_notes_candidate')
    op.drop_table('candidate_notes')
    with op.batch_alter_table('saved_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_replies_owner')
    op.drop_table('saved_replies')
    op.drop_table('working_hours')
    with op.batch_alter_table('staff_absences', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_absences_cover')
        batch_op.drop_index('ix_staff_absences_recruiter')
    op.drop_table('staff_absences')
