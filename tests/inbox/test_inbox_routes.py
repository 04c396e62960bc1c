"""我的待办, the task page and completion through the pages: scope, validation, stale forms."""

from app.audit.models import AuditEvent
from app.workflow.models import HumanTask
from tests.factories.workflow import ready


def test_officer_sees_task_with_count(started, login, world):
    started()
    page = login(world.officer).get("/inbox").get_data(as_text=True)
    assert "登记隐患" in page and world.ent_a.name in page
    assert 'data-testid="count-all">1<' in page


def test_inbox_is_scoped_by_jurisdiction_and_role(started, login, world):
    started(world.ent_a)  # 龙城镇
    started(world.ent_b)  # 黄口镇
    town = login(world.town_officer).get("/inbox").get_data(as_text=True)
    assert world.ent_a.name in town and world.ent_b.name not in town
    county = login(world.officer).get("/inbox").get_data(as_text=True)
    assert world.ent_a.name in county and world.ent_b.name in county
    assert "暂无待办事项" in login(world.other_officer).get("/inbox").get_data(as_text=True)
    # an enterprise manager has no officer tasks; the legal reviewer neither (role, not scope)
    assert "暂无待办事项" in login(world.manager_a).get("/inbox").get_data(as_text=True)
    assert "暂无待办事项" in login(world.legal).get("/inbox").get_data(as_text=True)


def test_enterprise_manager_sees_only_own_enterprise_task(started, login, world, db):
    a, b = started(world.ent_a), started(world.ent_b)
    for inst in (a, b):
        c = login(world.officer)
        r = c.post(f"/tasks/{ready(inst, 'register').id}", data={"deadline": "2026-11-20"})
        assert r.status_code == 302
    page_a = login(world.manager_a).get("/inbox").get_data(as_text=True)
    assert "提交整改" in page_a and world.ent_a.name in page_a and world.ent_b.name not in page_a
    task_b = ready(b, "rectify")
    assert login(world.manager_a).get(f"/tasks/{task_b.id}").status_code == 404
    r = login(world.manager_a).post(f"/tasks/{task_b.id}", data={"measures": "x"})
    assert r.status_code == 404
    assert db.session.get(HumanTask, task_b.id).status == "ready"


def test_filters_due_and_town(started, login, world):
    started(world.ent_a)
    started(world.ent_b)
    c = login(world.officer)
    page = c.get(f"/inbox?town={world.town_b.path}").get_data(as_text=True)
    assert world.ent_b.name in page and world.ent_a.name not in page
    assert "暂无待办事项" in c.get("/inbox?due=overdue").get_data(as_text=True)
    assert "暂无待办事项" in c.get("/inbox?task=review").get_data(as_text=True)
    assert world.ent_a.name in c.get("/inbox?task=register&sort=new").get_data(as_text=True)


def test_out_of_scope_task_page_is_404(started, login, world):
    task = ready(started(), "register")
    assert login(world.other_officer).get(f"/tasks/{task.id}").status_code == 404
    assert login(world.manager_b).get(f"/tasks/{task.id}").status_code == 404
    assert login(world.officer).get("/tasks/999999").status_code == 404


def test_in_scope_viewer_without_role_sees_read_only(started, login, world):
    task = ready(started(), "register")
    page = login(world.supervisor).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="not-actionable"' in page
    r = login(world.supervisor).post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"})
    assert r.status_code == 403


def test_task_page_shows_form_subject_steps_history(started, login, world):
    task = ready(started(), "register")
    page = login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="deadline"' in page
    assert 'data-testid="process-steps"' in page and "登记隐患" in page
    assert 'data-testid="history"' in page


def test_invalid_submit_rerenders_with_chinese_errors_and_keeps_input(started, login, world, db):
    task = ready(started(), "register")
    c = login(world.officer)
    r = c.post(f"/tasks/{task.id}", data={"deadline": "2026-13-45"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "2026-13-45" in body  # nothing typed is lost
    assert "日期" in body
    r = c.post(f"/tasks/{task.id}", data={})
    assert r.status_code == 422 and "不能为空" in r.get_data(as_text=True)
    assert db.session.get(HumanTask, task.id).status == "ready"
    assert db.session.query(AuditEvent).filter(AuditEvent.action == "task.completed").count() == 0


def test_valid_submit_moves_workflow_and_task_leaves_inbox(started, login, world, db):
    inst = started()
    task = ready(inst, "register")
    c = login(world.officer)
    r = c.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20", "not_declared": "ignored"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/inbox?completed={task.id}")
    db.session.expire_all()
    done = db.session.get(HumanTask, task.id)
    assert done.status == "completed" and done.completed_by_id == world.officer.id
    assert "not_declared" not in (done.data or {})
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "“登记隐患”已办理完成" in page and "暂无待办事项" in page
    assert "completed-notice" not in c.get("/inbox").get_data(as_text=True)
    assert "登记隐患" in c.get("/done").get_data(as_text=True)
    events = db.session.query(AuditEvent).filter(AuditEvent.action == "task.completed").all()
    assert len(events) == 1 and events[0].actor_id == world.officer.id


def test_completed_notice_only_for_the_users_own_completion(started, login, world, db):
    task = ready(started(), "register")
    login(world.officer).post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"})
    # someone else (same post, same jurisdiction) cannot have another officer's task announced as theirs
    other = login(world.officer2)
    assert "completed-notice" not in other.get(f"/inbox?completed={task.id}").get_data(as_text=True)
    for junk in ("abc", "-1", "999999"):
        r = other.get(f"/inbox?completed={junk}")
        assert r.status_code == 200 and "completed-notice" not in r.get_data(as_text=True)


def test_stale_form_is_409_naming_who_completed(started, login, world, db):
    task = ready(started(), "register")
    first, second = login(world.officer), login(world.officer2)
    second.get(f"/tasks/{task.id}")  # officer2 opened the form before officer submitted
    assert first.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}).status_code == 302
    r = second.post(f"/tasks/{task.id}", data={"deadline": "2026-11-21"})
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "王执法" in body and "已由" in body


def test_claim_hides_task_from_colleagues_and_release(started, login, world):
    task = ready(started(), "register")
    c = login(world.officer)
    assert c.post(f"/tasks/{task.id}/claim").status_code == 302
    assert "暂无待办事项" in login(world.officer2).get("/inbox").get_data(as_text=True)
    assert "已认领" in c.get("/inbox").get_data(as_text=True)
    c.post(f"/tasks/{task.id}/release")
    assert "登记隐患" in login(world.officer2).get("/inbox").get_data(as_text=True)


def test_reassign_only_by_section_head(started, login, world, db):
    task = ready(started(), "register")
    r = login(world.officer).post(f"/tasks/{task.id}/reassign", data={"user_id": world.officer2.id})
    assert r.status_code == 403
    r = login(world.section_head).post(f"/tasks/{task.id}/reassign", data={"user_id": world.officer2.id})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == world.officer2.id
    assert "暂无待办事项" in login(world.officer).get("/inbox").get_data(as_text=True)
    assert "指派给我" in login(world.officer2).get("/inbox").get_data(as_text=True)
    [event] = db.session.query(AuditEvent).filter(AuditEvent.action == "task.reassigned").all()
    assert event.actor_id == world.section_head.id and event.changes["assignee"] == [None, world.officer2.name]
    # cannot reassign to someone outside the task's role
    r = login(world.section_head).post(f"/tasks/{task.id}/reassign", data={"user_id": world.legal.id})
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == world.officer2.id


def test_login_required(app, started):
    task = ready(started(), "register")
    r = app.test_client().get(f"/tasks/{task.id}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_submit_sends_no_query_after_its_commit(started, login, world, db):
    """The redirect after a submit is built from what the request already holds: reading an expired
    attribute after the commit would reload the row (one more query and connection per submit)."""
    from tests.factories.db import sql_log

    task = ready(started(), "register")
    c = login(world.officer)
    with sql_log() as log:
        r = c.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"})
    assert r.status_code == 302 and "COMMIT" in log
    assert log[-1] == "COMMIT", log[log.index("COMMIT"):]


def _gives_up(error):
    """operations.complete doing its work, then the database giving up on the transaction."""
    from sqlalchemy.exc import OperationalError

    from app.inbox import operations

    real = operations.complete

    def complete(task, data, *, actor):
        real(task, data, actor=actor)
        raise OperationalError("UPDATE workflow_instances ...", {}, error)

    return complete


def test_database_giving_up_asks_to_submit_again_and_saves_nothing(started, login, world, db, monkeypatch):
    import sqlite3

    import psycopg

    from app.errors import BUSY_MESSAGE
    from app.inbox import routes

    task = ready(started(), "register")
    c = login(world.officer)
    for error in (psycopg.errors.DeadlockDetected("deadlock detected"),
                  psycopg.errors.SerializationFailure("could not serialize access"),
                  sqlite3.OperationalError("database is locked")):
        monkeypatch.setattr(routes.operations, "complete", _gives_up(error))
        r = c.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}, headers={"Referer": f"/tasks/{task.id}"})
        assert r.status_code == 303 and r.headers["Location"].endswith(f"/tasks/{task.id}")
        assert BUSY_MESSAGE in c.get(r.headers["Location"]).get_data(as_text=True)
        api = c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"deadline": "2026-11-20"}})
        assert api.status_code == 409 and api.json["error"] == BUSY_MESSAGE
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "ready"
    assert db.session.query(AuditEvent).filter(AuditEvent.action == "task.completed").count() == 0


def test_other_database_errors_are_not_turned_into_a_retry(started, login, world, monkeypatch):
    import sqlite3

    import pytest
    from sqlalchemy.exc import OperationalError

    from app.inbox import routes

    task = ready(started(), "register")
    c = login(world.officer)
    monkeypatch.setattr(routes.operations, "complete", _gives_up(sqlite3.OperationalError("disk I/O error")))
    with pytest.raises(OperationalError, match="disk I/O error"):  # a real failure: the 500 handler
        c.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"})
