"""The case domain's user-task handlers: what completing each BPMN user task does, from the generic task page
(/tasks/<id>) and the API alike. Each loads the case and calls the same operation the case pages call."""

from __future__ import annotations

from app.cases import operations as ops
from app.cases.models import CaseEvidence, CaseTransfer, PenaltyCase
from app.cases.operations import preservation, simple, transfer
from app.cases.operations.common import ORDINARY, PRESERVATION, SIMPLE, TRANSFER
from app.workflow.user_tasks import bind_operations, subject_loader

_case = subject_loader(PenaltyCase, "案件")

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

bind_operations(ORDINARY, ORDINARY_TASKS, load=_case, module=__name__)
bind_operations(
    SIMPLE,
    {"file_simple": simple.file_simple, "execute_simple": simple.execute_simple},
    load=_case,
    module=__name__,
)
# processes whose subject is not the case: a proposal's transfer (case_transfers), a 先行登记保存 item
bind_operations(
    TRANSFER,
    {"decide_transfer": transfer.decide_proposal_transfer, "transfer_case": transfer.transfer_proposal},
    load=subject_loader(CaseTransfer, "移送报告"),
    module=__name__,
)
bind_operations(
    PRESERVATION,
    {
        "approve_preservation": preservation.approve_preservation,
        "dispose_preservation": preservation.dispose_preservation,
    },
    load=subject_loader(CaseEvidence, "先行登记保存证据"),
    module=__name__,
)
