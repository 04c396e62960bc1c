"""audit_events: drop the indexes on `at` and `actor_id`. No query reads by them (the audit page walks
the primary key newest first and filters by action or actor name; history pages use
ix_audit_events_object), and every audited operation paid for them: two more index pages written per
event on the largest table.

Revision ID: 0004_audit_drop_unused_indexes
Revises: 0003_assignee_index_due
"""

from alembic import op

revision = "0004_audit_drop_unused_indexes"
down_revision = "0003_assignee_index_due"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_id", table_name="audit_events")


def downgrade():
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"], unique=False)
    op.create_index("ix_audit_events_at", "audit_events", ["at"], unique=False)
