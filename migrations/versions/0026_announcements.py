"""HR's announcements beside the feeds, a feed item's picture, and the candidate's previous visit
to the news.

Revision ID: 0026_announcements
Revises: 0025_checklist

announcements: HR's own news, written in the portal (a Markdown body and its sanitised HTML),
for departments and locations as a feed is, shown from its publish moment. feed_entries.image_url:
the picture a feed gives an item, for its card. candidate_profiles: news_seen_at (when the
candidate last looked) becomes news_visit_at (when their latest visit began), beside
news_previous_visit_at (the visit before it): "new" is what appeared since the previous visit.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_announcements'
down_revision = '0025_checklist'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("departments", sa.String(length=500), nullable=False),
        sa.Column("locations", sa.String(length=500), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_announcements_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements") as batch:
        batch.create_index(batch.f("ix_announcements_author_id"), ["author_id"], unique=False)
        batch.create_index("ix_announcements_newest", ["published_at", "id"], unique=False)
    with op.batch_alter_table("feed_entries") as batch:
        batch.add_column(sa.Column("image_url", sa.String(length=2000), nullable=True))
    with op.batch_alter_table("candidate_profiles") as batch:
        # The last look at the news is the start of the latest visit: the marks stay as they were.
        batch.alter_column("news_seen_at", new_column_name="news_visit_at")
        batch.add_column(
            sa.Column("news_previous_visit_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("candidate_profiles") as batch:
        batch.drop_column("news_previous_visit_at")
        batch.alter_column("news_visit_at", new_column_name="news_seen_at")
    with op.batch_alter_table("feed_entries") as batch:
        batch.drop_column("image_url")
    with op.batch_alter_table("announcements") as batch:
        batch.drop_index("ix_announcements_newest")
        batch.drop_index(batch.f("ix_announcements_author_id"))
    op.drop_table("announcements")
