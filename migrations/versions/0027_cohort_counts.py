"""The dashboards' tiles counted ahead: active candidates per recruiter and status, and per
recruiter and joining day, kept exact by triggers on candidate_summaries that append changes,
which the worker folds into the counts.

Revision ID: 0027_cohort_counts
Revises: 0026_announcements

cohort_status_counts and cohort_joining_counts: how many active summaries each recruiter has
in each status and on each joining day (recruiter_key 0: no recruiter; user ids start at 1).
cohort_count_changes: what has happened since they were last brought up to date, one row per
summary entering (+1) or leaving (-1) a bucket. The tiles read the counts plus the changes
(portal.engagement.tiles), a few rows per recruiter however many candidates there are.

Triggers after every insert, delete and update (of the recruiter, the account's state, the
status or the joining day) of candidate_summaries only append changes, so every way of writing
summaries (the ORM, the rebuild's and the worker's bulk statements, a cascade from users) keeps
the tiles right, and no writer ever waits on another's count row: counters updated in place
deadlocked on PostgreSQL when two transactions moved candidates between the same buckets in
opposite orders. The worker's "tile_counts" job folds the changes into the counts, in sorted
order. The counts are backfilled from the summaries there are.

On SQLite, a later `batch_alter_table("candidate_summaries")` copies the table into a new one,
which loses these triggers: such a migration creates them again after it (`create_triggers`
here; tests/engagement/test_tile_counts.py checks they are there at head).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0027_cohort_counts"
down_revision = "0026_announcements"
branch_labels = None
depends_on = None

TRIGGERS = (
    "candidate_summaries_counts_insert",
    "candidate_summaries_counts_update",
    "candidate_summaries_counts_delete",
)
FUNCTION = "cohort_counts_follow"
CHANGES = "cohort_count_changes"
COLUMNS = "recruiter_key, status, joining_date, delta"
# Only these columns move a summary between buckets.
WATCHED = "recruiter_id, is_active, status, joining_date"


def _sqlite_change(row: str, delta: int) -> str:
    """Append `row` (OLD or NEW) entering (+1) or leaving (-1) its bucket, if it is active."""
    return (
        f"INSERT INTO {CHANGES} ({COLUMNS})\n"
        f"SELECT coalesce({row}.recruiter_id, 0), {row}.status, {row}.joining_date, {delta}\n"
        f"WHERE {row}.is_active;\n"
    )


def _sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON candidate_summaries\n"
        f"WHEN NEW.is_active\nBEGIN\n{_sqlite_change('NEW', 1)}END",
        f"CREATE TRIGGER {TRIGGERS[1]}\n"
        f"AFTER UPDATE OF {WATCHED} ON candidate_summaries\n"
        "WHEN (OLD.is_active OR NEW.is_active) AND (\n"
        "    OLD.recruiter_id IS NOT NEW.recruiter_id OR OLD.is_active IS NOT NEW.is_active\n"
        "    OR OLD.status IS NOT NEW.status OR OLD.joining_date IS NOT NEW.joining_date)\n"
        f"BEGIN\n{_sqlite_change('OLD', -1)}{_sqlite_change('NEW', 1)}END",
        f"CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON candidate_summaries\n"
        f"WHEN OLD.is_active\nBEGIN\n{_sqlite_change('OLD', -1)}END",
    ]


def _postgresql_triggers() -> list[str]:
    function = f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.is_active THEN
        INSERT INTO {CHANGES} ({COLUMNS})
        VALUES (coalesce(OLD.recruiter_id, 0), OLD.status, OLD.joining_date, -1);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.is_active THEN
        INSERT INTO {CHANGES} ({COLUMNS})
        VALUES (coalesce(NEW.recruiter_id, 0), NEW.status, NEW.joining_date, 1);
    END IF;
    RETURN NULL;
END
$$"""
    run = f"EXECUTE FUNCTION {FUNCTION}()"
    return [
        function,
        f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON candidate_summaries\n"
        f"FOR EACH ROW WHEN (NEW.is_active) {run}",
        f"CREATE TRIGGER {TRIGGERS[1]}\n"
        f"AFTER UPDATE OF {WATCHED} ON candidate_summaries\n"
        "FOR EACH ROW WHEN ((OLD.is_active OR NEW.is_active) AND (\n"
        "    OLD.recruiter_id IS DISTINCT FROM NEW.recruiter_id\n"
        "    OR OLD.is_active <> NEW.is_active OR OLD.status <> NEW.status\n"
        "    OR OLD.joining_date <> NEW.joining_date))\n"
        f"{run}",
        f"CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON candidate_summaries\n"
        f"FOR EACH ROW WHEN (OLD.is_active) {run}",
    ]


def create_triggers() -> None:
    """The triggers that append the changes (and on PostgreSQL their function)."""
    dialect = op.get_bind().dialect.name
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def drop_triggers() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    on = " ON candidate_summaries" if postgresql else ""
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    if postgresql:
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def upgrade() -> None:
    op.create_table(
        "cohort_status_counts",
        sa.Column("recruiter_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("recruiter_key", "status", name=op.f("pk_cohort_status_counts")),
    )
    op.create_table(
        "cohort_joining_counts",
        sa.Column("recruiter_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("joining_date", sa.Date(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "recruiter_key", "joining_date", name=op.f("pk_cohort_joining_counts")
        ),
    )
    op.create_table(
        CHANGES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recruiter_key", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("joining_date", sa.Date(), nullable=False),
        sa.Column("delta", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_count_changes")),
    )
    # Everyone's week (HR's whole board): the days first, whoever the recruiter.
    with op.batch_alter_table("cohort_joining_counts") as batch:
        batch.create_index("ix_cohort_joining_counts_day", ["joining_date"], unique=False)
    # One recruiter's changes not folded in yet (their board's tiles).
    with op.batch_alter_table(CHANGES) as batch:
        batch.create_index("ix_cohort_count_changes_recruiter", ["recruiter_key"], unique=False)
    # The triggers first: on PostgreSQL creating them locks out writes to the summaries until
    # this commits, so the backfill counts what they will follow from.
    create_triggers()
    for table, column in (
        ("cohort_status_counts", "status"),
        ("cohort_joining_counts", "joining_date"),
    ):
        op.execute(
            f"INSERT INTO {table} (recruiter_key, {column}, candidates)\n"
            f"SELECT coalesce(recruiter_id, 0), {column}, count(*) FROM candidate_summaries\n"
            f"WHERE is_active GROUP BY coalesce(recruiter_id, 0), {column}"
        )


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table(CHANGES) as batch:
        batch.drop_index("ix_cohort_count_changes_recruiter")
    op.drop_table(CHANGES)
    with op.batch_alter_table("cohort_joining_counts") as batch:
        batch.drop_index("ix_cohort_joining_counts_day")
    op.drop_table("cohort_joining_counts")
    op.drop_table("cohort_status_counts")
