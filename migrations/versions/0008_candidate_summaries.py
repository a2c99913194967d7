"""per-candidate engagement summaries

Revision ID: 0008_candidate_summaries
Revises: 0007_audit_and_secrets
Create Date: 2026-12-04 05:00:00.000000

The table starts empty: the worker's next engagement pass (or `flask --app portal engagement
rebuild-summaries`, right after upgrading) builds every candidate's summary from the events.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_candidate_summaries"
down_revision = "0007_audit_and_secrets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "candidate_summaries",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("recruiter_id", sa.Integer(), nullable=True),
        sa.Column("joining_date", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=80), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("signed_up", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_count", sa.Integer(), nullable=False),
        sa.Column("event_counts", sa.JSON(), nullable=False),
        sa.Column("activity_days", sa.JSON(), nullable=False),
        sa.Column("last_pulse", sa.SmallInteger(), nullable=True),
        sa.Column("previous_pulse", sa.SmallInteger(), nullable=True),
        sa.Column("unanswered", sa.Integer(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_waiting_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("board_rank", sa.SmallInteger(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('engaged', 'quiet', 'at_risk')", name=op.f("ck_candidate_summaries_status")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["users.id"],
            name=op.f("fk_candidate_summaries_candidate_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_candidate_summaries")),
    )
    with op.batch_alter_table("candidate_summaries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_candidate_summaries_board",
            ["is_active", "board_rank", "joining_date", "candidate_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_candidate_summaries_recruiter_board",
            ["recruiter_id", "is_active", "board_rank", "joining_date", "candidate_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_candidate_summaries_status_board",
            ["status", "is_active", "board_rank", "joining_date", "candidate_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_candidate_summaries_location",
            ["location", "is_active", "board_rank", "joining_date", "candidate_id"],
            unique=False,
        )
        batch_op.create_index("ix_candidate_summaries_joining", ["joining_date"], unique=False)
        batch_op.create_index(
            "ix_candidate_summaries_tiles",
            ["is_active", "status", "signed_up", "joining_date"],
            unique=False,
        )
        batch_op.create_index(
            "ix_candidate_summaries_recruiter_tiles",
            ["recruiter_id", "is_active", "status", "signed_up", "joining_date"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("candidate_summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_candidate_summaries_recruiter_tiles")
        batch_op.drop_index("ix_candidate_summaries_tiles")
        batch_op.drop_index("ix_candidate_summaries_joining")
        batch_op.drop_index("ix_candidate_summaries_location")
        batch_op.drop_index("ix_candidate_summaries_status_board")
        batch_op.drop_index("ix_candidate_summaries_recruiter_board")
        batch_op.drop_index("ix_candidate_summaries_board")

    op.drop_table("candidate_summaries")
