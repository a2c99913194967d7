"""audit log and one-time secrets

Revision ID: 0007_audit_and_secrets
Revises: 0006_account_hardening
Create Date: 2026-12-03 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_audit_and_secrets'
down_revision = '0006_account_hardening'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
