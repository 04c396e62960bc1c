"""Penalty cases: an index on (status, region_path, filed_on) — the cases of one status within a scope (the
cases in 立案审批 shown above the list, the capped count of a status filter) were read along the scope's whole
path range: 16 ms for a city at 100,000 cases on PostgreSQL.

Revision ID: 0024_case_status_index
Revises: 0023_credit
"""
from alembic import op


revision = '0024_case_status_index'
down_revision = '0023_credit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('penalty_cases', schema=None) as batch_op:
        batch_op.create_index('ix_penalty_cases_status', ['status', 'region_path', 'filed_on'], unique=False)


def downgrade():
    with op.batch_alter_table('penalty_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_penalty_cases_status')
