"""What an inspection leads to (journey 13) at the operation layer: findings → ONE 责令限期整改指令书 through the
hazard loop (all or nothing), 现场处理措施决定书 and who may lift them, violations → 案件线索 whose end comes back
as the finding's outcome (no 以责代罚)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, workflow
from app.cases import operations as case_ops
from app.cases.models import CaseProposal, ProposalStatus
from app.documents import OfficialDocument
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.hazards.models import Hazard, RectificationOrder
from app.inspections.models import Finding, OnSiteMeasure
from app.inspections.operations import results as ops
from app.notifications.models import Notification
from tests.factories.cases import Walker


def _order_data(insp, **kw) -> dict:
    data = {f"category-{f.id}": "物" for f in ops.findings_of(insp)}
    data.update(kw)
    return data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---- 责令限期整改指令书 ----------------------------------------------------------------------------------------


def test_findings_become_one_order_through_the_hazard_loop(world, results_inspection, upload, login):
    photo = upload(world.officer)
    insp = results_inspection(
        {"photo_ids": [photo]},
        {"location": "仓库", "description": "灭火器过期", "corrected_on_site": True},
        {"location": "三车间", "description": "砂轮机防护罩缺失", "provision": "《机械安全防护装置》"},
        source="双随机",
    )
    first, corrected, third = ops.findings_of(insp)

    order = ops.issue_order_from_findings(
        insp,
        _order_data(insp, **{f"category-{third.id}": "人", f"requirement-{third.id}": "加装防护罩"}),
        actor=world.officer,
    )
    db.session.commit()

    assert order.status == "issued" and order.doc_number and "责改" in order.doc_number
    assert order.inspection_record_no == insp.record_no
    assert order.co_officer_id == world.officer2.id  # the other team member
    assert order.source == "双随机"  # the inspection's source, in the hazard loop's words
    assert [h.location for h in order.hazards] == [
        "二车间配电室",
        "三车间",
    ]  # corrected on the spot: no hazard
    assert insp.order_id == order.id
    assert first.hazard_id == order.hazards[0].id and third.hazard_id == order.hazards[1].id
    assert corrected.hazard_id is None
    h1, h3 = order.hazards
    assert h3.category == "人" and h3.requirement == "加装防护罩" and h3.provision == "《机械安全防护装置》"
    assert h1.status == "整改中" and workflow.instance_for(h1) is not None
    from app import attachments

    assert [a.id for a in attachments.attachments_for(h1, "photos")] == [photo]
    # the enterprise account finds the items in its inbox (the existing loop)
    inbox = login(world.manager_a).get("/inbox").get_data(as_text=True)
    assert h1.code in inbox and h3.code in inbox
    assert h1.code not in login(world.manager_b).get("/inbox").get_data(as_text=True)


@pytest.mark.parametrize(
    ("source", "expected"),
    [("暗访", "暗访"), ("举报", "举报"), ("年度计划", "执法检查"), ("交办", "执法检查")],
)
def test_order_source_follows_the_inspection_source(world, results_inspection, source, expected):
    insp = results_inspection({}, source=source)
    order = ops.issue_order_from_findings(insp, _order_data(insp), actor=world.officer)
    assert order.source == expected and order.hazards[0].source == expected


def test_hazard_layer_refusal_leaves_nothing_and_names_the_field(world, results_inspection):
    insp = results_inspection({}, {"level": "重大", "criterion_code": "不存在的条款"})
    ok, bad = ops.findings_of(insp)
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_order_from_findings(insp, _order_data(insp), actor=world.officer)
    assert f"criterion_code-{bad.id}" in exc.value.field_errors
    assert "问题2" in exc.value.message
    db.session.rollback()
    assert _count(Hazard) == 0 and _count(RectificationOrder) == 0  # the first item did not stay behind
    db.session.refresh(ok)
    db.session.refresh(insp)
    assert ok.hazard_id is None and insp.order_id is None


def test_each_finding_needs_a_category_and_a_deadline(world, results_inspection, frozen):
    insp = results_inspection({}, {"deadline": None})
    a, b = ops.findings_of(insp)
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_order_from_findings(insp, {}, actor=world.officer)
    assert f"category-{a.id}" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_order_from_findings(insp, _order_data(insp), actor=world.officer)
    assert f"deadline-{b.id}" in exc.value.field_errors
    # a deadline already past is refused by the hazard layer, next to the finding's field
    past = (clock.today() - timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_order_from_findings(
            insp, _order_data(insp, **{f"deadline-{b.id}": past}), actor=world.officer
        )
    assert f"deadline-{b.id}" in exc.value.field_errors
    db.session.rollback()
    assert _count(Hazard) == 0


def test_co_officer_must_be_another_team_member(world, results_inspection):
    insp = results_inspection({})
    for wrong in (world.officer.id, world.town_officer.id, "x"):
        with pytest.raises(ValidationFailed) as exc:
            ops.issue_order_from_findings(insp, _order_data(insp, co_officer_id=wrong), actor=world.officer)
        assert "co_officer_id" in exc.value.field_errors


def test_order_denials_and_states(world, results_inspection):
    insp = results_inspection({})
    for outsider in (world.town_officer, world.other_officer, world.manager_a, world.leader, world.legal):
        with pytest.raises(PermissionDenied):
            ops.issue_order_from_findings(insp, _order_data(insp), actor=outsider)
    on_site = results_inspection({}, status="检查中", record_no=None)
    with pytest.raises(InvalidState):
        ops.issue_order_from_findings(on_site, _order_data(on_site), actor=world.officer)
    no_record = results_inspection({}, record_no=None)
    with pytest.raises(InvalidState, match="现场检查记录"):
        ops.issue_order_from_findings(no_record, _order_data(no_record), actor=world.officer)
    nothing = results_inspection({"corrected_on_site": True})
    with pytest.raises(InvalidState, match="没有需要"):
        ops.issue_order_from_findings(nothing, {}, actor=world.officer)
    # a section head of the jurisdiction may issue it; not twice
    ops.issue_order_from_findings(
        insp, _order_data(insp, co_officer_id=world.officer.id), actor=world.section_head
    )
    with pytest.raises(InvalidState, match="重复"):
        ops.issue_order_from_findings(insp, _order_data(insp), actor=world.officer)


def test_an_open_draft_of_the_officer_is_not_mixed_into_the_order(world, results_inspection):
    from app.hazards import operations as hazard_ops
    from tests.factories.hazards import hazard_data

    draft = hazard_ops.register_hazard(hazard_data(world), actor=world.officer).order  # from another visit
    insp = results_inspection({})
    hazards = _count(Hazard)
    with pytest.raises(InvalidState, match="草稿"):
        ops.issue_order_from_findings(insp, _order_data(insp), actor=world.officer)
    db.session.rollback()  # as every route does for a refused step (app.errors)
    # nothing of the refused order remains: the draft keeps its one hazard, no finding is linked
    db.session.expire_all()
    assert _count(Hazard) == hazards and len(draft.hazards) == 1 and draft.status == "draft"
    linked = db.session.scalar(select(func.count()).where(Finding.inspection_id == insp.id, Finding.hazard_id.is_not(None)))
    assert insp.order_id is None and linked == 0
    # the other team member can still issue it, with nothing of the draft in it
    order = ops.issue_order_from_findings(insp, _order_data(insp), actor=world.officer2)
    assert len(order.hazards) == 1 and order.created_by_id == world.officer2.id


# ---- 现场处理措施决定书 -------------------------------------------------------------------------------------


def test_measure_is_numbered_locked_and_told_to_the_enterprise(world, results_inspection, login):
    insp = results_inspection({"level": "重大", "criterion_code": None})
    (f,) = ops.findings_of(insp)
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_measure(
            insp, {"kind": "责令暂时停产停业", "facts": "涉爆粉尘作业区除尘系统停用"}, actor=world.officer
        )
    assert "scope" in exc.value.field_errors  # what stops needs its scope
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_measure(insp, {"kind": "没收", "facts": "x"}, actor=world.officer)
    assert "kind" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_measure(
            insp, {"kind": "立即改正", "facts": "x", "finding_ids": [999999]}, actor=world.officer
        )
    assert "finding_ids" in exc.value.field_errors

    m = ops.issue_measure(
        insp,
        {
            "kind": "责令暂时停产停业",
            "facts": "涉爆粉尘作业区除尘系统停用",
            "scope": "抛光车间",
            "until": (clock.today() + timedelta(days=10)).isoformat(),
            "finding_ids": [str(f.id)],
        },
        actor=world.officer,
    )
    db.session.commit()
    assert m.status == "执行中" and "现决" in m.doc_number
    assert m.basis.startswith("《中华人民共和国安全生产法》第六十五条")  # the default basis of the kind
    doc = db.session.get(OfficialDocument, m.document_id)
    assert doc.locked and doc.doc_type == "onsite_measures"
    assert doc.template == "inspections/docs/onsite_measures.html"
    assert doc.content["scope"] == "抛光车间" and doc.content["findings"][0]["seq"] == 1
    notice = db.session.scalar(select(Notification).where(Notification.user_id == world.manager_a.id))
    assert notice is not None and m.doc_number in notice.title
    page = login(world.manager_a).get(f"/documents/{doc.id}")
    assert page.status_code == 200 and "抛光车间" in page.get_data(as_text=True)
    assert login(world.manager_b).get(f"/documents/{doc.id}").status_code == 404
    assert login(world.other_officer).get(f"/documents/{doc.id}").status_code == 404
    assert login(world.officer).get(f"/documents/{doc.id}").status_code == 200


def test_lifting_a_suspension_needs_a_section_head_or_leader(world, results_inspection):
    insp = results_inspection({})
    m = ops.issue_measure(
        insp,
        {"kind": "停止使用相关设施设备", "facts": "压力容器超期未检", "scope": "2号储气罐"},
        actor=world.officer,
    )
    for denied in (world.officer, world.officer2, world.manager_a, world.other_officer):
        with pytest.raises(PermissionDenied):
            ops.lift_measure(m, {"review": "已检验合格"}, actor=denied)
    with pytest.raises(ValidationFailed) as exc:
        ops.lift_measure(m, {"review": " "}, actor=world.section_head)
    assert "review" in exc.value.field_errors
    ops.lift_measure(m, {"review": "复查：已检验合格，同意恢复使用"}, actor=world.section_head)
    assert m.status == "已解除" and m.lifted_by_id == world.section_head.id and m.lifted_on == clock.today()
    with pytest.raises(InvalidState, match="已"):
        ops.lift_measure(m, {"review": "again"}, actor=world.leader)


def test_correct_now_is_lifted_by_the_team_officer(world, results_inspection):
    insp = results_inspection({})
    m = ops.issue_measure(insp, {"kind": "立即改正", "facts": "安全出口上锁"}, actor=world.officer)
    assert m.scope is None
    with pytest.raises(PermissionDenied):
        ops.lift_measure(m, {"review": "已打开"}, actor=world.town_officer)  # not of the team
    ops.lift_measure(m, {"review": "现场确认安全出口已打开"}, actor=world.officer2)
    assert m.status == "已解除"


def test_measure_denials_and_states(world, results_inspection):
    insp = results_inspection({})
    for denied in (world.town_officer, world.other_officer, world.manager_a):
        with pytest.raises(PermissionDenied):
            ops.issue_measure(insp, {"kind": "立即改正", "facts": "x"}, actor=denied)
    planned = results_inspection({}, status="待检查", record_no=None)
    with pytest.raises(InvalidState):
        ops.issue_measure(planned, {"kind": "立即改正", "facts": "x"}, actor=world.officer)
    on_site = results_inspection({}, status="检查中", record_no=None)  # on site already: allowed
    assert (
        ops.issue_measure(
            on_site,
            {"kind": "撤出作业人员", "facts": "有限空间未检测", "scope": "1号污水池"},
            actor=world.officer,
        ).status
        == "执行中"
    )
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_measure(
            insp, {"kind": "立即改正", "facts": "x", "until": "2020-01-01"}, actor=world.officer
        )
    assert "until" in exc.value.field_errors


# ---- 违法行为 → 案件线索 → outcome ---------------------------------------------------------------------------


def _referred(world, results_inspection, n=1):
    insp = results_inspection(*[{"is_violation": True, "description": f"违法行为{i}"} for i in range(n)], {})
    proposals = ops.refer_violations(insp, {}, actor=world.officer)
    db.session.commit()
    return insp, proposals


def test_each_violation_becomes_one_case_lead(world, results_inspection, upload):
    photo = upload(world.officer)
    insp = results_inspection({"is_violation": True, "photo_ids": [photo]}, {"is_violation": True}, {})
    proposals = ops.refer_violations(insp, {}, actor=world.officer)
    f1, f2, plain = ops.findings_of(insp)
    assert len(proposals) == 2
    p1 = proposals[0]
    assert p1.source == "检查发现" and insp.record_no in p1.source_ref
    assert p1.provisions == f1.provision and p1.act_date == clock.today()
    assert insp.record_no in p1.evidence and "照片1张" in p1.evidence and f1.description in p1.facts
    assert (f1.case_proposal_id, f2.case_proposal_id, plain.case_proposal_id) == (
        p1.id,
        proposals[1].id,
        None,
    )
    assert f1.outcome == "待处理" and ops.pending_violations(insp) == [f1, f2]
    with pytest.raises(InvalidState, match="没有需要"):
        ops.refer_violations(insp, {}, actor=world.officer)  # one lead per finding, never two
    for denied in (world.town_officer, world.other_officer, world.manager_a):
        with pytest.raises(PermissionDenied):
            ops.refer_violations(results_inspection({"is_violation": True}), {}, actor=denied)


def test_outcomes_from_the_penalty_cases_set_the_finding(world, results_inspection):
    insp, (p_decline, p_no_penalty, p_transfer_like) = _referred(world, results_inspection, 3)
    f1, f2, f3, _ = ops.findings_of(insp)

    case_ops.decline_proposal(p_decline, "证据不足，不构成违法行为", actor=world.section_head)
    assert f1.outcome == "不予立案" and f1.outcome_reason == "证据不足，不构成违法行为"
    case_ops.no_penalty_on_proposal(
        p_no_penalty,
        {
            "no_penalty_reason": "首违",
            "reason": "初次违法且危害后果轻微并及时改正",
            "education": "已约谈教育",
        },
        actor=world.section_head,
    )
    assert f2.outcome == "不予处罚" and "首违" in f2.outcome_reason
    assert ops.pending_violations(insp) == [f3]
    db.session.commit()
    events = [e.action for e in __import__("app.audit", fromlist=["history"]).history(insp)]
    assert events.count("inspection.finding_outcome") == 2


def test_a_filed_case_sets_the_outcome_with_its_number(world, results_inspection):
    insp, (proposal,) = _referred(world, results_inspection)
    (f, _) = ops.findings_of(insp)
    case = case_ops.submit_filing(
        proposal,
        {
            "name": f"{world.ent_a.name}涉嫌违法案",
            "facts": proposal.facts,
            "provisions": proposal.provisions,
            "act_date": proposal.act_date,
            "officer_ids": [world.officer.id, world.officer2.id],
            "lead_officer_id": world.officer.id,
        },
        actor=world.officer,
    )
    assert f.outcome == "待处理"  # submitted, not filed yet
    Walker(world, case).file()
    assert proposal.status == ProposalStatus.FILED
    assert f.outcome == "立案" and case.case_no in f.outcome_reason
    assert ops.pending_violations(insp) == []


def test_a_decline_without_reason_does_not_count(world, results_inspection):
    insp, (proposal,) = _referred(world, results_inspection)
    (f, _) = ops.findings_of(insp)
    proposal.status, proposal.reason, proposal.handled_by_id = (
        ProposalStatus.DECLINED,
        "  ",
        world.section_head.id,
    )
    ops.on_proposal_closed(proposal)
    assert f.outcome == "待处理" and ops.pending_violations(insp) == [f]


def test_unrelated_proposals_are_ignored(world, results_inspection, make_proposal):
    insp = results_inspection({"is_violation": True})
    other = make_proposal()
    case_ops.decline_proposal(other, "不属于本机关管辖", actor=world.section_head)
    (f,) = ops.findings_of(insp)
    assert f.outcome is None and db.session.get(CaseProposal, other.id).status == "不予立案"


def test_a_violation_not_referred_blocks_nothing_silently(world, results_inspection):
    insp = results_inspection({"is_violation": True}, {})
    (f, _) = ops.findings_of(insp)
    assert ops.pending_violations(insp) == [f]  # not referred yet: still an open item
    assert ops.to_refer(ops.findings_of(insp)) == [f]


# ---- 20 working days ------------------------------------------------------------------------------------


def test_random_result_is_due_in_20_working_days_and_then_overdue(world, results_inspection, frozen):
    from app.calendar import legal_calendar

    insp = results_inspection(source="双随机")
    due = ops.result_due(insp)
    assert due == legal_calendar.add_days(clock.today(), 20, "working")
    assert legal_calendar.working_days_between(clock.today(), due) == 20
    insp.result_publish_due = due
    assert not ops.result_overdue(insp, due)
    assert ops.result_overdue(insp, due + timedelta(days=1))
    insp.result_published_on = due
    assert not ops.result_overdue(insp, due + timedelta(days=30))


def test_the_measure_row_keeps_its_finding_ids(world, results_inspection):
    insp = results_inspection({}, {})
    a, b = ops.findings_of(insp)
    m = ops.issue_measure(
        insp, {"kind": "立即改正", "facts": "x", "finding_ids": [b.id, b.id, a.id]}, actor=world.officer
    )
    db.session.commit()
    assert db.session.get(OnSiteMeasure, m.id).finding_ids == [b.id, a.id]
    assert db.session.get(Finding, a.id).inspection_id == insp.id
