"""What every hazard verb shares: the hazard's READY task, one workflow step with its status change,
linking uploaded files, the inbox title's 【逾期】 mark."""

from __future__ import annotations

from app import attachments, workflow
from app.auth.models import User
from app.errors import InvalidState
from app.hazards.models import Hazard

GENERAL_PROCESS = "hazard_rectification"
MAJOR_PROCESS = "major_hazard_supervision"
OVERDUE_PREFIX = "【逾期】"


def instance_of(hazard: Hazard):
    return workflow.instance_for(hazard)


def ready_task(hazard: Hazard, bpmn_id: str, task=None):
    """The READY HumanTask `bpmn_id` of the hazard's workflow (or the given one, re-checked)."""
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != hazard.id:
            raise InvalidState("任务与隐患不匹配")
        return task
    inst = instance_of(hazard)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"隐患{hazard.code}当前状态为“{hazard.status}”，不能办理该事项")


def other_officer(user_id) -> User | None:
    """The second officer a form names (指令书 co-signer, 共同复查人), with roles and jurisdiction in one
    statement (User.load_active), so the permission check on them reads no further rows; None if there
    is no such active user."""
    return User.load_active(int(user_id)) if user_id else None


def ready_bpmn_ids(hazard: Hazard) -> list[str]:
    inst = instance_of(hazard)
    return workflow.ready_task_names(inst) if inst is not None else []


def step(hazard: Hazard, task, data: dict, *, actor) -> dict:
    """Complete the hazard's task; the status follows from where the workflow now stands (app.hazards.status,
    applied by the engine after the step). Returns the audit `changes` entry for the status."""
    old = hazard.status
    workflow.complete_task(task, data, actor=actor)
    return {"status": [old, hazard.status]} if hazard.status != old else {}


def link(ids, obj, field: str) -> None:
    for att_id in ids or ():
        attachments.link(int(att_id), obj, field)


def set_overdue_title(instance, overdue: bool) -> None:
    """Inbox rows show the instance title: overdue hazards read 【逾期】… until given a new deadline."""
    if instance is None:
        return
    title = instance.title.removeprefix(OVERDUE_PREFIX)
    instance.title = (OVERDUE_PREFIX + title)[:200] if overdue else title
