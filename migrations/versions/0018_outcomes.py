"""outcomes (slot; filled by its part)

Revision ID: 0018_outcomes
Revises: 0017_staff_oidc
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0018_outcomes'
down_revision = '0017_staff_oidc'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
