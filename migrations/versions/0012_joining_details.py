"""D joining (issue 12)

Revision ID: 0012_joining_details
Revises: 0011_mail_at_send_time
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0012_joining_details'
down_revision = '0011_mail_at_send_time'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
