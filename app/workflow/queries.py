"""Read-only lookups of the workflow projections: an object's instance, an instance's READY and completed
user tasks, process names. None of them deserializes a workflow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app import subjects
from app.extensions import db
from app.workflow import definitions
from app.workflow.models import HumanTask, TaskStatus, WorkflowDefinition, WorkflowInstance

__all__ = ["history", "instance_for", "process_names", "ready_task_names", "ready_tasks", "subject_key"]


def subject_key(obj: Any) -> tuple[str | None, int | None]:
    """(subject type, id) of a business object, the same reference as audit, attachments and documents
    (app.subjects: the table name); (None, None) for no object."""
    if obj is None:
        return None, None
    return subjects.ref(obj)


def ready_tasks(inst: WorkflowInstance | None) -> list[HumanTask]:
    """The instance's READY user tasks, each holding `inst` as its `instance`: completing one does not read the
    instance again (the session's identity map keeps objects only while something refers to them)."""
    if inst is None:
        return []
    tasks = list(
        db.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == inst.id, HumanTask.status == TaskStatus.READY)
            .order_by(HumanTask.id)
        )
    )
    for task in tasks:
        if "instance" not in task.__dict__:
            set_committed_value(task, "instance", inst)
    return tasks


def ready_task_names(inst: WorkflowInstance | None) -> list[str]:
    """BPMN ids of the READY user tasks, sorted."""
    return sorted(t.bpmn_id for t in ready_tasks(inst))


def history(inst: WorkflowInstance | None) -> list[HumanTask]:
    """Completed user tasks, in the order they were done."""
    if inst is None:
        return []
    return list(
        db.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == inst.id, HumanTask.status == TaskStatus.COMPLETED)
            .order_by(HumanTask.completed_at, HumanTask.id)
        )
    )


def instance_for(obj: Any, process_id: str | None = None) -> WorkflowInstance | None:
    """The latest workflow instance of a business object (optionally of one process)."""
    if obj is None:
        return None
    subject_type, subject_id = subject_key(obj)
    stmt = select(WorkflowInstance).where(
        WorkflowInstance.subject_type == subject_type, WorkflowInstance.subject_id == subject_id
    )
    if process_id:
        stmt = stmt.where(WorkflowInstance.process_id == process_id)
    return db.session.scalars(stmt.order_by(WorkflowInstance.id.desc()).limit(1)).first()


def process_names() -> dict[str, str]:
    """process id -> Chinese process name, current definitions plus every deployed version."""
    names = {
        pid: name
        for pid, name in db.session.execute(
            select(WorkflowDefinition.process_id, WorkflowDefinition.name).order_by(WorkflowDefinition.id)
        )
    }
    names.update({pid: p.name for pid, p in definitions.registry().definitions.items()})
    return names
