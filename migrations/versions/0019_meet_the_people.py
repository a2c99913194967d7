"""meet the people: HR's team list, each candidate's manager welcome, buddy and chosen team,
and the photos of all of them (issue 14)

Revision ID: 0019_meet_the_people
Revises: 0018_outcomes
Create Date: 2026-12-04 10:00:00.000000

team_photos holds photos as served (resized, re-encoded, no metadata) with the SHA-256 of their
bytes; a photo uploaded for one candidate's page names them (candidate_id) and goes with them.
team_members is HR's list; manager_welcomes and buddies are one per candidate; chosen_teams
marks a team staff chose, whose members are in team_picks.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_meet_the_people'
down_revision = '0018_outcomes'
branch_labels = None
depends_on = None


def _instant(name):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _by_user(name, table, *, cascade):
    return sa.ForeignKeyConstraint(
        [name], ['users.id'], name=op.f(f'fk_{table}_{name}_users'),
        ondelete='CASCADE' if cascade else 'SET NULL',
    )


def _photo(table):
    return sa.ForeignKeyConstraint(
        ['photo_id'], ['team_photos.id'], name=op.f(f'fk_{table}_photo_id_team_photos'),
        ondelete='SET NULL',
    )


def upgrade():
    op.create_table(
        'team_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=True),
        _instant('created_at'),
        _by_user('candidate_id', 'team_photos', cascade=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_photos')),
    )
    op.create_index(op.f('ix_team_photos_candidate_id'), 'team_photos', ['candidate_id'], unique=False)
    op.create_table(
        'team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('intro', sa.String(length=400), nullable=False),
        sa.Column('department', sa.String(length=80), nullable=False),
        sa.Column('location', sa.String(length=80), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        _instant('created_at'),
        _instant('updated_at'),
        _photo('team_members'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_members')),
    )
    op.create_index('ix_team_members_name', 'team_members', ['name', 'id'], unique=False)
    op.create_index(
        'ix_team_members_team', 'team_members', ['department', 'location', 'name', 'id'], unique=False
    )
    op.create_table(
        'manager_welcomes',
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('manager_name', sa.String(length=120), nullable=False),
        sa.Column('manager_title', sa.String(length=120), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        _instant('updated_at'),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        _by_user('candidate_id', 'manager_welcomes', cascade=True),
        _photo('manager_welcomes'),
        _by_user('updated_by_id', 'manager_welcomes', cascade=False),
        sa.PrimaryKeyConstraint('candidate_id', name=op.f('pk_manager_welcomes')),
    )
    op.create_table(
        'buddies',
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('intro', sa.String(length=600), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        _instant('updated_at'),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        _by_user('candidate_id', 'buddies', cascade=True),
        _photo('buddies'),
        _by_user('updated_by_id', 'buddies', cascade=False),
        sa.PrimaryKeyConstraint('candidate_id', name=op.f('pk_buddies')),
    )
    op.create_table(
        'chosen_teams',
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        _instant('chosen_at'),
        sa.Column('chosen_by_id', sa.Integer(), nullable=True),
        _by_user('candidate_id', 'chosen_teams', cascade=True),
        _by_user('chosen_by_id', 'chosen_teams', cascade=False),
        sa.PrimaryKeyConstraint('candidate_id', name=op.f('pk_chosen_teams')),
    )
    op.create_table(
        'team_picks',
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        _by_user('candidate_id', 'team_picks', cascade=True),
        sa.ForeignKeyConstraint(
            ['member_id'], ['team_members.id'], name=op.f('fk_team_picks_member_id_team_members'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('candidate_id', 'member_id', name=op.f('pk_team_picks')),
    )
    op.create_index(op.f('ix_team_picks_member_id'), 'team_picks', ['member_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_team_picks_member_id'), table_name='team_picks')
    op.drop_table('team_picks')
    op.drop_table('chosen_teams')
    op.drop_table('buddies')
    op.drop_table('manager_welcomes')
    op.drop_index('ix_team_members_team', table_name='team_members')
    op.drop_index('ix_team_members_name', table_name='team_members')
    op.drop_table('team_members')
    op.drop_index(op.f('ix_team_photos_candidate_id'), table_name='team_photos')
    op.drop_table('team_photos')
