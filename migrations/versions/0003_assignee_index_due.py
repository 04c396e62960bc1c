"""ix_human_tasks_assignee also holds due_at: the inbox's "assigned to me" part (count, overdue and
due-soon badges, first page by deadline) is answered from the index alone instead of a scan of every
READY task.

Revision ID: 0003_assignee_index_due
Revises: 0002_audit_append_only
"""

from alembic import op

revision = "0003_assignee_index_due"
down_revision = "0002_audit_append_only"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_index("ix_human_tasks_assignee")
        batch.create_index("ix_human_tasks_assignee", ["assignee_id", "status", "due_at"], unique=False)


def downgrade():
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_index("ix_human_tasks_assignee")
        batch.create_index("ix_human_tasks_assignee", ["assignee_id", "status"], unique=False)
