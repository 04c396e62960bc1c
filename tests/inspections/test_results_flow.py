"""The results part of the inspection workflow at the operation level: handle_results refused while a finding is
neither ordered nor corrected or a violation has no case lead; 双随机 → publish_result (20 working days, the 公示
on the public pages, its result checked against the findings) → done; the no-以责代罚 wait (await_outcomes) ended by
the last outcome from the penalty cases, and refused by hand before it; the task page and API cannot bypass it."""

from __future__ import annotations

import pytest

from app import clock, publication, workflow
from app.calendar import legal_calendar
from app.cases import operations as case_ops
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections.operations import results as ops


def _ready(insp) -> list[str]:
    return workflow.ready_task_names(workflow.instance_for(insp))


def _order(insp, actor):
    data = {f"category-{f.id}": "物" for f in ops.to_order(ops.findings_of(insp))}
    return ops.issue_order_from_findings(insp, data, actor=actor)


def test_no_findings_ends_at_handle_results(world, inspection_at_results):
    insp = inspection_at_results()
    assert _ready(insp) == ["handle_results"]
    with pytest.raises(PermissionDenied):
        ops.finish_handling(insp, {}, actor=world.town_officer)  # not of the team
    ops.finish_handling(insp, {"note": "未发现问题"}, actor=world.officer)
    assert insp.status == "已完成" and insp.completed_on == clock.today()
    assert insp.result_publish_due is None


def test_handle_results_refused_until_ordered_and_referred(world, inspection_at_results):
    insp = inspection_at_results({}, {"is_violation": True, "corrected_on_site": True})
    with pytest.raises(ValidationFailed, match="问题1未当场整改") as exc:
        ops.finish_handling(insp, {}, actor=world.officer)
    assert "findings" in exc.value.field_errors
    _order(insp, world.officer)
    with pytest.raises(ValidationFailed, match="不得以责令整改代替处罚"):
        ops.finish_handling(insp, {}, actor=world.officer)
    ops.refer_violations(insp, {}, actor=world.officer)
    ops.finish_handling(insp, {}, actor=world.officer)
    # the violation has no outcome yet: the inspection waits, it is not 已完成
    assert _ready(insp) == ["await_outcomes"] and insp.status == "待处理"
    with pytest.raises(ValidationFailed, match="检查不能办结"):
        ops.complete_inspection(insp, {}, actor=world.officer)
    (_, violation) = ops.findings_of(insp)
    from app.cases.models import CaseProposal

    proposal = db.session.get(CaseProposal, violation.case_proposal_id)
    case_ops.decline_proposal(proposal, "违法行为轻微，不予立案，已责令改正", actor=world.section_head)
    # the last outcome ends the wait, by whoever decided it
    assert violation.outcome == "不予立案"
    assert _ready(insp) == [] and insp.status == "已完成"


def test_random_result_is_published_within_20_working_days(app, world, inspection_at_results, frozen):
    insp = inspection_at_results({"corrected_on_site": True}, source="双随机")
    ops.finish_handling(insp, {}, actor=world.officer)
    due = legal_calendar.add_days(clock.today(), 20, "working")
    assert insp.result_publish_due == due and _ready(insp) == ["publish_result"]
    task = workflow.ready_tasks(workflow.instance_for(insp))[0]
    assert task.due_at is not None and clock.last_day(task.due_at) == due
    with pytest.raises(ValidationFailed) as exc:
        ops.publish_result(insp, {"result": "未发现问题"}, actor=world.officer)  # there was a finding
    assert "result" in exc.value.field_errors
    with pytest.raises(ValidationFailed):
        ops.publish_result(insp, {"result": "发现问题已责令整改"}, actor=world.officer)  # corrected on site
    entry = ops.publish_result(insp, {"result": "发现问题已当场整改"}, actor=world.officer)
    db.session.commit()
    assert insp.status == "已完成" and insp.result_published_on == clock.today()
    assert entry.kind == "random_check_result" and entry.due_on == due and not publication.is_late(entry)
    fields = dict(entry.fields) if isinstance(entry.fields, dict) else {k: v for k, v in entry.fields}
    assert fields["企业名称"] == world.ent_a.name and fields["检查结果"] == "发现问题已当场整改"
    assert fields["统一社会信用代码"] == world.ent_a.credit_code and fields["检查机关"] == insp.agency.name
    # on the public pages, without signing in
    public = app.test_client().get("/gongshi/").get_data(as_text=True)
    assert world.ent_a.name in public and "双随机抽查结果" in public


def test_random_result_published_late_is_recorded_late(world, inspection_at_results, frozen):
    insp = inspection_at_results(source="双随机")
    ops.finish_handling(insp, {}, actor=world.officer)
    db.session.commit()
    due = insp.result_publish_due
    clock.freeze(due)
    assert not ops.result_overdue(insp)
    workflow.tick()
    assert _ready(insp) == ["publish_result"]
    clock.freeze(legal_calendar.next_working_day(due, inclusive=False))
    assert ops.result_overdue(insp)
    workflow.tick()  # the timer marks it overdue; the task stays
    db.session.expire_all()
    assert _ready(insp) == ["publish_result"]
    entry = ops.publish_result(insp, {}, actor=world.officer)  # the suggested result: 未发现问题
    assert publication.is_late(entry) and entry.fields
    assert insp.status == "已完成"


def test_publish_refused_for_other_sources_and_outsiders(world, inspection_at_results):
    insp = inspection_at_results()
    with pytest.raises(InvalidState, match="双随机"):
        ops.publish_result(insp, {}, actor=world.officer)
    rnd = inspection_at_results(source="双随机")
    with pytest.raises(InvalidState):
        ops.publish_result(rnd, {}, actor=world.officer)  # not at publish_result yet
    ops.finish_handling(rnd, {}, actor=world.officer)
    for denied in (world.manager_a, world.other_officer, world.town_officer):
        with pytest.raises(PermissionDenied):
            ops.publish_result(rnd, {}, actor=denied)


def test_the_task_page_and_api_go_through_the_same_gate(world, inspection_at_results, login):
    insp = inspection_at_results({"is_violation": True, "corrected_on_site": True})
    task = workflow.ready_tasks(workflow.instance_for(insp))[0]
    db.session.commit()
    r = login(world.officer).api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"note": "完成"}})
    assert r.status_code == 422 and "不得以责令整改代替处罚" in r.get_json()["error"]
    ops.refer_violations(insp, {}, actor=world.officer)
    db.session.commit()
    r = login(world.officer).api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"note": "完成"}})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    wait = workflow.ready_tasks(workflow.instance_for(insp))[0]
    assert wait.bpmn_id == "await_outcomes"
    r = login(world.officer).api("POST", f"/api/v1/tasks/{wait.id}/complete", json={"data": {}})
    assert r.status_code == 422 and "检查不能办结" in r.get_json()["error"]


def test_a_leader_filing_the_last_case_ends_the_wait(world, inspection_at_results):
    from tests.factories.cases import Walker

    insp = inspection_at_results({"is_violation": True, "corrected_on_site": True})
    (proposal,) = ops.refer_violations(insp, {}, actor=world.officer)
    ops.finish_handling(insp, {}, actor=world.officer)
    assert _ready(insp) == ["await_outcomes"]
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
    assert _ready(insp) == ["await_outcomes"]  # submitted is not filed
    Walker(world, case).file()  # the 负责人 approves the filing
    (f,) = ops.findings_of(insp)
    assert f.outcome == "立案" and case.case_no in f.outcome_reason
    assert _ready(insp) == [] and insp.status == "已完成"


@pytest.mark.parametrize(
    ("status", "reason", "case_no", "outcome", "text"),
    [
        ("已立案", None, "萧应急立〔2026〕3号", "立案", "立案号萧应急立〔2026〕3号"),
        ("已简易处罚", None, "萧应急罚〔2026〕5号", "简易程序", "当场处罚决定书萧应急罚〔2026〕5号"),
        ("不予处罚", "首违：初次违法", None, "不予处罚", "首违：初次违法"),
        ("不予立案", "证据不足", None, "不予立案", "证据不足"),
        ("已移送", "涉嫌重大责任事故罪，已移送县公安局", None, "移送", "已移送县公安局"),
    ],
)
def test_every_end_of_a_lead_is_an_outcome(world, results_inspection, status, reason, case_no, outcome, text):
    insp = results_inspection({"is_violation": True})
    (proposal,) = ops.refer_violations(insp, {}, actor=world.officer)
    proposal.status, proposal.reason, proposal.handled_by_id = status, reason, world.section_head.id
    ops.on_proposal_closed(proposal, case_no=case_no)
    (f,) = ops.findings_of(insp)
    assert f.outcome == outcome and text in f.outcome_reason
    assert ops.pending_violations(insp) == []


def test_the_task_page_shows_what_is_open(world, inspection_at_results, login):
    insp = inspection_at_results({}, {"is_violation": True, "corrected_on_site": True}, source="双随机")
    task = workflow.ready_tasks(workflow.instance_for(insp))[0]
    db.session.commit()
    page = login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="facts-findings"' in page and "未下达指令书" in page and "未移送立案" in page
    assert f"/inspections/{insp.id}" in page
    _order(insp, world.officer)
    ops.refer_violations(insp, {}, actor=world.officer)
    ops.finish_handling(insp, {}, actor=world.officer)
    publish = workflow.ready_tasks(workflow.instance_for(insp))[0]
    db.session.commit()
    page = login(world.officer).get(f"/tasks/{publish.id}").get_data(as_text=True)
    assert "待处理结果" in page and "结果公示期限" in page
    assert '<option value="发现违法行为，已依法处理" selected' in page  # the suggested result, pre-filled
