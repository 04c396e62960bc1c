"""Security review (r2): races on one case and gate bypasses through the API. Two people acting on one case
task: one wins, the other is told who and when (never a 500 from the case's shared document numbers); two
payments recorded at once never exceed what is owed; the 负责人's decision is not a section head's."""

from __future__ import annotations

from decimal import Decimal

from app import clock
from app.cases.models import CasePayment, PenaltyCase
from app.documents import OfficialDocument
from app.extensions import db
from tests.cases.walk import review, task_of, to_execution, to_legal_review
from tests.factories.concurrency import together
from tests.factories.db import commit


def _together(calls):
    """The calls' (status, JSON body), run at the same moment."""
    return [(r.status_code, r.json) for r in together(calls)]


def test_two_officers_completing_one_case_task_one_wins_the_other_is_told_who(login, world, make_case):
    w = make_case()
    w.file().evidence().report().notify().waive()
    commit()
    task = task_of(w.case, "prepare_decision")
    clients = [login(world.officer), login(world.officer2)]
    data = {"data": {"opinion": "建议按告知内容处罚"}}
    results = _together(
        [lambda c=c: c.api("POST", f"/api/v1/tasks/{task.id}/complete", json=data) for c in clients]
    )
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    winner = world.officer.name if results[0][0] == 200 else world.officer2.name
    loser = next(body for code, body in results if code == 409)
    assert winner in loser["error"] and "办理" in loser["error"], loser
    db.session.expire_all()
    forms = db.session.query(OfficialDocument).filter_by(doc_type="case_decision_form").count()
    assert forms == 1


def test_two_payments_recorded_at_once_never_exceed_the_fine(login, world, make_case):
    w = to_execution(world, make_case)
    case_id = w.case.id
    clients = [login(world.officer), login(world.officer2)]
    results = _together(
        [
            lambda c=c, i=i: c.api(
                "POST",
                f"/api/v1/cases/{case_id}/payments",
                json={
                    "data": {"paid_on": clock.today().isoformat(), "amount": "30000", "receipt_no": f"PJ{i}"}
                },
            )
            for i, c in enumerate(clients)
        ]
    )
    codes = sorted(code for code, _ in results)
    assert codes[0] == 200 and codes[1] in (409, 422), results
    db.session.expire_all()
    paid = sum(p.amount for p in db.session.query(CasePayment).filter_by(case_id=case_id))
    assert paid == Decimal("30000")


def test_a_section_head_cannot_decide_through_the_task_api(login, world, make_case):
    w = to_legal_review(world, make_case)
    review(world, w.case)
    commit()
    task = task_of(w.case, "decide")
    data = {"data": {"decision": "decide", "opinion": "同意"}}
    for user in (world.section_head, world.officer, world.legal):
        r = login(user).api("POST", f"/api/v1/tasks/{task.id}/complete", json=data)
        assert r.status_code == 403, (user.name, r.json)
    for user in (world.other_officer, world.manager_a):
        assert login(user).api("POST", f"/api/v1/tasks/{task.id}/complete", json=data).status_code == 404
    db.session.expire_all()
    case = db.session.get(PenaltyCase, w.case.id)
    assert case.decided_on is None and task_of(case, "decide").id == task.id


CASE_POSTS = [
    "evidence",
    "pauses",
    "pauses/end",
    "services",
    "payments",
    "limitation",
    "arrangements/decision",
    "remedies",
    "remedies/outcome",
    "reminders",
    "reminders/service",
    "enforcement",
    "extension",
]


def test_every_case_action_is_refused_outside_its_scope_and_to_the_party(login, world, make_case):
    """Another county's officer and another enterprise get 404 (no existence leak) on every case-page and
    API action of a case in execution; the party's own account gets 403 on the agency's actions; nothing is
    written."""
    from app.audit.models import AuditEvent

    w = to_execution(world, make_case)
    case_id = w.case.id
    last = db.session.query(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1).scalar()
    outsiders = [login(world.other_officer), login(world.manager_b)]
    party = login(world.manager_a)
    for action in CASE_POSTS:
        for client in outsiders:
            assert client.post(f"/cases/{case_id}/{action}", data={}).status_code == 404, action
        assert party.post(f"/cases/{case_id}/{action}", data={}).status_code == 403, action
    for action in ("payments", "services", "remedies", "remedies/outcome", "reminders", "extension"):
        for client in outsiders:
            r = client.api("POST", f"/api/v1/cases/{case_id}/{action}", json={"data": {}})
            assert r.status_code == 404, (action, r.json)
        r = party.api("POST", f"/api/v1/cases/{case_id}/{action}", json={"data": {}})
        assert r.status_code == 403, (action, r.json)
    db.session.expire_all()
    written = db.session.query(AuditEvent).filter(AuditEvent.action.like("case.%")).all()
    assert not [e for e in written if e.id > last], [(e.action, e.summary) for e in written]
    assert db.session.query(CasePayment).filter_by(case_id=case_id).count() == 0
