"""Staff by role in name order from an index: the recruiters HR's board offers as a filter
(people.directory.active_recruiters) were found by reading every user, candidates included.

Revision ID: 0028_users_role_name
Revises: 0027_cohort_counts
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028_users_role_name'
down_revision = '0027_cohort_counts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.create_index("ix_users_role_name", ["role", "is_active", "name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_role_name")
