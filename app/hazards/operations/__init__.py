"""Verbs of the hazard closed loop. Each takes an explicit `actor`, checks permission and state, writes
the domain rows, moves the workflow one step, records one audit event, and flushes (never commits). The
hazard's status is not set by the verbs: it follows from where its workflow stands (app.hazards.status).

一般隐患 (process hazard_rectification):
    register_hazard → issue_order → submit_rectification | request_extension → decide_extension
    → review_hazards (复查) → close / return / refer / exception → decide_exception
重大隐患 (process major_hazard_supervision):
    decide_supervision → submit_governance_plan → report_progress … → submit_acceptance
    → acceptance_review → close / return / refer / exception → decide_exception
移送立案: refer (from a review or a refused exception) → answer_referral (called by the penalty-case domain)
"""

from app.hazards.operations.common import GENERAL_PROCESS, MAJOR_PROCESS, ready_bpmn_ids, ready_task
from app.hazards.operations.major import (
    acceptance_review,
    decide_supervision,
    report_progress,
    submit_acceptance,
    submit_governance_plan,
)
from app.hazards.operations.rectification import decide_extension, request_extension, submit_rectification
from app.hazards.operations.referral import answer_referral
from app.hazards.operations.registration import issue_order, register_hazard, remove_draft_hazard
from app.hazards.operations.review import decide_exception, finalize_review_document, review_hazards

__all__ = [
    "GENERAL_PROCESS",
    "MAJOR_PROCESS",
    "acceptance_review",
    "answer_referral",
    "decide_exception",
    "decide_extension",
    "decide_supervision",
    "finalize_review_document",
    "issue_order",
    "ready_bpmn_ids",
    "ready_task",
    "register_hazard",
    "remove_draft_hazard",
    "report_progress",
    "request_extension",
    "review_hazards",
    "submit_acceptance",
    "submit_governance_plan",
    "submit_rectification",
]
