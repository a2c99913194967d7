"""api writes: token scopes, Idempotency-Key answers, offers pushed by an ATS (issue 15)

Revision ID: 0021_api_writes
Revises: 0020_feed_management
Create Date: 2026-12-04 10:00:00.000000

api_tokens.scope says what a token may do: 'read' (every token made before, unchanged) or
'write'. api_idempotency_keys keeps each write sent with an Idempotency-Key and its answer for a
day, unique per token and key. inbound_offers remembers which accepted offer of the applicant
tracking system became which candidate, once per offer id.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_api_writes'
down_revision = '0020_feed_management'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('scope', sa.String(length=8), server_default='read', nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_api_tokens_scope'), "scope IN ('read', 'write')"
        )
    op.create_table(
        'api_idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('location', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ['token_id'], ['api_tokens.id'],
            name=op.f('fk_api_idempotency_keys_token_id_api_tokens'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_keys')),
        sa.UniqueConstraint('token_id', 'key', name=op.f('uq_api_idempotency_keys_token_id')),
    )
    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_api_idempotency_keys_created_at'), ['created_at'], unique=False
        )
    op.create_table(
        'inbound_offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.String(length=200), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['candidate_id'], ['users.id'],
            name=op.f('fk_inbound_offers_candidate_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_offers')),
        sa.UniqueConstraint('offer_id', name=op.f('uq_inbound_offers_offer_id')),
    )
    with op.batch_alter_table('inbound_offers', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_inbound_offers_candidate_id'), ['candidate_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('inbound_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_offers_candidate_id'))
    op.drop_table('inbound_offers')
    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotency_keys_created_at'))
    op.drop_table('api_idempotency_keys')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_api_tokens_scope'), type_='check')
        batch_op.drop_column('scope')
