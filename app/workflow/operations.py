"""The workflow operations other packages call (docs/interfaces.md). They flush, never commit — except
`tick`, the worker entry point, which commits once per instance.

One writer per instance, and every stored state bumps `version`. Timers, cancel and repairs start with
`_lock` (`UPDATE ... SET version = version + 1 ... RETURNING`: the instance row lock on PostgreSQL, the
database write lock on SQLite) and read the state under it. A user-task step is optimistic: it runs on
the state read with the task and stores it with `UPDATE ... WHERE version = <read version>` (the same
row lock, taken before the task row); only if that finds the instance changed does it `_lock` and run
again. A step that runs a service handler goes straight to the lock: the handler runs once, and only
in a step that is kept. Completing a task is a conditional UPDATE (still READY, not claimed by another); the loser of a
race gets Conflict (409) naming who did it and when.

Every save writes only the projection's difference (`_write_changes`) between a `_Snapshot` and the
workflow after: a user-task step diffs against the workflow as restored; start against nothing; cancel,
timers and repairs against what the projection rows say.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from app import clock, subjects
from app.auth.roles import Role
from app.errors import Conflict, InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.workflow import definitions, engine
from app.workflow.models import (
    HumanTask,
    InstanceStatus,
    TaskStatus,
    Timer,
    TimerStatus,
    WorkflowDefinition,
    WorkflowInstance,
)

log = logging.getLogger(__name__)

SUPERVISING_ROLES = (Role.SECTION_HEAD, Role.ADMIN)


# --- helpers ---------------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def subject_key(obj: Any) -> tuple[str | None, int | None]:
    """(subject type, id) of a business object, the same reference as audit, attachments and documents
    (app.subjects: the table name); (None, None) for no object."""
    if obj is None:
        return None, None
    return subjects.ref(obj)


def jsonable(value: Any) -> Any:
    """Task data as stored in HumanTask.data (JSON column)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fmt_local(value: datetime | None) -> str:
    return value.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _user_name(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    from app.auth.models import User

    user = db.session.get(User, user_id)
    return user.name if user is not None else None


def not_ready_message(task: HumanTask) -> str:
    if task.status == TaskStatus.COMPLETED:
        who = _user_name(task.completed_by_id) or "系统"
        return f"该任务已由{who}于{_fmt_local(task.completed_at)}办理，无需重复提交"
    return "该任务已取消（流程已变化），无需办理"


def _parsed_for(inst: WorkflowInstance) -> engine.ParsedDefinition:
    parsed = engine.cached_definition(inst.spec_hash)
    if parsed is None:  # an older version, not in this process' cache yet: parse the stored BPMN
        parsed = engine.get_parsed(db.session.get(WorkflowDefinition, inst.definition_id))
    return parsed


def _deploy(parsed: engine.ParsedDefinition) -> WorkflowDefinition:
    """The definition row of this BPMN version, inserted on first use (safe under concurrency)."""
    stmt = select(WorkflowDefinition).where(
        WorkflowDefinition.process_id == parsed.process_id, WorkflowDefinition.spec_hash == parsed.spec_hash
    )
    row = db.session.scalars(stmt).first()
    if row is not None:
        return row
    values = dict(
        process_id=parsed.process_id,
        name=parsed.name,
        spec_hash=parsed.spec_hash,
        file_name=parsed.file_name,
        bpmn=parsed.bpmn.decode("utf-8"),
        deployed_at=clock.now(),
    )
    dialect = postgresql if _is_postgres() else sqlite
    insert = (
        dialect.insert(WorkflowDefinition)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["process_id", "spec_hash"])
    )
    db.session.execute(insert)
    return db.session.scalars(stmt).one()


_INSTANCES = WorkflowInstance.__table__
_LOCK = (
    update(_INSTANCES)
    .where(_INSTANCES.c.id == bindparam("instance_id"))
    .values(version=_INSTANCES.c.version + 1)
    .returning(*_INSTANCES.c)
)
_LOCK_ENTITY = select(WorkflowInstance).from_statement(_LOCK).execution_options(populate_existing=True)


def _lock(instance_id: int) -> WorkflowInstance:
    """Lock the instance row and bump its version; returns the instance as it is under the lock.

    One statement, `UPDATE ... SET version = version + 1 ... RETURNING *`: on PostgreSQL it takes the row
    lock (a concurrent step waits here, then sees this step's committed state); on SQLite it takes the
    database write lock (busy_timeout queues the other writer). The returned row is the session's instance
    object, refreshed (or loaded, if it was not: no second read of the row)."""
    db.session.flush()  # the caller's pending changes (e.g. a new instance title) go first, not lost
    return db.session.scalars(_LOCK_ENTITY, {"instance_id": instance_id}).one()


def _fresh_task(task_id: int) -> HumanTask:
    return db.session.scalars(
        select(HumanTask).where(HumanTask.id == task_id).execution_options(populate_existing=True)
    ).one()


_TASKS = HumanTask.__table__
# Built once: the step's hot statements skip clause construction and cache-key generation per call.
_TAKE = (
    update(_TASKS)
    .where(
        _TASKS.c.id == bindparam("task_id"),
        _TASKS.c.status == TaskStatus.READY,
        _TASKS.c.claimed_by_id.is_(None)
        | (_TASKS.c.claimed_by_id == bindparam("actor_id"))
        | bindparam("may_override", type_=Boolean()),
    )
    .values(
        status=TaskStatus.COMPLETED,
        completed_at=bindparam("now", type_=_TASKS.c.completed_at.type),
        completed_by_id=bindparam("actor_id"),
        data=bindparam("data", type_=_TASKS.c.data.type),
    )
)


def _lost_race(task: HumanTask, claimed: str) -> Conflict:
    """Why a conditional UPDATE of a READY task changed no row: done meanwhile, or claimed by another."""
    task = _fresh_task(task.id)
    if task.status != TaskStatus.READY:
        return Conflict(not_ready_message(task))
    return Conflict(f"该任务已由{_user_name(task.claimed_by_id)}{claimed}")


def _take(task: HumanTask, actor: Any, data: dict, now: datetime) -> None:
    """Mark the task completed by `actor`, if it is still READY and not claimed by somebody else (a
    section head or admin may complete a claimed task). Call under the instance lock. The conditional
    UPDATE is the check: the loser of a race gets Conflict naming who did it and when."""
    data = jsonable(data)
    params = {"task_id": task.id, "actor_id": actor.id, "may_override": actor.has_role(*SUPERVISING_ROLES),
              "now": now, "data": data}
    if db.session.connection().execute(_TAKE, params).rowcount != 1:
        raise _lost_race(task, "认领办理")
    values = {"status": TaskStatus.COMPLETED, "completed_at": now, "completed_by_id": actor.id, "data": data}
    for key, value in values.items():
        set_committed_value(task, key, value)


def _restore(inst: WorkflowInstance, parsed: engine.ParsedDefinition):
    return engine.loads(inst.state, parsed)


# --- projections -----------------------------------------------------------------------------------


def _evaluate_property(task, expression: str | None):
    if not expression:
        return None
    return task.workflow.script_engine.evaluate(task, expression)


def _human_task_values(inst: WorkflowInstance, task, parsed: engine.ParsedDefinition, now: datetime) -> dict:
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
        due_at=engine.resolve_time_date(due) if due not in (None, "") else None,
        status=TaskStatus.READY,
        created_at=now,
    )


def _timer_values(inst: WorkflowInstance, guid: str, task, due: datetime, now: datetime) -> dict:
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
        _INSTANCES.c.completed_at)})
)
# The same, only if the stored instance is still at the version its state was read at; bumps the version.
_SAVE_STATE_IF_UNCHANGED = _SAVE_STATE.where(_INSTANCES.c.version == bindparam("read_version")).values(
    version=_INSTANCES.c.version + 1
)


def _save(
    inst: WorkflowInstance,
    workflow,
    parsed: engine.ParsedDefinition,
    now: datetime,
    *,
    before: _Snapshot | None = None,
) -> list[Timer]:
    """Store the state (under the instance lock) and bring the HumanTask/Timer projections in line with
    it; returns the Timer rows whose timer fired. Only the difference from `before` is written: the
    restored workflow's snapshot on a user-task step, or by default what the projection rows say (which
    also repairs them)."""
    _store_state(inst, workflow, now)
    return _write_changes(inst, workflow, parsed, now, before if before is not None else _Snapshot.stored(inst))


def _store_state(inst: WorkflowInstance, workflow, now: datetime, *, read_version: int | None = None) -> bool:
    """Write the workflow's state to the instance row. With `read_version` (the state was read without
    the lock): only if the instance is still at that version, bumping it; False, nothing written, if not."""
    values = {"state": engine.dumps(workflow), "serializer_version": engine.SERIALIZER_VERSION, "updated_at": now}
    if workflow.is_completed():
        values.update(status=InstanceStatus.COMPLETED, completed_at=now)
    values.setdefault("status", inst.status)
    values.setdefault("completed_at", inst.completed_at)
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
class _Snapshot:
    """READY user tasks and waiting timers (guid -> due): of a workflow as restored, or as stored."""

    ready: frozenset[str]
    timers: dict[str, datetime]

    @classmethod
    def of(cls, workflow) -> _Snapshot:
        return cls(
            frozenset(str(t.id) for t in engine.ready_user_tasks(workflow)), engine.waiting_timers_due(workflow)
        )

    @classmethod
    def stored(cls, inst: WorkflowInstance) -> _Snapshot:
        """What the instance's projection rows say: its READY tasks and WAITING timers."""
        ready = db.session.scalars(
            select(HumanTask.task_guid).where(HumanTask.instance_id == inst.id, HumanTask.status == TaskStatus.READY)
        ).all()
        timers = db.session.execute(
            select(Timer.task_guid, Timer.due_at).where(Timer.instance_id == inst.id,
                                                       Timer.status == TimerStatus.WAITING)
        ).all()
        return cls(frozenset(ready), dict(timers))

    def without(self, guid: str) -> _Snapshot:
        """The snapshot less a task whose row the caller updates itself."""
        return _Snapshot(self.ready - {guid}, self.timers)


_INSERT_TASK = _TASKS.insert()
_INSERT_TIMER = Timer.__table__.insert()


def _write_changes(
    inst: WorkflowInstance, workflow, parsed: engine.ParsedDefinition, now: datetime, before: _Snapshot
) -> list[Timer]:
    """The projection rows of the difference between `before` and the workflow now, written as
    statements rather than ORM objects (a step typically inserts a task and its timers: the unit of work
    would triple its cost). User tasks that left READY (other than one the caller completed and updates
    itself) become completed or cancelled, new READY tasks get rows; likewise for waiting timers, and
    the rows of fired timers are returned. UPDATEs go through the ORM entities so rows already loaded in
    the session are kept in step."""
    ready = {str(t.id): t for t in engine.ready_user_tasks(workflow)}
    left = {TaskStatus.COMPLETED: [], TaskStatus.CANCELLED: []}
    for guid in before.ready - ready.keys():
        spiff_task = engine.find_task(workflow, guid)
        done = spiff_task is not None and spiff_task.state == engine.TaskState.COMPLETED
        left[TaskStatus.COMPLETED if done else TaskStatus.CANCELLED].append(guid)
    for status, guids in left.items():
        if guids:
            db.session.execute(
                update(HumanTask)
                .where(HumanTask.instance_id == inst.id, HumanTask.status == TaskStatus.READY,
                       HumanTask.task_guid.in_(guids))
                .values(status=status, **({"completed_at": now} if status == TaskStatus.COMPLETED else {}))
            )
    added = [_human_task_values(inst, t, parsed, now) for guid, t in ready.items() if guid not in before.ready]
    if added:
        db.session.connection().execute(_INSERT_TASK, added)

    waiting = engine.waiting_timers(workflow)
    fired: list[Timer] = []
    for guid, due in before.timers.items():
        mine = (Timer.instance_id == inst.id, Timer.status == TimerStatus.WAITING)
        if guid in waiting:
            if waiting[guid][1] != due:
                db.session.execute(update(Timer).where(*mine, Timer.task_guid == guid)
                                   .values(due_at=waiting[guid][1]))
            continue
        spiff_task = engine.find_task(workflow, guid)
        if spiff_task is not None and engine.timer_fired(spiff_task):
            fired += db.session.scalars(
                update(Timer).where(*mine, Timer.task_guid == guid)
                .values(status=TimerStatus.FIRED, fired_at=now).returning(Timer)
            ).all()
        else:
            db.session.execute(update(Timer).where(*mine, Timer.task_guid == guid)
                               .values(status=TimerStatus.CANCELLED))
    added = [_timer_values(inst, g, t, due, now) for g, (t, due) in waiting.items() if g not in before.timers]
    if added:
        db.session.connection().execute(_INSERT_TIMER, added)
    return fired


# --- public API ------------------------------------------------------------------------------------


def start(
    process_id: str,
    *,
    subject: Any,
    title: str,
    region_path: str | None = None,
    enterprise_id: int | None = None,
    data: dict | None = None,
    actor: Any = None,
) -> WorkflowInstance:
    """Start the current version of `process_id` for `subject`; runs engine steps, projects tasks."""
    parsed = definitions.get_definition(process_id)
    definition = _deploy(parsed)
    now = clock.now()
    subject_type, subject_id = subject_key(subject)
    inst = WorkflowInstance(
        process_id=process_id,
        definition_id=definition.id,
        spec_hash=parsed.spec_hash,
        serializer_version=engine.SERIALIZER_VERSION,
        state="",
        version=1,
        status=InstanceStatus.RUNNING,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        region_path=region_path,
        enterprise_id=enterprise_id,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        updated_at=now,
    )
    db.session.add(inst)
    db.session.flush()
    with engine.running(inst, now):
        workflow = engine.new_workflow(parsed, dict(data or {}))
        engine.advance(workflow)
        _save(inst, workflow, parsed, now, before=_Snapshot(frozenset(), {}))
    return inst


def complete_task(
    task: HumanTask | WorkflowInstance, data: dict | str | None = None, /, *, actor: Any, **kwargs: Any
) -> HumanTask:
    """Complete a READY user task with already-validated form data; advance the workflow.

    `complete_task(task, data, actor=...)`, `complete_task(task, data=..., actor=...)`, and
    `complete_task(instance, "bpmn_id", data={...}, actor=...)` (the instance's READY task with that id).
    Raises Conflict (409) if somebody completed it first (message names who and when).
    """
    bpmn_id = data if isinstance(data, str) else kwargs.pop("bpmn_id", None)
    if isinstance(data, str) or data is None:
        data = kwargs.pop("data", None)
    if kwargs:
        raise TypeError(f"unexpected arguments: {', '.join(kwargs)}")
    if isinstance(task, WorkflowInstance):
        candidates = [t for t in ready_tasks(task) if bpmn_id is None or t.bpmn_id == bpmn_id]
        if not candidates:
            raise InvalidState(f"流程当前没有待办理的“{bpmn_id}”任务")
        task = candidates[0]
    if actor is None:
        raise ValueError("complete_task needs an actor")
    data = dict(data or {})
    now = clock.now()
    db.session.flush()  # the caller's pending changes (e.g. a handler's new title) go first, not lost
    inst = task.instance
    parsed = _parsed_for(inst)
    with engine.running(inst, now):
        # Optimistic first: run the step on the state as read and store it only if nobody has stored
        # another since (one statement; it takes the instance row lock, before the task row as `_lock`
        # does). Then mark the task completed (a lost race for the same task fails there, naming who)
        # and write the projections. A step that would run a service handler is not tried this way:
        # the attempt may be thrown away, the handler's effects would not.
        read_version = inst.version
        try:
            with engine.speculative():
                step = _run_user_task(inst, parsed, task, data)
        except engine.SpeculativeRun:
            step = None
        if step is not None:
            workflow, before = step
            if _store_state(inst, workflow, now, read_version=read_version):
                _take(task, actor, data, now)
                _write_changes(inst, workflow, parsed, now, before)
                return task
        # The instance changed since it was read (another step, a timer), the task was not READY in that
        # state, or a handler runs next: take the lock, then the task, and run the step under the lock.
        inst = _lock(task.instance_id)
        _take(task, actor, data, now)
        step = _run_user_task(inst, parsed, task, data)
        if step is None:
            _save(inst, _restore(inst, parsed), parsed, now)  # repair the projection
            raise Conflict("该任务已不在待办状态（流程已变化），无需重复提交")
        workflow, before = step
        _save(inst, workflow, parsed, now, before=before)
    return task


def _run_user_task(inst: WorkflowInstance, parsed: engine.ParsedDefinition, task: HumanTask, data: dict):
    """Restore the instance, complete the READY user task with `data` and run the engine on: (workflow,
    snapshot before the step, less the task itself), or None if the task is not READY in this state."""
    workflow = _restore(inst, parsed)
    spiff_task = engine.find_task(workflow, task.task_guid)
    if spiff_task is None or spiff_task.state != engine.TaskState.READY:
        return None
    before = _Snapshot.of(workflow)
    spiff_task.data.update(data)
    spiff_task.run()
    engine.advance(workflow)
    return workflow, before.without(task.task_guid)


def ready_tasks(inst: WorkflowInstance | None) -> list[HumanTask]:
    if inst is None:
        return []
    return list(
        db.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == inst.id, HumanTask.status == TaskStatus.READY)
            .order_by(HumanTask.id)
        )
    )


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


def cancel(inst: WorkflowInstance, *, actor: Any, reason: str | None = None) -> None:
    """Cancel a running instance: its READY tasks and waiting timers are cancelled (domain audits)."""
    inst = _lock(inst.id)
    if inst.status != InstanceStatus.RUNNING:
        raise InvalidState("流程已结束，无法撤销")
    now = clock.now()
    parsed = _parsed_for(inst)
    with engine.running(inst, now):
        workflow = _restore(inst, parsed)
        workflow.cancel()
        _save(inst, workflow, parsed, now)
    inst.status, inst.completed_at = InstanceStatus.CANCELLED, now
    db.session.flush()


# --- claim / release / reassign ---------------------------------------------------------------------


def _ready_for_change(task: HumanTask) -> HumanTask:
    db.session.flush()
    task = _fresh_task(task.id)
    if task.status != TaskStatus.READY:
        raise Conflict(not_ready_message(task))
    return task


def claim(task: HumanTask, actor: Any) -> HumanTask:
    """Take a role-pool task so colleagues no longer see it."""
    table = HumanTask.__table__
    task = _ready_for_change(task)
    if task.assignee_id not in (None, actor.id):
        raise PermissionDenied("该任务已指派给他人")
    if task.assignee_id is None and not actor.has_role(task.candidate_role):
        raise PermissionDenied("您不具备办理该任务的岗位角色")
    result = db.session.execute(
        update(table)
        .where(
            table.c.id == task.id,
            table.c.status == TaskStatus.READY,
            (table.c.claimed_by_id.is_(None)) | (table.c.claimed_by_id == actor.id),
        )
        .values(claimed_by_id=actor.id)
    )
    if result.rowcount != 1:
        raise _lost_race(task, "认领")
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


# --- timers -----------------------------------------------------------------------------------------


def _due_instances(now: datetime):
    """SELECT the ids of running instances with a waiting timer due by `now` (one row per due timer)."""
    return (
        select(WorkflowInstance.id)
        .join(Timer, Timer.instance_id == WorkflowInstance.id)
        .where(
            Timer.status == TimerStatus.WAITING,
            Timer.due_at <= now,
            WorkflowInstance.status == InstanceStatus.RUNNING,
        )
    )


def due_instance_ids(now: datetime) -> list[int]:
    """Running instances with a timer due by `now`, for callers that fire them in their own transaction."""
    return list(db.session.scalars(_due_instances(now).distinct().order_by(WorkflowInstance.id)))


def _next_due_instance(now: datetime, skip: set[int]) -> int | None:
    stmt = _due_instances(now).order_by(Timer.due_at, WorkflowInstance.id).limit(1)
    if skip:
        stmt = stmt.where(WorkflowInstance.id.notin_(skip))
    if _is_postgres():
        stmt = stmt.with_for_update(of=WorkflowInstance, skip_locked=True)
    return db.session.scalar(stmt)


def _record_timer_fired(inst: WorkflowInstance, row: Timer) -> None:
    try:
        from app import audit
    except ImportError:  # pragma: no cover - audit package not in this checkout
        return
    record = getattr(audit, "record", None)
    if record is None:  # pragma: no cover
        return
    record(
        None,
        "workflow.timer_fired",
        inst,
        summary=f"“{inst.title}”的定时事件“{row.name or row.bpmn_id}”到期（{_fmt_local(row.due_at)}）",
        data={
            "timer_id": row.id,
            "bpmn_id": row.bpmn_id,
            "due_at": row.due_at.isoformat(),
            "subject_type": inst.subject_type,
            "subject_id": inst.subject_id,
        },
    )


def fire_due_timers(instance_id: int, now: datetime) -> int:
    """Under the instance lock: fire the instance's due timers. Returns rows fired (0 if already done)."""
    inst = _lock(instance_id)
    due_rows = db.session.scalars(
        select(Timer)
        .where(Timer.instance_id == instance_id, Timer.status == TimerStatus.WAITING, Timer.due_at <= now)
        .execution_options(populate_existing=True)
    ).all()
    if not due_rows or inst.status != InstanceStatus.RUNNING:
        return 0
    parsed = _parsed_for(inst)
    with engine.running(inst, now):
        workflow = _restore(inst, parsed)
        engine.fire_timers(workflow)
        fired: list[Timer] = []
        for row in due_rows:  # a cycle timer fires and keeps waiting with a later due time
            spiff_task = engine.find_task(workflow, row.task_guid)
            if spiff_task is not None and spiff_task.state == engine.TaskState.WAITING:
                next_due = engine.timer_due(spiff_task)
                if next_due is not None and next_due > row.due_at:
                    row.status, row.fired_at = TimerStatus.FIRED, now
                    fired.append(row)
        db.session.flush()
        fired += _save(inst, workflow, parsed, now)
    for row in fired:
        _record_timer_fired(inst, row)
    db.session.flush()
    return len(fired)


def tick(now: datetime | None = None, *, limit: int = 500) -> int:
    """Fire every due timer (Timer.due_at <= now), committing once per instance. Returns timers fired.

    Safe to run concurrently and twice: instances are taken with FOR UPDATE SKIP LOCKED (PostgreSQL) or
    the version-bump write lock (SQLite), and due rows are re-read under the lock.
    """
    now = now or clock.now()
    fired = 0
    skip: set[int] = set()
    for _ in range(limit):
        instance_id = _next_due_instance(now, skip)
        if instance_id is None:
            db.session.rollback()
            break
        try:
            count = fire_due_timers(instance_id, now)
            if count:
                db.session.commit()
            else:
                db.session.rollback()
        except Exception:
            db.session.rollback()
            log.exception("workflow timer of instance %s failed; will retry on the next tick", instance_id)
            skip.add(instance_id)
            continue
        if count == 0:
            skip.add(instance_id)
        fired += count
    return fired
