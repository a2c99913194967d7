"""H feeds (issue 12)

Revision ID: 0015_feed_media
Revises: 0014_retention_privacy
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0015_feed_media'
down_revision = '0014_retention_privacy'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
