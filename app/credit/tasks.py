"""The credit_listing user-task handlers: what completing each BPMN user task does, from the generic task page
(/tasks/<id>) and the API alike. Each loads the listing and calls the same operation the listing pages call —
so every gate (app.credit.gates) holds whoever submits."""

from __future__ import annotations

from app import workflow
from app.credit.models import CreditListing
from app.credit.operations import listing as ops
from app.credit.operations.common import LISTING
from app.errors import NotFound
from app.extensions import db


def _listing(task) -> CreditListing:
    listing = db.session.get(CreditListing, task.subject_id) if task.subject_id else None
    if listing is None:
        raise NotFound("任务对应的列入事项不存在")
    return listing


def _bind(process_id: str, bpmn_id: str, operation) -> None:
    def handle(task, data: dict, *, actor) -> None:
        operation(_listing(task), data, actor=actor, task=task)

    handle.__name__ = handle.__qualname__ = f"{process_id}__{bpmn_id}"
    handle.__module__ = __name__
    workflow.user_task(process_id, bpmn_id)(handle)


LISTING_TASKS = {
    "prepare_notice": ops.issue_notice,
    "confirm_drop": ops.confirm_drop,
    "serve_notice": ops.serve_notice,
    "state_case": ops.submit_statement,
    "verify": ops.verify,
    "decide": ops.decide,
    "serve_decision": ops.serve_decision,
}

for _bpmn_id, _operation in LISTING_TASKS.items():
    _bind(LISTING, _bpmn_id, _operation)
