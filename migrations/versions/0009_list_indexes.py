"""indexes for HR's long lists: people, news entries, webhook deliveries

Revision ID: 0009_list_indexes
Revises: 0008_candidate_summaries
Create Date: 2026-12-04 09:00:00.000000

Each list is a keyset page (no OFFSET, no COUNT); these indexes serve its order and filters:
the people list soonest joining first (and "joining in the next N days"), the news entries
newest first, and an endpoint's delivery log by status (and its counts by status).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_list_indexes'
down_revision = '0008_candidate_summaries'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('candidate_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_profiles_joining', ['joining_date', 'user_id'], unique=False)
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.create_index('ix_feed_entries_newest', ['published_at', 'id'], unique=False)
    with op.batch_alter_table('webhook_messages', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_messages_endpoint_status', ['endpoint_id', 'status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_messages_endpoint_status')
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_entries_newest')
    with op.batch_alter_table('candidate_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_profiles_joining')
