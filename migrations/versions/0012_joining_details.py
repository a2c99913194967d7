"""joining details as one thing: reception instructions

Revision ID: 0012_joining_details
Revises: 0011_mail_at_send_time
Create Date: 2026-12-04 07:00:00.000000

candidate_profiles.reception_instructions joins the date, time, zone and location as part of
the joining details (timeline.joining.JoiningDetails): shown on the candidate's home page, in
the calendar file, and in the joining-changed email.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_joining_details'
down_revision = '0011_mail_at_send_time'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('candidate_profiles', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'reception_instructions',
                sa.String(length=500),
                server_default=sa.text("''"),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table('candidate_profiles', schema=None) as batch_op:
        batch_op.drop_column('reception_instructions')
