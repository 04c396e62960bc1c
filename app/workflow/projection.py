"""The projections the rest of the system queries instead of deserializing workflows: a HumanTask row per
READY user task (the inbox), a Timer row per waiting timer event (the worker), and the stored state itself.

Every save writes only the projection's difference (`write_changes`) between a `Snapshot` and the
workflow after: a user-task step diffs against the workflow as restored; start against nothing; cancel,
timers and repairs against what the projection rows say (`Snapshot.stored`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.roles import Role
from app.extensions import db
from app.workflow import codec
from app.workflow.changes import changed, has_rules
from app.workflow.handlers import current_actor
from app.workflow.models import HumanTask, InstanceStatus, TaskStatus, Timer, TimerStatus, WorkflowInstance
from app.workflow.parsing import ParsedDefinition
from app.workflow.timers import resolve_time_date, timer_fired, waiting_timers, waiting_timers_due
from app.workflow.tree import find_task, ready_user_tasks

__all__ = ["Snapshot", "save", "store_state", "write_changes"]

_INSTANCES = cast(Table, WorkflowInstance.__table__)  # typed as any FROM clause; ours are tables
_TASKS = cast(Table, HumanTask.__table__)
_TIMERS = cast(Table, Timer.__table__)



def _evaluate_property(task: Task, expression: str | None) -> Any:
    if not expression:
        return None
    return task.workflow.script_engine.evaluate(task, expression)


def _human_task_values(inst: WorkflowInstance, task: Task, parsed: ParsedDefinition, now: datetime) -> dict:
    spec = task.task_spec
    meta = parsed.user_tasks.get(spec.bpmn_id)
    due = _evaluate_property(task, meta.due_expr if meta else None)
    assignee = _evaluate_property(task, meta.assignee_expr if meta else None)
    return dict(
        instance_id=inst.id,
        task_guid=str(task.id),
        bpmn_id=spec.bpmn_id,
        name=(meta.name if meta else None) or spec.bpmn_name or spec.bpmn_id,
        lane=(meta.lane_name or meta.lane_id) if meta else spec.lane,
        candidate_role=(meta.role if meta else None) or Role.ADMIN.value,
        region_path=inst.region_path,
        enterprise_id=inst.enterprise_id,
        subject_type=inst.subject_type,
        subject_id=inst.subject_id,
        title=inst.title,
        form_name=meta.form_name if meta else None,
        assignee_id=int(assignee) if assignee not in (None, "") else None,
        due_at=resolve_time_date(due) if due not in (None, "") else None,
        status=TaskStatus.READY,
        created_at=now,
    )


def _timer_values(inst: WorkflowInstance, guid: str, task: Task, due: datetime, now: datetime) -> dict:
    spec = task.task_spec
    return dict(
        instance_id=inst.id,
        task_guid=guid,
        bpmn_id=spec.bpmn_id,
        name=spec.bpmn_name,
        due_at=due,
        status=TimerStatus.WAITING,
        created_at=now,
    )


_SAVE_STATE = (
    update(_INSTANCES)
    .where(_INSTANCES.c.id == bindparam("instance_id"))
    .values({c: bindparam(c.key, type_=c.type) for c in (
        _INSTANCES.c.state, _INSTANCES.c.serializer_version, _INSTANCES.c.updated_at, _INSTANCES.c.status,
        _INSTANCES.c.completed_at, _INSTANCES.c.title)})
)
# The same, only if the stored instance is still at the version its state was read at; bumps the version.
_SAVE_STATE_IF_UNCHANGED = _SAVE_STATE.where(_INSTANCES.c.version == bindparam("read_version")).values(
    version=_INSTANCES.c.version + 1
)


def save(
    inst: WorkflowInstance,
    workflow: BpmnWorkflow,
    parsed: ParsedDefinition,
    now: datetime,
    *,
    before: Snapshot | None = None,
) -> list[Timer]:
    """Store the state (under the instance lock) and bring the HumanTask/Timer projections in line with
    it; returns the Timer rows whose timer fired. Only the difference from `before` is written: the
    restored workflow's snapshot on a user-task step, or by default what the projection rows say (which
    also repairs them)."""
    store_state(inst, workflow, now)
    return write_changes(inst, workflow, parsed, now, before if before is not None else Snapshot.stored(inst))


def store_state(
    inst: WorkflowInstance, workflow: BpmnWorkflow, now: datetime, *, read_version: int | None = None
) -> bool:
    """Write the workflow's state to the instance row. With `read_version` (the state was read without
    the lock): only if the instance is still at that version, bumping it; False, nothing written, if not."""
    values = {"state": codec.dumps(workflow), "serializer_version": codec.SERIALIZER_VERSION, "updated_at": now}
    if workflow.is_completed():
        values.update(status=InstanceStatus.COMPLETED, completed_at=now)
    values.setdefault("status", inst.status)
    values.setdefault("completed_at", inst.completed_at)
    values["title"] = inst.title  # a title the step's verb gave the instance goes out here, not in an UPDATE of its own
    if read_version is None:
        db.session.connection().execute(_SAVE_STATE, {"instance_id": inst.id, **values})
    else:
        params = {"instance_id": inst.id, "read_version": read_version, **values}
        if db.session.connection().execute(_SAVE_STATE_IF_UNCHANGED, params).rowcount != 1:
            return False
        values["version"] = read_version + 1
    for key, value in values.items():
        set_committed_value(inst, key, value)
    return True


@dataclass(frozen=True)
class Snapshot:
    """READY user tasks and waiting timers (guid -> due): of a workflow as restored, or as stored."""

    ready: frozenset[str]
    timers: dict[str, datetime]

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> Snapshot:
        return cls(
            frozenset(str(t.id) for t in ready_user_tasks(workflow)), waiting_timers_due(workflow)
        )

    @classmethod
    def stored(cls, inst: WorkflowInstance) -> Snapshot:
        """What the instance's projection rows say: its READY tasks and WAITING timers."""
        ready = db.session.scalars(
            select(HumanTask.task_guid).where(HumanTask.instance_id == inst.id, HumanTask.status == TaskStatus.READY)
        ).all()
        timers = db.session.execute(
            select(Timer.task_guid, Timer.due_at).where(Timer.instance_id == inst.id,
                                                       Timer.status == TimerStatus.WAITING)
        ).tuples().all()
        return cls(frozenset(ready), dict(timers))

    def without(self, guid: str) -> Snapshot:
        """The snapshot less a task whose row the caller updates itself."""
        return Snapshot(self.ready - {guid}, self.timers)


_INSERT_TASK = _TASKS.insert()
_INSERT_TIMER = _TIMERS.insert()
# Built once, as Core statements: a step moves a few projection rows (the completed task's boundary
# timers, say), and an ORM `update()` per row would build, compile and evaluate each time (it was the
# largest cost of a step after the engine). `_keep_loaded` does what the ORM's synchronize_session did.
_TASKS_LEFT = (
    update(_TASKS)
    .where(_TASKS.c.instance_id == bindparam("inst_id"), _TASKS.c.status == TaskStatus.READY,
           _TASKS.c.task_guid.in_(bindparam("guids", expanding=True)))
    .values(status=bindparam("new_status", type_=_TASKS.c.status.type))
)
_TASKS_COMPLETED = _TASKS_LEFT.values(completed_at=bindparam("now", type_=_TASKS.c.completed_at.type))
_WAITING_TIMER = (_TIMERS.c.instance_id == bindparam("inst_id"), _TIMERS.c.status == TimerStatus.WAITING)
_TIMERS_CANCELLED = (
    update(_TIMERS)
    .where(*_WAITING_TIMER, _TIMERS.c.task_guid.in_(bindparam("guids", expanding=True)))
    .values(status=TimerStatus.CANCELLED)
)
_TIMER_MOVED = (
    update(_TIMERS)
    .where(*_WAITING_TIMER, _TIMERS.c.task_guid == bindparam("guid"))
    .values(due_at=bindparam("due", type_=_TIMERS.c.due_at.type))
)


def _keep_loaded(model: type[HumanTask] | type[Timer], instance_id: int, guids: set[str], **values: Any) -> None:
    """Bring rows of `model` already loaded in the session (READY tasks / WAITING timers of the instance
    among `guids`) in line with a Core UPDATE just run, as the ORM's synchronize_session would."""
    waiting = TaskStatus.READY if model is HumanTask else TimerStatus.WAITING
    for obj in list(db.session.identity_map.values()):
        if (type(obj) is model and obj.instance_id == instance_id and obj.task_guid in guids
                and obj.status == waiting):
            for key, value in values.items():
                set_committed_value(obj, key, value)


def write_changes(
    inst: WorkflowInstance, workflow: BpmnWorkflow, parsed: ParsedDefinition, now: datetime, before: Snapshot
) -> list[Timer]:
    """The projection rows of the difference between `before` and the workflow now, written as
    statements rather than ORM objects (a step typically inserts a task and its timers: the unit of work
    would triple its cost). User tasks that left READY (other than one the caller completed and updates
    itself) become completed or cancelled, new READY tasks get rows; likewise for waiting timers, and
    the rows of fired timers are returned. Rows already loaded in the session are kept in step."""
    connection = db.session.connection()
    ready = {str(t.id): t for t in ready_user_tasks(workflow)}
    left: dict[TaskStatus, list[str]] = {TaskStatus.COMPLETED: [], TaskStatus.CANCELLED: []}
    for guid in before.ready - ready.keys():
        spiff_task = find_task(workflow, guid)
        done = spiff_task is not None and spiff_task.state == TaskState.COMPLETED
        left[TaskStatus.COMPLETED if done else TaskStatus.CANCELLED].append(guid)
    for status, guids in left.items():
        if guids:
            completed = status == TaskStatus.COMPLETED
            connection.execute(_TASKS_COMPLETED if completed else _TASKS_LEFT,
                               {"inst_id": inst.id, "guids": guids, "new_status": status, "now": now})
            _keep_loaded(HumanTask, inst.id, set(guids), status=status, **({"completed_at": now} if completed else {}))
    added = [_human_task_values(inst, task, parsed, now) for guid, task in ready.items() if guid not in before.ready]
    if added:
        connection.execute(_INSERT_TASK, added)

    waiting = waiting_timers(workflow)
    fired: list[Timer] = []
    cancelled: list[str] = []
    for guid, due in before.timers.items():
        if guid in waiting:
            if waiting[guid][1] != due:
                connection.execute(_TIMER_MOVED, {"inst_id": inst.id, "guid": guid, "due": waiting[guid][1]})
                _keep_loaded(Timer, inst.id, {guid}, due_at=waiting[guid][1])
            continue
        spiff_task = find_task(workflow, guid)
        if spiff_task is not None and timer_fired(spiff_task):
            mine = (Timer.instance_id == inst.id, Timer.status == TimerStatus.WAITING)
            fired += db.session.scalars(
                update(Timer).where(*mine, Timer.task_guid == guid)
                .values(status=TimerStatus.FIRED, fired_at=now).returning(Timer)
            ).all()
        else:
            cancelled.append(guid)
    if cancelled:
        connection.execute(_TIMERS_CANCELLED, {"inst_id": inst.id, "guids": cancelled})
        _keep_loaded(Timer, inst.id, set(cancelled), status=TimerStatus.CANCELLED)
    added = [_timer_values(inst, g, t, due, now) for g, (t, due) in waiting.items() if g not in before.timers]
    if added:
        connection.execute(_INSERT_TIMER, added)
    if has_rules(inst.process_id) and workflow.success:  # a cancelled workflow (success False) is its domain's verb's
        changed(inst, frozenset(t.task_spec.bpmn_id for t in ready.values()), workflow.is_completed(), current_actor())
    return fired
