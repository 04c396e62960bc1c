"""What every credit verb shares: the listing's READY task, one workflow step, the audit event, and who may
act for the deciding agency on a listing (谁处罚、谁决定、谁负责: staff of the listing's jurisdiction)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text as sql_text

from app import audit, clock, workflow
from app.auth.models import User
from app.credit.gates import is_staff_in_scope
from app.credit.models import CreditListing
from app.errors import InvalidState, require

LISTING = "credit_listing"
SUBJECT_TYPE = "credit_listings"


def iso_end_of(d: date) -> str:
    """The moment a deadline day has passed (00:00 China time the next day): what BPMN timers read."""
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=clock.TZ).isoformat()


def instance_of(listing: CreditListing, process_id: str = LISTING):
    return workflow.instance_for(listing, process_id)


def ready_ids(listing: CreditListing, process_id: str = LISTING) -> list[str]:
    inst = instance_of(listing, process_id)
    return workflow.ready_task_names(inst) if inst is not None else []


def ready_task(listing: CreditListing, bpmn_id: str, task=None, process_id: str = LISTING):
    """The READY task `bpmn_id` of the listing's workflow (or the given one, re-checked): a step can only be
    taken where the procedure stands, whoever calls the operation."""
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != listing.id or task.subject_type != SUBJECT_TYPE:
            raise InvalidState("任务与名单列入事项不匹配")
        return task
    inst = instance_of(listing, process_id)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"该列入事项当前处于“{listing.status}”阶段，不能办理该事项")


def step(listing: CreditListing, task, data: dict, *, actor) -> dict:
    """Complete the listing's task; the status follows from where the workflow stands (app.credit.status).
    Returns the audit `changes` entry of the status."""
    old = listing.status
    workflow.complete_task(task, data, actor=actor)
    return {"status": [old, listing.status]} if listing.status != old else {}


def require_role(user: User, listing: CreditListing, *roles: str, message: str | None = None) -> None:
    """Staff of the listing's jurisdiction holding one of `roles`."""
    require(
        user.has_role(*roles) and is_staff_in_scope(user, listing),
        message or "您无权办理该列入事项的此项事务",
    )


_TOUCH = sql_text("UPDATE credit_listings SET id = id WHERE id = :id")


def lock(listing: CreditListing) -> None:
    """One writer per listing for a step no workflow task serialises (a remedy's outcome, a revocation):
    a row lock on PostgreSQL, the database write lock on SQLite — taken before the state is read again, so
    the second of two people acting at once finds what the first did."""
    from app.extensions import db

    db.session.flush()
    db.session.execute(_TOUCH, {"id": listing.id})
    db.session.refresh(listing)


def done_by(obj: Any, action: str, **data: Any) -> str:
    """Who did `action` on `obj`, and when ("周局长于2026-11-02 10:00"): the last matching audit event (its
    `data` holding `data`), for telling the second of two people that the first already acted."""
    for event in reversed(audit.history(obj)):
        if event.action == action and all((event.data or {}).get(k) == v for k, v in data.items()):
            at = event.at.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M") if event.at else ""
            return f"{event.actor_name or '系统'}于{at}"
    return ""


def record(actor, action: str, listing: Any, summary: str, **kw) -> None:
    audit.record(actor, action, listing, summary=summary, **kw)


def text(data: dict, field: str) -> str:
    return (data.get(field) or "").strip()
