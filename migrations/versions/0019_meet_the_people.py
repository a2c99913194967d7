"""meet the people (slot; filled by its part)

Revision ID: 0019_meet_the_people
Revises: 0018_outcomes
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0019_meet_the_people'
down_revision = '0018_outcomes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
