"""parked outgoing mail

Revision ID: 0005_mail_parking
Revises: 0004_engagement
Create Date: 2026-12-03 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_mail_parking'
down_revision = '0004_engagement'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
