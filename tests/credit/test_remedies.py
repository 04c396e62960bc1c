"""复议/诉讼 against a listing and ★ propagation: when the listing, or the penalty decision it rests on, is
overturned (撤销/确认违法), the listing ends as 撤销列入 and its publication is withdrawn within 3 working days of
the outcome, measures lifted, the departments told; 维持/驳回 change nothing; 变更 of the penalty asks for a
review only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app import clock, publication
from app.cases.operations import execution as ex
from app.credit import effects
from app.credit.models import CreditListing, ListingEnd, ListingStatus
from app.credit.operations import remedies, term
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications.models import Notification
from app.publication import Publication
from app.workflow.models import InstanceStatus
from tests.cases.walk import to_execution

pytestmark = pytest.mark.usefixtures("frozen")


def in_force(world, listed, **kw) -> CreditListing:
    listing = listed(**kw)
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


def listing_publication(listing) -> Publication:
    return db.session.scalar(
        select(Publication).where(Publication.subject_id == listing.id, Publication.kind == "credit_listing")
    )


def file(world, listing, actor=None, **kw):
    data = {"kind": "复议", "body": "萧县人民政府", "filed_on": date(2026, 11, 20), **kw}
    return remedies.record_remedy(listing, data, actor=actor or world.officer)


def test_overturned_listing_is_withdrawn_within_three_working_days(world, listed):
    listing = in_force(world, listed)
    clock.freeze(date(2026, 11, 20))
    remedy = file(world, listing)
    assert remedy.outcome is None and listing.remedies == [remedy]
    with pytest.raises(InvalidState, match="尚未审结"):
        file(world, listing)
    clock.freeze(date(2026, 12, 30))  # Wednesday: 3 working days → 2027-01-05 (元旦)
    with pytest.raises(PermissionDenied, match="承办机构负责人"):
        remedies.decide_remedy(
            listing, {"outcome": "撤销", "ref": "萧政复决〔2026〕9号"}, actor=world.officer
        )
    with pytest.raises(ValidationFailed, match="文号"):
        remedies.decide_remedy(listing, {"outcome": "撤销"}, actor=world.section_head)
    remedies.decide_remedy(
        listing,
        {"outcome": "撤销", "outcome_on": date(2026, 12, 30), "ref": "萧政复决〔2026〕9号"},
        actor=world.section_head,
    )
    assert remedy.outcome == "撤销" and remedy.outcome_on == date(2026, 12, 30)
    assert listing.status == ListingStatus.REVOKED and listing.end_kind == ListingEnd.OVERTURNED
    assert listing.ended_on == date(2026, 12, 30)
    assert publication.current_for(listing, "credit_listing") is None
    row = listing_publication(listing)
    assert row.withdraw_due_on == date(2027, 1, 5) and not publication.is_withdrawal_late(row)
    assert all(m.lifted_on == date(2026, 12, 30) for m in listing.measures)
    assert term.running_instance(listing) is None


def test_upheld_or_dismissed_changes_nothing(world, listed):
    listing = in_force(world, listed)
    clock.freeze(date(2026, 11, 25))
    file(world, listing, kind="诉讼", body="萧县人民法院")
    remedies.decide_remedy(
        listing, {"outcome": "维持", "outcome_on": date(2026, 11, 25)}, actor=world.officer
    )
    assert (
        listing.status == ListingStatus.LISTED
        and publication.current_for(listing, "credit_listing") is not None
    )
    file(world, listing)
    remedies.decide_remedy(listing, {"outcome": "驳回"}, actor=world.officer)
    assert listing.status == ListingStatus.LISTED and len(listing.remedies) == 2


def test_remedy_gates(world, listed):
    listing = in_force(world, listed)
    clock.freeze(date(2026, 11, 20))
    for stranger in (world.manager_a, world.other_officer):
        with pytest.raises(PermissionDenied):
            file(world, listing, actor=stranger)
    with pytest.raises(ValidationFailed):
        file(world, listing, filed_on=date(2026, 10, 1))  # before the 列入决定
    with pytest.raises(ValidationFailed):
        file(world, listing, filed_on=date(2026, 11, 21))  # in the future
    with pytest.raises(ValidationFailed):
        file(world, listing, kind="信访")
    with pytest.raises(InvalidState, match="没有尚未审结"):
        remedies.decide_remedy(listing, {"outcome": "维持"}, actor=world.officer)
    file(world, listing)
    with pytest.raises(ValidationFailed):
        remedies.decide_remedy(
            listing, {"outcome": "撤销", "outcome_on": date(2026, 11, 19), "ref": "x"}, actor=world.leader
        )
    proposed = listed(enterprise=world.ent_b)
    proposed.status, proposed.decided_on = ListingStatus.PROPOSED, None
    with pytest.raises(InvalidState, match="没有可申请复议"):
        file(world, proposed)


def _case_listing(world, make_case, listed):
    w = to_execution(world, make_case)
    listing = listed()
    listing.case_id = w.case.id
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return w.case, listing


def test_overturning_the_penalty_withdraws_the_listing(world, make_case, listed):
    case, listing = _case_listing(world, make_case, listed)
    bystander = in_force(world, listed, enterprise=world.ent_b)  # not on that case
    clock.freeze(date(2026, 11, 20))
    ex.file_remedy(case, {"kind": "行政复议", "body": "萧县人民政府"}, actor=world.officer)
    clock.freeze(date(2026, 12, 30))
    ex.decide_remedy(case, {"outcome": "撤销", "ref": "萧政复决〔2026〕8号"}, actor=world.section_head)
    assert listing.status == ListingStatus.REVOKED and listing.end_kind == ListingEnd.OVERTURNED
    assert listing.ended_on == date(2026, 12, 30) and "撤销" in listing.end_reason
    assert publication.current_for(listing, "credit_listing") is None
    assert listing_publication(listing).withdraw_due_on == date(2027, 1, 5)
    assert publication.current_for(case, "penalty_decision") is None
    assert term.running_instance(listing) is None
    assert bystander.status == ListingStatus.LISTED


def test_a_penalty_found_unlawful_stops_a_listing_still_in_procedure(world, make_case, listed):
    from app import workflow
    from app.credit.operations.listing import open_listing

    w = to_execution(world, make_case)
    listing = listed()
    listing.case_id = w.case.id
    listing.status, listing.decided_on, listing.term_start, listing.term_end = (
        ListingStatus.PROPOSED,
        None,
        None,
        None,
    )
    db.session.flush()
    open_listing(listing, actor=world.officer)
    inst = workflow.instance_for(listing, "credit_listing")
    assert inst.status == InstanceStatus.RUNNING
    clock.freeze(date(2026, 11, 20))
    ex.file_remedy(w.case, {"kind": "行政诉讼", "body": "萧县人民法院"}, actor=world.officer)
    ex.decide_remedy(
        w.case, {"outcome": "确认违法", "ref": "（2026）皖1322行初5号"}, actor=world.section_head
    )
    assert listing.status == ListingStatus.REVOKED and listing.end_kind == ListingEnd.OVERTURNED
    assert db.session.get(type(inst), inst.id).status == InstanceStatus.CANCELLED


def test_a_changed_penalty_asks_the_officers_to_review(world, make_case, listed):
    case, listing = _case_listing(world, make_case, listed)
    clock.freeze(date(2026, 11, 20))
    ex.file_remedy(case, {"kind": "行政复议", "body": "萧县人民政府"}, actor=world.officer)
    line = case.lines[0]
    ex.decide_remedy(
        case,
        {"outcome": "变更", "ref": "萧政复决〔2026〕10号", "lines": [{"id": line.id, "fine": 1000}]},
        actor=world.section_head,
    )
    assert listing.status == ListingStatus.LISTED
    notes = db.session.scalars(
        select(Notification).where(Notification.title == "列入依据的处罚决定已变更")
    ).all()
    assert world.officer.id in {n.user_id for n in notes}


def test_an_ended_listing_overturned_later_is_recorded_as_overturned(world, listed):
    listing = in_force(world, listed)
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    assert remedies.overturn(listing, "列入决定经诉讼确认违法", actor=world.leader, on=clock.today())
    assert listing.status == ListingStatus.REVOKED and listing.end_kind == ListingEnd.OVERTURNED
    assert "信用修复" in listing.end_reason and "确认违法" in listing.end_reason
    assert remedies.overturn(listing, "再次", actor=world.leader, on=clock.today()) is False
