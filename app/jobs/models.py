"""The jobs table: one row per piece of long work (an export, …) run off the request by a worker process.

A row is the whole state: queued → running (claimed by one worker, its heartbeat fresh) → done (a result
file under JOBS_DIR/<id>/) or failed (a Chinese message for its owner). A worker that dies leaves its job
running with a stale heartbeat; the next worker puts it back in the queue (at most MAX_ATTEMPTS runs)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UTCDateTime
from app.extensions import Model

if TYPE_CHECKING:
    from app.auth.models import User


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    JobStatus.QUEUED: "排队中",
    JobStatus.RUNNING: "运行中",
    JobStatus.DONE: "已完成",
    JobStatus.FAILED: "失败",
}
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(TimestampMixin, Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_id", "status", "id"),  # the queue: the oldest queued job first
        Index("ix_jobs_owner_id_id", "owner_id", "id"),  # a user's recent jobs, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), comment="任务类型（jobs.register_kind）")
    title: Mapped[str] = mapped_column(String(200), comment="任务名称（如台账名称）")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, comment="任务参数（如筛选条件）")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="提交人（按其数据范围运行）")
    status: Mapped[JobStatus] = mapped_column(String(20), default=JobStatus.QUEUED, comment="状态")
    progress_done: Mapped[int] = mapped_column(Integer, default=0, comment="已处理条数")
    progress_total: Mapped[int | None] = mapped_column(Integer, comment="总条数（可估算时）")
    note: Mapped[str] = mapped_column(String(500), default="", comment="说明（筛选条件、结果摘要）")
    error: Mapped[str | None] = mapped_column(Text, comment="失败原因（给提交人看的中文说明）")
    file_path: Mapped[str | None] = mapped_column(String(300), comment="结果文件（JOBS_DIR 下的相对路径）")
    download_name: Mapped[str | None] = mapped_column(String(200), comment="下载文件名")
    mimetype: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0, comment="已运行次数")
    worker_id: Mapped[str | None] = mapped_column(String(100), comment="运行它的工作进程")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="工作进程最近一次心跳")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    file_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="结果文件清理时间")

    owner: Mapped[User] = relationship()

    @property
    def status_label(self) -> str:
        return JobStatus(self.status).label

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        """Whole percent done, when the total is known (99 at most until the job is done)."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return None
        return min(99, self.progress_done * 100 // self.progress_total)

    @property
    def downloadable(self) -> bool:
        return self.status == JobStatus.DONE and self.file_path is not None and self.file_removed_at is None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
