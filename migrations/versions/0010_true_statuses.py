"""A statuses (issue 12)

Revision ID: 0010_true_statuses
Revises: 0009_list_indexes
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0010_true_statuses'
down_revision = '0009_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
