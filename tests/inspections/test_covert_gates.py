"""Review of the 暗访 gates: only a 负责人 or 科室负责人 deploys a visit through the page (an officer, an enterprise
account and another county's officer posting the form create nothing); only the team lead starts it — the
creator, a member and any other role are refused through the generic task page and the API; a department-less
platform admin (whole-platform scope) does not reach a sealed visit's task page either."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.roles import Role
from app.extensions import db
from app.inspections.models.covert import CovertStatus, CovertVisit
from tests.factories.inspections_covert import make_visit, task_of
from tests.factories.org import _user


def _form(world) -> dict:
    return {
        "purpose": "夜间动火作业暗访",
        "targets-0-enterprise_id": str(world.ent_a.id),
        "lead_id": str(world.officer.id),
        "member_ids": [str(world.officer2.id)],
        "window_from": "2026-11-02",
        "window_to": "2026-11-06",
    }


@pytest.mark.parametrize("who", ["officer", "officer2", "other_officer", "manager_a", "supervisor", "legal"])
def test_only_a_leader_or_section_head_deploys_through_the_page(world, frozen, login, who):
    client = login(getattr(world, who))
    assert client.get("/inspections/covert/new").status_code in (403, 404)
    assert client.post("/inspections/covert/new", data=_form(world)).status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(CovertVisit)) == 0


@pytest.mark.parametrize("who", ["leader", "officer2", "section_head", "other_officer", "manager_a"])
def test_only_the_lead_starts_it_through_the_task_page_or_the_api(world, frozen, login, who):
    visit = make_visit(world)  # the leader created it; officer leads; officer2 is a member
    task = task_of(visit, "start_visit")
    client = login(getattr(world, who))
    assert client.post(f"/tasks/{task.id}", data={}).status_code in (403, 404)
    r = client.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {}})
    assert r.status_code in (403, 404)
    db.session.expire_all()
    visit = db.session.get(CovertVisit, visit.id)
    assert visit.status == CovertStatus.SEALED and visit.started_at is None
    assert visit.targets[0].inspection_id is None


def test_a_platform_admin_without_a_department_learns_no_target_or_team(world, frozen, login):
    """The generic task page shows a task to whoever has its region in scope (app.inbox.queries.can_view), and a
    department-less admin has every region — even a sealed task's none. Until the platform asks the subject's
    own scope there, the covert summary asks the seal: the page names no target, team member or window."""
    visit = make_visit(world)
    task = task_of(visit, "start_visit")
    root = _user("root_admin", "平台管理员", [Role.ADMIN], None)
    db.session.commit()
    assert root.scope_path == ""  # the whole platform
    client = login(root)
    r = client.get(f"/tasks/{task.id}")
    html = r.get_data(as_text=True)
    if r.status_code == 200:
        assert 'data-testid="covert-summary-sealed"' in html
    for word in (world.ent_a.name, world.officer.name, world.officer2.name):
        assert word not in html
    assert world.ent_a.name not in client.get(f"/api/v1/tasks/{task.id}").get_data(as_text=True)
    assert client.get(f"/inspections/covert/{visit.id}").status_code == 404
    # the team still reads it
    assert world.ent_a.name in login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)


def test_the_team_choices_are_the_agencys_certified_staff(world, frozen):
    from app.inspections.covert_tasks import covert_officers

    gone = _user("gone", "离职执法", [Role.OFFICER], world.brigade, cert="34130099")
    gone.is_active_flag = False
    db.session.commit()
    ids = {uid for uid, _ in covert_officers(world.leader, {})}
    assert {world.officer.id, world.officer2.id, world.town_officer.id, world.section_head.id} <= ids
    assert world.other_officer.id not in ids and gone.id not in ids
    assert world.leader.id not in ids  # no 执法证
    assert covert_officers(world.manager_a, {}) == []


def test_the_supervision_sheet_is_issued_by_the_section_head_not_the_team(world, frozen, login):
    """回头看 未整改到位 → 制发督办单: the agency's numbered document, from the section heads' pool; the team lead
    (an officer) who recorded the 回头看 cannot issue it through the task page or the API."""
    from datetime import datetime

    from app import clock
    from app.inspections.models.covert import AssignmentStatus
    from app.inspections.operations import covert as ops
    from tests.factories.inspections_covert import run_to_assign

    visit = make_visit(world)
    run_to_assign(world, visit)
    ops.issue_assignment(
        visit, {"to_name": "龙城镇人民政府", "problems": "督促落实动火作业票制度"}, actor=world.section_head
    )
    db.session.commit()
    clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=clock.TZ))
    task = task_of(visit, "return_visit")
    r = login(world.officer).post(
        f"/tasks/{task.id}", data={"visited_on": "2026-11-24", "result": "unfixed", "note": "仍未办理作业票"}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    task = task_of(visit, "supervise")
    assert task.assignee_id is None and task.candidate_role == "section_head"
    sheet = {"requirements": "3日内完成整改", "new_deadline": "2026-11-27"}
    for who in (world.officer, world.officer2, world.other_officer, world.manager_a):
        client = login(who)
        assert client.post(f"/tasks/{task.id}", data=sheet).status_code in (403, 404)
        r = client.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": sheet})
        assert r.status_code in (403, 404)
    db.session.expire_all()
    assert not db.session.get(CovertVisit, visit.id).assignments[0].supervisions
    head = login(world.section_head)
    assert "交办函" in head.get(f"/tasks/{task.id}").get_data(as_text=True)  # the facts: the 交办 it follows
    r = head.post(f"/tasks/{task.id}", data=sheet)
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    db.session.expire_all()
    visit = db.session.get(CovertVisit, visit.id)
    (a,) = visit.assignments
    assert a.status == AssignmentStatus.SUPERVISED and a.supervisions[0].issued_by_id == world.section_head.id
    assert task_of(visit, "return_visit").assignee_id == world.officer.id
