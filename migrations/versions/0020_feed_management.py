"""feed management: the feeds table becomes the one truth for feed settings

HR adds, edits and turns feeds off in the portal; feeds.yaml is only imported and exported.
`in_config` ("still listed in feeds.yaml") goes: a feed that had left the file is turned off
instead (it was neither fetched nor shown, and stays so). Two instants let an import tell a feed
changed in the portal from one the file may update: `settings_changed_at` (HR's last change in
the portal since an import last wrote or confirmed the settings; none for every feed so far, all
synced from the file) and `imported_at` (that import; each feed's creation for those so far).

Revision ID: 0020_feed_management
Revises: 0019_meet_the_people
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0020_feed_management'
down_revision = '0019_meet_the_people'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("settings_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        sa.text("UPDATE feeds SET enabled = :off WHERE in_config = :off").bindparams(off=False)
    )
    op.execute("UPDATE feeds SET imported_at = created_at")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("in_config")


def downgrade():
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_config", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.alter_column("in_config", server_default=None)
        batch_op.drop_column("imported_at")
        batch_op.drop_column("settings_changed_at")
