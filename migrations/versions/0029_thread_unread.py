"""Unread messages kept per thread for its recruiter and backup recruiter (thread_unread), so a
recruiter's menu badge sums their own few rows instead of counting every message of every
candidate they look after on each page (portal.questions.unread keeps them; backfilled here).

Revision ID: 0029_thread_unread
Revises: 0028_users_role_name
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_thread_unread'
down_revision = '0028_users_role_name'
branch_labels = None
depends_on = None

# portal.questions.unread.counts() for everyone, as it stands at this revision.
BACKFILL = """
INSERT INTO thread_unread (reader_id, candidate_id, messages)
SELECT followers.reader_id, followers.candidate_id, count(messages.id)
FROM (
    SELECT user_id AS candidate_id, recruiter_id AS reader_id FROM candidate_profiles
    WHERE recruiter_id IS NOT NULL
    UNION
    SELECT user_id, backup_recruiter_id FROM candidate_profiles
    WHERE backup_recruiter_id IS NOT NULL
) AS followers
JOIN messages ON messages.candidate_id = followers.candidate_id
    AND messages.removed_at IS NULL AND messages.author_id <> followers.reader_id
LEFT OUTER JOIN thread_reads ON thread_reads.candidate_id = followers.candidate_id
    AND thread_reads.reader_id = followers.reader_id
WHERE messages.id > coalesce(thread_reads.last_read_message_id, 0)
GROUP BY followers.reader_id, followers.candidate_id
"""


def upgrade() -> None:
    op.create_table(
        "thread_unread",
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["users.id"],
            name=op.f("fk_thread_unread_candidate_id_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["users.id"],
            name=op.f("fk_thread_unread_reader_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reader_id", "candidate_id", name=op.f("pk_thread_unread")),
    )
    with op.batch_alter_table("thread_unread") as batch:
        batch.create_index(batch.f("ix_thread_unread_candidate_id"), ["candidate_id"], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("thread_unread") as batch:
        batch.drop_index(batch.f("ix_thread_unread_candidate_id"))
    op.drop_table("thread_unread")
