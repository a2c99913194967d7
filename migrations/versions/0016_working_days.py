"""G working days (issue 12)

Revision ID: 0016_working_days
Revises: 0015_feed_media
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0016_working_days'
down_revision = '0015_feed_media'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
