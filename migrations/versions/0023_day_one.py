"""day one: what the first day looks like per joining location, and per candidate

Revision ID: 0023_day_one
Revises: 0022_recruiters_day
Create Date: 2026-12-04 10:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_day_one'
down_revision = '0022_recruiters_day'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "day_one_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=80), nullable=False),
        sa.Column("location_key", sa.String(length=80), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("ask_for", sa.String(length=200), nullable=False),
        sa.Column("bring", sa.Text(), nullable=False),
        sa.Column("dress_code", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_day_one_plans"),
        sa.UniqueConstraint("location_key", name="uq_day_one_plans_location_key"),
    )
    op.create_table(
        "day_one_overrides",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("ask_for", sa.String(length=200), nullable=True),
        sa.Column("bring", sa.Text(), nullable=True),
        sa.Column("dress_code", sa.String(length=200), nullable=True),
        sa.Column("agenda", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["users.id"],
            name="fk_day_one_overrides_candidate_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name="pk_day_one_overrides"),
    )


def downgrade():
    op.drop_table("day_one_overrides")
    op.drop_table("day_one_plans")
