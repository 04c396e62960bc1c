"""The inspection workflow's results tasks (workflows/inspection.bpmn): handle_results, publish_result and
await_outcomes are completed by the results operations, from the inspection page, the generic task page
(/tasks/<id>) and the API alike — every check holds whoever submits. The task page shows where each finding
went and what is still open, and pre-fills the 公示 form with the result the findings suggest."""

from __future__ import annotations

from app import workflow
from app.extensions import db
from app.inspections.models import Inspection
from app.inspections.operations import results as ops
from app.workflow.user_tasks import bind_operations, subject_loader

RESULT_TASKS = {
    "handle_results": ops.finish_handling,
    "publish_result": ops.publish_result,
    "await_outcomes": ops.complete_inspection,
}

bind_operations(ops.PROCESS, RESULT_TASKS, load=subject_loader(Inspection, "检查"), module=__name__)


def results_facts(task, *, actor) -> workflow.TaskFacts | None:
    """Where each finding went and what is still open, on the task page of each results task."""
    from app.inspections.results import results_context
    from app.inspections.results_routes import inspection_url

    inspection = db.session.get(Inspection, task.subject_id)
    if inspection is None:
        return None
    view = results_context(inspection, actor)
    initial = {}
    if task.bpmn_id == "publish_result":
        initial = {"result": view.suggested_result, "check_items": view.check_items}
    return workflow.TaskFacts(
        template="inspections/tasks/results_facts.html",
        title="检查结果处理情况",
        context={"view": view, "url": inspection_url(inspection)},
        initial=initial,
    )


for _bpmn_id in RESULT_TASKS:
    workflow.task_facts(ops.PROCESS, _bpmn_id)(results_facts)
