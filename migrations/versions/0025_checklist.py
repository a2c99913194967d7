"""The candidate's checklist: task templates, ticks and uploaded documents.

Revision ID: 0025_checklist
Revises: 0024_candidate_profile
"""

# revision identifiers, used by Alembic.
revision = '0025_checklist'
down_revision = '0024_candidate_profile'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
