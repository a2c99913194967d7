"""feed management (slot; filled by its part)

Revision ID: 0020_feed_management
Revises: 0019_meet_the_people
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0020_feed_management'
down_revision = '0019_meet_the_people'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
