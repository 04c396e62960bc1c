"""The credit domain's verbs (explicit actor; flush, never commit; one workflow step and one audit event each):

listing    the listing procedure: open_listing, issue_notice, confirm_drop, serve_notice, submit_statement,
           verify, decide, serve_decision (credit_listing)
proposals  事故 register and proposals from facts (helper "criteria")
term / repair / remedies   expiry, 信用修复, 复议/诉讼 (helper "term")
info_repair                行政处罚信息公示期限 and its 信用修复 (国家发改委令第58号) (helper "term")

Each helper adds its module's line here.
"""

from app.credit.operations.info_repair import apply_info_repair, decide_info_repair, extend_for_listing
from app.credit.operations.listing import (
    confirm_drop,
    decide,
    issue_notice,
    open_listing,
    serve_decision,
    serve_notice,
    submit_statement,
    verify,
)
from app.credit.operations.proposals import (
    propose,
    propose_from_accident,
    propose_from_case,
    propose_from_execution,
    record_accident,
)
from app.credit.operations.remedies import decide_remedy, on_case_overturned, overturn, record_remedy
from app.credit.operations.repair import (
    apply_repair,
    decide_repair,
    repair_checks,
    revoke_repair,
    verify_repair,
)
from app.credit.operations.term import cancel_expiry, expire, start_expiry

__all__ = [
    "apply_info_repair",
    "apply_repair",
    "cancel_expiry",
    "decide_info_repair",
    "decide_remedy",
    "decide_repair",
    "expire",
    "extend_for_listing",
    "on_case_overturned",
    "overturn",
    "propose",
    "propose_from_accident",
    "propose_from_case",
    "propose_from_execution",
    "record_accident",
    "record_remedy",
    "repair_checks",
    "revoke_repair",
    "start_expiry",
    "verify_repair",
    "confirm_drop",
    "decide",
    "issue_notice",
    "open_listing",
    "serve_decision",
    "serve_notice",
    "submit_statement",
    "verify",
]
