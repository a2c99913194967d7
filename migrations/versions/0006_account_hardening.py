"""account hardening

Revision ID: 0006_account_hardening
Revises: 0005_mail_parking
Create Date: 2026-12-03 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_account_hardening'
down_revision = '0005_mail_parking'
branch_labels = None
depends_on = None


def upgrade():
    # When a user's email, password or role last changed (or the account was closed): API
    # tokens created before then are refused.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credentials_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('credentials_changed_at')
