"""举报 (journey 10) at the operation level: every path through tip_off.bpmn — 不予受理, 不属实, 属实 without a
reward, 属实 with a reward (重大事故隐患 or a penalty's 罚没款) — the deadlines from the pack, the verifying
inspection (source 举报: exempt from the cap, recorded), the reminder timers, and the denials."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app import audit, clock, workflow
from app.calendar import legal_calendar
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections.caps import budget
from app.inspections.models import InspectionSource, TipOffStatus
from app.inspections.operations import tipoff as ops
from app.inspections.rules import RewardBand, inspection_pack
from app.notifications.models import Notification
from tests.factories.clock import START, at
from tests.factories.inspections_tipoff import visit


def _ready(t) -> list[str]:
    inst = workflow.instance_for(t, ops.PROCESS)
    return sorted(x.bpmn_id for x in workflow.ready_tasks(inst)) if inst is not None else []


def _task(t, bpmn_id):
    inst = workflow.instance_for(t, ops.PROCESS)
    return next(x for x in workflow.ready_tasks(inst) if x.bpmn_id == bpmn_id)


def test_receive_numbers_it_gives_a_query_code_and_waits_for_assignment(world, tipoffs):
    t, code = tipoffs.receive()
    assert t.no == "（萧）应急举报〔2026〕1号"
    assert t.status == TipOffStatus.ASSIGNING and t.received_on == START
    assert t.received_by_id == world.officer.id and t.agency_id == world.bureau.id
    assert t.region_path == world.ent_a.region_path and t.enterprise_id == world.ent_a.id
    assert (
        len(code) == ops.CODE_LENGTH
        and t.query_code_hash == ops.hash_code(code)
        and code not in t.query_code_hash
    )
    assert ops.find_by_code(code.lower()) is t  # case and separators do not matter
    assert _ready(t) == ["assign"]
    t2, code2 = tipoffs.receive(anonymous=True)
    assert t2.no == "（萧）应急举报〔2026〕2号" and code2 != code
    assert t2.informant_name is None and t2.informant_phone is None  # an anonymous tip-off keeps no identity
    (event,) = [e for e in audit.history(t) if e.action == "tipoff.received"]
    assert event.summary == f"受理举报{t.no}（电话，实名）"
    notices = db.session.query(Notification).filter_by(user_id=world.section_head.id).all()
    assert any(t.no in n.title for n in notices)


def test_receive_rules(world, tipoffs):
    with pytest.raises(ValidationFailed) as e:
        tipoffs.receive(content="  ")
    assert "content" in e.value.field_errors
    with pytest.raises(ValidationFailed) as e:
        tipoffs.receive(informant_name="")
    assert "informant_name" in e.value.field_errors
    with pytest.raises(ValidationFailed) as e:
        tipoffs.receive(informant_phone="", informant_address="")
    assert "informant_phone" in e.value.field_errors
    with pytest.raises(ValidationFailed) as e:
        tipoffs.receive(enterprise_id=world.ent_other.id)  # another county's enterprise
    assert "enterprise_id" in e.value.field_errors
    with pytest.raises(ValidationFailed):
        tipoffs.receive(channel="微信")
    with pytest.raises(PermissionDenied):
        tipoffs.receive(actor=world.manager_a)
    with pytest.raises(PermissionDenied):
        tipoffs.receive(actor=world.supervisor)
    t, _ = tipoffs.receive(
        enterprise_id=None, place="某废品站"
    )  # no enterprise named: the officer's jurisdiction
    assert t.enterprise_id is None and t.region_path == world.officer.scope_path


def test_accept_assigns_an_officer_with_the_verification_deadline(world, tipoffs):
    t, _ = tipoffs.receive()
    tipoffs.accept(t)
    due = legal_calendar.add_days(START, 15, "working")
    assert inspection_pack(t.region_path, START).report_verify_period.n == 15
    assert (
        t.status == TipOffStatus.VERIFYING and t.assigned_to_id == world.officer2.id and t.verify_due == due
    )
    task = _task(t, "verify")
    assert task.assignee_id == world.officer2.id and task.due_date == due
    assert db.session.query(Notification).filter_by(user_id=world.officer2.id).count() == 1


def test_decline_is_fed_back_and_ends_as_not_accepted(world, tipoffs):
    t, _ = tipoffs.receive()
    with pytest.raises(ValidationFailed) as e:
        ops.assign(t, {"decision": "decline", "reason": ""}, actor=world.section_head)
    assert "reason" in e.value.field_errors
    ops.assign(
        t,
        {"decision": "decline", "reason": "不属于安全生产监管职责，已告知向市场监管部门反映"},
        actor=world.section_head,
    )
    assert t.status == TipOffStatus.FEEDBACK and _ready(t) == ["feedback"]
    assert t.feedback_due == legal_calendar.add_days(START, 5, "working")
    assert _task(t, "feedback").assignee_id == world.officer.id  # the intake officer holds the contact
    tipoffs.feed(t)
    assert t.status == TipOffStatus.DECLINED and t.closed_on == START and _ready(t) == []
    assert t.reward_decision is None


def test_verification_needs_an_inspection_that_has_been_on_site(world, tipoffs):
    t, _ = tipoffs.receive()
    tipoffs.accept(t)
    with pytest.raises(InvalidState, match="先安排核查检查"):
        tipoffs.verify(t)
    before = budget(world.ent_a, 2026)
    insp = tipoffs.inspect(t)
    assert t.inspection_id == insp.id
    assert insp.source == InspectionSource.REPORT and insp.source_ref == t.no and not insp.counts_against_cap
    assert insp.due_on == t.verify_due
    after = budget(world.ent_a, 2026)
    assert after.used == before.used and after.exempt == before.exempt + 1  # exempt, but recorded
    with pytest.raises(InvalidState, match="已安排"):
        tipoffs.inspect(t)
    with pytest.raises(InvalidState, match="尚未实施"):
        tipoffs.verify(t)
    visit(insp)
    with pytest.raises(ValidationFailed):
        ops.verify(t, {"verified": "maybe", "verification": "x"}, actor=world.officer2)
    tipoffs.verify(t, "partly", major=True)
    assert t.status == TipOffStatus.FEEDBACK and t.verified == "部分属实" and t.major_hazard
    assert t.feedback_due == legal_calendar.add_days(START, 5, "working")


def test_an_unnamed_enterprise_is_chosen_when_the_inspection_is_arranged(world, tipoffs):
    t, _ = tipoffs.receive(enterprise_id=None)
    tipoffs.accept(t)
    with pytest.raises(ValidationFailed) as e:
        tipoffs.inspect(t)
    assert "enterprise_id" in e.value.field_errors
    insp = ops.open_inspection(
        t,
        {"enterprise_id": world.ent_b.id, "planned_on": "2026-11-03", "member_ids": [world.officer.id]},
        actor=world.officer2,
    )
    assert insp.enterprise_id == world.ent_b.id and t.enterprise_id == world.ent_b.id


@pytest.mark.parametrize("verdict", ["false", "partly"])
def test_not_verified_true_ends_after_feedback_without_a_reward(world, tipoffs, verdict):
    t, _ = tipoffs.to_reward(verdict=verdict)
    assert t.status == TipOffStatus.CLOSED and _ready(t) == [] and t.closed_on == START
    assert t.fed_back_on == START and t.feedback_method == "电话"


def test_true_without_penalty_or_major_hazard_may_only_be_refused_a_reward(world, tipoffs):
    t, _ = tipoffs.to_reward()
    assert t.status == TipOffStatus.REWARD and _ready(t) == ["decide_reward"]
    preview = ops.reward_preview(t)
    assert not preview["eligible"] and preview["suggested"] == 0 and preview["fine"] == 0
    with pytest.raises(ValidationFailed) as e:
        ops.decide_reward(t, {"reward_decision": "grant", "reason": "举报属实"}, actor=world.leader)
    assert "reward_decision" in e.value.field_errors
    ops.decide_reward(
        t, {"reward_decision": "none", "reason": "未发现重大事故隐患，亦未作出行政处罚"}, actor=world.leader
    )
    assert (
        t.status == TipOffStatus.CLOSED and t.reward_decision == "不予奖励" and t.reward_document_id is None
    )


def test_reward_for_a_major_hazard_issues_the_locked_decision(world, tipoffs):
    t, _ = tipoffs.to_reward(major=True)
    preview = ops.reward_preview(t)
    assert preview["eligible"] and preview["suggested"] == Decimal("3000.00")  # the floor of the lowest band
    with pytest.raises(ValidationFailed) as e:
        ops.decide_reward(
            t, {"reward_decision": "grant", "amount": "5000", "reason": "举报属实"}, actor=world.leader
        )
    assert "deviation_reason" in e.value.field_errors
    with pytest.raises(ValidationFailed) as e:
        ops.decide_reward(
            t,
            {
                "reward_decision": "grant",
                "amount": "300001",
                "deviation_reason": "重大贡献",
                "reason": "举报属实",
            },
            actor=world.leader,
        )
    assert "amount" in e.value.field_errors
    ops.decide_reward(t, {"reward_decision": "grant", "reason": "举报重大事故隐患属实"}, actor=world.leader)
    assert t.status == TipOffStatus.CLOSED and t.reward_decision == "奖励"
    assert t.reward_amount == Decimal("3000.00") == t.reward_suggested and t.reward_deviation_reason is None
    assert "应急〔2018〕19号" in t.reward_basis
    from app.documents.models import OfficialDocument

    doc = db.session.get(OfficialDocument, t.reward_document_id)
    assert doc.doc_type == "report_reward" and doc.locked and doc.number.text == "（萧）应急奖决〔2026〕1号"
    assert doc.content["tipoff_no"] == t.no and doc.content["amount"] in ("3000.00", 3000, "3000")


def test_a_different_amount_with_its_reason(world, tipoffs):
    t, _ = tipoffs.to_reward(major=False)
    ops.decide_reward(
        t,
        {
            "reward_decision": "grant",
            "major_hazard": True,
            "amount": "4500",
            "deviation_reason": "举报人提供了关键证据",
            "reason": "认定为重大事故隐患",
        },
        actor=world.leader,
    )
    assert t.major_hazard and t.reward_amount == Decimal("4500") and t.reward_suggested == Decimal("3000.00")
    assert t.reward_deviation_reason == "举报人提供了关键证据"


def test_reward_by_penalty_bands():
    bands = (
        RewardBand(Decimal(0), Decimal(20000), Decimal(1000), None, Decimal(0), None),
        RewardBand(Decimal(20000), None, None, Decimal("0.15"), Decimal(3000), Decimal(300000)),
    )
    assert ops.suggested_reward(bands, 0).amount == 0  # no fine, not 重大: nothing
    assert ops.suggested_reward(bands, 0, major=True).amount == Decimal(1000)  # fixed amount band
    assert ops.suggested_reward(bands, 19999).amount == Decimal(1000)
    assert ops.suggested_reward(bands, 20000).amount == Decimal(3000)  # 15% = 3000
    assert ops.suggested_reward(bands, 100000).amount == Decimal(15000)
    assert ops.suggested_reward(bands, 5_000_000).amount == Decimal(300000)  # capped
    assert ops.max_reward(bands) == Decimal(300000)
    # the pack in force: 15 %, at least 3,000, at most 300,000 (应急〔2018〕19号)
    pack = inspection_pack("341322", START)
    assert ops.suggested_reward(pack.reward_bands, 10000).amount == Decimal(3000)
    assert ops.suggested_reward(pack.reward_bands, 100000).amount == Decimal(15000)
    assert ops.suggested_reward(pack.reward_bands, 3_000_000).amount == Decimal(300000)
    assert "15%" in ops.suggested_reward(pack.reward_bands, 100000).basis


def test_denials(world, tipoffs):
    t, _ = tipoffs.receive()
    for who in (world.officer, world.leader, world.other_officer, world.manager_a):
        with pytest.raises(PermissionDenied):
            ops.assign(t, {"decision": "accept", "assignee_id": world.officer2.id}, actor=who)
    with pytest.raises(ValidationFailed) as e:  # an officer of another county cannot be assigned
        ops.assign(t, {"decision": "accept", "assignee_id": world.other_officer.id}, actor=world.section_head)
    assert "assignee_id" in e.value.field_errors
    tipoffs.accept(t)
    with pytest.raises(PermissionDenied):  # not the assigned officer
        tipoffs.inspect(t, actor=world.town_officer)
    insp = tipoffs.inspect(t)
    visit(insp)
    with pytest.raises(PermissionDenied):
        tipoffs.verify(t, actor=world.officer)  # the intake officer is not the verifier
    with pytest.raises(InvalidState):  # a step out of order
        tipoffs.feed(t)
    tipoffs.verify(t)
    with pytest.raises(PermissionDenied):  # only the intake officer (or the 负责人) reaches the informant
        tipoffs.feed(t, actor=world.officer2)
    with pytest.raises(PermissionDenied):
        tipoffs.feed(t, actor=world.section_head)
    tipoffs.feed(t)
    for who in (world.section_head, world.officer, world.other_officer):
        with pytest.raises(PermissionDenied):
            ops.decide_reward(t, {"reward_decision": "none", "reason": "x"}, actor=who)
    with pytest.raises(InvalidState):  # the task of another step cannot be used for this one
        ops.verify(
            t, {"verified": "true", "verification": "x"}, actor=world.officer2, task=_task(t, "decide_reward")
        )


def test_anonymous_feedback_through_the_code_or_recorded_as_impossible(world, tipoffs):
    t, _ = tipoffs.receive(anonymous=True)
    tipoffs.accept(t)
    visit(tipoffs.inspect(t))
    tipoffs.verify(t, "false")
    with pytest.raises(ValidationFailed) as e:
        tipoffs.feed(t, method="phone")
    assert "method" in e.value.field_errors
    with pytest.raises(ValidationFailed) as e:
        ops.feed_back(t, {"method": "none", "feedback": ""}, actor=world.officer)
    assert "无法反馈的原因" in e.value.message
    ops.feed_back(t, {"method": "none", "feedback": "匿名举报且举报人未查询"}, actor=world.leader)
    assert t.feedback_method == "无法反馈" and t.status == TipOffStatus.CLOSED
    assert ops.public_status(t)["feedback"] is None  # nothing to show for 无法反馈


def test_the_task_handlers_run_the_same_operations(world, tipoffs):
    t, _ = tipoffs.receive()
    handler = workflow.user_task_handler(ops.PROCESS, "assign")
    with pytest.raises(PermissionDenied):
        handler(
            _task(t, "assign"), {"decision": "accept", "assignee_id": world.officer2.id}, actor=world.officer
        )
    handler(
        _task(t, "assign"), {"decision": "accept", "assignee_id": world.officer2.id}, actor=world.section_head
    )
    assert t.status == TipOffStatus.VERIFYING


def test_reminders_when_verification_and_feedback_run_late(world, tipoffs, frozen):
    t, _ = tipoffs.receive()
    tipoffs.accept(t)
    db.session.commit()
    clock.freeze(at(t.verify_due + timedelta(days=1), 10))
    assert workflow.tick() >= 1
    t = db.session.get(type(t), t.id)
    assert t.status == TipOffStatus.VERIFYING  # a reminder, not a step
    assert [e for e in audit.history(t) if e.action == "tipoff.verify_overdue"]
    titles = [n.title for n in db.session.query(Notification).filter_by(user_id=world.officer2.id)]
    assert "举报核查超期" in titles
    visit(tipoffs.inspect(t))
    tipoffs.verify(t)
    db.session.commit()
    clock.freeze(at(t.feedback_due + timedelta(days=1), 10))
    workflow.tick()
    t = db.session.get(type(t), t.id)
    assert [e for e in audit.history(t) if e.action == "tipoff.feedback_overdue"]
    assert "举报反馈超期" in [
        n.title for n in db.session.query(Notification).filter_by(user_id=world.officer.id)
    ]
    tipoffs.feed(t)
    assert t.status == TipOffStatus.REWARD


def test_the_fine_of_a_decided_case_from_the_inspection_is_the_reward_basis(world, tipoffs, make_case):
    """罚没款 = 罚款 + 没收违法所得 of the decided lines of the cases that came from the verifying inspection's
    findings; an undecided case does not count."""
    from app.cases.models import PenaltyLine
    from app.inspections.models import Finding

    t, _ = tipoffs.to_reward()
    walker = make_case()
    case = walker.case
    db.session.add(
        Finding(
            inspection_id=t.inspection_id,
            location="喷漆车间",
            description="消防通道堵塞",
            provision="《安全生产法》第四十二条",
            case_proposal_id=case.proposal_id,
            recorded_by_id=world.officer2.id,
        )
    )
    db.session.add(
        PenaltyLine(
            case_id=case.id,
            target="单位",
            party_name=world.ent_a.name,
            decided_fine=Decimal("80000"),
            confiscated=Decimal("20000"),
        )
    )
    db.session.flush()
    assert ops.penalty_basis(t) == (Decimal(0), [])  # not decided yet
    case.decided_on = START  # arrangement: the case's decision (its own tests cover how it is reached)
    db.session.flush()
    fine, numbers = ops.penalty_basis(t)
    assert fine == Decimal("100000") and numbers == [case.display_no]
    preview = ops.reward_preview(t)
    assert preview["eligible"] and preview["suggested"] == Decimal("15000.00")  # 15 % of 100,000
    ops.decide_reward(t, {"reward_decision": "grant", "reason": "举报属实并已处罚"}, actor=world.leader)
    assert t.reward_amount == Decimal("15000.00") and t.reward_fine_basis == Decimal("100000")
    from app.documents.models import OfficialDocument

    doc = db.session.get(OfficialDocument, t.reward_document_id)
    assert doc.content["cases"] == [case.display_no]


def test_demo_seeder(world, frozen):
    from app.inspections.tipoff_seed import seed_tipoff

    ctx = {
        "users": {u.username: u for u in (world.officer, world.officer2, world.section_head, world.leader)},
        "enterprises": [world.ent_a, world.ent_a2, world.ent_b],
        "featured_enterprise": None,
    }
    out = seed_tipoff(ctx)
    rewarded, verifying = out["rewarded"], out["verifying"]
    assert rewarded.status == TipOffStatus.CLOSED and rewarded.reward_decision == "奖励"
    assert rewarded.reward_document_id is not None and rewarded.reward_amount == Decimal("3000.00")
    assert verifying.status == TipOffStatus.VERIFYING and verifying.anonymous and verifying.inspection_id
    assert ops.find_by_code(ctx["tipoff_codes"][verifying.no]) is verifying
