"""closures: "no reply needed", acknowledgements, backup recruiters, who answered (issue 12)

Revision ID: 0013_thread_closures
Revises: 0012_joining_details
Create Date: 2026-12-04 07:00:00.000000

thread_closures marks a thread "no reply needed" up to a message. messages.acknowledgement
flags a candidate's bare "thanks!" (filled in here for the messages already written, by the
portal's one classifier, portal.questions.waiting.is_acknowledgement); messages.answered_as and
covering_for_id say in what capacity staff answered. candidate_profiles.backup_recruiter_id
names the recruiter who answers while the recruiter is away.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_thread_closures'
down_revision = '0012_joining_details'
branch_labels = None
depends_on = None

BATCH = 500


def _flag_acknowledgements():
    """Flag the candidates' messages already written that only thank or agree, so that an
    old "thanks!" stops counting as a question waiting once this runs."""
    # The one definition, imported here rather than copied: a pure function of the text.
    from portal.questions.waiting import is_acknowledgement

    messages = sa.table(
        'messages',
        sa.column('id', sa.Integer),
        sa.column('candidate_id', sa.Integer),
        sa.column('author_id', sa.Integer),
        sa.column('body', sa.Text),
        sa.column('acknowledgement', sa.Boolean),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(messages.c.id, messages.c.body).where(
            messages.c.author_id == messages.c.candidate_id, messages.c.body.is_not(None)
        )
    ).all()
    ids = [row.id for row in rows if is_acknowledgement(row.body)]
    for start in range(0, len(ids), BATCH):
        connection.execute(
            messages.update()
            .where(messages.c.id.in_(ids[start:start + BATCH]))
            .values(acknowledgement=True)
        )


def upgrade():
    with op.batch_alter_table('candidate_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backup_recruiter_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_candidate_profiles_backup_recruiter_id'), ['backup_recruiter_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_candidate_profiles_backup_recruiter_id_users'),
            'users', ['backup_recruiter_id'], ['id'], ondelete='SET NULL',
        )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('acknowledgement', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('answered_as', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('covering_for_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_covering_for_id'), ['covering_for_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_messages_covering_for_id_users'),
            'users', ['covering_for_id'], ['id'], ondelete='SET NULL',
        )
    op.create_table(
        'thread_closures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('through_message_id', sa.Integer(), nullable=False),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['candidate_id'], ['users.id'],
            name=op.f('fk_thread_closures_candidate_id_users'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['closed_by_id'], ['users.id'],
            name=op.f('fk_thread_closures_closed_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_closures')),
    )
    with op.batch_alter_table('thread_closures', schema=None) as batch_op:
        batch_op.create_index(
            'ix_thread_closures_thread', ['candidate_id', 'through_message_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_thread_closures_closed_by_id'), ['closed_by_id'], unique=False)
    _flag_acknowledgements()


def downgrade():
    with op.batch_alter_table('thread_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_closures_closed_by_id'))
        batch_op.drop_index('ix_thread_closures_thread')
    op.drop_table('thread_closures')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_covering_for_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_messages_covering_for_id'))
        batch_op.drop_column('covering_for_id')
        batch_op.drop_column('answered_as')
        batch_op.drop_column('acknowledgement')
    with op.batch_alter_table('candidate_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_candidate_profiles_backup_recruiter_id_users'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_candidate_profiles_backup_recruiter_id'))
        batch_op.drop_column('backup_recruiter_id')
