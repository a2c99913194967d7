"""feeds: the base each entry's raw HTML was resolved against, and a fresh start
for every feed so that stored entries are sanitised again (xml:base honoured, images kept).

Entries sanitised before this revision still render as they are (the pages sanitise stored HTML
again on the way out), just without their images. Clearing the content hashes and the feeds'
HTTP validators makes the next refresh download every feed in full and store each entry still
in it again from the document, by today's rules. Entries no longer in their feed keep their
old HTML.

Revision ID: 0015_feed_media
Revises: 0014_retention_privacy
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0015_feed_media'
down_revision = '0014_retention_privacy'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feed_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_base", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("content_base", sa.String(length=2000), nullable=True))
    op.execute("UPDATE feed_entries SET content_hash = ''")
    op.execute("UPDATE feeds SET etag = NULL, last_modified = NULL, body_hash = NULL")


def downgrade():
    with op.batch_alter_table("feed_entries", schema=None) as batch_op:
        batch_op.drop_column("content_base")
        batch_op.drop_column("summary_base")
