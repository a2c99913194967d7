"""parked outgoing mail

Revision ID: 0005_mail_parking
Revises: 0004_engagement
Create Date: 2026-12-03 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_mail_parking'
down_revision = '0004_engagement'
branch_labels = None
depends_on = None


def upgrade():
    # A message that cannot go is parked ('failed', with when and why) instead of being
    # retried for ever in front of the others.
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_outgoing_emails_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outgoing_emails_status'), "status IN ('pending', 'sent', 'failed')"
        )


def downgrade():
    op.execute("UPDATE outgoing_emails SET status = 'pending' WHERE status = 'failed'")
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outgoing_emails_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outgoing_emails_status'), "status IN ('pending', 'sent')"
        )
        batch_op.drop_column('failed_at')
