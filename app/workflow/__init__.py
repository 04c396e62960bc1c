"""app.workflow — BPMN processes on SpiffWorkflow 3.2 (the only package importing SpiffWorkflow).

    from app import workflow
    inst = workflow.start("<process id>", subject=obj, title="…", region_path=…,
                          enterprise_id=…, data={...}, actor=user)
    workflow.complete_task(task, data, actor=user)        # Conflict(409) if already handled
    workflow.ready_tasks(inst) / ready_task_names(inst) / history(inst) / instance_for(obj)
    workflow.instance_diagram(inst)                        # inline SVG of the BPMN, steps marked
    workflow.tick(now=None)                                # fire due timers (worker; commits)
    @workflow.service("<domain>.mark_overdue")             # handler(ctx) -> dict | None
    workflow.claim(task, actor) / release(task, actor) / reassign(task, user, actor)
    workflow.rescope(inst, region_path=…, enterprise_id=…) / direct(task, user) / redate(inst, ids, due_at)
    @workflow.task_facts("<process id>", "<task id>")      # facts(task, *, actor) -> TaskFacts | None

BPMN conventions: see the docstrings of app/workflow/definitions.py (deploy-time checks), handlers.py
(service tasks), timers.py (timers on legal time) and expressions.py (the expression language).

Inside the package, one idea per module: parsing (BPMN -> cached spec), scripting (restricted script
engine), handlers (service handlers, the running operation), timers (legal-time timer events), tree (the
task tree and engine steps), codec (stored state); versions (definition rows), locking (instance lock,
taking a task), projection (HumanTask/Timer rows), operations (start / complete / cancel), queries,
claims, overrides (a domain's rule moving an instance's jurisdiction, a task's assignee or deadline),
ticks (the timer worker).
"""

from app.workflow.changes import Change, on_change
from app.workflow.claims import claim, reassign, release
from app.workflow.definitions import WorkflowDefinitionError, load_definitions, validate_bpmn
from app.workflow.diagram import instance_diagram
from app.workflow.expressions import ExpressionError
from app.workflow.handlers import ServiceContext, service
from app.workflow.locking import not_ready_message
from app.workflow.operations import cancel, complete_task, start
from app.workflow.overrides import direct, redate, rescope
from app.workflow.queries import (
    history,
    instance_for,
    process_names,
    ready_task_names,
    ready_tasks,
    subject_key,
)
from app.workflow.ticks import tick
from app.workflow.user_tasks import TaskFacts, facts_for, task_facts, user_task
from app.workflow.user_tasks import handler_for as user_task_handler

__all__ = [
    "Change",
    "TaskFacts",
    "on_change",
    "ExpressionError",
    "ServiceContext",
    "WorkflowDefinitionError",
    "cancel",
    "claim",
    "complete_task",
    "direct",
    "facts_for",
    "history",
    "instance_diagram",
    "instance_for",
    "not_ready_message",
    "load_definitions",
    "process_names",
    "ready_task_names",
    "ready_tasks",
    "reassign",
    "redate",
    "rescope",
    "release",
    "service",
    "start",
    "subject_key",
    "task_facts",
    "tick",
    "user_task",
    "user_task_handler",
    "validate_bpmn",
]
