"""The inspection workflow's results tasks (workflows/inspection.bpmn): handle_results, publish_result and
await_outcomes are completed by the results operations, from the inspection page, the generic task page
(/tasks/<id>) and the API alike — every check holds whoever submits. The task page pre-fills the 公示 form
with the result the findings suggest."""

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


@workflow.task_facts(ops.PROCESS, "publish_result")
def publish_result_facts(task, *, actor) -> workflow.TaskFacts | None:
    inspection = db.session.get(Inspection, task.subject_id)
    if inspection is None:
        return None
    return workflow.TaskFacts(
        initial={
            "result": ops.suggested_result(inspection),
            "check_items": ops.default_check_items(inspection),
        }
    )
