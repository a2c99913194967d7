"""true statuses: "invited", the first time a candidate was seen, the board order widened

Revision ID: 0010_true_statuses
Revises: 0009_list_indexes
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0010_true_statuses'
down_revision = '0009_list_indexes'
branch_labels = None
depends_on = None

OLD = "status IN ('engaged', 'quiet', 'at_risk')"
NEW = "status IN ('engaged', 'invited', 'quiet', 'at_risk')"
# When each candidate was first seen: their first event of a kind the candidate causes
# (portal.events.models.ACTIVITY_KINDS as of this revision).
FIRST_SEEN = """
UPDATE candidate_summaries SET first_seen_at = (
    SELECT min(e.occurred_at) FROM engagement_events e
    WHERE e.candidate_id = candidate_summaries.candidate_id
    AND e.kind IN ('signed_in', 'home_viewed', 'news_opened', 'question_asked', 'answer_read',
                   'faq_searched', 'calendar_downloaded', 'timeline_viewed', 'pulse_answered')
)
"""


def _check(table, sql):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_status'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_status'), sql)


def upgrade():
    # "invited": a candidate who has never signed in. It ranks between quiet and engaged on
    # the boards: 0 at risk, 1 quiet, 2 invited, 3 engaged, 4 joined (was 2 engaged, 3 joined).
    # The pulse check waits for some use of the portal, counted from first_seen_at.
    with op.batch_alter_table('candidate_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_candidate_summaries_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_candidate_summaries_status'), NEW)
    _check('candidate_statuses', NEW)
    op.execute("UPDATE candidate_summaries SET board_rank = board_rank + 1 WHERE board_rank >= 2")
    op.execute(FIRST_SEEN)
    # Those who never signed in are invited from now on. The worker's next pass (minutes)
    # writes their reason; the recorded status moves too, so that no "engaged → invited"
    # change is announced for something that did not happen.
    op.execute(
        "UPDATE candidate_summaries SET status = 'invited', board_rank = 2 "
        "WHERE status = 'engaged' AND board_rank = 3 "
        "AND candidate_id IN (SELECT id FROM users WHERE password_hash IS NULL)"
    )
    op.execute(
        "UPDATE candidate_statuses SET status = 'invited' WHERE status = 'engaged' "
        "AND candidate_id IN (SELECT id FROM users WHERE password_hash IS NULL)"
    )


def downgrade():
    op.execute("UPDATE candidate_statuses SET status = 'engaged' WHERE status = 'invited'")
    op.execute(
        "UPDATE candidate_summaries SET status = 'engaged', board_rank = 3 "
        "WHERE status = 'invited' AND board_rank = 2"
    )
    op.execute("UPDATE candidate_summaries SET status = 'engaged' WHERE status = 'invited'")
    op.execute("UPDATE candidate_summaries SET board_rank = board_rank - 1 WHERE board_rank >= 3")
    _check('candidate_statuses', OLD)
    with op.batch_alter_table('candidate_summaries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_candidate_summaries_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_candidate_summaries_status'), OLD)
        batch_op.drop_column('first_seen_at')
