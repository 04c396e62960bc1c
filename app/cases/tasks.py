"""The case domain's user-task handlers: what completing each BPMN user task does, from the generic task page
(/tasks/<id>) and the API alike. Each loads the case and calls the same operation the case pages call."""

from __future__ import annotations

from app import workflow
from app.cases import operations as ops
from app.cases.models import PenaltyCase
from app.cases.operations.common import ORDINARY
from app.errors import NotFound
from app.extensions import db


def _case(task) -> PenaltyCase:
    case = db.session.get(PenaltyCase, task.subject_id) if task.subject_id else None
    if case is None:
        raise NotFound("任务对应的案件不存在")
    return case


def _bind(process_id: str, bpmn_id: str, operation) -> None:
    def handle(task, data: dict, *, actor) -> None:
        operation(_case(task), data, actor=actor, task=task)

    handle.__name__ = handle.__qualname__ = f"{process_id}__{bpmn_id}"
    handle.__module__ = __name__
    workflow.user_task(process_id, bpmn_id)(handle)


ORDINARY_TASKS = {
    "approve_filing": ops.approve_filing,
    "revise_filing": ops.revise_filing,
    "decide_filing": ops.decide_filing,
    "investigate": ops.submit_report,
    "review_report": ops.review_report,
    "issue_notice": ops.issue_notice,
    "serve_notice": ops.serve_notice,
    "state_case": ops.state_case,
    "schedule_hearing": ops.schedule_hearing,
    "hold_hearing": ops.hold_hearing,
    "review_statement": ops.review_statement,
    "prepare_decision": ops.prepare_decision,
    "legal_review": ops.legal_review,
    "collective_discussion": ops.collective_discussion,
    "decide": ops.decide,
    "serve_decision": ops.serve_decision,
    "execute": ops.finish_execution,
    "decide_transfer": ops.decide_transfer,
    "transfer_case": ops.transfer_case,
    "close_case": ops.close_case,
    "approve_closing": ops.approve_closing,
}

for _bpmn_id, _operation in ORDINARY_TASKS.items():
    _bind(ORDINARY, _bpmn_id, _operation)
