"""/api/v1/inspection-plans: the reader's plans (the list page's query), one plan (items, capacity, status)
and its progress (the progress page's numbers, operations.plan.progress) — another county 404, an enterprise
account 403, the supervisor reads."""

from __future__ import annotations

from datetime import date

from app import clock
from app.extensions import db
from app.inspections.models import Inspection, InspectionStatus, PlanItem
from app.inspections.operations import plan as ops
from tests.factories.clock import at


def _sweep(d: date) -> None:
    clock.freeze(at(d))
    ops.sweep_plans()
    db.session.commit()


def test_the_list_detail_and_progress_are_the_pages(login, make_plan, world):
    w = make_plan(2027).submit().approve()
    _sweep(date(2027, 1, 4))
    jan = db.session.scalars(
        db.select(Inspection).where(
            Inspection.id.in_(db.select(PlanItem.inspection_id).where(PlanItem.plan_id == w.plan.id))
        )
    ).one()
    jan.status = InspectionStatus.DONE
    db.session.commit()
    head = login(world.section_head)

    body = head.get("/api/v1/inspection-plans").get_json()
    assert [p["id"] for p in body["items"]] == [w.plan.id] and body["total"] == 1
    assert body["items"][0]["status"] == "已批准" and body["items"][0]["year"] == 2027

    detail = head.get(f"/api/v1/inspection-plans/{w.plan.id}").get_json()
    plan = db.session.get(type(w.plan), w.plan.id)
    assert len(detail["items"]) == len(plan.items) > 0
    assert {i["id"] for i in detail["items"]} == {i.id for i in plan.items}
    key = next(i for i in detail["items"] if i["inspection_id"] == jan.id)
    assert key["kind"] == "重点检查" and key["enterprise_name"] == jan.enterprise.name
    loads = ops.check_capacity(plan)
    assert [m["month"] for m in detail["capacity"]] == list(range(1, 13))
    assert [(m["inspections"], m["over"]) for m in detail["capacity"]] == [
        (x.inspections, x.over) for x in loads
    ]
    assert detail["totals"] == ops.totals(plan)
    assert detail["editable"] is False and detail["problems"] == []  # an approved plan: no gate shown

    progress = head.get(f"/api/v1/inspection-plans/{w.plan.id}/progress").get_json()
    p = ops.progress(plan)
    assert [(c["month"], c["planned"], c["done"]) for c in progress["key"]] == [
        (m, c.planned, c.done) for m, c in sorted(p.key.items())
    ]
    assert progress["key"][0] == {"month": 1, "planned": 1, "done": 1, "rate": 100}
    assert [(c["month"], c["planned"], c["done"]) for c in progress["general"]] == [
        (m, c.planned, c.done) for m, c in sorted(p.general.items())
    ]
    towns = {c["town_id"]: (c["planned"], c["done"]) for c in progress["by_town"]}
    assert towns == {tid: (c.planned, c.done) for tid, c in p.by_town.items()}
    assert world.town_a.id in towns
    assert (
        next(c for c in progress["by_town"] if c["town_id"] == world.town_a.id)["town_name"]
        == world.town_a.name
    )
    industries = {c["industry"]: (c["planned"], c["done"]) for c in progress["by_industry"]}
    assert industries == {k: (c.planned, c.done) for k, c in p.by_industry.items()}


def test_a_draft_shows_its_gate_problems(login, make_plan, world):
    w = make_plan(2027)
    head = login(world.section_head)
    ops.set_capacity(w.plan, {str(m): 0 for m in range(1, 13)}, actor=world.section_head)
    db.session.commit()
    detail = head.get(f"/api/v1/inspection-plans/{w.plan.id}").get_json()
    assert detail["plan"]["status"] == "草稿" and detail["editable"] is True
    assert detail["problems"] and all("人日" in x or "上限" in x for x in detail["problems"])
    assert detail["problems"] == ops.capacity_problems(w.plan) + ops.cap_problems(w.plan)


def test_scope_another_county_an_enterprise_and_the_supervisor(login, make_plan, world):
    w = make_plan(2027)
    other = login(world.other_officer)
    assert other.get("/api/v1/inspection-plans").get_json()["items"] == []
    for tail in ("", "/progress"):
        r = other.get(f"/api/v1/inspection-plans/{w.plan.id}{tail}")
        assert r.status_code == 404 and "不在您的范围内" in r.get_json()["error"]
    manager = login(world.manager_a)
    assert manager.get("/api/v1/inspection-plans").status_code == 403
    for tail in ("", "/progress"):
        r = manager.get(f"/api/v1/inspection-plans/{w.plan.id}{tail}")
        assert r.status_code == 403 and "仅供执法机关人员" in r.get_json()["error"]
    supervisor = login(world.supervisor)
    assert [p["id"] for p in supervisor.get("/api/v1/inspection-plans").get_json()["items"]] == [w.plan.id]
    assert supervisor.get(f"/api/v1/inspection-plans/{w.plan.id}/progress").status_code == 200
    assert login(world.officer).get("/api/v1/inspection-plans/999999").status_code == 404


def test_anonymous_is_refused(app, make_plan):
    w = make_plan(2027)
    assert app.test_client().get(f"/api/v1/inspection-plans/{w.plan.id}").status_code == 401
