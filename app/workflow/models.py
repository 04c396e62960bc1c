"""Workflow tables: deployed definitions, instances (serialized Spiff state), and the two projections
the rest of the system queries instead of deserializing workflows: HumanTask (inbox) and Timer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.db import UTCDateTime, path_type
from app.extensions import Model

if TYPE_CHECKING:
    from app.auth.models import User


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ERROR = "error"


class TaskStatus(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TimerStatus(StrEnum):
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class WorkflowDefinition(Model):
    """One deployed version of a BPMN file. Old versions stay so running instances keep their process."""

    __tablename__ = "workflow_definitions"
    __table_args__ = (
        UniqueConstraint("process_id", "spec_hash", name="uq_workflow_definitions_process_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True, comment="流程标识")
    name: Mapped[str] = mapped_column(String(200), comment="流程名称")
    spec_hash: Mapped[str] = mapped_column(String(64), comment="BPMN 文件 SHA-256")
    file_name: Mapped[str] = mapped_column(String(200))
    bpmn: Mapped[str] = mapped_column(Text, comment="BPMN 原文（该版本）")
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<WorkflowDefinition {self.process_id} {self.spec_hash[:8]}>"


class WorkflowInstance(Model):
    """One running (or finished) process for one business object."""

    __tablename__ = "workflow_instances"
    __table_args__ = (Index("ix_workflow_instances_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True, comment="流程标识")
    definition_id: Mapped[int] = mapped_column(ForeignKey("workflow_definitions.id"), index=True)
    spec_hash: Mapped[str] = mapped_column(String(64), comment="流程定义版本（BPMN SHA-256）")
    serializer_version: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(Text, comment="SpiffWorkflow 序列化状态（不含流程定义）")
    version: Mapped[int] = mapped_column(Integer, default=1, comment="乐观锁版本号")
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING, index=True)
    subject_type: Mapped[str | None] = mapped_column(String(50), comment="业务对象类型")
    subject_id: Mapped[int | None] = mapped_column(Integer, comment="业务对象ID")
    title: Mapped[str] = mapped_column(String(200), comment="标题")
    region_path: Mapped[str | None] = mapped_column(
        path_type(255), index=True, comment="行政区划路径（数据范围）"
    )
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    definition: Mapped[WorkflowDefinition] = relationship()

    @property
    def is_running(self) -> bool:
        return self.status == InstanceStatus.RUNNING

    def __repr__(self) -> str:
        return f"<WorkflowInstance {self.id} {self.process_id} {self.status}>"


class HumanTask(Model):
    """Projection: one row per user task that became READY; kept after completion as history."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("task_guid", name="uq_human_tasks_task_guid"),
        # covering index for inbox counts; the second walks the inbox in deadline order
        Index("ix_human_tasks_inbox_role", "status", "candidate_role", "region_path", "assignee_id",
              "claimed_by_id", "due_at"),
        Index("ix_human_tasks_inbox_due", "status", "candidate_role", "due_at", "region_path", "assignee_id",
              "claimed_by_id"),
        Index("ix_human_tasks_inbox_enterprise", "status", "enterprise_id"),
        Index("ix_human_tasks_assignee", "assignee_id", "status", "due_at"),  # covers the assigned part
        Index("ix_human_tasks_done", "completed_by_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="CASCADE"), index=True
    )
    task_guid: Mapped[str] = mapped_column(String(36), comment="SpiffWorkflow 任务ID")
    bpmn_id: Mapped[str] = mapped_column(String(100), comment="BPMN 任务标识")
    name: Mapped[str] = mapped_column(String(200), comment="任务名称")
    lane: Mapped[str | None] = mapped_column(String(100), comment="泳道")
    candidate_role: Mapped[str] = mapped_column(String(30), comment="办理角色")
    region_path: Mapped[str | None] = mapped_column(path_type(255))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    subject_type: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    form_name: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="办理期限")
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.READY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="办理时间")
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[Any | None] = mapped_column(JSON, comment="提交的表单数据（已校验）")

    instance: Mapped[WorkflowInstance] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def is_ready(self) -> bool:
        return self.status == TaskStatus.READY

    @property
    def due_date(self) -> date | None:
        """办理期限 as people read it: the last day (inclusive, China time) of `due_at`, which stores the
        instant it runs out (00:00 after that day). Pages, the API and reminders show this, never due_at."""
        return clock.last_day(self.due_at) if self.due_at is not None else None

    def is_overdue(self, at: datetime | None = None) -> bool:
        """READY and its last day has ended (at `at`, default now)."""
        return self.status == TaskStatus.READY and self.due_at is not None and clock.is_past_due(self.due_at, at)

    def days_left(self, at: datetime | None = None) -> int | None:
        """Days from today to the last day (0 on the last day), None without a deadline."""
        return clock.days_left(self.due_at, at) if self.due_at is not None else None

    def __repr__(self) -> str:
        return f"<HumanTask {self.id} {self.bpmn_id} {self.status}>"


class Timer(Model):
    """Projection: due time of each waiting timer event, so a worker finds due work with an index."""

    __tablename__ = "workflow_timers"
    __table_args__ = (Index("ix_workflow_timers_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="CASCADE"), index=True
    )
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=TimerStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    instance: Mapped[WorkflowInstance] = relationship()

    def __repr__(self) -> str:
        return f"<Timer {self.id} {self.bpmn_id} {self.status} {self.due_at:%Y-%m-%d %H:%M}>"
