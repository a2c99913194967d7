"""candidate profile: preferred name, pronouns and language on every user

Revision ID: 0024_candidate_profile
Revises: 0023_day_one
Create Date: 2026-12-04 11:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_candidate_profile'
down_revision = '0023_day_one'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        # An empty string as SQL: Alembic reads server_default="" as no default at all.
        batch.add_column(
            sa.Column("preferred_name", sa.String(length=120), server_default=sa.text("''"), nullable=False)
        )
        batch.add_column(
            sa.Column("pronouns", sa.String(length=40), server_default=sa.text("''"), nullable=False)
        )
        batch.add_column(sa.Column("language", sa.String(length=8), server_default="en", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
        batch.drop_column("pronouns")
        batch.drop_column("preferred_name")
