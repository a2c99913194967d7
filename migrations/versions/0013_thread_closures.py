"""E closures (issue 12)

Revision ID: 0013_thread_closures
Revises: 0012_joining_details
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0013_thread_closures'
down_revision = '0012_joining_details'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
