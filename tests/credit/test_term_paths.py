"""Every path through credit_expiry.bpmn and credit_repair.bpmn, taken through the operations and the timer
worker (the BPMN routes on what they decided)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app import workflow
from app.credit import effects
from app.credit.models import CreditListing, ListingEnd, ListingStatus, RepairStatus
from app.credit.operations import repair as repair_ops
from app.credit.operations import term
from app.extensions import db
from app.notifications.models import Notification
from app.workflow.models import InstanceStatus
from tests.factories.files import PDF
from tests.factories.workflow import tick_at

pytestmark = pytest.mark.usefixtures("frozen")

OPENS = date(2027, 11, 3)


def _listing(world, listed) -> CreditListing:
    listing = listed()
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


def _history(inst) -> list[str]:
    return [t.bpmn_id for t in workflow.history(inst)]


def _repair(world, listed, upload):
    from app import clock

    listing = _listing(world, listed)
    clock.freeze(OPENS)
    data = {
        "statement": "已整改",
        "commitment": [upload(world.manager_a, PDF, "承诺书.pdf", "application/pdf")],
    }
    repair = repair_ops.apply_repair(listing, data, actor=world.manager_a)
    return listing, repair, workflow.instance_for(repair, "credit_repair")


def _verify(world, repair):
    repair_ops.verify_repair(
        repair,
        {
            "verification": "核查属实",
            "proposal": "grant",
            "corrected_confirmed": True,
            "corrected_evidence": "现场核查已纠正",
            "paid_confirmed": True,
            "paid_evidence": "缴款书2027-018",
        },
        actor=world.officer,
    )


def _decide(world, repair, decision):
    repair_ops.decide_repair(repair, {"repair_decision": decision, "reason": "理由"}, actor=world.leader)


# --- credit_expiry -------------------------------------------------------------------------------------


def test_expiry_path_timer_then_expire(world, listed):
    listing = _listing(world, listed)
    inst = term.running_instance(listing)
    assert tick_at(date(2029, 11, 3)) == 1
    inst = db.session.get(type(inst), inst.id)
    assert inst.status == InstanceStatus.COMPLETED
    assert db.session.get(CreditListing, listing.id).end_kind == ListingEnd.EXPIRED


def test_expiry_path_cancelled_by_an_early_end(world, listed):
    listing = _listing(world, listed)
    inst = term.running_instance(listing)
    assert term.cancel_expiry(listing, actor=world.leader, reason="撤销列入")
    db.session.commit()
    assert db.session.get(type(inst), inst.id).status == InstanceStatus.CANCELLED
    assert tick_at(date(2029, 11, 3)) == 0
    assert db.session.get(CreditListing, listing.id).status == ListingStatus.LISTED


# --- credit_repair -------------------------------------------------------------------------------------


def test_repair_path_verify_decide_grant(world, listed, upload):
    listing, repair, inst = _repair(world, listed, upload)
    _verify(world, repair)
    _decide(world, repair, "grant")
    assert inst.status == InstanceStatus.COMPLETED and _history(inst) == ["verify_repair", "decide_repair"]
    assert repair.status == RepairStatus.GRANTED and listing.end_kind == ListingEnd.REPAIRED


def test_repair_path_verify_decide_refuse(world, listed, upload):
    listing, repair, inst = _repair(world, listed, upload)
    _verify(world, repair)
    _decide(world, repair, "refuse")
    assert inst.status == InstanceStatus.COMPLETED and repair.status == RepairStatus.REFUSED
    assert listing.status == ListingStatus.LISTED


def test_repair_path_returned_then_granted(world, listed, upload):
    listing, repair, inst = _repair(world, listed, upload)
    _verify(world, repair)
    _decide(world, repair, "return")
    assert repair.status == RepairStatus.VERIFYING and repair.decision is None
    assert workflow.ready_task_names(inst) == ["verify_repair"]
    _verify(world, repair)
    _decide(world, repair, "grant")
    assert _history(inst) == ["verify_repair", "decide_repair", "verify_repair", "decide_repair"]
    assert repair.status == RepairStatus.GRANTED and listing.status == ListingStatus.REMOVED


def test_repair_path_decision_overdue_reminder_then_decided(world, listed, upload):
    listing, repair, inst = _repair(world, listed, upload)
    _verify(world, repair)
    db.session.commit()
    assert tick_at(date(2027, 11, 25)) == 1  # decision_due 2027-11-24 has passed
    reminders = db.session.scalars(select(Notification).where(Notification.title == "信用修复决定超期")).all()
    assert {n.user_id for n in reminders} == {world.leader.id, world.officer.id}
    repair = db.session.get(type(repair), repair.id)
    assert workflow.ready_task_names(inst) == ["decide_repair"]
    _decide(world, repair, "grant")
    assert db.session.get(type(inst), inst.id).status == InstanceStatus.COMPLETED
    assert repair.status == RepairStatus.GRANTED


def test_the_generic_task_page_shows_the_checks_and_completes_the_tasks(world, listed, upload, login):
    from tests.factories.db import commit

    listing, repair, inst = _repair(world, listed, upload)
    commit()
    [task] = workflow.ready_tasks(inst)
    html = login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)
    facts = html[html.index('data-testid="credit-repair-facts"') :]
    assert "处罚决定已全部履行" in facts and "承诺书.pdf" in facts and "2027-11-24" in facts
    assert login(world.manager_b).get(f"/tasks/{task.id}").status_code == 404
    r = login(world.officer).post(
        f"/tasks/{task.id}",
        data={
            "verification": "核查属实",
            "proposal": "grant",
            "corrected_confirmed": "y",
            "corrected_evidence": "现场核查已纠正",
            "paid_confirmed": "y",
            "paid_evidence": "缴款书2027-018",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    commit()
    [task] = workflow.ready_tasks(inst)
    assert task.bpmn_id == "decide_repair"
    denied = login(world.officer).post(
        f"/tasks/{task.id}", data={"repair_decision": "grant", "reason": "同意"}
    )
    assert denied.status_code in (403, 404)
    r = login(world.leader).post(f"/tasks/{task.id}", data={"repair_decision": "grant", "reason": "同意"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    commit()
    listing = db.session.get(CreditListing, listing.id)
    assert listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.REPAIRED
