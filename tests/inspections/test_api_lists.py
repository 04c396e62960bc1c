"""GET /api/v1/enterprise-classes (the classes page's rows, filters and cursors, with each enterprise's budget)
and GET /api/v1/inspections/open-items (the open-items page's three lists): scoped like the pages, an
enterprise account refused (403), the OpenAPI document lists every route of this API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.inspections import classes_routes
from app.inspections.caps import classify_all
from app.inspections.models import EnterpriseClass, InspectionSource
from app.inspections.operations import results as ops


def _names(body) -> set[str]:
    return {r["enterprise_name"] for r in body["items"]}


def test_classes_are_the_pages_rows_with_the_budget(world, frozen, login, classify_rows):
    classify_all(world.county.path, 2026, actor=None)
    classify_rows.inspection(world.ent_a2, source=InspectionSource.RANDOM)
    classify_rows.inspection(world.ent_a2, source=InspectionSource.REPORT)
    world.ent_b.category = "D"  # the registry's class raised afterwards
    db.session.commit()
    officer = login(world.officer)
    body = officer.get("/api/v1/enterprise-classes").get_json()
    assert body["year"] == 2026 and body["total"] == 3
    assert _names(body) == {world.ent_a.name, world.ent_a2.name, world.ent_b.name}
    a2 = next(r for r in body["items"] if r["enterprise_id"] == world.ent_a2.id)
    assert a2["class"] == "C" and a2["max_inspections"] == 8
    assert a2["budget"] == {"class": "C", "cap": 8, "used": 1, "exempt": 1, "remaining": 7, "over": False}
    b = next(r for r in body["items"] if r["enterprise_id"] == world.ent_b.id)
    assert b["registry_class"] == "D" and b["class"] != "D"
    assert _names(officer.get("/api/v1/enterprise-classes?differs=1").get_json()) == {world.ent_b.name}
    assert _names(officer.get(f"/api/v1/enterprise-classes?town={world.town_b.path}").get_json()) == {
        world.ent_b.name
    }
    assert _names(officer.get("/api/v1/enterprise-classes?industry=危险化学品").get_json()) == {
        world.ent_a2.name
    }
    assert _names(officer.get("/api/v1/enterprise-classes?class=C&year=2026").get_json()) == {
        world.ent_a2.name
    }
    assert officer.get("/api/v1/enterprise-classes?year=2025").get_json()["items"] == []
    bad = officer.get("/api/v1/enterprise-classes?class=E&year=1")
    assert bad.status_code == 422 and set(bad.get_json()["field_errors"]) == {"class", "year"}
    assert "A, B, C, D" in bad.get_json()["field_errors"]["class"]


def test_classes_page_by_id_cursor_and_stay_in_scope(world, frozen, login, monkeypatch):
    classify_all(world.county.path, 2026, actor=None)
    classify_all(world.ent_other.region_path, 2026, actor=None)
    db.session.commit()
    monkeypatch.setattr(classes_routes, "PER_PAGE", 2)
    head = login(world.section_head)
    ids = [
        ec.id
        for ec in db.session.scalars(
            select(EnterpriseClass)
            .where(EnterpriseClass.enterprise_id != world.ent_other.id)
            .order_by(EnterpriseClass.id)
        )
    ]
    first = head.get("/api/v1/enterprise-classes").get_json()
    assert [r["id"] for r in first["items"]] == ids[:2] and first["next_after"] == str(ids[1])
    second = head.get(f"/api/v1/enterprise-classes?after={first['next_after']}").get_json()
    assert [r["id"] for r in second["items"]] == ids[2:3] and second["next_after"] is None
    assert second["prev_before"] == str(ids[2])
    other = login(world.other_officer).get("/api/v1/enterprise-classes").get_json()
    assert _names(other) == {world.ent_other.name}
    assert login(world.manager_a).get("/api/v1/enterprise-classes").status_code == 403
    assert login(world.supervisor).get("/api/v1/enterprise-classes").status_code == 200


def test_open_items_are_the_pages_lists(world, results_inspection, login, frozen):
    insp = results_inspection({"is_violation": True}, source="双随机")
    insp.result_publish_due = clock.today() - timedelta(days=1)  # passed
    on_time = results_inspection(source="双随机")
    on_time.result_publish_due = clock.today() + timedelta(days=5)
    m = ops.issue_measure(insp, {"kind": "立即改正", "facts": "安全出口上锁"}, actor=world.officer)
    far = results_inspection(
        {"is_violation": True}, enterprise=world.ent_other, members=[world.other_officer], source="双随机"
    )
    far.result_publish_due = clock.today() - timedelta(days=3)
    db.session.commit()
    (f,) = ops.findings_of(insp)
    (g,) = ops.findings_of(far)

    body = login(world.section_head).get("/api/v1/inspections/open-items").get_json()
    assert [v["id"] for v in body["violations"]["rows"]] == [f.id] and body["violations"]["total"] == 1
    row = body["violations"]["rows"][0]
    assert row["inspection_id"] == insp.id and row["state"] == "尚未移送立案"
    assert row["enterprise_name"] == insp.enterprise.name
    assert [x["id"] for x in body["measures"]["rows"]] == [m.id] and body["measures"]["rows"][0][
        "expired"
    ] is False
    results = {x["id"]: x["overdue"] for x in body["results"]["rows"]}
    assert results == {insp.id: True, on_time.id: False} and body["results"]["overdue"] == 1
    other = login(world.other_officer).get("/api/v1/inspections/open-items").get_json()
    assert [v["id"] for v in other["violations"]["rows"]] == [g.id]
    assert [x["id"] for x in other["results"]["rows"]] == [far.id] and other["measures"]["rows"] == []
    r = login(world.manager_a).get("/api/v1/inspections/open-items")
    assert r.status_code == 403 and "仅供执法人员查看" in r.get_json()["error"]
    assert login(world.supervisor).get("/api/v1/inspections/open-items").status_code == 200
    # once handled, they leave the list
    ops.lift_measure(m, {"review": "已打开"}, actor=world.officer)
    db.session.get(type(insp), insp.id).result_published_on = clock.today()
    db.session.commit()
    body = login(world.section_head).get("/api/v1/inspections/open-items").get_json()
    assert body["measures"]["rows"] == [] and [x["id"] for x in body["results"]["rows"]] == [on_time.id]


def test_the_openapi_document_lists_these_routes(login, world):
    doc = login(world.officer).get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    for path, method in [
        ("/api/v1/inspection-plans", "get"),
        ("/api/v1/inspection-plans/{plan_id}", "get"),
        ("/api/v1/inspection-plans/{plan_id}/progress", "get"),
        ("/api/v1/draw-batches", "get"),
        ("/api/v1/draw-batches/{batch_id}", "get"),
        ("/api/v1/enterprise-classes", "get"),
        ("/api/v1/inspections/open-items", "get"),
        ("/api/v1/inspections", "post"),
        ("/api/v1/inspections", "get"),  # the list stays beside the create
        ("/api/v1/inspections/{inspection_id}/checklist/{item_code}", "post"),
    ]:
        assert method in paths.get(path, {}), (path, method)
        assert paths[path][method]["summary"], (path, method)
    names = {p["name"] for p in paths["/api/v1/enterprise-classes"]["get"]["parameters"]}
    assert {"year", "town", "industry", "class"} <= names
    item = {
        p["name"]: p
        for p in paths["/api/v1/inspections/{inspection_id}/checklist/{item_code}"]["post"]["parameters"]
    }
    assert item["item_code"]["schema"] == {"type": "string"} and item["inspection_id"]["in"] == "path"
    assert "201" in paths["/api/v1/inspections"]["post"]["responses"]
    schemas = doc["components"]["schemas"]
    for name in ("PlanDetailSchema", "PlanProgressSchema", "DrawBatchDetailSchema", "EnterpriseClassPageSchema",
                 "OpenItemsSchema", "ChecklistResultSchema"):  # fmt: skip
        assert name in schemas, name
    assert "seed" in schemas["DrawBatchDetailSchema"]["properties"]
