"""/api/v1: same permissions as the pages, JSON errors in Chinese, OpenAPI document, concurrency."""

import threading

import pytest

from app.audit.models import AuditEvent
from app.documents.models import DocumentCounter, DocumentNumber
from app.workflow.models import HumanTask, WorkflowInstance
from tests.factories.workflow import ready


def test_api_requires_login(app):
    r = app.test_client().get("/api/v1/inbox")
    assert r.status_code == 401 and r.json["error"] == "未登录或登录已过期"


def test_api_inbox_matches_page_scope(started, login, world):
    started(world.ent_a)
    started(world.ent_b)
    town = login(world.town_officer).get("/api/v1/inbox").json
    assert town["total"] == 1 and town["items"][0]["enterprise_id"] == world.ent_a.id
    assert town["items"][0]["name"] == "登记隐患" and town["items"][0]["overdue"] is False
    assert login(world.officer).get("/api/v1/inbox").json["total"] == 2
    assert login(world.other_officer).get("/api/v1/inbox").json["total"] == 0


def test_api_task_detail_and_denial(started, login, world):
    task = ready(started(), "register")
    detail = login(world.officer).get(f"/api/v1/tasks/{task.id}").json
    assert detail["can_act"] is True
    assert [f["name"] for f in detail["form"]["fields"]] == ["deadline"]
    r = login(world.manager_b).get(f"/api/v1/tasks/{task.id}")
    assert r.status_code == 404 and "不存在" in r.json["error"]


def test_api_complete_validation_then_success_then_conflict(started, login, world, db):
    inst = started()
    task = ready(inst, "register")
    c = login(world.officer)
    r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"deadline": "不是日期"}})
    assert r.status_code == 422 and "deadline" in r.json["field_errors"]
    r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"nodata": 1})
    assert r.status_code == 422
    r = c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"deadline": "2026-11-20"}})
    assert r.status_code == 200, r.json
    assert [t["bpmn_id"] for t in r.json["next_tasks"]] == ["rectify"]
    r = login(world.officer2).api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"deadline": "2026-11-21"}})
    assert r.status_code == 409 and "王执法" in r.json["error"]


def test_api_post_without_csrf_is_refused(started, login, world):
    task = ready(started(), "register")
    c = login(world.officer)
    r = c.client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"deadline": "2026-11-20"}})
    assert r.status_code == 400


def test_api_enterprise_cannot_complete_officer_task(started, login, world, db):
    task = ready(started(), "register")
    r = login(world.manager_a).api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"deadline": "2026-11-20"}})
    assert r.status_code in (403, 404)
    assert db.session.get(HumanTask, task.id).status == "ready"


def test_api_enterprises_scoped(login, world):
    names = {e["name"] for e in login(world.town_officer).get("/api/v1/enterprises").json["items"]}
    assert names == {world.ent_a.name, world.ent_a2.name}
    assert login(world.manager_a).get(f"/api/v1/enterprises/{world.ent_b.id}").status_code == 404
    assert login(world.manager_a).get(f"/api/v1/enterprises/{world.ent_a.id}").json["credit_code"] == world.ent_a.credit_code
    assert login(world.officer).get(f"/api/v1/enterprises/{world.ent_other.id}").status_code == 404


def test_openapi_document(login, world):
    spec = login(world.officer).get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/inbox", "/api/v1/tasks/{task_id}", "/api/v1/tasks/{task_id}/complete",
            "/api/v1/enterprises", "/api/v1/enterprises/{enterprise_id}"} <= set(spec["paths"])
    assert "TaskSchema" in spec["components"]["schemas"]
    assert "409" in spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["responses"]


def test_two_clients_complete_same_task_concurrently(started, login, world, db):
    """Exactly one completion and one audit event; the loser gets 409 naming the winner."""
    inst = started()
    task = ready(inst, "register")
    clients = [login(world.officer), login(world.officer2)]
    barrier = threading.Barrier(2)
    results = [None, None]

    def go(i):
        barrier.wait(10)
        r = clients[i].api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"deadline": "2026-11-20"}})
        results[i] = (r.status_code, r.json)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    loser = next(body for code, body in results if code == 409)
    winner_name = world.officer.name if results[0][0] == 200 else world.officer2.name
    assert winner_name in loser["error"]
    db.session.expire_all()
    assert db.session.query(AuditEvent).filter(AuditEvent.action == "task.completed").count() == 1
    assert db.session.query(HumanTask).filter_by(bpmn_id="rectify", status="ready").count() == 1


class Boom(Exception):
    pass


def test_exception_after_step_before_commit_leaves_no_trace(started, world, db, monkeypatch):
    """Workflow step, projection, audit event and a document number all roll back together."""
    from app import audit, workflow
    from app.documents import numbering
    from app.inbox import operations
    from app.workflow import user_tasks

    inst = started()
    task = ready(inst, "register")
    before = (inst.version, inst.state)
    audit_count = db.session.query(AuditEvent).count()

    def handler(task, data, *, actor):
        numbering.next_number(world.bureau, "责改")
        workflow.complete_task(task, data, actor=actor)
        audit.record(actor, "task.completed", task.instance, summary="x")
        raise Boom("injected after the step, before commit")

    monkeypatch.setitem(user_tasks._handlers, ("test_simple", "register"), handler)
    from datetime import date

    with pytest.raises(Boom):
        operations.complete(task, {"deadline": date(2026, 11, 20)}, actor=world.officer)
    db.session.rollback()
    db.session.expire_all()
    inst = db.session.get(WorkflowInstance, inst.id)
    assert (inst.version, inst.state) == before
    assert db.session.get(HumanTask, task.id).status == "ready"
    assert db.session.query(HumanTask).filter_by(instance_id=inst.id).count() == 1
    assert db.session.query(AuditEvent).count() == audit_count
    assert db.session.query(DocumentNumber).count() == 0
    assert db.session.query(DocumentCounter).count() == 0
    # and the same task can then be completed normally
    monkeypatch.undo()
    operations.complete(task, {"deadline": date(2026, 11, 20)}, actor=world.officer)
    db.session.commit()
    assert workflow.ready_task_names(inst) == ["rectify"]
