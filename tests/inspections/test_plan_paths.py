"""年度监督检查计划 at the operation level: the draft (重点 by class, open major hazard, listing; 一般 quotas;
capacity), every path of inspection_plan (报批 → 批准; 报批 → 退回 → 报批 → 批准; the generic task handlers),
the capacity and cap refusals, amendments, publication, and who may do what."""

from __future__ import annotations

from datetime import date

import pytest

from app import publication, workflow
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections.models import InspectionPlan, PlanItem, PlanItemKind, PlanStatus
from app.inspections.operations import plan as ops
from app.inspections.plan_publicity import KIND
from tests.factories.inspections_plan import classify


def key_items(plan, enterprise=None):
    db.session.expire(plan, ["items"])
    return [i for i in plan.items if i.is_key and (enterprise is None or i.enterprise_id == enterprise.id)]


def test_draft_proposes_key_enterprises_quotas_teams_and_capacity(make_plan, world):
    w = make_plan(2027)
    plan = w.plan
    assert plan.status == PlanStatus.DRAFT
    assert w.ready == ["submit_plan"]
    assert plan.title == "萧县2027年度安全生产监督检查计划"
    # ent_a2 (class C, frequency 4): four 重点 inspections spread over the year, one a quarter
    items = key_items(plan, world.ent_a2)
    assert sorted(i.month for i in items) == [1, 4, 7, 10]
    assert all(i.klass == "C" and i.reasons == ["C类"] for i in items)
    # each with a proposed team of two certified officers of the county, the lead among them
    for i in items:
        assert len(i.member_ids) == 2 and i.lead_officer_id == i.member_ids[0]
        assert set(i.member_ids) <= {world.officer.id, world.officer2.id, world.section_head.id}
    # the other enterprise in another county is never in the plan; A/B enterprises are not named
    assert {i.enterprise_id for i in key_items(plan)} == {world.ent_a2.id}
    general = [i for i in plan.items if not i.is_key]
    # ent_a's one 一般 inspection a year: a quota of 龙城镇 工贸 in the least loaded month (January has ent_a2)
    assert [(g.industry, g.town_id, g.month, g.planned_count) for g in general] == [
        ("工贸", world.town_a.id, 2, 1)
    ]
    assert general[0].enterprise_id is None
    # capacity: 3 certified county officers × working days of the month
    assert plan.capacity["1"] > 0 and len(plan.capacity) == 12
    loads = {load.month: load for load in ops.check_capacity(plan)}
    assert loads[1].inspections == 1 and loads[1].need == 2  # 1 inspection × 2 officers × 1 officer-day
    assert not any(load.over for load in loads.values())


def test_open_major_hazard_and_listing_make_an_enterprise_key(make_plan, make_hazard, world, monkeypatch):
    classify(world, 2027)
    make_hazard(level="重大", criterion_code="GM2023-11-3", location="抛光车间除尘系统")  # ent_a
    monkeypatch.setattr("app.credit.queries.listed_ids", lambda ids: {world.ent_b.id} & set(ids))
    plan = ops.draft_plan(world.county.path, 2027, actor=world.section_head)
    reasons = {i.enterprise_id: i.reasons for i in key_items(plan)}
    assert reasons[world.ent_a.id] == ["存在未销号的重大事故隐患"]
    assert reasons[world.ent_b.id] == ["列入严重失信主体名单"]
    assert reasons[world.ent_a2.id] == ["C类"]
    # ent_b's class A plans no inspection, but a named enterprise gets at least one, within its cap (1)
    assert len(key_items(plan, world.ent_b)) == 1
    assert [i for i in plan.items if not i.is_key] == []  # nobody left for the 一般 quota


def test_approve_path_publishes_without_names(make_plan, world):
    w = make_plan(2027).submit(note="按分类分级编制")
    assert w.plan.status == PlanStatus.PENDING and w.ready == ["approve_plan"]
    assert w.plan.submitted_by_id == world.section_head.id
    w.approve()
    plan = w.plan
    assert plan.status == PlanStatus.APPROVED and w.ready == []
    assert plan.decision == "批准" and plan.decided_by_id == world.leader.id and plan.approved_at is not None
    entry = publication.current_for(plan, KIND)
    assert entry is not None and plan.publication_id == entry.id
    values = dict(entry.fields) if isinstance(entry.fields, dict) else {k: v for k, v in entry.fields}
    text = "".join(str(v) for v in values.values())
    assert "1家企业，4次" in values["重点检查"]
    assert values["一般检查（双随机抽查）"] == "1次"
    assert "1月1次" in values["各月计划检查次数"]
    for e in (world.ent_a, world.ent_a2, world.ent_b):
        assert e.name not in text
    assert entry.expires_on == date(2027, 12, 31)


def test_return_path_then_resubmit_and_approve(make_plan, world):
    w = make_plan(2027).submit().return_("一季度重点检查过少")
    assert w.plan.status == PlanStatus.RETURNED
    assert (
        w.ready == ["submit_plan"] and w.plan.returned_count == 1 and w.plan.opinion == "一季度重点检查过少"
    )
    item = key_items(w.plan, world.ent_a2)[1]
    ops.update_item(item, {"month": "2"}, actor=world.section_head)  # editable again after 退回
    db.session.commit()
    w.submit().approve()
    assert w.plan.status == PlanStatus.APPROVED
    assert sorted(i.month for i in key_items(w.plan)) == [1, 2, 7, 10]


def test_generic_task_handlers_call_the_same_operations(make_plan, world):
    w = make_plan(2027)
    [task] = workflow.ready_tasks(workflow.instance_for(w.plan, ops.PROCESS))
    handler = workflow.user_task_handler(ops.PROCESS, "submit_plan")
    with pytest.raises(PermissionDenied):
        handler(task, {}, actor=world.officer)
    handler(task, {"note": ""}, actor=world.section_head)
    db.session.commit()
    [task] = workflow.ready_tasks(workflow.instance_for(w.plan, ops.PROCESS))
    approve = workflow.user_task_handler(ops.PROCESS, "approve_plan")
    with pytest.raises(ValidationFailed):
        approve(task, {"plan_decision": "approve", "opinion": ""}, actor=world.leader)
    db.session.rollback()
    approve(task, {"plan_decision": "approve", "opinion": "同意"}, actor=world.leader)
    db.session.commit()
    assert w.plan.status == PlanStatus.APPROVED


def test_capacity_refusal_names_the_month(make_plan, world):
    w = make_plan(2027)
    ops.set_capacity(w.plan, {"4": 2}, actor=world.section_head)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        w.submit()
    message = exc.value.message
    assert "4月计划检查1次，需2人日，超过该月可用执法力量2人日的80%（1.6人日，留有余地）" in message
    assert "1月" not in message
    db.session.rollback()
    assert w.plan.status == PlanStatus.DRAFT and w.ready == ["submit_plan"]
    ops.set_capacity(w.plan, {"4": 3}, actor=world.section_head)  # 3 × 0.8 = 2.4 ≥ 2
    w.submit()
    assert w.plan.status == PlanStatus.PENDING


def test_capacity_values_are_checked(make_plan, world):
    w = make_plan(2027)
    with pytest.raises(ValidationFailed) as exc:
        ops.set_capacity(w.plan, {"3": "-1"}, actor=world.section_head)
    assert exc.value.field_errors == {"m3": "3月可用执法力量应在0至100000人日之间"}
    with pytest.raises(ValidationFailed) as exc:
        ops.set_capacity(w.plan, {"5": "很多"}, actor=world.section_head)
    assert exc.value.field_errors == {"m5": "5月可用执法力量应为整数（人日）"}


def test_key_enterprise_above_its_cap_is_refused(make_plan, world):
    w = make_plan(2027)
    for month in (2, 3):  # ent_b is class A: at most one inspection a year
        ops.add_item(
            w.plan,
            {"kind": "重点检查", "enterprise_id": world.ent_b.id, "month": month},
            actor=world.section_head,
        )
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        w.submit()
    assert "萧县黄口建材有限公司全年计划重点检查2次，超过其A类年度检查上限1次" in exc.value.message
    db.session.rollback()
    ops.remove_item(key_items(w.plan, world.ent_b)[-1], actor=world.section_head)
    w.submit()
    assert w.plan.status == PlanStatus.PENDING


def test_items_only_in_the_plans_area(make_plan, world):
    w = make_plan(2027)
    with pytest.raises(ValidationFailed):
        ops.add_item(
            w.plan,
            {"kind": "重点检查", "enterprise_id": world.ent_other.id, "month": 1},
            actor=world.section_head,
        )
    with pytest.raises(ValidationFailed):
        ops.add_item(
            w.plan,
            {
                "kind": "一般检查",
                "industry": "工贸",
                "town_id": world.other_county.id,
                "month": 1,
                "planned_count": 2,
            },
            actor=world.section_head,
        )
    item = ops.add_item(
        w.plan,
        {"kind": "一般检查", "industry": "商贸", "town_id": world.town_b.id, "month": 3, "planned_count": 2},
        actor=world.section_head,
    )
    assert item.region_path == world.town_b.path and item.planned_count == 2
    with pytest.raises(ValidationFailed):  # a team needs two officers of the jurisdiction
        ops.update_item(
            key_items(w.plan)[0],
            {"lead_officer_id": world.officer.id, "member_ids": [world.officer.id]},
            actor=world.section_head,
        )
    with pytest.raises(ValidationFailed):
        ops.update_item(
            key_items(w.plan)[0],
            {"lead_officer_id": world.officer.id, "member_ids": [world.other_officer.id]},
            actor=world.section_head,
        )


def test_no_edit_once_submitted_or_approved(make_plan, world):
    w = make_plan(2027).submit()
    with pytest.raises(InvalidState):
        ops.set_capacity(w.plan, {"1": 100}, actor=world.section_head)
    w.approve()
    with pytest.raises(InvalidState):
        ops.remove_item(key_items(w.plan)[0], actor=world.section_head)


def test_one_plan_per_area_and_year(make_plan, world):
    make_plan(2027)
    with pytest.raises(InvalidState, match="已经编制"):
        ops.draft_plan(world.county.path, 2027, actor=world.section_head)
    with pytest.raises(ValidationFailed):
        ops.draft_plan(world.county.path, 2025, actor=world.section_head)  # a past year


def test_current_year_plans_only_the_remaining_months(make_plan, world):
    w = make_plan(2026)  # today is 2026-11-02
    assert {i.month for i in w.plan.items} <= {11, 12}
    assert all(w.plan.capacity[str(m)] == 0 for m in range(1, 11))


def test_denials(make_plan, world):
    with pytest.raises(PermissionDenied):
        ops.draft_plan(world.county.path, 2027, actor=world.officer)  # an officer does not draft
    with pytest.raises(PermissionDenied):
        ops.draft_plan(world.county.path, 2027, actor=world.other_officer)
    w = make_plan(2027)
    with pytest.raises(PermissionDenied):
        ops.submit_plan(w.plan, {}, actor=world.officer)
    with pytest.raises(PermissionDenied):
        ops.set_capacity(w.plan, {"1": 1}, actor=world.manager_a)
    w.submit()
    with pytest.raises(PermissionDenied):  # an officer cannot approve
        ops.decide_plan(w.plan, {"plan_decision": "approve", "opinion": "同意"}, actor=world.officer)
    with pytest.raises(PermissionDenied):  # nor can the section head who submitted it
        ops.decide_plan(w.plan, {"plan_decision": "approve", "opinion": "同意"}, actor=world.section_head)
    with pytest.raises(PermissionDenied):
        ops.decide_plan(w.plan, {"plan_decision": "approve", "opinion": "同意"}, actor=world.other_officer)
    with pytest.raises(PermissionDenied):
        ops.decide_plan(w.plan, {"plan_decision": "approve", "opinion": "同意"}, actor=world.manager_a)
    with pytest.raises(InvalidState):  # a step out of turn: submitting again while it waits for approval
        ops.submit_plan(w.plan, {}, actor=world.section_head)
    assert w.plan.status == PlanStatus.PENDING


def test_amendment_supersedes_on_approval(make_plan, world):
    w = make_plan(2027).submit().approve()
    old_entry = publication.current_for(w.plan, KIND)
    with pytest.raises(ValidationFailed):
        ops.amend_plan(w.plan, "  ", actor=world.section_head)
    with pytest.raises(PermissionDenied):
        ops.amend_plan(w.plan, "调整", actor=world.officer)
    v2 = w.amend("黄口建材新增重大隐患，增列重点检查")
    assert v2.plan.version == 2 and v2.plan.parent_id == w.plan.id and v2.plan.status == PlanStatus.DRAFT
    assert v2.ready == ["submit_plan"]
    assert len(v2.plan.items) == len(w.plan.items)
    with pytest.raises(InvalidState, match="正在办理的修订"):
        ops.amend_plan(w.plan, "再次修订", actor=world.section_head)
    assert w.plan.status == PlanStatus.APPROVED  # still in force until the amendment is approved
    ops.add_item(
        v2.plan, {"kind": "重点检查", "enterprise_id": world.ent_b.id, "month": 5}, actor=world.section_head
    )
    db.session.commit()
    changes = ops.changes_against_parent(v2.plan)
    assert changes.added == [("萧县黄口建材有限公司", 5)] and changes.removed == []
    assert changes.months == {5: (0, 1)} and changes.capacity == {}
    assert ops.changes_against_parent(w.plan) is None
    v2.submit().return_("请写明隐患情况").submit().approve()
    db.session.refresh(w.plan)
    assert v2.plan.status == PlanStatus.APPROVED
    assert w.plan.status == PlanStatus.SUPERSEDED and w.plan.superseded_at is not None
    assert publication.current_for(w.plan, KIND) is None
    assert old_entry.withdraw_reason == "计划已修订，以第2版为准"
    new_entry = publication.current_for(v2.plan, KIND)
    assert new_entry is not None and dict(new_entry.fields)["修订理由"].startswith("黄口建材")
    assert ops.current_plan(world.county.path, 2027).id == v2.plan.id
    with pytest.raises(InvalidState):  # a superseded version is not amended again
        ops.amend_plan(w.plan, "修订", actor=world.section_head)


def test_status_follows_the_workflow_only(make_plan, world):
    """The statuses are set by the workflow rule, one place (plan_tasks.follow_workflow)."""
    w = make_plan(2027)
    seen = [w.plan.status]
    w.submit()
    seen.append(w.plan.status)
    w.return_()
    seen.append(w.plan.status)
    w.submit()
    seen.append(w.plan.status)
    w.approve()
    seen.append(w.plan.status)
    assert seen == ["草稿", "待审批", "已退回", "待审批", "已批准"]
    assert db.session.query(PlanItem).filter_by(plan_id=w.plan.id, kind=PlanItemKind.KEY).count() == 4
    assert db.session.get(InspectionPlan, w.plan.id).returned_count == 1


def test_two_drafts_at_once_one_wins(make_plan, world, monkeypatch):
    from app.errors import Conflict

    make_plan(2027)
    monkeypatch.setattr(ops, "current_plan", lambda region_path, year: None)  # both read "no plan yet"
    with pytest.raises(Conflict):
        ops.draft_plan(world.county.path, 2027, actor=world.section_head)
    db.session.rollback()
    assert db.session.query(InspectionPlan).count() == 1


def test_an_abandoned_amendment_is_withdrawn(make_plan, world):
    w = make_plan(2027).submit().approve()
    v2 = w.amend("调整二季度")
    with pytest.raises(PermissionDenied):
        ops.withdraw_amendment(v2.plan, "不再调整", actor=world.officer)
    with pytest.raises(ValidationFailed):
        ops.withdraw_amendment(v2.plan, " ", actor=world.section_head)
    with pytest.raises(InvalidState):  # a first version is corrected, not withdrawn
        ops.withdraw_amendment(w.plan, "不要了", actor=world.section_head)
    ops.withdraw_amendment(v2.plan, "不再调整", actor=world.section_head)
    db.session.commit()
    assert v2.plan.status == PlanStatus.WITHDRAWN and v2.ready == []
    assert w.plan.status == PlanStatus.APPROVED
    assert ops.current_plan(world.county.path, 2027).id == w.plan.id
    v3 = w.amend("调整三季度")  # a new amendment may start; it takes the next number
    assert v3.plan.version == 3 and v3.plan.parent_id == w.plan.id
    with pytest.raises(InvalidState):  # submitted: no longer withdrawn, the 负责人 decides
        v3.submit()
        ops.withdraw_amendment(v3.plan, "撤回", actor=world.section_head)


def test_scoped_plans(make_plan, world):
    w = make_plan(2027)
    assert [p.id for p in db.session.scalars(ops.scoped_plans(world.officer))] == [w.plan.id]
    assert [p.id for p in db.session.scalars(ops.scoped_plans(world.leader))] == [w.plan.id]
    assert list(db.session.scalars(ops.scoped_plans(world.other_officer))) == []
    assert (
        list(db.session.scalars(ops.scoped_plans(world.town_officer))) == []
    )  # a town's officer: not the county's plan
    assert list(db.session.scalars(ops.scoped_plans(world.manager_a))) == []
    assert not ops.can_view(world.manager_a, w.plan) and not ops.can_view(world.other_officer, w.plan)
