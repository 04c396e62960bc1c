"""The penalty case's verbs (explicit actor; flush, never commit; one workflow step and one audit event each):

filing         proposals (receive_referral, register_proposal, decline_proposal) and 立案
investigation  evidence, paused periods, 调查终结报告 and its review
notice         告知, 送达, 陈述申辩 / 听证 / 放弃, 听证, 复核
decision       呈批表, 法制审核, 集体讨论, 决定, 送达决定书, 公示
execution      缴款, 加处罚款, 执行完毕 / 终结执行
transfer       涉嫌犯罪移送 (a case's, or a proposal's before 立案: penalty_transfer)
simple         简易程序 当场处罚 (penalty_simple), 备案; 不予处罚 of a proposal without a case
preservation   先行登记保存证据 (evidence_preservation)
closing        结案审批
"""

from app.cases.operations.closing import approve_closing, close_case
from app.cases.operations.deadline import extend_deadline
from app.cases.operations.decision import (
    collective_discussion,
    decide,
    legal_review,
    prepare_decision,
    serve_decision,
)
from app.cases.operations.execution import (
    apply_arrangement,
    apply_enforcement,
    decide_arrangement,
    decide_remedy,
    file_remedy,
    finish_execution,
    issue_reminder,
    record_payment,
    serve_reminder,
)
from app.cases.operations.filing import (
    approve_filing,
    decide_filing,
    decline_proposal,
    receive_referral,
    register_proposal,
    revise_filing,
    set_five_year_limitation,
    submit_filing,
)
from app.cases.operations.investigation import (
    add_evidence,
    end_pause,
    review_report,
    start_pause,
    submit_report,
)
from app.cases.operations.notice import (
    hold_hearing,
    issue_notice,
    record_service,
    review_statement,
    schedule_hearing,
    serve_notice,
    state_case,
)
from app.cases.operations.preservation import (
    approve_preservation,
    dispose_preservation,
    request_preservation,
)
from app.cases.operations.simple import (
    decide_on_the_spot,
    execute_simple,
    file_simple,
    no_penalty_on_proposal,
)
from app.cases.operations.transfer import (
    decide_proposal_transfer,
    decide_transfer,
    report_transfer_from_proposal,
    transfer_case,
    transfer_proposal,
)

__all__ = [
    "apply_arrangement",
    "apply_enforcement",
    "decide_arrangement",
    "decide_remedy",
    "extend_deadline",
    "file_remedy",
    "issue_reminder",
    "serve_reminder",
    "add_evidence",
    "approve_closing",
    "approve_filing",
    "approve_preservation",
    "close_case",
    "collective_discussion",
    "decide",
    "decide_filing",
    "decide_on_the_spot",
    "decide_proposal_transfer",
    "decide_transfer",
    "decline_proposal",
    "dispose_preservation",
    "end_pause",
    "execute_simple",
    "file_simple",
    "finish_execution",
    "hold_hearing",
    "issue_notice",
    "legal_review",
    "no_penalty_on_proposal",
    "prepare_decision",
    "receive_referral",
    "record_payment",
    "record_service",
    "register_proposal",
    "report_transfer_from_proposal",
    "request_preservation",
    "review_report",
    "review_statement",
    "revise_filing",
    "schedule_hearing",
    "serve_decision",
    "serve_notice",
    "set_five_year_limitation",
    "start_pause",
    "state_case",
    "submit_filing",
    "submit_report",
    "transfer_case",
    "transfer_proposal",
]
