"""staff oidc (slot; filled by its part)

Revision ID: 0017_staff_oidc
Revises: 0016_working_days
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0017_staff_oidc'
down_revision = '0016_working_days'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
