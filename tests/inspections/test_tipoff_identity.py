"""The informant's identity (journey 10): visible ONLY to the intake officer and the 负责人 of the jurisdiction,
masked everywhere else — the tip-off page and list, the generic task pages, the audit trail (summaries and
data), workflow data, notifications, the 举报奖励决定, the verifying inspection (what the enterprise and the
inspection ledger see) and the public query page. One function decides it (tipoff_access.may_see_informant)."""

from __future__ import annotations

import json

import pytest

from app import workflow
from app.audit.models import AuditEvent
from app.documents.models import OfficialDocument
from app.extensions import db
from app.inspections import tipoff_access as access
from app.inspections.models import Inspection
from app.inspections.operations import tipoff as ops
from app.notifications.models import Notification
from app.workflow.models import HumanTask, WorkflowInstance
from tests.factories.auth import csrf_from
from tests.factories.inspections_tipoff import INFORMANT, SECRETS


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def rewarded(world, tipoffs):
    """A tip-off run to its reward decision (重大事故隐患), committed."""
    t, code = tipoffs.to_reward(major=True)
    ops.decide_reward(t, {"reward_decision": "grant", "reason": "举报重大事故隐患属实"}, actor=world.leader)
    db.session.commit()
    return t, code


def test_one_function_decides_it_per_role(world, tipoffs):
    t, _ = tipoffs.receive()
    tipoffs.accept(t)
    allowed = {world.officer.id, world.leader.id}  # the intake officer, the 负责人
    for user in (
        world.officer,
        world.leader,
        world.officer2,
        world.section_head,
        world.town_officer,
        world.legal,
        world.supervisor,
        world.admin,
        world.other_officer,
        world.manager_a,
        world.manager_b,
    ):
        assert access.may_see_informant(user, t) == (user.id in allowed), user.username
        shown = access.informant(user, t)
        if user.id in allowed:
            assert (
                shown["name"] == INFORMANT["informant_name"]
                and shown["phone"] == INFORMANT["informant_phone"]
            )
        else:
            assert not _leaks(json.dumps(shown, ensure_ascii=False)) and shown["name"] == access.HIDDEN
            assert not _leaks(access.content(user, t))  # the phone number written into the content is masked
    assert not access.can_view(world.manager_a, t) and not access.can_view(world.other_officer, t)
    assert access.can_view(world.supervisor, t) and access.can_view(world.section_head, t)


def test_anonymous_shows_no_identity_to_anyone(world, tipoffs):
    t, _ = tipoffs.receive(anonymous=True)
    assert access.informant(world.leader, t)["name"] == access.ANONYMOUS
    assert not _leaks(
        json.dumps([t.informant_name, t.informant_phone, t.informant_id_no], ensure_ascii=False)
    )


@pytest.mark.parametrize(
    "who, sees",
    [
        ("officer", True),
        ("leader", True),
        ("section_head", False),
        ("officer2", False),
        ("supervisor", False),
        ("admin", False),
    ],
)
def test_the_tipoff_page(world, login, rewarded, who, sees):
    t, _ = rewarded
    html = login(getattr(world, who)).get(f"/inspections/reports/{t.id}").get_data(as_text=True)
    assert t.no in html
    if sees:
        assert all(s in html for s in SECRETS[:3])
    else:
        assert not _leaks(html) and access.HIDDEN in html


@pytest.mark.parametrize("who", ["manager_a", "manager_b", "other_officer"])
def test_outsiders_get_nothing(world, login, rewarded, who):
    t, _ = rewarded
    client = login(getattr(world, who))
    assert client.get(f"/inspections/reports/{t.id}").status_code == 404
    listing = client.get("/inspections/reports/")
    assert listing.status_code in (403, 404) or t.no not in listing.get_data(as_text=True)
    assert client.get(f"/documents/{t.reward_document_id}").status_code in (403, 404)
    assert client.post(f"/inspections/reports/{t.id}/inspection", data={}).status_code == 404


def test_the_list_names_no_informant(world, login, rewarded):
    t, _ = rewarded
    for user in (world.officer, world.leader, world.section_head):
        html = login(user).get("/inspections/reports/").get_data(as_text=True)
        assert t.no in html and not _leaks(html)


def test_task_pages_mask_it_for_the_section_head_and_show_it_to_the_leader(world, login, tipoffs):
    t, _ = tipoffs.receive()
    db.session.commit()
    (assign,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    html = login(world.section_head).get(f"/tasks/{assign.id}").get_data(as_text=True)
    assert t.no in html and not _leaks(html) and access.HIDDEN in html
    t = db.session.get(type(t), t.id)
    tipoffs.accept(t)
    from tests.factories.inspections_tipoff import visit

    visit(tipoffs.inspect(t))
    tipoffs.verify(t)
    db.session.commit()
    t = db.session.get(type(t), t.id)
    (feedback,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    html = login(world.officer).get(f"/tasks/{feedback.id}").get_data(as_text=True)
    assert INFORMANT["informant_phone"] in html  # the intake officer reaches the informant
    html = login(world.officer2).get(f"/tasks/{feedback.id}").get_data(as_text=True)
    assert not _leaks(html)
    tipoffs.feed(t)
    db.session.commit()
    (reward,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    html = login(world.leader).get(f"/tasks/{reward.id}").get_data(as_text=True)
    assert INFORMANT["informant_name"] in html and "3000" in html  # the suggested amount is shown


def test_no_identity_in_audit_workflow_notifications_documents_or_the_inspection(world, rewarded):
    t, code = rewarded
    events = db.session.query(AuditEvent).all()
    assert events
    for e in events:
        text = json.dumps([e.summary, e.data, e.changes], ensure_ascii=False, default=str)
        assert not _leaks(text), e.action
        assert code not in text
    for inst in db.session.query(WorkflowInstance).all():
        assert not _leaks(inst.state) and not _leaks(inst.title)
    for task in db.session.query(HumanTask).all():
        assert not _leaks(json.dumps([task.title, task.data], ensure_ascii=False, default=str))
    notices = db.session.query(Notification).all()
    assert notices
    for n in notices:
        assert not _leaks(f"{n.title} {n.body}")
    doc = db.session.get(OfficialDocument, t.reward_document_id)
    assert not _leaks(json.dumps(doc.content, ensure_ascii=False, default=str))
    insp = db.session.get(Inspection, t.inspection_id)
    assert not _leaks(json.dumps([insp.source_ref, insp.summary], ensure_ascii=False, default=str))
    assert insp.source_ref == t.no


def test_the_audit_trail_page(world, login, rewarded):
    for user in (world.leader, world.supervisor, world.admin):
        r = login(user).get("/audit/")
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and "举报" in html and not _leaks(html)


def test_the_reward_document_page_names_no_informant(world, login, rewarded):
    t, _ = rewarded
    html = login(world.leader).get(f"/documents/{t.reward_document_id}").get_data(as_text=True)
    assert "举报奖励决定" in html and t.no in html and "3000" in html and not _leaks(html)


def test_public_query_by_code(app, world, rewarded):
    t, code = rewarded
    client = app.test_client()
    page = client.get("/inspections/reports/query")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    assert client.post("/inspections/reports/query", data={"code": code}).status_code == 400  # no CSRF token
    r = client.post("/inspections/reports/query", data={"code": code.lower(), "csrf_token": token})
    html = r.get_data(as_text=True)
    assert (
        r.status_code == 200 and t.no in html and "已办结" in html and "经核查" in html and "3,000.00" in html
    )
    assert not _leaks(html) and world.officer.name not in html  # no officer named to the public
    r = client.post("/inspections/reports/query", data={"code": "ABCDEFGHJKLM", "csrf_token": token})
    assert r.status_code == 404 and t.no not in r.get_data(as_text=True)


def test_public_query_is_throttled(app, world, rewarded):
    t, code = rewarded
    client = app.test_client()
    token = csrf_from(client.get("/inspections/reports/query").get_data(as_text=True))
    statuses = [
        client.post(
            "/inspections/reports/query", data={"code": f"WRONGCODE{i:03d}", "csrf_token": token}
        ).status_code
        for i in range(app.config["LOGIN_MAX_FAILURES"] + 1)
    ]
    assert statuses[-1] == 429 and statuses[0] == 404
    r = client.post("/inspections/reports/query", data={"code": code, "csrf_token": token})
    assert r.status_code == 429 and t.no not in r.get_data(as_text=True)  # even the right code waits


def test_the_inspection_ledger_and_list_name_the_tipoff_not_the_informant(world, login, rewarded):
    """执法检查台账 (helper "web"): the verifying inspection's row gives its source 举报 and the tip-off's number."""
    from werkzeug.datastructures import MultiDict

    from app import clock
    from app.inspections import ledger

    t, _ = rewarded
    for user in (world.leader, world.supervisor):
        extract = ledger.extract(ledger.LEDGER, user, MultiDict(), attachment_base="", today=clock.today())
        rows = list(extract.rows)
        text = json.dumps(rows, ensure_ascii=False, default=str)
        assert t.no in text and not _leaks(text)
        html = login(user).get("/inspections/").get_data(as_text=True)
        assert not _leaks(html)
