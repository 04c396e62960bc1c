"""/api/v1/inspections (helper "web"): the list is the page's list (same filters, same scope, 422 on a bad
value), one inspection in the reader's terms — an enterprise account gets its own from 检查中 on with its
progress and without the cap decision; another county's officer, another enterprise and a planned
inspection asked for by the enterprise are 404 — and the OpenAPI document names the routes."""

from __future__ import annotations

from datetime import date

import pytest

from app.inspections.models import InspectionStatus
from tests.factories.db import commit
from tests.factories.inspections_web import finding_at, inspection_at


@pytest.fixture
def made(world):
    day = date(2026, 6, 3)
    out = {
        "planned": inspection_at(world, InspectionStatus.PLANNED, planned_on=day),
        "on_site": inspection_at(world, InspectionStatus.ON_SITE, planned_on=day),
        "done": inspection_at(
            world, InspectionStatus.DONE, planned_on=day, over_cap=True, over_cap_reason="复查"
        ),
        "b": inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_b, planned_on=day),
        "other": inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_other, planned_on=day),
    }
    finding_at(out["done"], level="重大")
    finding_at(out["on_site"])
    commit()
    return out


def _ids(r) -> set[int]:
    assert r.status_code == 200, r.get_json()
    return {i["id"] for i in r.get_json()["items"]}


def test_the_list_is_the_pages_list(login, world, made):
    officer = login(world.officer)
    ours = {made[k].id for k in ("planned", "on_site", "done", "b")}
    assert _ids(officer.get("/api/v1/inspections")) == ours
    assert _ids(officer.get("/api/v1/inspections?status=已完成")) == {made["done"].id, made["b"].id}
    assert _ids(officer.get(f"/api/v1/inspections?enterprise_id={world.ent_b.id}")) == {made["b"].id}
    body = officer.get("/api/v1/inspections").get_json()
    assert body["total"] == 4 and body["next_after"] is None
    assert _ids(login(world.other_officer).get("/api/v1/inspections")) == {made["other"].id}
    r = officer.get("/api/v1/inspections?month=4")
    assert r.status_code == 422 and "年度" in r.get_data(as_text=True)


def test_the_enterprise_reads_its_own_from_the_arrival_in_its_terms(login, world, made):
    manager = login(world.manager_a)
    assert _ids(manager.get("/api/v1/inspections")) == {made["on_site"].id, made["done"].id}
    row = next(
        i for i in manager.get("/api/v1/inspections").get_json()["items"] if i["id"] == made["done"].id
    )
    assert row["over_cap"] is False and row["source_ref"] is None  # the cap decision is internal
    assert manager.get(f"/api/v1/inspections/{made['planned'].id}").status_code == 404
    assert manager.get(f"/api/v1/inspections/{made['b'].id}").status_code == 404
    on_site = manager.get(f"/api/v1/inspections/{made['on_site'].id}").get_json()
    assert on_site["findings"] == []  # not before the record is closed
    assert [s["label"] for s in on_site["progress"]] == ["执法人员到场检查", "现场检查进行中"]
    done = manager.get(f"/api/v1/inspections/{made['done'].id}").get_json()
    assert done["over_cap_reason"] is None and [f["level"] for f in done["findings"]] == ["重大"]
    assert done["progress"][-1]["label"] == "检查办结"


def test_staff_read_the_whole_inspection_and_never_another_countys(login, world, made):
    officer = login(world.officer)
    body = officer.get(f"/api/v1/inspections/{made['done'].id}").get_json()
    assert body["over_cap_reason"] == "复查" and body["progress"] is None
    assert [m["cert_no"] for m in body["members"]] == ["34130001", "34130002"]
    on_site = officer.get(f"/api/v1/inspections/{made['on_site'].id}").get_json()
    assert len(on_site["findings"]) == 1
    assert officer.get(f"/api/v1/inspections/{made['other'].id}").status_code == 404
    assert login(world.other_officer).get(f"/api/v1/inspections/{made['done'].id}").status_code == 404
    assert login(world.supervisor).get(f"/api/v1/inspections/{made['done'].id}").status_code == 200


def test_anonymous_calls_are_refused(app, made):
    public = app.test_client()  # nobody signed in
    assert public.get("/api/v1/inspections").status_code == 401
    assert public.get(f"/api/v1/inspections/{made['done'].id}").status_code == 401


def test_the_openapi_document_names_the_routes(login, world):
    doc = login(world.officer).get("/api/v1/openapi.json").get_json()
    assert "/api/v1/inspections" in doc["paths"] and "/api/v1/inspections/{inspection_id}" in doc["paths"]
    names = {p["name"] for p in doc["paths"]["/api/v1/inspections"]["get"]["parameters"]}
    assert {
        "source",
        "status",
        "town",
        "industry",
        "enterprise_id",
        "year",
        "month",
        "class",
        "officer_id",
        "q",
    } <= names
    assert "InspectionDetailSchema" in doc["components"]["schemas"]


def test_a_town_officer_reads_only_the_towns_inspections_on_every_channel(login, world, made):
    """The 龙城镇 station's officer: the list page, the API (list and item), the statistics and the ledger's
    count hold 龙城镇's inspections only — never 黄口镇's (ent_b) nor another county's."""
    from app.inspections import ledger, queries, stats

    town = login(world.town_officer)
    ours = {made[k].id for k in ("planned", "on_site", "done")}
    assert _ids(town.get("/api/v1/inspections")) == ours
    for other in ("b", "other"):
        assert town.get(f"/api/v1/inspections/{made[other].id}").status_code == 404
        assert town.get(f"/inspections/{made[other].id}").status_code == 404
    page = town.get("/inspections/").get_data(as_text=True)
    assert made["done"].code in page and made["b"].code not in page and made["other"].code not in page
    assert town.get(f"/api/v1/inspections?enterprise_id={world.ent_b.id}").status_code in (403, 404, 422)
    assert ledger.count(world.town_officer, queries.InspectionFilters(year=2026)) == 3
    report = stats.build(world.town_officer, 2026)
    assert world.ent_b.name not in str(report) and world.ent_other.name not in str(report)
