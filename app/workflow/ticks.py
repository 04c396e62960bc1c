"""Timers as rows: the worker fires due BPMN timers. `tick` (the `flask workflow tick` / `worker` entry
point) takes each running instance with a Timer row due by `now`, fires its timers under the instance
lock, and commits once per instance; `fire_due_timers` is the same for one instance, for callers that
commit themselves (the demo seed). Safe to run concurrently and twice: nothing fires twice.

`Ticker` runs `tick` every N seconds, in the foreground (`flask workflow worker`) or in a background
thread of the web process (`flask demo-serve`, so that `make demo` shows reminders and overdue marks
without a second command), and says in Chinese what each tick fired. Any number of tickers, in any
number of processes, may run side by side: they share `tick`'s locking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, func, select

from app import audit, clock
from app.extensions import db
from app.periodic import Periodic, run_due_sweeps
from app.workflow import codec, locking
from app.workflow.handlers import running
from app.workflow.locking import is_postgres
from app.workflow.models import InstanceStatus, Timer, TimerStatus, WorkflowInstance
from app.workflow.projection import save
from app.workflow.timers import timer_due
from app.workflow.tree import find_task, fire_timers
from app.workflow.versions import parsed_for

__all__ = ["Ticker", "due_instance_ids", "fire_due_timers", "tick"]

log = logging.getLogger(__name__)


def _due_instances(now: datetime) -> Select[tuple[int]]:
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
    if is_postgres():
        stmt = stmt.with_for_update(of=WorkflowInstance, skip_locked=True)
    return db.session.scalar(stmt)


def _record_timer_fired(inst: WorkflowInstance, row: Timer) -> None:
    audit.record(
        None,
        "workflow.timer_fired",
        inst,
        summary=f"“{inst.title}”的定时事件“{row.name or row.bpmn_id}”到期（{clock.fmt_due(row.due_at)}）",
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
    inst = locking.lock_instance(instance_id)
    due_rows = db.session.scalars(
        select(Timer)
        .where(Timer.instance_id == instance_id, Timer.status == TimerStatus.WAITING, Timer.due_at <= now)
        .execution_options(populate_existing=True)
    ).all()
    if not due_rows or inst.status != InstanceStatus.RUNNING:
        return 0
    parsed = parsed_for(inst)
    with running(inst, now):
        workflow = codec.loads(inst.state, parsed)
        fire_timers(workflow)
        fired: list[Timer] = []
        for row in due_rows:  # a cycle timer fires and keeps waiting with a later due time
            spiff_task = find_task(workflow, row.task_guid)
            if spiff_task is not None and spiff_task.state == TaskState.WAITING:
                next_due = timer_due(spiff_task)
                if next_due is not None and next_due > row.due_at:
                    row.status, row.fired_at = TimerStatus.FIRED, now
                    fired.append(row)
        db.session.flush()
        fired += save(inst, workflow, parsed, now)
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


class Ticker(Periodic):
    """`tick` every `interval` seconds until stopped: `run()` in the calling thread, or `start()` in a
    daemon thread (stop it with `stop()`). Each pass runs in its own app context and session, commits per
    instance (as `tick` does), and reports what fired through `say`, in Chinese:
    "定时任务：已触发 3 个到期定时事件（期限前提醒 2 个、整改逾期 1 个）". A failing pass is rolled back,
    logged, and retried on the next one."""

    thread_name = "safeloop-ticker"
    failure_message = "定时任务执行失败，将在下次检查时重试"

    def __init__(
        self, app, interval: float = 30.0, *, limit: int = 500, say: Callable[[str], object] | None = None
    ):
        super().__init__(app, interval, say=say)
        self.limit = limit

    def work(self) -> int:
        """One pass: fire what is due now. Returns the number of timers fired."""
        now = clock.now()
        fired = tick(now, limit=self.limit)
        if fired:
            self.say(f"定时任务：已触发 {fired} 个到期定时事件{_fired_words(now)}")
        run_due_sweeps(self.say)  # the domains' periodic passes (app.periodic.register_sweep)
        return fired


def _fired_words(now: datetime) -> str:
    """ "（期限前提醒 2 个、整改逾期 1 个）": the timers fired at `now`, by the BPMN names of their events."""
    rows = db.session.execute(
        select(Timer.name, Timer.bpmn_id, func.count())
        .where(Timer.status == TimerStatus.FIRED, Timer.fired_at == now)
        .group_by(Timer.name, Timer.bpmn_id)
        .order_by(Timer.name, Timer.bpmn_id)
    ).all()
    counts: dict[str, int] = {}
    for name, bpmn_id, n in rows:
        label = name or bpmn_id
        counts[label] = counts.get(label, 0) + n
    return f"（{'、'.join(f'{label} {n} 个' for label, n in counts.items())}）" if counts else ""
