"""Completing a task from the generic task page, the API or a domain page: the domain's user-task handler
(`@workflow.user_task`), or the generic step for a task its BPMN declares generic (every user task has one
or the other, checked at start-up). Either way: one workflow step, one audit event, in the caller's
transaction."""

from __future__ import annotations

from app import audit, workflow
from app.auth.models import User
from app.errors import PermissionDenied
from app.inbox import queries
from app.workflow.models import HumanTask

audit.register_action_labels({"task.completed": "办理任务", "task.claimed": "认领任务", "task.released": "退回认领",
                              "task.reassigned": "改派任务"})


def complete(task: HumanTask, data: dict, *, actor: User) -> None:
    if task.status == "ready" and not queries.can_act(actor, task):
        raise PermissionDenied(queries.cannot_act_message(actor, task))
    instance = task.instance
    handler = workflow.user_task_handler(instance.process_id, task.bpmn_id)
    if handler is not None:
        handler(task, data, actor=actor)
        return
    workflow.complete_task(task, data, actor=actor)
    audit.record(actor, "task.completed", instance, summary=f"{actor.name} 办理了“{task.name}”",
                 data={"task_id": task.id, "bpmn_id": task.bpmn_id, "form": data})


def claim(task: HumanTask, *, actor: User) -> None:
    """Claiming shares out the agency's work among colleagues of one post; an enterprise account has no
    such post, so it never claims (its tasks stay offered to every account of the enterprise)."""
    if queries.is_outsider(actor):
        raise PermissionDenied("企业账号无需认领任务，可直接办理")
    if not queries.can_act(actor, task):
        raise PermissionDenied(queries.refusal(actor, task) or "该任务不在您的待办范围内")
    workflow.claim(task, actor)
    audit.record(actor, "task.claimed", task.instance, summary=f"{actor.name} 认领了“{task.name}”",
                 data={"task_id": task.id})


def release(task: HumanTask, *, actor: User) -> None:
    workflow.release(task, actor)
    audit.record(actor, "task.released", task.instance, summary=f"{actor.name} 退回了“{task.name}”的认领",
                 data={"task_id": task.id})


def reassign(task: HumanTask, user: User, *, actor: User) -> None:
    before = task.assignee.name if task.assignee else None
    workflow.reassign(task, user, actor)
    audit.record(actor, "task.reassigned", task.instance, summary=f"{actor.name} 将“{task.name}”改派给{user.name}",
                 changes={"assignee": [before, user.name]}, data={"task_id": task.id})
