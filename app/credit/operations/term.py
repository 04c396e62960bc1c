"""管理期限 (3 years, 应急管理部令第11号) and its end by itself: the `credit_expiry` process (one instance per
listing in force) waits on a timer at the end of `term_end` and then runs the service task `credit.expire`,
which calls `expire(listing)`.

Counting: the term starts on `term_start` and runs for `pack.term` (3 years, corresponding day, no holiday
roll: app.credit.rules.CreditPack.term_end); `term_end` is its LAST day — the listing is in force and shown
through that day, and ends when it is over (00:00 China time of the next day, the timer's due instant for a
date: app.workflow.timers). `expire` refuses before that instant whoever calls it (a timer set wrongly, a
page, the API). `ended_on` is `term_end` (期满之日).

    start_expiry(listing, *, actor=None) -> WorkflowInstance | None   # effects.take_effect / restore
    cancel_expiry(listing, *, actor, reason) -> bool                  # early removal, overturn
    expire(listing, *, actor=None) -> None                            # the timer's service task
    term_over(listing, now=None) -> bool
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from app import audit, clock, workflow
from app.credit.models import CreditListing, ListingEnd, ListingStatus
from app.errors import InvalidState
from app.workflow.models import InstanceStatus, WorkflowInstance

PROCESS = "credit_expiry"
EXPIRED_REASON = "管理期限届满"

# the expiry instance whose own service task is running (`expire` from the timer): it ends by itself, so
# cancelling it from inside its step (effects.end_effects cancels the expiry) is skipped
_running_expiry: ContextVar[int | None] = ContextVar("credit_running_expiry", default=None)


@contextmanager
def running_expiry(instance_id: int | None) -> Iterator[None]:
    token = _running_expiry.set(instance_id)
    try:
        yield
    finally:
        _running_expiry.reset(token)


def ends_at(listing: CreditListing) -> datetime:
    """The instant the term is over: the end of its last day (China time)."""
    if listing.term_end is None:
        raise InvalidState("该名单尚未确定管理期限")
    return clock.local_midnight_after(listing.term_end)


def term_over(listing: CreditListing, now: datetime | None = None) -> bool:
    return listing.term_end is not None and (now or clock.now()) >= ends_at(listing)


def running_instance(listing: CreditListing) -> WorkflowInstance | None:
    inst = workflow.instance_for(listing, PROCESS)
    return inst if inst is not None and inst.status == InstanceStatus.RUNNING else None


def start_expiry(listing: CreditListing, *, actor=None) -> WorkflowInstance | None:
    """Start the term's timer for a listing in force (idempotent: a running one is kept and returned).

    Refused for a listing not in force or without term_end. A term already over is not timed: the caller
    (revoke_repair) ends it on the spot with `expire`; here it is refused, so nothing waits on a past date."""
    if listing.status != ListingStatus.LISTED:
        raise InvalidState(f"名单状态为“{listing.status}”，不计管理期限")
    if listing.term_end is None or listing.term_start is None:
        raise InvalidState("该名单尚未确定管理期限")
    existing = running_instance(listing)
    if existing is not None:
        return existing
    if term_over(listing):
        raise InvalidState(f"管理期限已于{listing.term_end:%Y年%m月%d日}届满，应即移出")
    inst = workflow.start(
        PROCESS,
        subject=listing,
        title=f"{listing.enterprise.name}：严重失信主体名单管理期限（至{listing.term_end:%Y年%m月%d日}）",
        region_path=listing.region_path,
        data={
            "listing_id": listing.id,
            "term_start": listing.term_start.isoformat(),
            "term_end": listing.term_end.isoformat(),
        },
        actor=actor,
    )
    audit.record(
        actor,
        "credit.expiry_started",
        listing,
        summary=f"管理期限计时：{listing.term_start:%Y-%m-%d}至{listing.term_end:%Y-%m-%d}，届满自动移出",
        data={"instance_id": inst.id, "term_end": listing.term_end},
    )
    return inst


def cancel_expiry(listing: CreditListing, *, actor, reason: str) -> bool:
    """Cancel the term's timer (提前移出, 撤销列入). False when none is running, or when it is the very
    instance whose service task is ending the listing now (it finishes by itself)."""
    inst = running_instance(listing)
    if inst is None or inst.id == _running_expiry.get():
        return False
    workflow.cancel(inst, actor=actor, reason=reason)
    audit.record(
        actor,
        "credit.expiry_cancelled",
        listing,
        summary=f"管理期限计时终止：{reason}",
        data={"instance_id": inst.id},
    )
    return True


def expire(listing: CreditListing, *, actor=None) -> None:
    """期满移出: the term is over, the listing ends by itself — publication withdrawn, measures lifted, the
    departments told, pushed (app.credit.effects.end_effects). Refused before the end of `term_end`."""
    if listing.status != ListingStatus.LISTED:
        raise InvalidState(f"名单状态为“{listing.status}”，不能期满移出")
    if not term_over(listing):
        raise InvalidState(
            f"管理期限至{listing.term_end:%Y年%m月%d日}，期满前不能期满移出"
            if listing.term_end
            else "该名单尚未确定管理期限"
        )
    from app.credit import effects  # written in parallel (helper "effects"): imported when used

    assert listing.term_end is not None
    effects.end_effects(listing, ListingEnd.EXPIRED, EXPIRED_REASON, actor=actor, on=listing.term_end)
    audit.record(
        actor,
        "credit.expired",
        listing,
        summary=f"管理期限于{listing.term_end:%Y年%m月%d日}届满，移出严重失信主体名单",
        data={"term_start": listing.term_start, "term_end": listing.term_end},
    )


__all__ = [
    "EXPIRED_REASON",
    "PROCESS",
    "cancel_expiry",
    "ends_at",
    "expire",
    "running_expiry",
    "running_instance",
    "start_expiry",
    "term_over",
]
