"""A sealed 暗访 (journey 7): until its team starts it, nobody but its creator and team learns of it — through
no list, detail, search, count, inbox, dashboard, API, notification or audit view — for every other role:
an officer of the same county outside the team, the town officer of the target's town, the section head and
a leader who did not create it, the supervisor, the 法制审核, the admin and the target enterprise's account.
Nothing touches the target's rows (no inspection, no class stored, no audit event about it). After the start
the normal jurisdiction scope applies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import notifications
from app.audit.models import AuditEvent
from app.audit.routes import visible_to
from app.extensions import db
from app.inbox.queries import InboxFilters, inbox, inbox_counts
from app.inspections import sealed
from app.inspections.covert_pages import counts, visible_visits
from app.inspections.models import EnterpriseClass, Inspection, InspectionMode, InspectionSource
from app.inspections.models.covert import CovertStatus
from app.inspections.operations import covert as ops
from app.notifications.models import Notification
from app.workflow.models import HumanTask
from tests.factories.inspections_covert import extra_users, make_visit, start

OUTSIDERS = (
    "officer3",
    "town_officer",
    "section_head",
    "leader2",
    "supervisor",
    "legal",
    "admin",
    "manager_a",
)
TEAM = ("leader", "officer", "officer2")  # leader created it; officer leads; officer2 is a member


@pytest.fixture
def covert(world, frozen):
    extra = extra_users(world)
    users = {name: getattr(world, name, None) or getattr(extra, name) for name in (*OUTSIDERS, *TEAM)}
    visit = make_visit(world)
    return visit, users


def _secret_words(world, visit, user) -> list[str]:
    """What the page must not show: the visit's number, and its target (whose own account shows its name)."""
    return [visit.code] if user.is_enterprise_user else [visit.code, world.ent_a.name]


def _body(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_a_sealed_visit_is_invisible_to_every_other_role_through_every_channel(world, covert, login, who):
    visit, users = covert
    user = users[who]
    client = login(user)
    task = db.session.scalars(select(HumanTask).where(HumanTask.subject_type == "covert_visits")).one()

    # the rule itself, and the SQL twin every list, count and scope uses
    assert not sealed.can_see(user, visit)
    assert visit.id not in set(db.session.scalars(sealed.visible_covert_ids(user)))
    # list, search and counts
    assert visible_visits(user) == [] and visible_visits(user, {"q": visit.code}) == []
    assert counts(user)[CovertStatus.SEALED] == 0
    r = client.get("/inspections/covert/", query_string={"q": "危险化学品"})  # a word of its purpose
    assert r.status_code in (200, 403)
    for word in _secret_words(world, visit, user):
        assert word not in _body(r)
    # detail page, documents and files of it: 404 (not 403: its existence is not confirmed)
    assert client.get(f"/inspections/covert/{visit.id}").status_code == 404
    # inbox: no task offered, none counted, the task page 404, no title found by search
    page = inbox(user, InboxFilters())
    assert task.id not in [t.id for t in page.tasks]
    assert inbox_counts(user)["all"] == 0  # the world has no other task: the sealed one is not counted
    assert task.id not in [t.id for t in inbox(user, InboxFilters(q=visit.code)).tasks]
    assert client.get(f"/tasks/{task.id}").status_code == 404
    r = client.get("/inbox", query_string={"q": "暗访"})
    assert visit.code not in _body(r)
    # dashboard
    r = client.get("/dashboard")
    for word in _secret_words(world, visit, user):
        assert word not in _body(r)
    # API: list and detail, and the task API
    r = client.get("/api/v1/inspections/covert")
    assert r.status_code == 200 and r.get_json()["items"] == []
    r = client.get(f"/api/v1/inspections/covert?id={visit.id}")
    assert r.status_code == 200 and r.get_json()["items"] == [] and r.get_json()["counts"].get("密封", 0) == 0
    assert client.get(f"/api/v1/tasks/{task.id}").status_code == 404
    # notifications: none
    assert not [n for n in notifications.for_user(user) if visit.code in (n.title or "")]
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
        )
        == 0
    )
    # audit trail: no event of the visit (nor its workflow) in the user's view, nor on the audit page
    events = list(db.session.scalars(visible_to(user, select(AuditEvent))))
    if (
        who == "admin"
    ):  # the platform lets an admin read the whole trail (chain verification): it names nothing
        for e in events:
            text = f"{e.summary} {e.data} {e.changes}"
            assert world.ent_a.name not in text and visit.window_to.isoformat() not in text
            assert world.officer.name not in text
    else:
        assert not [
            e for e in events if e.object_type in ("covert_visits", "workflow_instances", "human_tasks")
        ]
        assert visit.code not in _body(client.get("/audit/"))
    if user.has_role("admin", "leader", "supervisor"):
        for word in _secret_words(world, visit, user)[1:]:
            assert word not in _body(client.get("/audit/"))


def test_the_creator_and_the_team_see_it_and_only_the_team_is_notified(world, covert, login):
    visit, users = covert
    for who in TEAM:
        user = users[who]
        assert sealed.can_see(user, visit)
        assert [v.id for v in visible_visits(user)] == [visit.id]
        assert counts(user)[CovertStatus.SEALED] == 1
        r = login(user).get(f"/inspections/covert/{visit.id}")
        assert r.status_code == 200 and world.ent_a.name in _body(r)
        (item,) = login(user).get(f"/api/v1/inspections/covert?id={visit.id}").get_json()["items"]
        assert item["targets"][0]["enterprise_id"] == world.ent_a.id
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {world.officer.id, world.officer2.id}  # the creator acted; nobody else is told
    for n in db.session.scalars(select(Notification)):
        assert world.ent_a.name not in (n.title or "") + (n.body or "")


def test_the_lead_is_assigned_the_start_task_whose_title_names_no_target(world, covert, login):
    visit, _ = covert
    (task,) = db.session.scalars(select(HumanTask).where(HumanTask.subject_type == "covert_visits"))
    assert task.bpmn_id == "start_visit" and task.assignee_id == world.officer.id
    assert task.region_path is None and task.enterprise_id is None
    assert world.ent_a.name not in task.title and visit.code in task.title
    assert task.id in [t.id for t in inbox(world.officer, InboxFilters()).tasks]
    assert login(world.officer).get(f"/tasks/{task.id}").status_code == 200
    assert task.id not in [t.id for t in inbox(world.officer2, InboxFilters()).tasks]


def test_nothing_touches_the_target_before_the_start(world, frozen):
    extra_users(world)
    before = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.object_type == "enterprises", AuditEvent.object_id == world.ent_a.id)
    )
    visit = make_visit(world)
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
    assert (
        db.session.scalar(select(func.count()).select_from(EnterpriseClass)) == 0
    )  # no class stored, no cap read
    after = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.object_type == "enterprises", AuditEvent.object_id == world.ent_a.id)
    )
    assert after == before
    for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "covert_visits")):
        assert world.ent_a.name not in e.summary and str(world.ent_a.id) not in str(
            (e.data or {}).get("targets", "")
        )
    assert visit.status == CovertStatus.SEALED


def test_after_the_start_the_jurisdiction_scope_applies(world, covert, login):
    visit, users = covert
    (insp,) = start(world, visit)
    assert visit.status == CovertStatus.ACTIVE and visit.started_at is not None
    assert insp.source == InspectionSource.COVERT and insp.mode == InspectionMode.COVERT
    assert insp.source_ref == visit.code
    # county staff now see it; the town's officer (a town jurisdiction) does not: the agency's region is the county
    for who in ("officer3", "section_head", "leader2", "supervisor", "legal", "admin"):
        assert sealed.can_see(users[who], visit), who
        assert login(users[who]).get(f"/inspections/covert/{visit.id}").status_code == 200
    for who in ("town_officer", "manager_a"):
        assert not sealed.can_see(users[who], visit)
        assert login(users[who]).get(f"/inspections/covert/{visit.id}").status_code == 404
        assert login(users[who]).get("/api/v1/inspections/covert").get_json()["items"] == []
    # the record_sheet task is in the agency's jurisdiction, still assigned to the lead
    (task,) = [
        t
        for t in db.session.scalars(select(HumanTask).where(HumanTask.status == "ready"))
        if t.subject_type == "covert_visits"
    ]
    assert task.bpmn_id == "record_sheet" and task.assignee_id == world.officer.id
    assert task.region_path == world.county.path
    # the audit trail now shows the visit's events to a county leader
    events = list(db.session.scalars(visible_to(users["leader2"], select(AuditEvent))))
    assert any(e.object_type == "covert_visits" and e.action == "covert.started" for e in events)


def test_a_visit_cancelled_before_the_start_stays_sealed(world, covert, login):
    visit, users = covert
    ops.cancel_visit(visit, {"reason": "风声走漏，改期"}, actor=world.leader)
    db.session.commit()
    assert visit.status == CovertStatus.CANCELLED
    assert ops.instance_of(visit).status != "running"
    for who in OUTSIDERS:
        assert not sealed.can_see(users[who], visit)
    assert sealed.can_see(world.officer, visit)


def test_no_ledger_export_names_a_sealed_visit_or_its_target(world, covert):
    """Every registered 台账 (the 执法检查台账 among them once its source is registered) exported by anyone
    outside the team who may export: neither the visit's number nor its target appears."""
    from werkzeug.datastructures import MultiDict

    from app import clock, ledgers

    visit, users = covert
    exported = 0
    for who in OUTSIDERS:
        user = users[who]
        for source in ledgers.sources():
            if not source.can_export(user):
                continue
            for name in source.ledgers:
                extract = source.rows(name, user, MultiDict(), attachment_base="", today=clock.today())
                text = " ".join(str(v) for row in extract.rows for v in row.values())
                assert visit.code not in text and world.ent_a.name not in text, (who, name)
                exported += 1
    assert exported > 0  # the supervisor, section head, leader and admin did export
