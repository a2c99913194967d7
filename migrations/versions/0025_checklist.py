"""The candidate's checklist: task templates, ticks and uploaded documents.

Revision ID: 0025_checklist
Revises: 0024_candidate_profile

A milestone may now be a task (read, confirm, upload, acknowledge) the candidate ticks off; a
template milestone may be for one location and one department only. checklist_ticks: the
tasks each candidate ticked off, with the document an upload task asked for (its file is in
the instance folder, under a random name). candidate_summaries keeps the checklist's facts.
Every milestone there is stays a plain milestone, so every summary starts with no task.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_checklist'
down_revision = '0024_candidate_profile'
branch_labels = None
depends_on = None

KINDS = "'milestone', 'read', 'confirm', 'upload', 'acknowledge'"


def upgrade() -> None:
    with op.batch_alter_table("milestone_templates") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=12), server_default="milestone", nullable=False)
        )
        # An empty string as SQL: Alembic reads server_default="" as no default at all.
        batch.add_column(
            sa.Column("location", sa.String(length=80), server_default=sa.text("''"), nullable=False)
        )
        batch.add_column(
            sa.Column("department", sa.String(length=80), server_default=sa.text("''"), nullable=False)
        )
        batch.add_column(
            sa.Column("sort_minute", sa.Integer(), server_default="-1", nullable=False)
        )
        batch.create_check_constraint(op.f("ck_milestone_templates_kind"), f"kind IN ({KINDS})")
        batch.create_index(
            "ix_milestone_templates_order", ["day_offset", "sort_minute", "id"], unique=False
        )
    # The list's order within a day: the minute of a timed milestone.
    templates = sa.table(
        "milestone_templates",
        sa.column("id", sa.Integer()),
        sa.column("time_of_day", sa.Time()),
        sa.column("sort_minute", sa.Integer()),
    )
    connection = op.get_bind()
    for row_id, moment in connection.execute(
        sa.select(templates.c.id, templates.c.time_of_day).where(
            templates.c.time_of_day.is_not(None)
        )
    ).all():
        connection.execute(
            templates.update()
            .where(templates.c.id == row_id)
            .values(sort_minute=moment.hour * 60 + moment.minute)
        )
    with op.batch_alter_table("candidate_milestones") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=12), server_default="milestone", nullable=False)
        )
        batch.create_check_constraint(op.f("ck_candidate_milestones_kind"), f"kind IN ({KINDS})")

    op.create_table(
        "checklist_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_key", sa.String(length=64), nullable=True),
        sa.Column("document_name", sa.String(length=160), nullable=True),
        sa.Column("document_type", sa.String(length=40), nullable=True),
        sa.Column("document_size", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(template_id IS NULL) <> (milestone_id IS NULL)",
            name=op.f("ck_checklist_ticks_template_or_milestone"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["users.id"],
            name=op.f("fk_checklist_ticks_candidate_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["milestone_templates.id"],
            name=op.f("fk_checklist_ticks_template_id_milestone_templates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["candidate_milestones.id"],
            name=op.f("fk_checklist_ticks_milestone_id_candidate_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_ticks")),
        sa.UniqueConstraint("candidate_id", "template_id", name=op.f("uq_checklist_ticks_template")),
        sa.UniqueConstraint("milestone_id", name=op.f("uq_checklist_ticks_milestone_id")),
        sa.UniqueConstraint("document_key", name=op.f("uq_checklist_ticks_document_key")),
    )
    op.create_index(op.f("ix_checklist_ticks_candidate_id"), "checklist_ticks", ["candidate_id"])

    with op.batch_alter_table("candidate_summaries") as batch:
        batch.add_column(
            sa.Column("tasks_total", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("tasks_done", sa.Integer(), server_default="0", nullable=False))
        # None until the checklist is first read: no task is due (every milestone is plain).
        batch.add_column(sa.Column("task_dues", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("candidate_summaries") as batch:
        batch.drop_column("task_dues")
        batch.drop_column("tasks_done")
        batch.drop_column("tasks_total")
    op.drop_index(op.f("ix_checklist_ticks_candidate_id"), table_name="checklist_ticks")
    op.drop_table("checklist_ticks")
    with op.batch_alter_table("candidate_milestones") as batch:
        batch.drop_constraint(op.f("ck_candidate_milestones_kind"), type_="check")
        batch.drop_column("kind")
    with op.batch_alter_table("milestone_templates") as batch:
        batch.drop_index("ix_milestone_templates_order")
        batch.drop_constraint(op.f("ck_milestone_templates_kind"), type_="check")
        batch.drop_column("sort_minute")
        batch.drop_column("department")
        batch.drop_column("location")
        batch.drop_column("kind")
