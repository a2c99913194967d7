"""api writes (slot; filled by its part)

Revision ID: 0021_api_writes
Revises: 0020_feed_management
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0021_api_writes'
down_revision = '0020_feed_management'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
