"""/api/v1/hazards and answering hazard tasks through /api/v1: the same data scope and operations as
the pages. Another enterprise's manager and another county's officer see nothing and answer nothing."""

from __future__ import annotations

from app.extensions import db
from app.hazards.models import Hazard, HazardStatus
from tests.factories.db import commit
from tests.factories.hazards import ready, ready_task, rectification_form


def test_list_is_scoped_and_filtered_like_the_page(login, world, make_order):
    a1, a2 = make_order({"location": "配电室"}, {"location": "仓库", "source": "暗访"}).hazards
    b = make_order({"location": "料仓", "enterprise_id": world.ent_b.id}).hazards[0]

    mine = login(world.manager_a).get("/api/v1/hazards").json
    assert mine["total"] == 2 and {h["code"] for h in mine["items"]} == {a1.code, a2.code}
    assert mine["items"][0]["doc_number"] == a1.order.doc_number and mine["items"][0]["enterprise"]

    officer = login(world.officer)
    assert officer.get("/api/v1/hazards").json["total"] == 3
    only = officer.get("/api/v1/hazards", query_string={"source": "暗访"}).json
    assert [h["code"] for h in only["items"]] == [a2.code]
    assert only["items"][0]["status"] == HazardStatus.RECTIFYING and only["items"][0]["is_overdue"] is False

    assert login(world.other_officer).get("/api/v1/hazards").json["total"] == 0
    assert b.code not in str(mine)


def test_detail_shows_tasks_and_history_to_those_in_scope(login, world, make_hazard):
    h = make_hazard()
    task = ready_task(h, "submit_rectification")
    body = login(world.manager_a).get(f"/api/v1/hazards/{h.id}").json
    assert body["hazard"]["code"] == h.code and body["hazard"]["deadline"] == h.deadline.isoformat()
    assert [t["bpmn_id"] for t in body["tasks"]] == ["submit_rectification"]
    assert body["actionable_task_ids"] == [task.id]
    assert body["rectifications"] == [] and body["supervision"] is None
    # the enterprise gets its progress, not the agency's trail (issue #10 item 9)
    assert body["history"] == [] and body["progress"][0]["label"] == "已下达整改指令"
    # the officer sees the hazard and its trail, but the enterprise's task is not theirs to do
    staff = login(world.officer).get(f"/api/v1/hazards/{h.id}").json
    assert staff["actionable_task_ids"] == [] and staff["history"]


def test_other_enterprise_and_other_county_cannot_see_or_answer(login, world, make_hazard):
    h = make_hazard()
    task = ready_task(h, "submit_rectification")
    for user in (world.manager_b, world.other_officer):
        c = login(user)
        r = c.get(f"/api/v1/hazards/{h.id}")
        assert r.status_code == 404 and r.json["error"] == "隐患不存在或不在您的范围内"
        assert c.get(f"/api/v1/tasks/{task.id}").status_code == 404
        r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", data=rectification_form(),
                  content_type="multipart/form-data")
        assert r.status_code == 404, r.json
    commit()
    assert ready(db.session.get(Hazard, h.id)) == ["submit_rectification"]
    assert db.session.get(Hazard, h.id).rectifications == []


def test_manager_answers_the_order_through_the_api_with_a_photo(login, world, make_hazard):
    h = make_hazard()
    task = ready_task(h, "submit_rectification")
    c = login(world.manager_a)
    # a JSON body cannot carry the required after-photos: a clear Chinese field error, nothing written
    r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"action": "rectified"}})
    assert r.status_code == 422 and "after_photos" in r.json["field_errors"]
    r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", data=rectification_form(),
              content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert [t["bpmn_id"] for t in r.json["next_tasks"]] == ["review_rectification"]
    commit()
    h = db.session.get(Hazard, h.id)
    assert h.status == HazardStatus.REVIEWING
    assert h.latest_rectification.responsible_person == "张工"
    body = c.get(f"/api/v1/hazards/{h.id}").json
    assert body["rectifications"][0]["measures"] == "清理杂物，划设警示线"
    assert body["rectifications"][0]["submitted_by"] == world.manager_a.name
    # the same task again: a conflict naming who did it, not a second rectification
    r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", data=rectification_form(),
              content_type="multipart/form-data")
    assert r.status_code == 409 and world.manager_a.name in r.json["error"]


def test_openapi_documents_the_hazard_endpoints(login, world):
    spec = login(world.officer).get("/api/v1/openapi.json").json
    assert "/api/v1/hazards" in spec["paths"] and "/api/v1/hazards/{hazard_id}" in spec["paths"]
    assert "HazardDetailSchema" in spec["components"]["schemas"]
    complete = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in complete


def test_round_cap_cannot_be_bypassed_through_the_api(login, world, make_hazard, upload):
    """After two failed 复查 rounds only 移送 or 特批 remain, whoever asks and however: the API gets the same
    field error as the page, nothing is written, the workflow still waits for the 复查."""
    from datetime import timedelta

    from app import clock
    from app.hazards import operations as ops
    from tests.factories.hazards import rect_data, review_data

    h = make_hazard()
    for _ in range(2):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
        if ready(h) == ["review_rectification"] and h.failed_rounds == 0:
            ops.review_hazards([(h, review_data(world, result="未整改", decision="return",
                                                new_deadline=clock.today() + timedelta(days=3)))],
                               actor=world.officer)
    commit()
    task = ready_task(h, "review_rectification")
    c = login(world.officer)
    again = {"reviewed_on": clock.today().isoformat(), "co_reviewer_id": str(world.officer2.id),
             "result": "未整改", "opinion": "仍未整改", "decision": "return",
             "new_deadline": (clock.today() + timedelta(days=5)).isoformat()}
    r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": again})
    assert r.status_code == 422 and "decision" in r.json["field_errors"]
    commit()
    h = db.session.get(Hazard, h.id)
    assert h.failed_rounds == 1 and ready(h) == ["review_rectification"] and h.status == HazardStatus.REVIEWING
    # an enterprise account cannot answer the officer's 复查 at all
    r = login(world.manager_a).api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": again})
    assert r.status_code in (403, 404)
