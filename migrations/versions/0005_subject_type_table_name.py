"""One subject reference: workflow instances and their tasks name their business object by its table name,
as the audit trail, attachments and documents already do ('hazard' -> 'hazards').

Revision ID: 0005_subject_type_table_name
Revises: 0004_audit_drop_unused_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_subject_type_table_name"
down_revision = "0004_audit_drop_unused_indexes"
branch_labels = None
depends_on = None

RENAMED = {"hazard": "hazards"}  # the only domain that ran workflows before this revision
TABLES = ("workflow_instances", "human_tasks")


def _rename(pairs) -> None:
    for table in TABLES:
        for old, new in pairs:
            op.execute(
                sa.text(f"UPDATE {table} SET subject_type = :new WHERE subject_type = :old").bindparams(
                    old=old, new=new
                )
            )


def upgrade():
    _rename(RENAMED.items())


def downgrade():
    _rename((new, old) for old, new in RENAMED.items())
