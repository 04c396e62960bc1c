"""A listing's status is where its credit_listing workflow stands: set here, in one place, after every step
(user task, timer, start), never by hand next to a step.

    READY user task               → status
    prepare_notice / confirm_drop → 拟列入
    serve_notice / state_case     → 告知中
    verify                        → 核查中
    decide                        → 待决定
    serve_decision                → 待送达
    workflow finished             → 已列入 when the 列入决定书 was served, otherwise 不予列入

Only a listing still in the procedure (拟列入 … 待送达) follows this workflow: what happens after it took
effect (移出, 撤销, 恢复) is set by the operations of the term and effects."""

from __future__ import annotations

from app import audit, workflow
from app.credit.models import CreditListing, ListingStatus
from app.credit.models.listing import OPEN
from app.credit.operations.common import LISTING
from app.extensions import db

TASK_STATUS = {
    "prepare_notice": ListingStatus.PROPOSED,
    "confirm_drop": ListingStatus.PROPOSED,
    "serve_notice": ListingStatus.NOTICE,
    "state_case": ListingStatus.NOTICE,
    "verify": ListingStatus.VERIFYING,
    "decide": ListingStatus.DECIDING,
    "serve_decision": ListingStatus.SERVING,
}


def status_for(listing: CreditListing, change: workflow.Change) -> ListingStatus:
    if change.finished:
        return ListingStatus.LISTED if listing.decision_served_on is not None else ListingStatus.DECLINED
    for bpmn_id, status in TASK_STATUS.items():
        if bpmn_id in change.ready:
            return status
    return ListingStatus(listing.status)


@workflow.on_change(LISTING)
def follow_workflow(change: workflow.Change) -> None:
    listing = db.session.get(CreditListing, change.instance.subject_id)
    if listing is None or listing.status not in OPEN:
        return
    new = status_for(listing, change)
    if new == listing.status:
        return
    old, listing.status = listing.status, new
    if change.actor is None:  # a timer moved it: no verb records this step
        audit.record(
            None,
            "credit.status_changed",
            listing,
            summary=f"流程定时推进，列入事项状态由“{old}”变为“{new}”",
            changes={"status": [str(old), str(new)]},
        )
