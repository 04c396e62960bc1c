"""Loose ends between a listing's effects and what hangs on it: a listing resting on a penalty case keeps the
case's decision public for the serious maximum (国家发改委令第58号); the overturn of the case names the user who
recorded it on the listing's 撤销 events; an open 信用修复 application ends (已终止, its workflow cancelled)
when the listing ends another way — 期满移出 or 撤销列入 — while the application being granted does not."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app import audit, clock, publication, workflow
from app.audit.models import AuditEvent
from app.cases.operations import execution as ex
from app.credit import effects
from app.credit.models import CreditListing, ListingEnd, ListingStatus, RepairApplication, RepairStatus
from app.credit.operations import remedies, term
from app.credit.operations import repair as repair_ops
from app.errors import InvalidState
from app.extensions import db
from app.workflow.models import HumanTask, InstanceStatus, TaskStatus
from tests.cases.walk import to_execution
from tests.factories.files import PDF
from tests.factories.workflow import tick_at

pytestmark = pytest.mark.usefixtures("frozen")

OPENS = date(2027, 11, 3)  # the day after 12 months from START (满12个月): 信用修复 may be applied for


def in_force(world, listed, **kw) -> CreditListing:
    listing = listed(**kw)
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


def events(action: str, obj) -> list[AuditEvent]:
    """The object's events of one action, stored or still pending in this transaction."""
    return [e for e in audit.history(obj) if e.action == action]


# --- the penalty decision under a listing stays public for the serious maximum --------------------------------


def test_a_listing_taking_effect_keeps_its_case_public_for_the_serious_maximum(world, make_case, listed):
    case = to_execution(world, make_case).case
    entry = publication.current_for(case, "penalty_decision")
    d = case.decided_on
    assert entry.expires_on == date(d.year + 1, d.month, d.day)  # a general penalty: one year
    listing = listed()
    listing.case_id = case.id
    db.session.flush()
    effects.take_effect(listing, actor=world.officer)
    assert entry.expires_on == date(d.year + 3, d.month, d.day)
    [extended] = events("credit.info_publication_extended", case)
    assert extended.actor_id == world.officer.id and extended.data["listing_id"] == listing.id
    [taken] = events(effects.TAKEN, listing)
    assert taken.data["case_publication_extended"] is True


def test_a_listing_without_a_case_in_the_system_takes_effect_without_touching_publications(world, listed):
    listing = in_force(world, listed)
    assert listing.case_id is None
    [taken] = events(effects.TAKEN, listing)
    assert taken.data["case_publication_extended"] is False
    db.session.commit()
    assert (
        db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "credit.info_publication_extended")
        )
        is None
    )


# --- the overturned case names who recorded it ---------------------------------------------------------------


def test_the_overturn_of_the_case_names_the_user_on_the_listings_events(world, make_case, listed):
    case = to_execution(world, make_case).case
    listing = listed()
    listing.case_id = case.id
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    clock.freeze(date(2026, 11, 20))
    ex.file_remedy(case, {"kind": "行政复议", "body": "萧县人民政府"}, actor=world.officer)
    clock.freeze(date(2026, 12, 30))
    ex.decide_remedy(case, {"outcome": "撤销", "ref": "萧政复决〔2026〕8号"}, actor=world.section_head)
    assert listing.status == ListingStatus.REVOKED and listing.end_kind == ListingEnd.OVERTURNED
    [ended] = events(effects.ENDED, listing)
    assert ended.actor_id == world.section_head.id
    assert ended.actor_name == world.section_head.name and "撤销列入" in ended.summary
    # the term's timer cancelled in the same step, by the same user
    [cancelled] = events("credit.expiry_cancelled", listing)
    assert cancelled.actor_id == world.section_head.id


def test_a_listing_still_in_procedure_overturned_with_its_case_names_the_user(world, make_case, listed):
    from app.credit.operations.listing import open_listing

    case = to_execution(world, make_case).case
    listing = listed()
    listing.case_id = case.id
    listing.status, listing.decided_on, listing.term_start, listing.term_end = (
        ListingStatus.PROPOSED,
        None,
        None,
        None,
    )
    db.session.flush()
    open_listing(listing, actor=world.officer)
    clock.freeze(date(2026, 11, 20))
    ex.file_remedy(case, {"kind": "行政诉讼", "body": "萧县人民法院"}, actor=world.officer)
    ex.decide_remedy(case, {"outcome": "确认违法", "ref": "（2026）皖1322行初5号"}, actor=world.section_head)
    assert listing.status == ListingStatus.REVOKED
    [overturned] = events("credit.overturned", listing)
    assert overturned.actor_id == world.section_head.id


# --- an open 信用修复 application when the listing ends another way --------------------------------------------


def apply(world, listing, upload) -> RepairApplication:
    data = {
        "statement": "罚款已缴清，已取得安全生产许可证并完成整改",
        "commitment": [upload(world.manager_a, PDF, "信用承诺书.pdf", "application/pdf")],
    }
    return repair_ops.apply_repair(listing, data, actor=world.manager_a)


def verify(world, repair, proposal="grant") -> None:
    repair_ops.verify_repair(
        repair,
        {
            "verification": "经核查，材料属实",
            "proposal": proposal,
            "corrected_confirmed": True,
            "corrected_evidence": "现场核查，已取得许可证",
            "paid_confirmed": True,
            "paid_evidence": "罚款已缴清（缴款书号2027-018）",
        },
        actor=world.officer,
    )


def decide(world, repair, decision="grant") -> None:
    repair_ops.decide_repair(
        repair, {"repair_decision": decision, "reason": "符合修复条件"}, actor=world.leader
    )


def assert_terminated(repair: RepairApplication, actor_id, end: ListingEnd) -> None:
    assert repair.status == RepairStatus.TERMINATED == "已终止"
    assert repair.decision is None and repair.decided_on is None
    inst = workflow.instance_for(repair, repair_ops.PROCESS)
    assert inst.status == InstanceStatus.CANCELLED
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)).all()
    assert tasks and all(t.status != TaskStatus.READY for t in tasks)
    [event] = events(effects.REPAIR_TERMINATED, repair)
    assert event.actor_id == actor_id
    assert event.data["end_kind"] == end.value and event.changes["status"][1] == "已终止"


def test_an_open_application_is_terminated_when_the_term_expires(world, listed, upload):
    listing = in_force(world, listed)
    listing_id = listing.id
    clock.freeze(date(2029, 10, 29))  # a few days before the term's end
    repair = apply(world, listing, upload)
    repair_id = repair.id
    db.session.commit()
    assert repair.status == RepairStatus.VERIFYING
    assert tick_at(datetime(2029, 11, 3, 0, 0, tzinfo=clock.TZ)) == 1  # the term's timer: 期满移出
    listing = db.session.get(CreditListing, listing_id)
    repair = db.session.get(RepairApplication, repair_id)
    assert listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.EXPIRED
    assert_terminated(repair, None, ListingEnd.EXPIRED)  # the timer ended it: no user
    # nothing is left to decide, whoever tries
    with pytest.raises(InvalidState):
        verify(world, repair)
    with pytest.raises(InvalidState):
        decide(world, repair)
    assert repair.status == RepairStatus.TERMINATED
    # the application's own reminder timer was cancelled with it: nothing fires later
    assert tick_at(date(2029, 12, 31)) == 0


def test_an_application_awaiting_the_decision_is_terminated_when_the_listing_is_overturned(
    world, listed, upload
):
    listing = in_force(world, listed)
    clock.freeze(date(2027, 4, 30))
    remedies.record_remedy(
        listing, {"kind": "诉讼", "body": "萧县人民法院", "filed_on": date(2027, 4, 30)}, actor=world.officer
    )
    clock.freeze(OPENS)
    refused = apply(world, listing, upload)
    verify(world, refused, proposal="refuse")
    decide(world, refused, "refuse")
    repair = apply(world, listing, upload)
    verify(world, repair)
    assert repair.status == RepairStatus.DECIDING
    clock.freeze(date(2027, 11, 10))
    remedies.decide_remedy(
        listing, {"outcome": "撤销", "ref": "（2027）皖1322行初9号"}, actor=world.section_head
    )
    assert listing.status == ListingStatus.REVOKED and listing.end_kind == ListingEnd.OVERTURNED
    assert_terminated(repair, world.section_head.id, ListingEnd.OVERTURNED)
    assert refused.status == RepairStatus.REFUSED  # a decided application keeps its decision
    assert events(effects.REPAIR_TERMINATED, refused) == []
    with pytest.raises(InvalidState):
        decide(world, repair)


def test_the_granted_application_itself_is_not_terminated_by_its_early_removal(world, listed, upload):
    listing = in_force(world, listed)
    clock.freeze(OPENS)
    repair = apply(world, listing, upload)
    verify(world, repair)
    decide(world, repair)
    assert listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.REPAIRED
    assert repair.status == RepairStatus.GRANTED
    assert events(effects.REPAIR_TERMINATED, repair) == []
    assert workflow.instance_for(repair, repair_ops.PROCESS).status == InstanceStatus.COMPLETED
    assert term.running_instance(listing) is None
