"""The case domain's user-task handlers: what completing each BPMN user task does, from the generic task page
(/tasks/<id>) and the API alike. Each loads the case and calls the same operation the case pages call."""

from __future__ import annotations

from app import workflow
from app.cases import operations as ops
from app.cases.models import CaseEvidence, CaseTransfer, PenaltyCase
from app.cases.operations import preservation, simple, transfer
from app.cases.operations.common import ORDINARY, PRESERVATION, SIMPLE, TRANSFER
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


def _bind_subject(process_id: str, bpmn_id: str, model, label: str, operation) -> None:
    """A process whose subject is not the case: a proposal's transfer (case_transfers), a 先行登记保存 item."""

    def handle(task, data: dict, *, actor) -> None:
        obj = db.session.get(model, task.subject_id) if task.subject_id else None
        if obj is None:
            raise NotFound(f"任务对应的{label}不存在")
        operation(obj, data, actor=actor, task=task)

    handle.__name__ = handle.__qualname__ = f"{process_id}__{bpmn_id}"
    handle.__module__ = __name__
    workflow.user_task(process_id, bpmn_id)(handle)


_bind(SIMPLE, "file_simple", simple.file_simple)
_bind(SIMPLE, "execute_simple", simple.execute_simple)
_bind_subject(TRANSFER, "decide_transfer", CaseTransfer, "移送报告", transfer.decide_proposal_transfer)
_bind_subject(TRANSFER, "transfer_case", CaseTransfer, "移送报告", transfer.transfer_proposal)
_bind_subject(
    PRESERVATION, "approve_preservation", CaseEvidence, "先行登记保存证据", preservation.approve_preservation
)
_bind_subject(
    PRESERVATION, "dispose_preservation", CaseEvidence, "先行登记保存证据", preservation.dispose_preservation
)
