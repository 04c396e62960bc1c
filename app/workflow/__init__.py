"""app.workflow — BPMN processes on SpiffWorkflow 3.2 (the only package importing SpiffWorkflow).

    from app import workflow
    inst = workflow.start("hazard_rectification", subject=hazard, title="…", region_path=…,
                          enterprise_id=…, data={...}, actor=user)
    workflow.complete_task(task, data, actor=user)        # Conflict(409) if already handled
    workflow.ready_tasks(inst) / ready_task_names(inst) / history(inst) / instance_for(obj)
    workflow.instance_diagram(inst)                        # inline SVG of the BPMN, steps marked
    workflow.tick(now=None)                                # fire due timers (worker; commits)
    @workflow.service("hazards.mark_overdue")              # handler(ctx) -> dict | None
    workflow.claim(task, actor) / release(task, actor) / reassign(task, user, actor)

BPMN conventions: see app/workflow/engine.py and app/workflow/definitions.py docstrings.
"""

from app.workflow.definitions import WorkflowDefinitionError, load_definitions, validate_bpmn
from app.workflow.diagram import instance_diagram
from app.workflow.engine import ServiceContext, service
from app.workflow.expressions import ExpressionError
from app.workflow.operations import (
    cancel,
    claim,
    complete_task,
    history,
    instance_for,
    not_ready_message,
    process_names,
    ready_task_names,
    ready_tasks,
    reassign,
    release,
    start,
    subject_key,
    tick,
)
from app.workflow.user_tasks import handler_for as user_task_handler
from app.workflow.user_tasks import user_task

__all__ = [
    "ExpressionError",
    "ServiceContext",
    "WorkflowDefinitionError",
    "cancel",
    "claim",
    "complete_task",
    "history",
    "instance_diagram",
    "instance_for",
    "not_ready_message",
    "load_definitions",
    "process_names",
    "ready_task_names",
    "ready_tasks",
    "reassign",
    "release",
    "service",
    "start",
    "subject_key",
    "tick",
    "user_task",
    "user_task_handler",
    "validate_bpmn",
]
