"""retention and privacy: webhook endpoints opt into personal fields; messages name their candidate

Revision ID: 0014_retention_privacy
Revises: 0013_thread_closures
Create Date: 2026-12-04 07:00:00.000000
"""

import json

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0014_retention_privacy"
down_revision = "0013_thread_closures"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("personal_fields", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("webhook_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("candidate_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_webhook_messages_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_webhook_messages_candidate_id_users"),
            "users",
            ["candidate_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _note_candidates()


def _note_candidates():
    """Messages written before this revision: the candidate each is about, from its body, so
    that retention finds them too."""
    connection = op.get_bind()
    messages = sa.table(
        "webhook_messages",
        sa.column("id", sa.Integer()),
        sa.column("body", sa.Text()),
        sa.column("candidate_id", sa.Integer()),
    )
    users = {row[0] for row in connection.execute(sa.text("SELECT id FROM users"))}
    for message_id, body in connection.execute(sa.select(messages.c.id, messages.c.body)):
        try:
            candidate = json.loads(body)["data"]["candidate"]["id"]
        except (ValueError, KeyError, TypeError):
            continue
        if candidate in users:
            connection.execute(
                messages.update().where(messages.c.id == message_id).values(candidate_id=candidate)
            )


def downgrade():
    with op.batch_alter_table("webhook_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_webhook_messages_candidate_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_webhook_messages_candidate_id"))
        batch_op.drop_column("erased_at")
        batch_op.drop_column("candidate_id")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("personal_fields")
