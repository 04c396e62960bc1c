"""Who works on a READY task: a role-pool task is claimed (colleagues no longer see it) and released, or
reassigned to a named user by a section head or admin."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, update
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db
from app.workflow.locking import SUPERVISING_ROLES, fresh_task, lost_race, not_ready_message
from app.workflow.models import HumanTask, TaskStatus

__all__ = ["claim", "reassign", "release"]

_TASKS = cast(Table, HumanTask.__table__)  # typed as any FROM clause; ours are tables


def _ready_for_change(task: HumanTask) -> HumanTask:
    db.session.flush()
    task = fresh_task(task.id)
    if task.status != TaskStatus.READY:
        raise Conflict(not_ready_message(task))
    return task


def claim(task: HumanTask, actor: Any) -> HumanTask:
    """Take a role-pool task so colleagues no longer see it."""
    task = _ready_for_change(task)
    if task.assignee_id not in (None, actor.id):
        raise PermissionDenied("该任务已指派给他人")
    if task.assignee_id is None and not actor.has_role(task.candidate_role):
        raise PermissionDenied("您不具备办理该任务的岗位角色")
    result = db.session.connection().execute(
        update(_TASKS)
        .where(
            _TASKS.c.id == task.id,
            _TASKS.c.status == TaskStatus.READY,
            (_TASKS.c.claimed_by_id.is_(None)) | (_TASKS.c.claimed_by_id == actor.id),
        )
        .values(claimed_by_id=actor.id)
    )
    if result.rowcount != 1:
        raise lost_race(task, "认领")
    set_committed_value(task, "claimed_by_id", actor.id)
    return task


def release(task: HumanTask, actor: Any) -> HumanTask:
    """Give a claimed task back to the role pool (the claimer, or a section head / admin)."""
    task = _ready_for_change(task)
    if task.claimed_by_id is None:
        return task
    if task.claimed_by_id != actor.id and not actor.has_role(*SUPERVISING_ROLES):
        raise PermissionDenied("只能退回自己认领的任务")
    task.claimed_by_id = None
    db.session.flush()
    return task


def reassign(task: HumanTask, user: Any, actor: Any) -> HumanTask:
    """Assign a READY task to `user` (section heads and admins only)."""
    if not actor.has_role(*SUPERVISING_ROLES):
        raise PermissionDenied("只有科室负责人或系统管理员可以改派任务")
    task = _ready_for_change(task)
    if not user.has_role(task.candidate_role):
        raise ValidationFailed(f"{user.name}不具备办理该任务的岗位角色")
    task.assignee_id, task.claimed_by_id = user.id, None
    db.session.flush()
    return task
