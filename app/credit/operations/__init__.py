"""The credit domain's verbs (explicit actor; flush, never commit; one workflow step and one audit event each):

listing    the listing procedure: open_listing, issue_notice, confirm_drop, serve_notice, submit_statement,
           verify, decide, serve_decision (credit_listing)
proposals  事故 register and proposals from facts (helper "criteria")
term / repair / remedies   expiry, 信用修复, 复议/诉讼 (helper "term")

Each helper adds its module's line here.
"""

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

__all__ = [
    "confirm_drop",
    "decide",
    "issue_notice",
    "open_listing",
    "propose",
    "propose_from_accident",
    "propose_from_case",
    "propose_from_execution",
    "record_accident",
    "serve_decision",
    "serve_notice",
    "submit_statement",
    "verify",
]
