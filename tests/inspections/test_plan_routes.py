"""The plan pages (/inspections/plans/…): the section head drafts, edits and submits, the leader approves,
the progress page links to the inspection list; denials through the routes — an officer cannot approve,
another county sees nothing (404), an enterprise account never reads a plan (403), the generic task page's
API cannot bypass the capacity gate."""

from __future__ import annotations

from datetime import date

from app import clock, workflow
from app.extensions import db
from app.inspections.models import InspectionPlan, PlanStatus
from app.inspections.operations import plan as ops
from tests.factories.clock import at
from tests.factories.inspections_plan import classify


def url(plan, tail=""):
    return f"/inspections/plans/{plan.id}{tail}"


def test_section_head_drafts_edits_and_submits_then_leader_approves(login, world, frozen):
    classify(world, 2027)
    db.session.commit()
    head = login(world.section_head)
    page = head.get("/inspections/plans/").get_data(as_text=True)
    assert "按分类分级生成计划草稿" in page
    r = head.post("/inspections/plans/new", data={"year": "2027", "notes": "统筹兼顾、突出重点"})
    assert r.status_code == 303
    plan = db.session.query(InspectionPlan).one()
    assert plan.region_path == world.bureau.region.path and plan.status == PlanStatus.DRAFT
    page = head.get(url(plan, "?month=1")).get_data(as_text=True)
    assert "萧县龙城化工有限公司" in page and "C类" in page and 'data-testid="capacity-form"' in page
    assert 'data-testid="key-enterprise-picker"' in page
    r = head.post(
        url(plan, "/items"), data={"kind": "重点检查", "enterprise_id": str(world.ent_b.id), "month": "5"}
    )
    assert r.status_code == 303
    r = head.post(
        url(plan, "/items"), data={"kind": "重点检查", "enterprise_id": str(world.ent_other.id), "month": "5"}
    )
    assert r.status_code == 422 and "请选择本计划区域内的企业" in r.get_data(as_text=True)
    assert "萧县黄口建材有限公司" in head.get(url(plan, "?month=5")).get_data(as_text=True)
    # too little capacity in January: refused, the month named, the plan still a draft
    r = head.post(url(plan, "/capacity"), data={f"m{m}": "1" if m == 1 else "60" for m in range(1, 13)})
    assert r.status_code == 303
    r = head.post(url(plan, "/submit"), data={"note": ""})
    assert r.status_code == 422
    assert "1月计划检查1次，需2人日" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InspectionPlan, plan.id).status == PlanStatus.DRAFT
    head.post(url(plan, "/capacity"), data={f"m{m}": "60" for m in range(1, 13)})
    assert head.post(url(plan, "/submit"), data={"note": "请审批"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(InspectionPlan, plan.id).status == PlanStatus.PENDING
    # an officer cannot approve, through the page or the generic task API
    officer = login(world.officer)
    assert (
        officer.post(url(plan, "/decide"), data={"plan_decision": "approve", "opinion": "同意"}).status_code
        == 403
    )
    [task] = workflow.ready_tasks(workflow.instance_for(plan, ops.PROCESS))
    r = officer.api(
        "POST",
        f"/api/v1/tasks/{task.id}/complete",
        json={"data": {"plan_decision": "approve", "opinion": "同意"}},
    )
    assert r.status_code in (403, 404)
    leader = login(world.leader)
    page = leader.get(url(plan)).get_data(as_text=True)
    assert 'data-testid="decide-form"' in page
    r = leader.post(url(plan, "/decide"), data={"plan_decision": "approve", "opinion": ""})
    assert r.status_code == 422 and "请填写审批意见" in r.get_data(as_text=True)
    r = leader.post(url(plan, "/decide"), data={"plan_decision": "approve", "opinion": "同意"})
    assert r.status_code == 303
    db.session.expire_all()
    plan = db.session.get(InspectionPlan, plan.id)
    assert plan.status == PlanStatus.APPROVED and plan.publication_id
    # the progress page links its numbers to the inspection list with the agreed parameters
    page = head.get(url(plan, "/progress")).get_data(as_text=True)
    assert (
        ops.list_url(plan=plan.id, kind="重点", status="done", year=2027, month=1).replace("&", "&amp;")
        in page
    )
    # an amendment from the page
    r = head.post(url(plan, "/amend"), data={"reason": "增列新发现重大隐患企业"})
    assert r.status_code == 303
    new = db.session.query(InspectionPlan).filter_by(parent_id=plan.id).one()
    assert new.version == 2 and new.status == PlanStatus.DRAFT
    head.post(url(new, "/capacity"), data={f"m{m}": "50" if m == 12 else "60" for m in range(1, 13)})
    page = head.get(url(new)).get_data(as_text=True)
    assert "与第1版相比" in page and "12月 60→50" in page
    assert 'data-testid="withdraw-form"' in page
    assert head.post(url(new, "/withdraw"), data={"reason": "不再调整"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(InspectionPlan, new.id).status == PlanStatus.WITHDRAWN


def test_returned_through_the_task_api_with_the_same_rules(login, make_plan, world):
    w = make_plan(2027).submit()
    [task] = workflow.ready_tasks(workflow.instance_for(w.plan, ops.PROCESS))
    leader = login(world.leader)
    page = leader.get(f"/tasks/{task.id}").get_data(as_text=True)  # the generic task page: facts and form
    assert "计划概况与执法力量核对" in page and 'data-testid="capacity-table"' in page and "退回修改" in page
    r = leader.api(
        "POST",
        f"/api/v1/tasks/{task.id}/complete",
        json={"data": {"plan_decision": "return", "opinion": "请调整"}},
    )
    assert r.status_code in (200, 201, 204), r.get_data(as_text=True)[:300]
    db.session.expire_all()
    plan = db.session.get(InspectionPlan, w.plan.id)
    assert plan.status == PlanStatus.RETURNED and plan.returned_count == 1


def test_other_county_and_enterprise_accounts_see_nothing(login, make_plan, world):
    w = make_plan(2027)
    other = login(world.other_officer)
    assert other.get(url(w.plan)).status_code == 404
    assert other.get(url(w.plan, "/progress")).status_code == 404
    assert other.post(url(w.plan, "/capacity"), data={"m1": "0"}).status_code == 404
    assert w.plan.title not in other.get("/inspections/plans/").get_data(as_text=True)
    manager = login(world.manager_a)
    assert manager.get(url(w.plan)).status_code == 403
    assert manager.get("/inspections/plans/").status_code == 403
    # an officer of the county reads the plan but cannot edit or draft it
    officer = login(world.officer)
    page = officer.get(url(w.plan))
    assert page.status_code == 200 and 'data-testid="capacity-form"' not in page.get_data(as_text=True)
    assert officer.post(url(w.plan, "/capacity"), data={"m1": "0"}).status_code == 403
    assert officer.post("/inspections/plans/new", data={"year": "2028"}).status_code == 403


def test_assign_team_page_creates_the_due_inspection(login, make_plan, world):
    w = make_plan(2027)
    jan = next(i for i in w.plan.items if i.is_key and i.month == 1)
    jan.member_ids, jan.lead_officer_id = [], None
    db.session.commit()
    w.submit().approve()
    clock.freeze(at(date(2027, 1, 4)))
    ops.sweep_plans()
    db.session.commit()
    head = login(world.section_head)
    page = head.get(url(w.plan, "?month=1")).get_data(as_text=True)
    assert "未指定检查组" in page
    r = head.post(
        url(w.plan, f"/items/{jan.id}"),
        data={
            "lead_officer_id": str(world.officer.id),
            "member_ids": [str(world.officer.id), str(world.officer2.id)],
        },
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(jan), jan.id).inspection_id is not None


def test_the_published_plan_is_public_without_names(app, make_plan, world):
    w = make_plan(2027).submit().approve()
    anonymous = app.test_client()
    r = anonymous.get(f"/gongshi/{w.plan.publication_id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert w.plan.title in page and "1家企业，4次" in page and "各月计划检查次数" in page
    for e in (world.ent_a, world.ent_a2, world.ent_b):
        assert e.name not in page
    listing = anonymous.get("/gongshi/").get_data(as_text=True)
    assert w.plan.title in listing


def test_capacity_form_changes_only_the_months_posted(login, make_plan, world):
    w = make_plan(2027)
    before = dict(w.plan.capacity)
    head = login(world.section_head)
    assert head.post(url(w.plan, "/capacity"), data={"m3": "40"}).status_code == 303
    db.session.expire_all()
    after = db.session.get(InspectionPlan, w.plan.id).capacity
    assert after["3"] == 40 and {k: v for k, v in after.items() if k != "3"} == {
        k: v for k, v in before.items() if k != "3"
    }
    r = head.post(url(w.plan, "/capacity"), data={"m4": "-3"})
    assert r.status_code == 422 and "4月可用执法力量应在0至100000人日之间" in r.get_data(as_text=True)
