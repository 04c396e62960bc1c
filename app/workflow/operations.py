"""The operations that move a workflow instance (docs/interfaces.md): start it, complete one of its user
tasks, cancel it. They flush, never commit. (Queries are in app.workflow.queries, claims in
app.workflow.claims, the timer worker in app.workflow.ticks.)

One writer per instance, and every stored state bumps `version`. Cancel, timers and repairs start with
the instance lock (app.workflow.locking) and read the state under it. A user-task step is optimistic: it
runs on the state read with the task and stores it with `UPDATE ... WHERE version = <read version>` (the
same row lock, taken before the task row); only if that finds the instance changed does it take the lock
and run again. A step that runs a service handler goes straight to the lock: the handler runs once, and
only in a step that is kept. Completing a task is a conditional UPDATE (still READY, not claimed by
another); the loser of a race gets Conflict (409) naming who did it and when.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app import clock
from app.errors import Conflict, InvalidState
from app.extensions import db
from app.workflow import codec, definitions, locking
from app.workflow.handlers import SpeculativeRun, running, speculative
from app.workflow.models import HumanTask, InstanceStatus, WorkflowInstance
from app.workflow.parsing import ParsedDefinition
from app.workflow.projection import Snapshot, save, store_state, write_changes
from app.workflow.queries import subject_key
from app.workflow.tree import advance, find_task, new_workflow
from app.workflow.versions import deploy, parsed_for

__all__ = ["cancel", "complete_task", "start"]


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
    definition = deploy(parsed)
    now = clock.now()
    subject_type, subject_id = subject_key(subject)
    inst = WorkflowInstance(
        process_id=process_id,
        definition_id=definition.id,
        spec_hash=parsed.spec_hash,
        serializer_version=codec.SERIALIZER_VERSION,
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
    nothing = Snapshot(frozenset(), {})
    try:  # first without a row: the instance is INSERTed once, with its state (no UPDATE after it)
        with running(inst, now, actor), speculative():
            workflow = new_workflow(parsed, dict(data or {}))
            advance(workflow)
    except SpeculativeRun:  # a service handler runs at the start: it may want the instance's row
        db.session.flush()
        with running(inst, now, actor):
            workflow = new_workflow(parsed, dict(data or {}))
            advance(workflow)
            save(inst, workflow, parsed, now, before=nothing)
        return inst
    inst.state = codec.dumps(workflow)
    if workflow.is_completed():
        inst.status, inst.completed_at = InstanceStatus.COMPLETED, now
    db.session.flush()
    with running(inst, now, actor):
        write_changes(inst, workflow, parsed, now, nothing)
    return inst


def complete_task(task: HumanTask, data: dict, *, actor: Any) -> HumanTask:
    """Complete a READY user task with already-validated form data; advance the workflow.

    Raises Conflict (409) if somebody completed it first (message names who and when).
    """
    if actor is None:
        raise ValueError("complete_task needs an actor")
    data = dict(data or {})
    now = clock.now()
    # No flush here: the step's own statements touch only the instance and its projection rows, so the
    # caller's pending changes (the subject's new dates, say) go out at its next flush together with the
    # status the step gives it: one UPDATE of the subject, not two. The lock path flushes before it
    # refreshes the instance (lock_instance), so a pending change to the instance (a new title) is kept.
    inst = task.instance
    parsed = parsed_for(inst)
    with running(inst, now, actor):
        # Optimistic first: run the step on the state as read and store it only if nobody has stored
        # another since (one statement; it takes the instance row lock, before the task row as
        # `lock_instance` does). Then mark the task completed (a lost race for the same task fails there,
        # naming who) and write the projections. A step that would run a service handler is not tried
        # this way: the attempt may be thrown away, the handler's effects would not.
        read_version = inst.version
        step: tuple[BpmnWorkflow, Snapshot] | None
        try:
            with speculative():
                step = _run_user_task(inst, parsed, task, data)
        except SpeculativeRun:
            step = None
        if step is not None:
            workflow, before = step
            if store_state(inst, workflow, now, read_version=read_version):
                locking.take(task, actor, data, now)
                write_changes(inst, workflow, parsed, now, before)
                return task
        # The instance changed since it was read (another step, a timer), the task was not READY in that
        # state, or a handler runs next: take the lock, then the task, and run the step under the lock.
        inst = locking.lock_instance(task.instance_id)
        locking.take(task, actor, data, now)
        step = _run_user_task(inst, parsed, task, data)
        if step is None:
            save(inst, codec.loads(inst.state, parsed), parsed, now)  # repair the projection
            raise Conflict("该任务已不在待办状态（流程已变化），无需重复提交")
        workflow, before = step
        save(inst, workflow, parsed, now, before=before)
    return task


def _run_user_task(
    inst: WorkflowInstance, parsed: ParsedDefinition, task: HumanTask, data: dict
) -> tuple[BpmnWorkflow, Snapshot] | None:
    """Restore the instance, complete the READY user task with `data` and run the engine on: (workflow,
    snapshot before the step, less the task itself), or None if the task is not READY in this state."""
    workflow = codec.loads(inst.state, parsed)
    spiff_task = find_task(workflow, task.task_guid)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        return None
    before = Snapshot.of(workflow)
    spiff_task.data.update(data)
    spiff_task.run()
    advance(workflow)
    return workflow, before.without(task.task_guid)


def cancel(inst: WorkflowInstance, *, actor: Any, reason: str | None = None) -> None:
    """Cancel a running instance: its READY tasks and waiting timers are cancelled (domain audits)."""
    inst = locking.lock_instance(inst.id)
    if inst.status != InstanceStatus.RUNNING:
        raise InvalidState("流程已结束，无法撤销")
    now = clock.now()
    parsed = parsed_for(inst)
    with running(inst, now, actor):
        workflow = codec.loads(inst.state, parsed)
        workflow.cancel()
        save(inst, workflow, parsed, now)
    inst.status, inst.completed_at = InstanceStatus.CANCELLED, now
    db.session.flush()
