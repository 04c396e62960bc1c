"""What an enterprise account sees of a process on its own enterprise (issue #10 item 9): only its own
lane's task pages (the agency's steps are 404, on the pages and the API), no process diagram, no internal
steps or trail, no claim. The platform part, on the test process (which registers no outsider progress)."""

from __future__ import annotations

from app.audit.models import AuditEvent
from app.workflow.models import HumanTask
from tests.factories.workflow import ready


def _registered(started, login, world):
    inst = started()
    officer_task = ready(inst, "register")
    r = login(world.officer).post(f"/tasks/{officer_task.id}", data={"deadline": "2026-11-20"})
    assert r.status_code == 302
    return inst, officer_task, ready(inst, "rectify")


def test_enterprise_cannot_open_the_agencys_tasks_on_its_own_case(started, login, world):
    inst = started()
    waiting = ready(inst, "register")  # the officer's step, READY, on ent_a
    c = login(world.manager_a)
    assert c.get(f"/tasks/{waiting.id}").status_code == 404
    assert c.get(f"/api/v1/tasks/{waiting.id}").status_code == 404
    assert c.post(f"/tasks/{waiting.id}", data={"deadline": "2026-11-20"}).status_code == 404
    # nor once completed by the officer
    _inst, done, _rectify = _registered(started, login, world)
    assert c.get(f"/tasks/{done.id}").status_code == 404
    assert c.get(f"/api/v1/tasks/{done.id}").status_code == 404
    # staff in scope still open both
    assert login(world.officer).get(f"/tasks/{done.id}").status_code == 200
    assert login(world.supervisor).get(f"/tasks/{waiting.id}").status_code == 200


def test_enterprise_task_page_shows_no_diagram_no_internal_steps_no_claim(started, login, world):
    _inst, _done, rectify = _registered(started, login, world)
    page = login(world.manager_a).get(f"/tasks/{rectify.id}").get_data(as_text=True)
    assert 'name="measures"' in page  # its own task, to do
    assert 'data-testid="process-diagram"' not in page
    assert "认领" not in page and "改派" not in page
    assert 'data-testid="history"' not in page and "执法全过程记录" not in page
    steps = page.split('data-testid="process-steps"', 1)[1].split("</div>", 2)[0]
    assert "登记隐患" not in steps  # the officer's step is not the enterprise's to see
    # the officer's view of the same task keeps the diagram, the steps and the trail
    staff = login(world.officer).get(f"/tasks/{rectify.id}").get_data(as_text=True)
    assert 'data-testid="process-diagram"' in staff and 'data-testid="history"' in staff
    assert "登记隐患" in staff.split('data-testid="process-steps"', 1)[1]


def test_api_task_detail_for_enterprise_lists_only_its_own_steps(started, login, world):
    _inst, _done, rectify = _registered(started, login, world)
    body = login(world.manager_a).get(f"/api/v1/tasks/{rectify.id}").get_json()
    assert body["steps"] == [] and body["history"] == []
    staff = login(world.officer).get(f"/api/v1/tasks/{rectify.id}").get_json()
    assert [s["name"] for s in staff["steps"]] == ["登记隐患"] and staff["history"]


def test_enterprise_claim_is_refused(started, login, world, db):
    inst, done, rectify = _registered(started, login, world)
    c = login(world.manager_a)
    assert c.post(f"/tasks/{rectify.id}/claim").status_code == 403
    assert c.post(f"/tasks/{done.id}/claim").status_code == 404
    other = started()  # a READY officer task on the same enterprise
    assert c.post(f"/tasks/{ready(other, 'register').id}/claim").status_code == 404
    db.session.expire_all()
    assert db.session.get(HumanTask, rectify.id).claimed_by_id is None
    assert db.session.query(AuditEvent).filter(AuditEvent.action == "task.claimed").count() == 0
    # and the enterprise still completes its task without claiming it
    r = c.post(f"/tasks/{rectify.id}", data={"measures": "清理通道"})
    assert r.status_code == 302


def test_officer_still_claims(started, login, world):
    task = ready(started(), "register")
    c = login(world.officer)
    assert "认领（由我办理）" in c.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert c.post(f"/tasks/{task.id}/claim").status_code == 302
