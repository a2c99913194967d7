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
    # A webhook secret is shown once: this flag is set when it is made and cleared by the one
    # page view that shows it (a replayed session cookie finds it cleared).
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('secret_to_show', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('secret_to_show')
