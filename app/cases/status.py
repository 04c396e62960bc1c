"""A case's status is where its workflow stands: set here, in one place, after every step (user task, timer,
start), never by hand next to a step.

    READY user task                          → status
    approve_filing / revise_filing / decide_filing   → 立案审批中
    investigate                              → 调查取证
    review_report                            → 调查终结审查
    issue_notice / serve_notice              → 告知
    state_case                               → 陈述申辩期
    schedule_hearing / hold_hearing          → 听证
    review_statement                         → 复核
    prepare_decision                         → 制作呈批表
    legal_review                             → 法制审核
    collective_discussion                    → 集体讨论
    decide                                   → 待决定
    serve_decision                           → 送达
    execute / execute_simple                 → 执行
    decide_transfer                          → 移送审批
    transfer_case                            → 移送
    close_case / approve_closing             → 结案审批
    file_simple                              → 待备案
    workflow finished                        → 已结案, or 不予立案 when never filed
"""

from __future__ import annotations

from app import audit, clock, workflow
from app.cases.models import CaseStatus, PenaltyCase
from app.cases.operations.common import ORDINARY, SIMPLE
from app.extensions import db

TASK_STATUS = {
    "approve_filing": CaseStatus.FILING,
    "revise_filing": CaseStatus.FILING,
    "decide_filing": CaseStatus.FILING,
    "investigate": CaseStatus.INVESTIGATING,
    "review_report": CaseStatus.REPORT_REVIEW,
    "issue_notice": CaseStatus.NOTIFYING,
    "serve_notice": CaseStatus.NOTIFYING,
    "state_case": CaseStatus.STATEMENT,
    "schedule_hearing": CaseStatus.HEARING,
    "hold_hearing": CaseStatus.HEARING,
    "review_statement": CaseStatus.RECONSIDERING,
    "prepare_decision": CaseStatus.DRAFTING,
    "legal_review": CaseStatus.LEGAL_REVIEW,
    "collective_discussion": CaseStatus.DISCUSSION,
    "decide": CaseStatus.DECIDING,
    "serve_decision": CaseStatus.SERVING,
    "execute": CaseStatus.EXECUTING,
    "execute_simple": CaseStatus.EXECUTING,
    "decide_transfer": CaseStatus.TRANSFER_PENDING,
    "transfer_case": CaseStatus.TRANSFERRING,
    "close_case": CaseStatus.CLOSING,
    "approve_closing": CaseStatus.CLOSING,
    "file_simple": CaseStatus.SIMPLE_FILING,
}


def status_for(case: PenaltyCase, change: workflow.Change) -> str:
    if change.finished:
        return (
            CaseStatus.CLOSED
            if case.filed_on is not None or case.procedure != "普通程序"
            else CaseStatus.NOT_FILED
        )
    for bpmn_id, status in TASK_STATUS.items():
        if bpmn_id in change.ready:
            return status
    return case.status


@workflow.on_change(ORDINARY, SIMPLE)
def follow_workflow(change: workflow.Change) -> None:
    case = db.session.get(PenaltyCase, change.instance.subject_id)
    if case is None:
        return
    new = status_for(case, change)
    if change.finished and case.closed_on is None and new == CaseStatus.CLOSED:
        case.closed_on = clock.today()
    if new == case.status:
        return
    old, case.status = case.status, new
    if change.actor is None:  # a timer moved it: no verb records this step
        audit.record(
            None,
            "case.status_changed",
            case,
            summary=f"流程定时推进，案件状态由“{old}”变为“{new}”",
            changes={"status": [old, new]},
        )
