"""recruiters day (slot; filled by its part)

Revision ID: 0022_recruiters_day
Revises: 0021_api_writes
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0022_recruiters_day'
down_revision = '0021_api_writes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
