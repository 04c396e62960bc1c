"""The hazard domain's user-task handlers: what completing each BPMN user task does, from the generic task
page (/tasks/<id>) and the API alike. Each handler loads the hazard, then calls the same operation the
hazard pages call: domain writes + workflow.complete_task + audit.record, in the caller's transaction.

Each handler is registered with `@workflow.user_task(process id, bpmn task id)`.
"""

from __future__ import annotations

from app import workflow
from app.errors import NotFound
from app.extensions import db
from app.hazards import operations as ops
from app.hazards.models import Hazard


def _hazard(task) -> Hazard:
    hazard = db.session.get(Hazard, task.subject_id) if task.subject_id else None
    if hazard is None:
        raise NotFound("任务对应的隐患不存在")
    return hazard


@workflow.user_task("hazard_rectification", "submit_rectification")
def submit_rectification_hook(task, data: dict, *, actor) -> None:
    """The enterprise task has two outcomes, chosen by the form's `action` field."""
    hazard = _hazard(task)
    if data.get("action") == "extension":
        ops.request_extension(hazard, data, actor=actor, task=task)
    else:
        ops.submit_rectification(hazard, data, actor=actor, task=task)


@workflow.user_task("hazard_rectification", "review_extension")
def review_extension_hook(task, data: dict, *, actor) -> None:
    ops.decide_extension(_hazard(task), data, actor=actor, task=task)


@workflow.user_task("hazard_rectification", "review_rectification")
def review_rectification_hook(task, data: dict, *, actor) -> None:
    hazard = _hazard(task)
    ops.review_hazards([(hazard, data)], actor=actor, tasks={hazard.id: task})


@workflow.user_task("hazard_rectification", "approve_exception")
@workflow.user_task("major_hazard_supervision", "approve_exception")
def approve_exception_hook(task, data: dict, *, actor) -> None:
    ops.decide_exception(_hazard(task), data, actor=actor, task=task)


@workflow.user_task("major_hazard_supervision", "decide_supervision")
def decide_supervision_hook(task, data: dict, *, actor) -> None:
    ops.decide_supervision(_hazard(task), data, actor=actor, task=task)


@workflow.user_task("major_hazard_supervision", "submit_governance_plan")
def submit_governance_plan_hook(task, data: dict, *, actor) -> None:
    ops.submit_governance_plan(_hazard(task), data, actor=actor, task=task)


@workflow.user_task("major_hazard_supervision", "submit_acceptance")
def submit_acceptance_hook(task, data: dict, *, actor) -> None:
    ops.submit_acceptance(_hazard(task), data, actor=actor, task=task)


@workflow.user_task("major_hazard_supervision", "acceptance_review")
def acceptance_review_hook(task, data: dict, *, actor) -> None:
    ops.acceptance_review(_hazard(task), data, actor=actor, task=task)
