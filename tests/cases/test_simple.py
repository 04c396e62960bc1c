"""简易程序 (当场处罚) at the operation level: every path of penalty_simple (备案 → 办结; 备案 → 罚款缴纳 → 办结;
the 备案 timer; the payment timer), every refusal, and the proposal's other endings (不予处罚 without a case)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app import clock, workflow
from app.audit.models import AuditEvent
from app.cases import operations as ops
from app.cases.models import (
    CaseStatus,
    PaymentKind,
    Procedure,
    ProposalStatus,
)
from app.cases.operations.common import ready_ids
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications.models import Notification
from tests.factories.workflow import tick_at


def spot(world, **kw) -> dict:
    return {
        "officer_ids": [world.officer.id, world.officer2.id],
        "target": "单位",
        "kinds": ["罚款"],
        "fine": Decimal("2000"),
        "facts": "现场检查发现安全警示标志缺失",
        "provisions": "《安全生产法》第三十五条、第九十九条第（一）项",
        "act_date": clock.today(),
        "party_signed": True,
        "place": "企业生产车间",
        **kw,
    }


def test_fine_then_filing_then_payment_ends(world, frozen, make_proposal):
    proposal = make_proposal()
    case = ops.decide_on_the_spot(proposal, spot(world), actor=world.officer)
    assert case.procedure == Procedure.SIMPLE and case.status == CaseStatus.SIMPLE_FILING
    assert case.case_no == "（萧）应急当罚〔2026〕1号" and case.serial == 1
    assert proposal.status == ProposalStatus.SIMPLE
    assert case.payment_due == clock.today() + timedelta(days=15)
    assert ready_ids(case) == ["file_simple"]
    ops.file_simple(case, {"opinion": "同意备案"}, actor=world.section_head)
    assert case.on_the_spot["filed_on"] == clock.today().isoformat()
    assert ready_ids(case) == ["execute_simple"] and case.status == CaseStatus.EXECUTING
    with pytest.raises(ValidationFailed, match="未缴清"):
        ops.execute_simple(case, {"execution_result": "执行完毕"}, actor=world.officer)
    ops.record_payment(
        case, {"paid_on": clock.today(), "amount": Decimal("2000"), "receipt_no": "PJ9"}, actor=world.officer
    )
    ops.execute_simple(case, {"execution_result": "执行完毕"}, actor=world.officer)
    assert case.status == CaseStatus.CLOSED and case.closed_on == clock.today()
    assert workflow.instance_for(case).status == "completed"


def test_warning_on_an_enterprise_without_proposal_ends_at_filing(world, frozen):
    case = ops.decide_on_the_spot(
        world.ent_a,
        spot(world, kinds=["警告"], fine=Decimal("0"), party_signed=False, refusal_note="当事人拒签"),
        actor=world.officer,
    )
    assert case.proposal is None and case.payment_due is None
    assert case.on_the_spot["refusal_note"] == "当事人拒签"
    ops.file_simple(case, {}, actor=world.section_head)
    assert case.status == CaseStatus.CLOSED and ready_ids(case) == []


def test_on_the_spot_collection_and_cash_handover(world, frozen):
    case = ops.decide_on_the_spot(
        world.ent_a,
        spot(
            world, target="个人", party_name="张三", fine=Decimal("100"), collected=True, receipt_no="CZ001"
        ),
        actor=world.officer,
    )
    assert [p.kind for p in case.payments] == [PaymentKind.ON_THE_SPOT] and case.paid_on == clock.today()
    assert case.on_the_spot["handover_due"] == "2026-11-04"  # 2 working days from Monday 2026-11-02
    with pytest.raises(ValidationFailed, match="上交日期"):
        ops.file_simple(case, {}, actor=world.section_head)
    clock.freeze(date(2026, 11, 5))
    ops.file_simple(case, {"cash_handed_on": date(2026, 11, 5)}, actor=world.section_head)
    assert case.on_the_spot["cash_late"] is True and case.status == CaseStatus.CLOSED


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"fine": Decimal("3000.01")}, "fine"),  # unit cap 3000
        ({"target": "个人", "party_name": "张三", "fine": Decimal("201")}, "fine"),  # person cap 200
        ({"kinds": ["罚款", "责令停产停业整顿"]}, "fine"),  # only 警告 / 罚款
        ({"officer_ids": []}, "officer_ids"),
        ({"party_signed": False}, "party_signed"),
        ({"collected": True, "receipt_no": "X1"}, "collected"),  # 2000 > 100 without a remote reason
        ({"fine": Decimal("100"), "collected": True}, "receipt_no"),
        ({"facts": ""}, "facts"),
        ({"kinds": ["罚款"], "fine": Decimal("0")}, "fine"),
    ],
)
def test_refusals(world, frozen, kw, field):
    data = spot(world, **kw)
    if field == "officer_ids":
        data["officer_ids"] = [world.officer.id]
    with pytest.raises(ValidationFailed) as exc:
        ops.decide_on_the_spot(world.ent_a, data, actor=world.officer)
    assert field in exc.value.field_errors


def test_caps_inclusive_and_remote_collection(world, frozen):
    ops.decide_on_the_spot(world.ent_a, spot(world, fine=Decimal("3000")), actor=world.officer)
    case = ops.decide_on_the_spot(
        world.ent_b,
        spot(world, fine=Decimal("500"), collected=True, receipt_no="CZ2", remote_reason="山区交通不便"),
        actor=world.officer,
    )
    assert case.on_the_spot["remote_reason"] == "山区交通不便"


def test_who_may_act(world, frozen, make_proposal):
    with pytest.raises(PermissionDenied):
        ops.decide_on_the_spot(world.ent_a, spot(world), actor=world.other_officer)
    case = ops.decide_on_the_spot(world.ent_a, spot(world), actor=world.officer)
    with pytest.raises(PermissionDenied):
        ops.file_simple(case, {}, actor=world.officer)
    with pytest.raises(InvalidState):
        ops.execute_simple(case, {"execution_result": "终结执行", "reason": "x"}, actor=world.officer)
    proposal = make_proposal()
    ops.decide_on_the_spot(proposal, spot(world), actor=world.officer)
    with pytest.raises(InvalidState, match="已处理"):
        ops.decide_on_the_spot(proposal, spot(world), actor=world.officer)


def test_same_act_fined_twice_is_refused(world, frozen):
    data = spot(world, violation_code="AQSCF-97-5")
    ops.decide_on_the_spot(world.ent_a, data, actor=world.officer)
    with pytest.raises(ValidationFailed, match="一事不二罚"):
        ops.decide_on_the_spot(world.ent_a, data, actor=world.officer)


def test_filing_timer_then_payment_timer(world, frozen):
    case = ops.decide_on_the_spot(world.ent_a, spot(world), actor=world.officer)
    db.session.commit()
    # 备案 within 5 calendar days: the 5th day (Saturday 2026-11-07) rolls to Monday 2026-11-09
    assert tick_at(date(2026, 11, 9), hour=23) == 0
    assert tick_at(date(2026, 11, 10), hour=0) == 1
    case = db.session.get(type(case), case.id)
    notes = db.session.query(Notification).filter(Notification.key.like("%simple_filing_overdue%")).all()
    assert {n.user_id for n in notes} >= {world.section_head.id, world.officer.id}
    assert ready_ids(case) == ["file_simple"]  # non-interrupting: still to be filed
    ops.file_simple(case, {}, actor=world.section_head)
    db.session.commit()
    assert tick_at(date(2026, 11, 18)) == 1  # payment due 2026-11-17 (15 days)
    assert db.session.query(AuditEvent).filter_by(action="case.payment_overdue").count() == 1
    assert ready_ids(case) == ["execute_simple"]


def test_no_penalty_on_a_proposal(world, frozen, make_proposal):
    proposal = make_proposal()
    with pytest.raises(PermissionDenied):
        ops.no_penalty_on_proposal(proposal, {}, actor=world.officer)
    for bad, field in (
        ({"no_penalty_reason": "其他"}, "no_penalty_reason"),
        ({"no_penalty_reason": "首违", "reason": "初次违法"}, "education"),
        ({"no_penalty_reason": "首违", "education": "已教育"}, "reason"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            ops.no_penalty_on_proposal(proposal, bad, actor=world.section_head)
        assert field in exc.value.field_errors
    ops.no_penalty_on_proposal(
        proposal,
        {"no_penalty_reason": "首违", "reason": "初次违法且及时改正", "education": "现场宣讲安全生产法"},
        actor=world.section_head,
    )
    assert proposal.status == ProposalStatus.NO_PENALTY and proposal.reason.startswith("首违：")
    assert proposal.case is None
    with pytest.raises(InvalidState):
        ops.decline_proposal(proposal, "x", actor=world.section_head)
    with pytest.raises(InvalidState):
        ops.decide_on_the_spot(proposal, spot(world), actor=world.officer)


# ---- pages --------------------------------------------------------------------------------------------


def test_pages_start_each_side_procedure(login, world, frozen, make_proposal, make_case):
    from tests.factories.db import commit

    p1, p2, p3 = make_proposal(), make_proposal(), make_proposal()
    case = make_case().file().case
    commit()
    officer = login(world.officer)
    assert officer.get(f"/cases/proposals/{p1.id}/simple").status_code == 200
    assert login(world.other_officer).get(f"/cases/proposals/{p1.id}/simple").status_code == 404
    r = officer.post(
        f"/cases/proposals/{p1.id}/simple",
        data={
            "officer_ids": [str(world.officer.id), str(world.officer2.id)],
            "target": "单位",
            "kinds": ["罚款"],
            "fine": "5000",
            "facts": "未设置安全警示标志",
            "provisions": "《安全生产法》第九十九条",
            "act_date": clock.today().isoformat(),
            "party_signed": "y",
        },
    )
    assert r.status_code == 422 and "3000" in r.get_data(as_text=True)  # the cap, next to the field
    r = officer.post(
        f"/cases/proposals/{p1.id}/simple",
        data={
            "officer_ids": [str(world.officer.id), str(world.officer2.id)],
            "target": "单位",
            "kinds": ["罚款"],
            "fine": "2000",
            "facts": "未设置安全警示标志",
            "provisions": "《安全生产法》第九十九条",
            "act_date": clock.today().isoformat(),
            "party_signed": "y",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(p1), p1.id).status == ProposalStatus.SIMPLE
    head = login(world.section_head)
    r = head.post(
        f"/cases/proposals/{p2.id}/no-penalty",
        data={"no_penalty_reason": "轻微", "reason": "及时改正", "education": "现场教育"},
    )
    assert r.status_code == 302
    r = officer.post(
        f"/cases/proposals/{p3.id}/transfer",
        data={
            "officer_ids": [str(world.officer.id), str(world.officer2.id)],
            "suspected_crime": "危险作业罪",
            "transfer_reasons": "拒不整改",
        },
    )
    assert r.status_code == 302
    r = officer.post(
        f"/cases/{case.id}/preservation",
        data={
            "items-0-name": "台账",
            "items-0-quantity": "1本",
            "place": "办公室",
            "custodian": "李四",
            "witnesses": "李四、张三",
            "reason": "可能灭失",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(type(p2), p2.id).status == ProposalStatus.NO_PENALTY
    item = [e for e in db.session.get(type(case), case.id).evidence_items if e.kind == "先行登记保存"][0]
    assert item.details["witnesses"] == ["李四", "张三"] and item.status == "待批准"
