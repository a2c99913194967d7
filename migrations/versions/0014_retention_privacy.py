"""F retention (issue 12)

Revision ID: 0014_retention_privacy
Revises: 0013_thread_closures
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0014_retention_privacy'
down_revision = '0013_thread_closures'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
