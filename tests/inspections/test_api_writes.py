"""POST /api/v1/inspections (the create page's form, then create_inspection) and POST
/api/v1/inspections/<id>/checklist/<item_code> (record_item): the same rules as the pages — 403 for who may
not act, 404 outside the reader's jurisdiction, 422 with the field's Chinese message — and nothing written
when refused."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.inspections.caps import budget
from app.inspections.models import ChecklistResult, Inspection, InspectionStatus
from app.inspections.operations import inspection as ops
from tests.factories.db import commit
from tests.factories.inspections_onsite import scheme_data, start_data


def _data(world, **over) -> dict:
    data = {
        "enterprise_id": world.ent_a.id,
        "source": "年度计划",
        "mode": "常规检查",
        "planned_on": "2026-11-04",
        "lead_officer_id": world.officer.id,
        "member_ids": [world.officer2.id],
        "checklist_code": "confined_space",
    }
    data.update(over)
    return data


def _count() -> int:
    return db.session.scalar(select(func.count(Inspection.id))) or 0


def test_an_officer_creates_an_inspection(login, world, frozen):
    before = budget(world.ent_a, 2026).used
    commit()  # the read's transaction ends before the request writes
    r = login(world.officer).api("POST", "/api/v1/inspections", json={"data": _data(world)})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    insp = db.session.get(Inspection, body["id"])
    assert body["code"] == insp.code and body["status"] == InspectionStatus.PLANNED
    assert body["enterprise_id"] == world.ent_a.id and body["counts_against_cap"] is True
    assert sorted(insp.officer_ids) == sorted([world.officer.id, world.officer2.id])
    assert ops.ready_ids(insp) == ["prepare_scheme"]  # the workflow started, as from the page
    assert budget(world.ent_a, 2026).used == before + 1


def test_refusals_come_back_on_their_fields_in_chinese(login, world, frozen):
    n = _count()
    commit()
    officer = login(world.officer)
    r = officer.api("POST", "/api/v1/inspections", json={"data": _data(world, member_ids=[], source="")})
    assert r.status_code == 422
    errors = r.get_json()["field_errors"]
    assert {"source", "member_ids"} <= set(errors) and all(
        any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in errors.values()
    )
    r = officer.api("POST", "/api/v1/inspections", json={"data": _data(world, enterprise_id="")})
    assert r.status_code == 422 and r.get_json()["field_errors"] == {"enterprise_id": "请选择被检查单位"}
    r = officer.api("POST", "/api/v1/inspections", json={"data": _data(world, enterprise_id="x")})
    assert r.status_code == 422 and "enterprise_id" in r.get_json()["field_errors"]
    # the team rule of the operation (a member of another county)
    r = officer.api(
        "POST", "/api/v1/inspections", json={"data": _data(world, member_ids=[world.other_officer.id])}
    )
    assert r.status_code == 422 and "member_ids" in r.get_json()["field_errors"]
    r = officer.api("POST", "/api/v1/inspections", json="not a form")
    assert r.status_code == 422 and "请求体应为 JSON" in r.get_json()["error"]
    commit()
    assert _count() == n


def test_over_the_cap_asks_for_the_reason_then_waits_for_the_leader(login, world, new_inspection):
    while budget(world.ent_a, 2026).remaining > 0:
        new_inspection()
    commit()
    officer = login(world.officer)
    r = officer.api("POST", "/api/v1/inspections", json={"data": _data(world, source="专项")})
    assert r.status_code == 422
    assert "超出上限检查的理由" in r.get_json()["field_errors"]["over_cap_reason"]
    r = officer.api(
        "POST", "/api/v1/inspections", json={"data": _data(world, source="专项", over_cap_reason="专项整治")}
    )
    assert r.status_code == 201
    assert r.get_json()["status"] == InspectionStatus.PENDING_APPROVAL and r.get_json()["over_cap"] is True


def test_who_may_create(login, world, frozen):
    n = _count()
    commit()
    for who in (world.manager_a, world.supervisor, world.legal):
        r = login(who).api("POST", "/api/v1/inspections", json={"data": _data(world)})
        assert r.status_code == 403 and "只有执法人员" in r.get_json()["error"], who.username
    # another county's enterprise: not found for this officer
    r = login(world.other_officer).api("POST", "/api/v1/inspections", json={"data": _data(world)})
    assert r.status_code == 404
    r = login(world.officer).api(
        "POST", "/api/v1/inspections", json={"data": _data(world, enterprise_id=world.ent_other.id)}
    )
    assert r.status_code == 404
    r = login(world.officer).api(
        "POST", "/api/v1/inspections", json={"data": _data(world, enterprise_id=10**30)}
    )
    assert r.status_code == 404
    commit()
    assert _count() == n


def _on_site(world, new_inspection) -> Inspection:
    insp = new_inspection()
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    ops.start_onsite(insp, start_data(world), actor=world.officer)
    commit()
    return insp


def _url(insp, code="YX-01") -> str:
    return f"/api/v1/inspections/{insp.id}/checklist/{code}"


def test_a_team_member_records_an_item(login, world, new_inspection):
    insp = _on_site(world, new_inspection)
    officer = login(world.officer2)
    r = officer.api("POST", _url(insp), json={"data": {"result": "符合", "note": "现场查看作业审批单3份"}})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["item_code"] == "YX-01" and body["result"] == "符合" and body["finding_needed"] is False
    row = ops.results_of(db.session.get(Inspection, insp.id))["YX-01"]
    assert row.note == "现场查看作业审批单3份" and row.recorded_by_id == world.officer2.id
    r = officer.api("POST", _url(insp, "YX-09"), json={"data": {"result": "不符合"}})
    assert r.status_code == 200 and r.get_json()["finding_needed"] is True


def test_item_refusals_and_denials(login, world, new_inspection):
    planned = new_inspection()
    commit()
    officer = login(world.officer)
    # not on site yet: the procedure refuses (409), nothing recorded
    r = officer.api("POST", _url(planned), json={"data": {"result": "符合"}})
    assert r.status_code == 409
    insp = _on_site(world, new_inspection)
    r = officer.api("POST", _url(insp), json={"data": {"result": "合格"}})
    assert r.status_code == 422 and r.get_json()["field_errors"] == {"result": "请选择符合、不符合或不涉及"}
    r = officer.api("POST", _url(insp), json={"data": {"result": "符合", "note": "长" * 2001}})
    assert r.status_code == 422 and "说明不能超过2000字" in r.get_json()["field_errors"]["note"]
    assert officer.api("POST", _url(insp, "NO-SUCH"), json={"data": {"result": "符合"}}).status_code == 404
    # staff in scope off the team, and the read-only supervisor: 403
    for who in (world.section_head, world.supervisor):
        r = login(who).api("POST", _url(insp), json={"data": {"result": "符合"}})
        assert r.status_code == 403, who.username
    # the enterprise reads its inspection on site but records nothing (403); another enterprise,
    # another county: 404; the enterprise's planned inspection: 404
    assert (
        login(world.manager_a).api("POST", _url(insp), json={"data": {"result": "符合"}}).status_code == 403
    )
    assert (
        login(world.manager_a).api("POST", _url(planned), json={"data": {"result": "符合"}}).status_code
        == 404
    )
    for who in (world.manager_b, world.other_officer):
        assert login(who).api("POST", _url(insp), json={"data": {"result": "符合"}}).status_code == 404
    commit()
    assert db.session.scalar(select(func.count(ChecklistResult.id))) == 0
