"""The enterprise's view of its hazard (issue #10 item 9): a plain progress line in its own terms on the
hazard page and its task page, never the BPMN diagram, the agency's internal steps (挂牌督办 decision,
移送立案) or who is on them; the leader's 挂牌督办 decision task is not the enterprise's page (404)."""

from __future__ import annotations

from datetime import date, timedelta

from app import clock
from app.hazards import operations as ops
from app.hazards.view import outsider_progress
from tests.factories.db import commit
from tests.factories.hazards import ready_task, rect_data, review_data
from tests.hazards.test_major_flow import MAJOR, supervise


def line(hazard) -> list[tuple[str, str]]:
    return [(s.label, s.state) for s in outsider_progress(hazard)]


def _fail(h, world, **kw):
    ops.review_hazards([(h, review_data(world, result="整改不合格", decision="return", opinion="警示线未划设",
                                        **kw))], actor=world.officer)


def test_fresh_order_reads_issued_then_rectifying_with_the_deadline(make_hazard):
    h = make_hazard()
    steps = outsider_progress(h)
    assert [(s.label, s.state) for s in steps] == [
        ("已下达整改指令", "done"),
        (f"整改中（期限 {h.deadline:%Y-%m-%d}）", "current"),
        ("提交整改情况", "todo"),
        ("现场复查", "todo"),
    ]
    assert h.order.doc_number in steps[0].note


def test_fail_then_pass_in_the_enterprises_terms(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    assert line(h)[-1] == ("已提交整改，待复查", "current")
    new_deadline = clock.today() + timedelta(days=5)
    _fail(h, world, new_deadline=new_deadline)
    commit()
    steps = outsider_progress(h)
    assert [(s.label, s.state) for s in steps] == [
        ("已下达整改指令", "done"),
        ("已提交整改", "done"),
        ("复查不合格，需重新整改", "failed"),
        (f"整改中（期限 {new_deadline:%Y-%m-%d}）", "current"),
        ("提交整改情况", "todo"),
        ("现场复查", "todo"),
    ]
    assert "警示线未划设" in steps[2].note and f"{new_deadline:%Y-%m-%d}" in steps[2].note
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(h, review_data(world))], actor=world.officer)
    commit()
    assert line(h)[-2:] == [("已提交整改", "done"), ("复查合格，已销号", "done")]


def test_extension_decisions(make_hazard, world):
    h = make_hazard()
    asked = h.deadline + timedelta(days=10)
    ext = {"action": "extension", "ext_reason": "设备到货延迟", "ext_deadline": asked,
           "ext_interim_measures": "设置隔离", "ext_files": []}
    ops.request_extension(h, ext, actor=world.manager_a)
    commit()
    assert line(h)[-1] == ("已申请延期，待审批", "current")
    ops.decide_extension(h, {"approved": "yes", "approved_deadline": asked, "opinion": "同意"}, actor=world.officer)
    commit()
    steps = outsider_progress(h)
    assert [(s.label, s.state) for s in steps][1:4] == [
        ("已申请延期", "done"), ("延期申请已批准", "done"), (f"整改中（期限 {asked:%Y-%m-%d}）", "current")]
    assert f"整改期限延至 {asked:%Y-%m-%d}" == steps[2].note
    ops.request_extension(h, {**ext, "ext_deadline": asked + timedelta(days=5)}, actor=world.manager_a)
    ops.decide_extension(h, {"approved": "no", "opinion": "理由不充分"}, actor=world.officer)
    commit()
    refused = [s for s in outsider_progress(h) if s.label == "延期申请未批准"]
    assert [(s.state, s.note) for s in refused] == [("failed", "理由不充分")]


def test_referral_is_not_named_to_the_enterprise(make_hazard, world, upload, login):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(h, review_data(world, result="未整改", decision="refer", facts="拒不整改"))],
                       actor=world.officer)
    commit()
    steps = outsider_progress(h)
    assert steps[-2].label == "复查不合格" and steps[-1].state == "failed"
    text = " ".join(f"{s.label} {s.note}" for s in steps)
    assert "移送" not in text and "立案" not in text and "拒不整改" not in text
    # the referral's record (facts, 立案 status and answer) stays with the agency
    assert 'data-testid="referral"' not in login(world.manager_a).get(f"/hazards/{h.id}").get_data(as_text=True)
    assert 'data-testid="referral"' in login(world.officer).get(f"/hazards/{h.id}").get_data(as_text=True)


def test_major_hazard_waits_for_the_agency_without_naming_its_steps(make_hazard, world, login):
    h = make_hazard(**MAJOR)
    assert line(h)[-1] == ("待执法部门下达督办要求", "current")
    decision = ready_task(h, "decide_supervision")  # the leader's decision, on the enterprise's hazard
    c = login(world.manager_a)
    assert c.get(f"/tasks/{decision.id}").status_code == 404
    assert c.get(f"/api/v1/tasks/{decision.id}").status_code == 404
    assert c.post(f"/tasks/{decision.id}/claim").status_code == 404
    page = c.get(f"/hazards/{h.id}").get_data(as_text=True)
    assert 'data-testid="outsider-progress"' in page and "待执法部门下达督办要求" in page
    assert "负责人决定挂牌督办" not in page and 'data-testid="waiting"' not in page
    assert login(world.leader).get(f"/tasks/{decision.id}").status_code == 200
    supervise(h, world)
    commit()
    steps = outsider_progress(h)
    assert [s.label for s in steps][-2:] == ["已挂牌督办", f"待报送治理方案（期限 {h.deadline:%Y-%m-%d}）"]
    assert h.supervision.doc_number in steps[-2].note and "2026-12-31" in steps[-2].note


def test_hazard_page_for_the_enterprise(make_hazard, world, login, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    _fail(h, world, new_deadline=date(2026, 12, 30))
    commit()
    page = login(world.manager_a).get(f"/hazards/{h.id}").get_data(as_text=True)
    progress = page.split('data-testid="outsider-progress"', 1)[1].split("</ol>", 1)[0]
    for text in ("已下达整改指令", "复查不合格，需重新整改", "整改中（期限 2026-12-30）"):
        assert text in progress
    assert 'data-testid="process-diagram"' not in page and "流程进度" not in page
    assert "执法全过程记录" not in page
    task = ready_task(h, "submit_rectification")
    task_page = login(world.manager_a).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="outsider-progress"' in task_page and "复查不合格，需重新整改" in task_page
    assert 'data-testid="process-diagram"' not in task_page and "认领" not in task_page
    # staff keep the stage bar, the steps with their lanes, the diagram and the trail
    staff = login(world.officer).get(f"/hazards/{h.id}").get_data(as_text=True)
    assert 'data-testid="process-diagram"' in staff and "执法全过程记录" in staff
    assert 'data-testid="outsider-progress"' not in staff


def test_hazard_api_gives_the_enterprise_its_progress_not_the_agencys_record(make_hazard, world, login, upload):
    h = make_hazard(**MAJOR)  # waiting for the leader's 挂牌督办 decision
    body = login(world.manager_a).get(f"/api/v1/hazards/{h.id}").get_json()
    assert body["tasks"] == [] and body["history"] == [] and body["referral"] is None
    assert [(s["label"], s["state"]) for s in body["progress"]] == [
        ("已下达整改指令", "done"), ("待执法部门下达督办要求", "current")]
    assert body["progress"][0]["when"] == f"{h.order.issued_at:%Y-%m-%d}"
    staff = login(world.officer).get(f"/api/v1/hazards/{h.id}").get_json()
    assert [t["name"] for t in staff["tasks"]] == ["负责人决定挂牌督办"] and staff["history"]
    assert staff["progress"] is None
    # a referral's facts stay with the agency
    g = make_hazard()
    ops.submit_rectification(g, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(g, review_data(world, result="未整改", decision="refer", facts="拒不整改"))],
                       actor=world.officer)
    commit()
    assert login(world.manager_a).get(f"/api/v1/hazards/{g.id}").get_json()["referral"] is None
    assert login(world.officer).get(f"/api/v1/hazards/{g.id}").get_json()["referral"]["facts"] == "拒不整改"
