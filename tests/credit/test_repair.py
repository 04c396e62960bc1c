"""信用修复 (提前移出): the gates of an application (12 months, barred criteria, one at a time, who applies,
the 信用承诺书), the checks computed from the facts (the case's balance, new listing events, the correction),
verification by an officer, the decision by the jurisdiction's 负责人 (信用修复决定书 and the listing ends
early), and ★ the fraud revocation that restores the listing with its original term."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import attachments, clock, publication, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.cases import operations as case_ops
from app.cases.operations.execution import balance
from app.credit import effects
from app.credit.models import CreditListing, ListingEnd, ListingStatus, RepairStatus
from app.credit.operations import repair as repair_ops
from app.credit.operations import term
from app.documents import documents_for
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.workflow.models import HumanTask, TaskStatus
from tests.cases.walk import to_execution
from tests.factories.clock import START
from tests.factories.files import PDF
from tests.factories.workflow import tick_at

pytestmark = pytest.mark.usefixtures("frozen")

OPENS = date(2027, 11, 3)  # the day after the 12 months from START end (满12个月)


def in_force(world, listed, **kw) -> CreditListing:
    listing = listed(**kw)
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


def on(d: date) -> None:
    clock.freeze(d)


def application(upload, actor, **kw) -> dict:
    return {
        "statement": "罚款已缴清，已取得安全生产许可证并完成整改",
        "commitment": [upload(actor, PDF, "信用承诺书.pdf", "application/pdf")],
        **kw,
    }


def apply(world, listing, upload, actor=None):
    actor = actor or world.manager_a
    return repair_ops.apply_repair(listing, application(upload, actor), actor=actor)


def verify(world, repair, proposal="grant", confirm=True, actor=None):
    data = {"verification": "经核查，材料属实", "proposal": proposal}
    if confirm:
        data |= {"corrected_confirmed": True, "corrected_evidence": "2027年10月现场核查，已取得许可证"}
    if confirm and not repair.listing.case_id:  # no penalty case in this system: the officer confirms it
        data |= {"paid_confirmed": True, "paid_evidence": "事故罚款已由市局执行完毕（缴款书号2027-018）"}
    repair_ops.verify_repair(repair, data, actor=actor or world.officer)


def decide(world, repair, decision="grant", actor=None):
    repair_ops.decide_repair(
        repair, {"repair_decision": decision, "reason": "符合修复条件"}, actor=actor or world.leader
    )


# --- gates -------------------------------------------------------------------------------------------------


def test_early_removal_before_twelve_months_is_refused(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS - timedelta(days=1))
    with pytest.raises(InvalidState, match="列入满12个月后方可申请.*2027年11月03日起"):
        apply(world, listing, upload)
    on(OPENS)
    repair = apply(world, listing, upload)
    assert repair.status == RepairStatus.VERIFYING and repair.channel == repair_ops.CHANNEL_ONLINE
    assert repair.decision_due == date(2027, 11, 24)  # 15 working days
    assert [t.bpmn_id for t in workflow.ready_tasks(workflow.instance_for(repair, "credit_repair"))] == [
        "verify_repair"
    ]


def test_a_barred_criterion_is_refused(world, listed, upload, monkeypatch):
    listing = in_force(world, listed)
    on(OPENS)
    real = repair_ops.credit_pack
    monkeypatch.setattr(
        repair_ops, "credit_pack", lambda r, d: dataclasses.replace(real(r, d), repair_barred_criteria=("6",))
    )
    with pytest.raises(InvalidState, match="依第七条第一项情形列入的，不得提前移出"):
        apply(world, listing, upload)
    assert listing.repairs == []


def test_one_open_application_at_a_time_and_only_while_listed(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    apply(world, listing, upload)
    with pytest.raises(InvalidState, match="尚未办结的信用修复申请"):
        apply(world, listing, upload, actor=world.officer)
    other = listed(enterprise=world.ent_b)
    other.status = ListingStatus.DECIDING
    with pytest.raises(InvalidState, match="不能申请信用修复"):
        apply(world, other, upload, actor=world.officer)


def test_who_may_apply(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    for stranger in (world.manager_b, world.other_officer, world.legal):
        with pytest.raises(PermissionDenied):
            apply(world, listing, upload, actor=stranger)
    paper = apply(world, listing, upload, actor=world.officer)
    assert paper.channel == repair_ops.CHANNEL_RECORDED and paper.applied_by_id == world.officer.id


def test_the_commitment_is_required_and_must_be_the_applicants_upload(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    with pytest.raises(ValidationFailed) as err:
        repair_ops.apply_repair(listing, {"statement": "理由", "commitment": []}, actor=world.manager_a)
    assert "commitment" in err.value.field_errors
    foreign = upload(world.manager_b, PDF, "他人文件.pdf", "application/pdf")
    with pytest.raises(ValidationFailed):
        repair_ops.apply_repair(
            listing, {"statement": "理由", "commitment": [foreign]}, actor=world.manager_a
        )
    repair = apply(world, listing, upload)
    assert [a.original_name for a in attachments.attachments_for(repair, "commitment")] == ["信用承诺书.pdf"]
    commitment = next(c for c in repair.checks if c["key"] == "commitment")
    assert commitment["passed"] and "信用承诺书.pdf" in commitment["evidence"]


# --- checks --------------------------------------------------------------------------------------------------


def test_checks_from_the_facts_penalty_paid_in_full(world, make_case, listed, upload):
    w = to_execution(world, make_case)
    case = w.case
    listing = listed()
    listing.case_id = case.id
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    on(OPENS)
    checks = {c["key"]: c for c in repair_ops.repair_checks(listing)}
    assert not checks["paid"]["passed"] and "尚欠" in checks["paid"]["evidence"]
    assert checks["no_new"]["passed"]
    assert not checks["corrected"]["passed"]
    assert not checks["commitment"]["passed"]
    principal = balance(case).owed_principal
    assert principal > 0
    case_ops.record_payment(
        case, {"paid_on": clock.today(), "amount": principal, "receipt_no": "PJ1"}, actor=world.officer
    )
    surcharge = balance(case).owed  # 加处罚款 accrued since the due day: owed too
    assert surcharge > 0
    checks = {c["key"]: c for c in repair_ops.repair_checks(listing)}
    assert not checks["paid"]["passed"]
    case_ops.record_payment(
        case, {"paid_on": clock.today(), "amount": surcharge, "receipt_no": "PJ2"}, actor=world.officer
    )
    checks = {c["key"]: c for c in repair_ops.repair_checks(listing)}
    assert checks["paid"]["passed"] and "已全部缴清" in checks["paid"]["evidence"]
    # the officer cannot confirm a payment the case's balance decides; the correction he can
    repair = apply(world, listing, upload)
    with pytest.raises(ValidationFailed, match="以案件的缴款记录为准"):
        repair_ops.verify_repair(
            repair,
            {"verification": "核查", "proposal": "grant", "paid_confirmed": True, "paid_evidence": "收据"},
            actor=world.officer,
        )
    verify(world, repair)
    by_key = {c["key"]: c for c in repair.checks}
    assert by_key["corrected"]["passed"] and by_key["corrected"]["confirmed_by"] == world.officer.id
    assert all(c["passed"] for c in repair.checks)


def test_a_penalty_not_paid_cannot_be_granted(world, make_case, listed, upload):
    w = to_execution(world, make_case)
    listing = listed()
    listing.case_id = w.case.id
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    on(OPENS)
    repair = apply(world, listing, upload)
    with pytest.raises(ValidationFailed, match="处罚决定已全部履行"):
        verify(world, repair, proposal="grant")
    verify(world, repair, proposal="refuse")
    with pytest.raises(ValidationFailed, match="不能准予"):
        decide(world, repair, "grant")
    decide(world, repair, "refuse")
    assert repair.status == RepairStatus.REFUSED and listing.status == ListingStatus.LISTED


def test_a_new_listing_event_fails_the_check(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    newer = listed()  # the same enterprise, proposed now
    newer.status = ListingStatus.PROPOSED
    newer.proposed_on = date(2027, 6, 1)
    checks = {c["key"]: c for c in repair_ops.repair_checks(listing)}
    assert not checks["no_new"]["passed"] and "2027年06月01日" in checks["no_new"]["evidence"]
    newer.status = ListingStatus.DECLINED  # 不予列入 is not a listing event
    checks = {c["key"]: c for c in repair_ops.repair_checks(listing)}
    assert checks["no_new"]["passed"]


# --- verify and decide ---------------------------------------------------------------------------------


def test_verify_and_decide_permissions(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    for wrong in (world.manager_a, world.other_officer, world.leader):
        with pytest.raises(PermissionDenied):
            verify(world, repair, actor=wrong)
    with pytest.raises(InvalidState):
        decide(world, repair)  # verify first
    verify(world, repair)
    assert repair.status == RepairStatus.DECIDING and repair.verified_by_id == world.officer.id
    other_leader = User(username="other_leader", name="外县负责人", department=world.other_bureau)
    other_leader.password_hash = "x"
    other_leader.set_roles([Role.LEADER])
    db.session.add(other_leader)
    db.session.flush()
    for wrong in (world.officer, world.section_head, other_leader, world.manager_a):
        with pytest.raises(PermissionDenied):
            decide(world, repair, actor=wrong)
    assert repair.status == RepairStatus.DECIDING


def test_grant_removes_the_listing_early_with_its_decision_document(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    verify(world, repair)
    decide(world, repair)
    assert repair.status == RepairStatus.GRANTED and repair.decision == "准予" and repair.decided_on == OPENS
    assert listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.REPAIRED
    assert listing.ended_on == OPENS and listing.term_end == date(2029, 11, 2)
    [doc] = documents_for(listing, doc_type="credit_repair_decision")
    assert doc.title == "信用修复决定书" and doc.content["outcome"] == "准予" and "信修" in doc.number.text
    assert publication.current_for(listing, "credit_listing") is None
    assert term.running_instance(listing) is None
    assert all(m.lifted_on == OPENS for m in listing.measures)


def test_refusal_is_the_same_document_type_with_its_outcome(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    verify(world, repair, proposal="refuse", confirm=False)
    decide(world, repair, "refuse")
    [doc] = documents_for(listing, doc_type="credit_repair_decision")
    assert doc.title == "不予信用修复决定书" and doc.content["outcome"] == "不予"
    assert repair.status == RepairStatus.REFUSED and listing.status == ListingStatus.LISTED
    assert term.running_instance(listing) is not None
    # refused: a new application may follow
    again = apply(world, listing, upload)
    assert again.status == RepairStatus.VERIFYING


def test_decision_window_reminder_fires_once_at_its_end(world, listed, upload):
    from app.notifications.models import Notification

    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    verify(world, repair)
    db.session.commit()
    task = db.session.scalar(select(HumanTask).where(HumanTask.bpmn_id == "decide_repair"))
    assert task.due_date == date(2027, 11, 24)
    assert tick_at(datetime(2027, 11, 24, 23, 0, tzinfo=clock.TZ)) == 0
    assert tick_at(date(2027, 11, 25)) == 1
    notes = db.session.scalars(select(Notification).where(Notification.kind == "credit_deadline")).all()
    assert {n.user_id for n in notes} == {world.leader.id, world.officer.id}
    repair = db.session.get(type(repair), repair.id)
    assert repair.status == RepairStatus.DECIDING  # still to decide
    task = db.session.get(HumanTask, task.id)
    assert task.status == TaskStatus.READY


# --- ★ fraud --------------------------------------------------------------------------------------------


def granted(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    verify(world, repair)
    decide(world, repair)
    db.session.commit()
    return listing, repair


def test_fraud_revocation_restores_the_listing_with_its_original_term(world, listed, upload):
    listing, repair = granted(world, listed, upload)
    on(date(2028, 3, 1))
    with pytest.raises(PermissionDenied):
        repair_ops.revoke_repair(repair, {"reason": "承诺书虚假"}, actor=world.officer)
    with pytest.raises(ValidationFailed):
        repair_ops.revoke_repair(repair, {"reason": " "}, actor=world.leader)
    repair_ops.revoke_repair(repair, {"reason": "经查，申请时提交的许可证复印件系伪造"}, actor=world.leader)
    db.session.commit()
    assert repair.status == RepairStatus.REVOKED and repair.revoked_on == date(2028, 3, 1)
    assert listing.status == ListingStatus.LISTED and listing.end_kind is None and listing.ended_on is None
    assert listing.term_start == START and listing.term_end == date(2029, 11, 2)  # the original term
    [doc] = documents_for(listing, doc_type="credit_revoke")
    assert "撤移" in doc.number.text and doc.content["term_end"] == "2029-11-02"
    entry = publication.current_for(listing, "credit_listing")
    assert entry is not None and entry.expires_on == date(2029, 11, 2)
    assert term.running_instance(listing) is not None
    with pytest.raises(InvalidState, match="只有已准予移出的可以撤销"):
        repair_ops.revoke_repair(repair, {"reason": "再次"}, actor=world.leader)
    # and the original term still ends it, exactly
    assert tick_at(datetime(2029, 11, 2, 23, 59, tzinfo=clock.TZ)) == 0
    assert tick_at(date(2029, 11, 3)) == 1
    listing = db.session.get(CreditListing, listing.id)
    assert listing.end_kind == ListingEnd.EXPIRED and listing.ended_on == date(2029, 11, 2)


def test_fraud_found_after_the_original_term_ends_it_as_expired(world, listed, upload):
    listing, repair = granted(world, listed, upload)
    on(date(2030, 1, 6))
    repair_ops.revoke_repair(repair, {"reason": "承诺事项未履行且材料虚假"}, actor=world.leader)
    assert listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.EXPIRED
    assert listing.ended_on == date(2029, 11, 2)
    assert publication.current_for(listing, "credit_listing") is None
    assert term.running_instance(listing) is None


def test_only_a_granted_early_removal_can_be_revoked(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    with pytest.raises(InvalidState):
        repair_ops.revoke_repair(repair, {"reason": "弄虚作假"}, actor=world.leader)
    assert listing.status == ListingStatus.LISTED


def test_grant_after_the_listing_ended_meanwhile_is_refused(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    verify(world, repair)
    effects.end_effects(listing, ListingEnd.OVERTURNED, "列入决定经复议撤销", actor=world.leader, on=OPENS)
    # the listing's end terminated the open application (effects.end_effects): nothing left to decide
    assert repair.status == RepairStatus.TERMINATED
    with pytest.raises(InvalidState, match="已终止"):
        decide(world, repair)
    assert repair.status == RepairStatus.TERMINATED and repair.decision is None


def test_the_task_page_handlers_call_the_same_operations(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    task = db.session.scalar(select(HumanTask).where(HumanTask.bpmn_id == "verify_repair"))
    handler = workflow.user_task_handler("credit_repair", "verify_repair")
    with pytest.raises(PermissionDenied):
        handler(task, {"verification": "x", "proposal": "refuse"}, actor=world.manager_a)
    handler(task, {"verification": "核查属实", "proposal": "refuse"}, actor=world.officer)
    assert repair.status == RepairStatus.DECIDING
    task = db.session.scalar(select(HumanTask).where(HumanTask.bpmn_id == "decide_repair"))
    workflow.user_task_handler("credit_repair", "decide_repair")(
        task, {"repair_decision": "refuse", "reason": "条件不符"}, actor=world.leader
    )
    assert repair.status == RepairStatus.REFUSED


def test_without_a_penalty_case_the_officer_confirms_with_evidence(world, listed, upload):
    listing = in_force(world, listed)
    on(OPENS)
    repair = apply(world, listing, upload)
    checks = {c["key"]: c for c in repair.checks}
    assert not checks["paid"]["passed"] and "须由执法人员核实" in checks["paid"]["evidence"]
    with pytest.raises(ValidationFailed) as err:
        repair_ops.verify_repair(
            repair, {"verification": "核查", "proposal": "grant", "paid_confirmed": True}, actor=world.officer
        )
    assert "paid_evidence" in err.value.field_errors
    with pytest.raises(ValidationFailed, match="处罚决定已全部履行"):  # correction confirmed, payment not
        repair_ops.verify_repair(
            repair,
            {
                "verification": "核查",
                "proposal": "grant",
                "corrected_confirmed": True,
                "corrected_evidence": "已纠正",
            },
            actor=world.officer,
        )
    verify(world, repair)
    paid = next(c for c in repair.checks if c["key"] == "paid")
    assert paid["passed"] and paid["confirmed_by"] == world.officer.id and "缴款书号" in paid["evidence"]
    # the confirmations are kept when the checks are computed again (the decision's page, the decision)
    assert all(c["passed"] for c in repair_ops.repair_checks(listing, repair))
