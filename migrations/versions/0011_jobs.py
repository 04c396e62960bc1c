"""Jobs (issue #11 item 8): long work (ledger exports) runs off the request in `flask jobs worker`; one row
per job holds its kind, parameters, owner, status, progress, result file and the heartbeat of the worker
running it.

Revision ID: 0011_jobs
Revises: 0010_path_c_collation
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_jobs"
down_revision = "0010_path_c_collation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False, comment="任务类型（jobs.register_kind）"),
        sa.Column("title", sa.String(length=200), nullable=False, comment="任务名称（如台账名称）"),
        sa.Column("params", sa.JSON(), nullable=False, comment="任务参数（如筛选条件）"),
        sa.Column("owner_id", sa.Integer(), nullable=False, comment="提交人（按其数据范围运行）"),
        sa.Column("status", sa.String(length=20), nullable=False, comment="状态"),
        sa.Column("progress_done", sa.Integer(), nullable=False, comment="已处理条数"),
        sa.Column("progress_total", sa.Integer(), nullable=True, comment="总条数（可估算时）"),
        sa.Column("note", sa.String(length=500), nullable=False, comment="说明（筛选条件、结果摘要）"),
        sa.Column("error", sa.Text(), nullable=True, comment="失败原因（给提交人看的中文说明）"),
        sa.Column("file_path", sa.String(length=300), nullable=True, comment="结果文件（JOBS_DIR 下的相对路径）"),
        sa.Column("download_name", sa.String(length=200), nullable=True, comment="下载文件名"),
        sa.Column("mimetype", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="已运行次数"),
        sa.Column("worker_id", sa.String(length=100), nullable=True, comment="运行它的工作进程"),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True, comment="工作进程最近一次心跳"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_removed_at", sa.DateTime(timezone=True), nullable=True, comment="结果文件清理时间"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_jobs_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_jobs_owner_id_id", ["owner_id", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_owner_id_id")
        batch_op.drop_index("ix_jobs_status_id")
    op.drop_table("jobs")
