"""working days: a milestone's offset may count working days on its location's calendar

Revision ID: 0016_working_days
Revises: 0015_feed_media
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_working_days'
down_revision = '0015_feed_media'
branch_labels = None
depends_on = None


# "3 working days before joining": a milestone's offset may count working days at the
# workplace (weekends and public holidays skipped) instead of every day.
TABLES = ("milestone_templates", "candidate_milestones")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("working_days", sa.Boolean(), server_default=sa.false(), nullable=False)
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("working_days")
