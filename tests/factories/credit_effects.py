"""Credit effects (helper "effects"): a listing built directly at 已列入 — no workflow — the way the served
列入决定书 leaves it (decided, served, term set, measures chosen), ready for app.credit.effects.take_effect.

    make_listed(world, enterprise=None, codes=None, served_on=None, person=True, agency=None) -> CreditListing
    fixture listed: the factory bound to the world
"""

from __future__ import annotations

from datetime import date

import pytest

from app import clock
from app.credit.models import CreditListing, ListingStatus, ProposalOrigin
from app.credit.rules import credit_pack
from app.extensions import db

PERSON_ID = "340421198001011234"


def make_listed(
    world, *, enterprise=None, codes=None, served_on: date | None = None, person: bool = True, agency=None
) -> CreditListing:
    from app.credit import measures

    e = enterprise or world.ent_a
    served = served_on or clock.today()
    pack = credit_pack(e.region_path, served)
    listing = CreditListing(
        enterprise_id=e.id,
        region_path=e.region_path,
        agency_id=(agency or world.bureau).id,
        criterion="6",
        criterion_text="未依法取得安全生产许可证擅自从事生产经营活动",
        origin=ProposalOrigin.MANUAL,
        evidence="（萧）应急罚〔2026〕1号行政处罚决定书",
        reasons="未取得安全生产许可证擅自生产，经处罚后仍不改正",
        status=ListingStatus.LISTED,
        proposed_on=served,
        proposed_by_id=world.officer.id,
        notice_served_on=served,
        decided_on=served,
        decided_by_id=world.leader.id,
        decision_served_on=served,
        measure_codes=list(measures.library().defaults() if codes is None else codes),
        term_start=served,
        term_end=pack.term_end(served),
        publish_due=pack.end_of("publish_period", served),
        person_name="张三" if person else None,
        person_id_no=PERSON_ID if person else None,
        person_role="总经理" if person else None,
    )
    db.session.add(listing)
    db.session.flush()
    return listing


@pytest.fixture
def listed(world):
    def _make(**kw) -> CreditListing:
        return make_listed(world, **kw)

    return _make
