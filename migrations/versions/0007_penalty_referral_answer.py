"""penalty_referrals: the hand-off to the penalty-case domain. The plain integer `case_id` goes (that
domain keeps its case in its own tables, with a real foreign key to the referral); the referral records the
answer it receives through the hazard domain's operation: case number, or the reason for 不予立案, who and
when.

Revision ID: 0007_penalty_referral_answer
Revises: 0006_notifications
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_penalty_referral_answer"
down_revision = "0006_notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("penalty_referrals", schema=None) as batch_op:
        batch_op.drop_column("case_id")
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True, comment="不予立案的理由"))
        batch_op.add_column(
            sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True, comment="立案机关答复时间")
        )
        batch_op.add_column(sa.Column("answered_by_id", sa.Integer(), nullable=True, comment="答复人"))
        batch_op.create_foreign_key(
            batch_op.f("fk_penalty_referrals_answered_by_id_users"), "users", ["answered_by_id"], ["id"]
        )
        batch_op.alter_column("case_number", existing_type=sa.String(length=80), comment="立案号",
                              existing_comment="立案号/处罚决定书文号", existing_nullable=True)


def downgrade():
    with op.batch_alter_table("penalty_referrals", schema=None) as batch_op:
        batch_op.alter_column("case_number", existing_type=sa.String(length=80), comment="立案号/处罚决定书文号",
                              existing_comment="立案号", existing_nullable=True)
        batch_op.drop_constraint(batch_op.f("fk_penalty_referrals_answered_by_id_users"), type_="foreignkey")
        batch_op.drop_column("answered_by_id")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("answer")
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True, comment="立案后的案件 id"))
