"""Credit pages (helper "web"): listings built directly at a given stage — no workflow — for the read side
(scope, lists, ledger, dashboard, public page). The forms' own journeys go through the real operations.

    listing_at(world, status=ListingStatus.PROPOSED, enterprise=None, **columns) -> CreditListing
    make_accident(world, enterprise=None, **columns) -> Accident
"""

from __future__ import annotations

from datetime import date, timedelta

from app import clock
from app.credit.models import (
    Accident,
    AccidentLevel,
    CreditListing,
    ListingEnd,
    ListingStatus,
    ProposalOrigin,
)
from app.extensions import db

PERSON_ID = "340421198001011234"
SERVED = (
    ListingStatus.VERIFYING,
    ListingStatus.DECIDING,
    ListingStatus.SERVING,
    ListingStatus.LISTED,
    ListingStatus.REMOVED,
    ListingStatus.REVOKED,
)


def listing_at(
    world,
    status: ListingStatus = ListingStatus.PROPOSED,
    *,
    enterprise=None,
    agency=None,
    proposed_on: date | None = None,
    **columns,
) -> CreditListing:
    """A listing as the workflow leaves it at `status` (the dates that stage has set)."""
    e = enterprise or world.ent_a
    today = clock.today()
    day = proposed_on or today - timedelta(days=60)
    values: dict = dict(
        enterprise_id=e.id,
        region_path=e.region_path,
        agency_id=(agency or (world.other_bureau if e is world.ent_other else world.bureau)).id,
        criterion="6",
        criterion_text="未依法取得安全生产许可证擅自从事生产经营活动",
        origin=ProposalOrigin.MANUAL,
        evidence="（萧）应急罚〔2026〕1号行政处罚决定书",
        status=status,
        proposed_on=day,
        proposed_by_id=world.officer.id,
    )
    if status in SERVED or status == ListingStatus.NOTICE:
        values.update(notice_served_on=day + timedelta(days=2), statement_due=day + timedelta(days=9))
    if status in (ListingStatus.SERVING, ListingStatus.LISTED, ListingStatus.REMOVED, ListingStatus.REVOKED):
        values.update(
            decided_on=day + timedelta(days=20), decided_by_id=world.leader.id, reasons="经核查属实"
        )
    if status in (ListingStatus.LISTED, ListingStatus.REMOVED, ListingStatus.REVOKED):
        start = day + timedelta(days=22)
        values.update(decision_served_on=start, term_start=start, term_end=start.replace(year=start.year + 3))
    if status == ListingStatus.REMOVED:
        values.update(ended_on=today, end_kind=ListingEnd.EXPIRED)
    if status == ListingStatus.REVOKED:
        values.update(ended_on=today, end_kind=ListingEnd.OVERTURNED, end_reason="处罚决定被撤销")
    if status == ListingStatus.DECLINED:
        values.update(declined_reason="核查后不符合列入情形")
    values.update(columns)
    listing = CreditListing(**values)
    db.session.add(listing)
    db.session.flush()
    return listing


def make_accident(world, *, enterprise=None, **columns) -> Accident:
    e = enterprise or world.ent_a
    values: dict = dict(
        enterprise_id=e.id,
        region_path=e.region_path,
        agency_id=(world.other_bureau if e is world.ent_other else world.bureau).id,
        name=f"{e.name}机械伤害事故",
        occurred_on=clock.today() - timedelta(days=30),
        level=AccidentLevel.LARGER,
        deaths=3,
        injuries=2,
        recorded_by_id=world.officer.id,
    )
    values.update(columns)
    accident = Accident(**values)
    db.session.add(accident)
    db.session.flush()
    return accident
