"""BPMN service-task handlers of the credit processes (helper "term"): the 3-year term's end
(`credit.expire`, credit_expiry.bpmn) and the 信用修复 decision window running out
(`credit.repair_decision_overdue`, credit_repair.bpmn)."""

from __future__ import annotations

import logging

from app import audit, notifications, workflow
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.credit.models import CreditListing, ListingStatus, RepairApplication, RepairStatus
from app.extensions import db

log = logging.getLogger(__name__)


@workflow.service("credit.expire")
def expire(ctx) -> None:
    """The timer at the end of term_end fired: the listing ends (期满移出). A listing that ended otherwise
    meanwhile (its expiry should have been cancelled) is left as it is."""
    from app.credit.operations import term

    inst = ctx.instance
    listing = (
        db.session.get(CreditListing, int(inst.subject_id)) if inst is not None and inst.subject_id else None
    )
    if listing is None or listing.status != ListingStatus.LISTED:
        log.warning(
            "credit.expire: listing %s is not in force, nothing to end", getattr(inst, "subject_id", None)
        )
        return
    with term.running_expiry(inst.id):
        term.expire(listing, actor=None)


@workflow.service("credit.repair_decision_overdue")
def repair_decision_overdue(ctx) -> None:
    """信用修复 not decided within repair_decision_period: the 负责人 of the jurisdiction and the officer
    who verified it are told once."""
    inst = ctx.instance
    repair = (
        db.session.get(RepairApplication, int(inst.subject_id))
        if inst is not None and inst.subject_id
        else None
    )
    if repair is None or repair.status not in (RepairStatus.VERIFYING, RepairStatus.DECIDING):
        return
    listing = repair.listing
    users = users_with_role(Role.LEADER, region_path=listing.region_path, agency_id=listing.agency_id)
    if repair.verified_by_id:
        from app.auth.models import User

        verifier = db.session.get(User, repair.verified_by_id)
        if verifier is not None:
            users.append(verifier)
    due = f"{repair.decision_due:%Y年%m月%d日}" if repair.decision_due else "期限"
    body = f"{listing.enterprise.name}的信用修复申请应于{due}前作出决定，期限已届满"
    notifications.notify(
        users,
        repair,
        kind="credit_deadline",
        key=f"repair_overdue:{repair.id}",
        title="信用修复决定超期",
        body=body,
        level="warning",
    )
    audit.record(None, "credit.repair_overdue", repair, summary=body)
