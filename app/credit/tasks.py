"""The credit_listing user-task handlers: what completing each BPMN user task does, from the generic task page
(/tasks/<id>) and the API alike. Each loads the listing and calls the same operation the listing pages call —
so every gate (app.credit.gates) holds whoever submits."""

from __future__ import annotations

from app.credit.models import CreditListing
from app.credit.operations import listing as ops
from app.credit.operations.common import LISTING
from app.workflow.user_tasks import bind_operations, subject_loader

LISTING_TASKS = {
    "prepare_notice": ops.issue_notice,
    "confirm_drop": ops.confirm_drop,
    "serve_notice": ops.serve_notice,
    "state_case": ops.submit_statement,
    "verify": ops.verify,
    "decide": ops.decide,
    "serve_decision": ops.serve_decision,
}

bind_operations(LISTING, LISTING_TASKS, load=subject_loader(CreditListing, "列入事项"), module=__name__)
