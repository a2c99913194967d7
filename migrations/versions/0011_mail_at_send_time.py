"""mail decided at send time: dropped mail with its reason, what each email covers; news mailable from

Revision ID: 0011_mail_at_send_time
Revises: 0010_true_statuses
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0011_mail_at_send_time'
down_revision = '0010_true_statuses'
branch_labels = None
depends_on = None


def upgrade():
    # Mail is decided when it is sent: a message its recheck withdrew is kept as 'dropped',
    # with when and why; `covers` holds what it told, for its kind's recheck.
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('covers', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('dropped_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('drop_reason', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_outgoing_emails_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outgoing_emails_status'),
            "status IN ('pending', 'sent', 'failed', 'dropped')",
        )
    # News goes into candidates' mail once curated: from this moment when HR set it (publish
    # now, or un-hidden), else once it has been shown for NEWS_CURATION_DELAY_HOURS.
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_from', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.drop_column('mail_from')
    op.execute("DELETE FROM outgoing_emails WHERE status = 'dropped'")
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outgoing_emails_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outgoing_emails_status'), "status IN ('pending', 'sent', 'failed')"
        )
        batch_op.drop_column('drop_reason')
        batch_op.drop_column('dropped_at')
        batch_op.drop_column('covers')
