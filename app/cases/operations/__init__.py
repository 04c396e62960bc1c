"""The penalty case's verbs (explicit actor; flush, never commit; one workflow step and one audit event each):

filing         proposals (receive_referral, register_proposal, decline_proposal) and 立案
investigation  evidence, paused periods, 调查终结报告 and its review
notice         告知, 送达, 陈述申辩 / 听证 / 放弃, 听证, 复核
decision       呈批表, 法制审核, 集体讨论, 决定, 送达决定书, 公示
execution      缴款, 加处罚款, 执行完毕 / 终结执行
transfer       涉嫌犯罪移送
closing        结案审批
"""

from app.cases.operations.closing import approve_closing, close_case
from app.cases.operations.decision import (
    collective_discussion,
    decide,
    legal_review,
    prepare_decision,
    serve_decision,
)
from app.cases.operations.execution import finish_execution, record_payment
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
from app.cases.operations.transfer import decide_transfer, transfer_case

__all__ = [
    "add_evidence",
    "approve_closing",
    "approve_filing",
    "close_case",
    "collective_discussion",
    "decide",
    "decide_filing",
    "decide_transfer",
    "decline_proposal",
    "end_pause",
    "finish_execution",
    "hold_hearing",
    "issue_notice",
    "legal_review",
    "prepare_decision",
    "receive_referral",
    "record_payment",
    "record_service",
    "register_proposal",
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
]
