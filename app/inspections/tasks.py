"""The inspection workflow's user-task handlers: what completing each BPMN user task does, from the inspection
page, the generic task page (/tasks/<id>) and the API alike. Each loads the inspection and calls the
operation the pages call, so every check holds whoever submits. handle_results and publish_result are the
results area's (app/inspections/operations/results.py)."""

from __future__ import annotations

from app.inspections.models import Inspection
from app.inspections.operations import inspection as ops
from app.workflow.user_tasks import bind_operations, subject_loader

INSPECTION_TASKS = {
    "approve_over_cap": ops.decide_over_cap,
    "prepare_scheme": ops.prepare_scheme,
    "onsite_record": ops.issue_record,
}

bind_operations(ops.PROCESS, INSPECTION_TASKS, load=subject_loader(Inspection, "检查"), module=__name__)
