"""HR's announcements beside the feeds, and the candidate's previous visit to the news.

Revision ID: 0026_announcements
Revises: 0025_checklist
"""

# revision identifiers, used by Alembic.
revision = '0026_announcements'
down_revision = '0025_checklist'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
