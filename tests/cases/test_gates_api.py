"""The legal gates through the generic task API (/api/v1/tasks/<id>/complete): the same operations refuse, so
a client that skips the pages gets the same Chinese refusal and the case does not move."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app import clock
from app.cases import gates
from app.cases import operations as ops
from app.cases.models import CaseHearing, HearingStatus, PenaltyCase
from app.extensions import db
from tests.cases.walk import review, task_of, to_legal_review
from tests.factories.db import commit


def _complete(client, task, data: dict):
    return client.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": data})


def _errors(r) -> str:
    body = r.json or {}
    return str(body.get("error", "")) + str(body.get("field_errors", ""))


def _to_decide(world, make_case):
    w = to_legal_review(world, make_case)
    review(world, w.case)
    assert w.ready == ["decide"]
    return w


DECIDE = {"decision": "decide", "opinion": "同意"}


def test_a_heavier_penalty_after_the_statement_is_refused(login, world, make_case):
    w = make_case()
    w.file().evidence().report().notify()
    ops.state_case(w.case, {"statement": "stated", "content": "请求从轻"}, actor=world.manager_a)
    commit()
    task = task_of(w.case, "review_statement")
    data = {
        "review_result": "不采纳",
        "review_reason": "申辩不成立",
        "renotice": "no",
        "adjustments-0-line_no": "1",
        "adjustments-0-fine": "40000",
    }
    r = _complete(login(world.officer), task, data)
    assert r.status_code == 422 and "第四十五条" in _errors(r), r.json
    commit()
    assert task_of(db.session.get(PenaltyCase, w.case.id), "review_statement").id == task.id


def test_an_investigator_cannot_preside_the_hearing(login, world, make_case):
    w = make_case().file().evidence()
    w.report(lines=[{"target": "单位", "kinds": ["罚款"], "fine": Decimal("60000")}], factors=["harm_caused"])
    w.notify()
    ops.state_case(w.case, {"statement": "hearing", "content": "要求听证"}, actor=world.manager_a)
    commit()
    task = task_of(w.case, "schedule_hearing")
    day = (clock.today() + timedelta(days=20)).isoformat()
    r = _complete(
        login(world.section_head),
        task,
        {
            "presiding_id": str(world.officer.id),
            "hearing_on": day,
            "place": "局三楼",
            "method": "直接送达",
            "served_on": clock.today().isoformat(),
        },
    )
    assert r.status_code == 422, r.json
    r = _complete(
        login(world.section_head),
        task,
        {
            "presiding_id": str(world.legal.id),
            "hearing_on": day,
            "place": "局三楼",
            "method": "直接送达",
            "served_on": clock.today().isoformat(),
        },
    )
    assert r.status_code == 200, r.json


def test_the_reviewer_cannot_pass_a_second_fine_for_one_act(login, world, make_case):
    first = _to_decide(world, make_case)
    ops.decide(first.case, DECIDE, actor=world.leader)
    second = to_legal_review(world, make_case)
    commit()
    task = task_of(second.case, "legal_review")
    keys = [i.key for i in gates.checklist(second.case, clock.today())]
    r = _complete(login(world.legal), task, {"review_opinion": "agree", "reasons": "同意", "confirmed": keys})
    assert r.status_code == 422 and "一事不二罚" in _errors(r), r.json


def test_no_decision_while_a_hearing_is_pending_or_the_windows_run(login, world, make_case):
    w = _to_decide(world, make_case)
    hearing = CaseHearing(case=w.case, statement_id=w.case.statements[0].id, status=HearingStatus.REQUESTED)
    db.session.add(hearing)
    commit()
    task = task_of(w.case, "decide")
    r = _complete(login(world.leader), task, DECIDE)
    assert r.status_code == 409 and "听证" in _errors(r), r.json
    db.session.delete(db.session.get(CaseHearing, hearing.id))
    case = db.session.get(PenaltyCase, w.case.id)
    case.notice_waived = False
    for s in list(case.statements):  # no written waiver on file: the windows must run out
        db.session.delete(s)
    commit()
    r = _complete(login(world.leader), task, DECIDE)
    assert r.status_code == 409 and "期限" in _errors(r), r.json
    assert db.session.get(PenaltyCase, w.case.id).decided_on is None


def test_an_expired_certificate_blocks_the_decision(login, world, make_case):
    w = _to_decide(world, make_case)
    world.officer2.cert_expires_on = clock.today() - timedelta(days=1)
    commit()
    r = _complete(login(world.leader), task_of(w.case, "decide"), DECIDE)
    assert r.status_code == 422 and "执法证" in _errors(r), r.json
