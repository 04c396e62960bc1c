"""A domain's own rule overriding what the projection wrote for an instance's open tasks: where the instance
belongs (a sealed 暗访 has no jurisdiction until its team starts it, so no scope query reaches it), who a task
waits for (its start task follows the lead its creator named, never a role pool), and a task's 办理期限 (a
penalty case's decision tasks follow its recomputed legal deadline). The domain checks who may do this; these
only write it, the rows already loaded kept in line."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, update
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import Conflict
from app.extensions import db
from app.workflow.locking import fresh_task, not_ready_message
from app.workflow.models import HumanTask, TaskStatus, WorkflowInstance

__all__ = ["direct", "redate", "rescope"]

_TASKS = cast(Table, HumanTask.__table__)


def rescope(inst: WorkflowInstance, *, region_path: str | None, enterprise_id: int | None) -> None:
    """Put the instance, its READY tasks and every task it creates from now on in `region_path` (and under
    `enterprise_id`): the scope queries of lists, counts, inboxes and notifications read these columns."""
    inst.region_path = region_path
    inst.enterprise_id = enterprise_id
    db.session.flush()
    db.session.connection().execute(
        update(_TASKS)
        .where(_TASKS.c.instance_id == inst.id, _TASKS.c.status == TaskStatus.READY)
        .values(region_path=region_path, enterprise_id=enterprise_id)
    )
    for task in _loaded_ready(inst):  # loaded rows show what the database now holds
        set_committed_value(task, "region_path", region_path)
        set_committed_value(task, "enterprise_id", enterprise_id)


def direct(task: HumanTask, user: Any) -> HumanTask:
    """Put a READY task on `user` by name (its claim dropped): the domain's rule, not a supervisor's
    reassignment (workflow.reassign), decides who works on it."""
    db.session.flush()
    task = fresh_task(task.id)
    if task.status != TaskStatus.READY:
        raise Conflict(not_ready_message(task))
    if task.assignee_id != user.id or task.claimed_by_id is not None:
        task.assignee_id, task.claimed_by_id = user.id, None
        db.session.flush()
    return task


def redate(inst: WorkflowInstance, bpmn_ids: Iterable[str], due_at: datetime | None) -> None:
    """The READY tasks `bpmn_ids` of the instance are due at `due_at` from now on."""
    ids = list(bpmn_ids)
    db.session.flush()
    db.session.connection().execute(
        update(_TASKS)
        .where(
            _TASKS.c.instance_id == inst.id,
            _TASKS.c.status == TaskStatus.READY,
            _TASKS.c.bpmn_id.in_(ids),
            _TASKS.c.due_at.is_distinct_from(due_at),
        )
        .values(due_at=due_at)
    )
    for task in _loaded_ready(inst):
        if task.bpmn_id in ids:
            set_committed_value(task, "due_at", due_at)


def _loaded_ready(inst: WorkflowInstance) -> list[HumanTask]:
    return [
        t
        for t in db.session.identity_map.values()
        if isinstance(t, HumanTask) and t.instance_id == inst.id and t.status == TaskStatus.READY
    ]
