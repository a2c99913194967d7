"""staff oidc: staff sign in with the company's OpenID Connect provider (issue 15)

Revision ID: 0017_staff_oidc
Revises: 0016_working_days
Create Date: 2026-12-04 10:00:00.000000

staff_identities links a staff account to its identity at the provider: the issuer and the
subject it gives the person (accounts.staff_sso). One per account and provider.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_staff_oidc'
down_revision = '0016_working_days'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_staff_identities_user_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_identities')),
        sa.UniqueConstraint('issuer', 'subject', name='uq_staff_identities_issuer_subject'),
        sa.UniqueConstraint('issuer', 'user_id', name='uq_staff_identities_issuer_user'),
    )
    op.create_index(
        op.f('ix_staff_identities_user_id'), 'staff_identities', ['user_id'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_staff_identities_user_id'), table_name='staff_identities')
    op.drop_table('staff_identities')
