"""One writer per instance, and one completion per task.

`lock_instance` is `UPDATE ... SET version = version + 1 ... RETURNING`: the instance row lock on
PostgreSQL, the database write lock on SQLite; timers, cancel and repairs start with it and read the
state under it (a user-task step tries without it first, see app.workflow.operations). `take` marks a
task completed by a conditional UPDATE (still READY, not claimed by another); the loser of a race gets
Conflict (409) naming who did it and when (`lost_race`, `not_ready_message`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Boolean, Table, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.errors import Conflict
from app.extensions import db
from app.workflow.models import HumanTask, TaskStatus, WorkflowInstance

__all__ = [
    "SUPERVISING_ROLES",
    "fmt_local",
    "fresh_task",
    "is_postgres",
    "lock_instance",
    "lost_race",
    "not_ready_message",
    "take",
    "user_name",
]

SUPERVISING_ROLES = (Role.SECTION_HEAD, Role.ADMIN)


def is_postgres() -> bool:
    """PostgreSQL (row locks, SKIP LOCKED) rather than SQLite (one database write lock)."""
    return db.session.get_bind().dialect.name == "postgresql"


# --- the instance lock ---------------------------------------------------------------------------------

_INSTANCES = cast(Table, WorkflowInstance.__table__)  # typed as any FROM clause; ours are tables
_LOCK = (
    update(_INSTANCES)
    .where(_INSTANCES.c.id == bindparam("instance_id"))
    .values(version=_INSTANCES.c.version + 1)
    .returning(*_INSTANCES.c)
)
_LOCK_ENTITY = select(WorkflowInstance).from_statement(_LOCK).execution_options(populate_existing=True)


def lock_instance(instance_id: int) -> WorkflowInstance:
    """Lock the instance row and bump its version; returns the instance as it is under the lock.

    One statement, `UPDATE ... SET version = version + 1 ... RETURNING *`: on PostgreSQL it takes the row
    lock (a concurrent step waits here, then sees this step's committed state); on SQLite it takes the
    database write lock (busy_timeout queues the other writer). The returned row is the session's instance
    object, refreshed (or loaded, if it was not: no second read of the row)."""
    db.session.flush()  # the caller's pending changes (e.g. a new instance title) go first, not lost
    return db.session.scalars(_LOCK_ENTITY, {"instance_id": instance_id}).one()


# --- taking a task -------------------------------------------------------------------------------------

_TASKS = cast(Table, HumanTask.__table__)
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


def take(task: HumanTask, actor: Any, data: dict, now: datetime) -> None:
    """Mark the task completed by `actor`, if it is still READY and not claimed by somebody else (a
    section head or admin may complete a claimed task). Call under the instance lock. The conditional
    UPDATE is the check: the loser of a race gets Conflict naming who did it and when."""
    data = jsonable(data)
    params = {"task_id": task.id, "actor_id": actor.id, "may_override": actor.has_role(*SUPERVISING_ROLES),
              "now": now, "data": data}
    if db.session.connection().execute(_TAKE, params).rowcount != 1:
        raise lost_race(task, "认领办理")
    values = {"status": TaskStatus.COMPLETED, "completed_at": now, "completed_by_id": actor.id, "data": data}
    for key, value in values.items():
        set_committed_value(task, key, value)


def fresh_task(task_id: int) -> HumanTask:
    return db.session.scalars(
        select(HumanTask).where(HumanTask.id == task_id).execution_options(populate_existing=True)
    ).one()


# --- who won ------------------------------------------------------------------------------------------


def fmt_local(value: datetime | None) -> str:
    return value.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def user_name(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user.name if user is not None else None


def not_ready_message(task: HumanTask) -> str:
    if task.status == TaskStatus.COMPLETED:
        who = user_name(task.completed_by_id) or "系统"
        return f"该任务已由{who}于{fmt_local(task.completed_at)}办理，无需重复提交"
    return "该任务已取消（流程已变化），无需办理"


def lost_race(task: HumanTask, claimed: str) -> Conflict:
    """Why a conditional UPDATE of a READY task changed no row: done meanwhile, or claimed by another."""
    task = fresh_task(task.id)
    if task.status != TaskStatus.READY:
        return Conflict(not_ready_message(task))
    return Conflict(f"该任务已由{user_name(task.claimed_by_id)}{claimed}")
