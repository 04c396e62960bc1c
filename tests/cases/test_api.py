"""/api/v1/cases and case tasks through /api/v1/tasks/<id>/complete: the same scope, forms, operations and
gates as the pages. Another county's officer and another enterprise see nothing; the enterprise sees its
own filed case in its own terms; an ordinary officer cannot take the 法制审核 or the decision."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from app import clock
from app.cases import gates
from app.cases.models import PenaltyCase
from app.extensions import db
from tests.cases.walk import task_of, to_execution, to_legal_review
from tests.factories.db import commit
from tests.factories.files import JPEG
from tests.factories.org import _user


def test_list_is_scoped_and_filtered_like_the_page(login, world, make_case):
    a = make_case(name="甲公司涉嫌未培训案").file().case
    make_case(name="未立案的案件")  # 立案审批中: not in the list
    commit()
    officer = login(world.officer)
    body = officer.get("/api/v1/cases").json
    assert body["total"] == 1 and [c["id"] for c in body["items"]] == [a.id]
    assert body["items"][0]["case_no"] == a.case_no and body["items"][0]["enterprise"] == world.ent_a.name
    assert officer.get("/api/v1/cases", query_string={"q": "未培训"}).json["total"] == 1
    assert officer.get("/api/v1/cases", query_string={"status": "已结案"}).json["total"] == 0
    r = officer.get("/api/v1/cases", query_string={"procedure": "乱写"})
    assert r.status_code == 422 and "procedure" in r.json["field_errors"]
    assert login(world.other_officer).get("/api/v1/cases").json["total"] == 0
    assert login(world.manager_a).get("/api/v1/cases").json["total"] == 1
    assert login(world.manager_b).get("/api/v1/cases").json["total"] == 0


def test_detail_in_the_readers_terms(login, world, make_case):
    w = to_legal_review(world, make_case)
    commit()
    officer = login(world.officer).get(f"/api/v1/cases/{w.case.id}").json
    assert officer["case"]["case_no"] == w.case.case_no
    assert [o["cert_no"] for o in officer["officers"]] == ["34130001", "34130002"]
    assert officer["evidence"][0]["kind"] == "询问笔录" and officer["history"]
    assert [t["bpmn_id"] for t in officer["tasks"]] == ["legal_review"] and officer[
        "actionable_task_ids"
    ] == []
    legal = login(world.legal).get(f"/api/v1/cases/{w.case.id}").json
    assert legal["actionable_task_ids"] == [task_of(w.case, "legal_review").id]

    party = login(world.manager_a).get(f"/api/v1/cases/{w.case.id}").json
    assert party["officers"] == [] and party["evidence"] == [] and party["history"] == []
    assert party["tasks"] == [] and party["progress"][0]["label"] == "已立案调查"
    assert {d["doc_type"] for d in party["documents"]} <= {
        "penalty_notice",
        "service_receipt",
        "inquiry_notice",
    }
    assert "case_filing" in {d["doc_type"] for d in officer["documents"]}

    assert login(world.other_officer).get(f"/api/v1/cases/{w.case.id}").status_code == 404
    assert login(world.manager_b).get(f"/api/v1/cases/{w.case.id}").status_code == 404


def test_proposals_are_staff_only(login, world, make_proposal):
    p = make_proposal()
    commit()
    body = login(world.section_head).get("/api/v1/cases/proposals").json
    assert [x["id"] for x in body["items"]] == [p.id] and body["items"][0]["status"] == "待处理"
    assert login(world.manager_a).get("/api/v1/cases/proposals").status_code == 403
    assert login(world.other_officer).get("/api/v1/cases/proposals").json["total"] == 0


def test_actions_through_the_api(login, world, make_case):
    case = make_case().file().case
    commit()
    officer = login(world.officer)
    r = officer.api(
        "POST",
        f"/api/v1/cases/{case.id}/evidence",
        json={
            "data": {
                "kind": "询问笔录",
                "title": "询问笔录（张三）",
                "collected_on": clock.today().isoformat(),
            }
        },
    )
    assert r.status_code == 422 and "qa" in r.json["field_errors"]
    r = officer.client.post(
        f"/api/v1/cases/{case.id}/evidence",
        data={
            "kind": "书证",
            "title": "台账",
            "collected_on": clock.today().isoformat(),
            "files": (io.BytesIO(JPEG), "台账.jpg", "image/jpeg"),
        },
        headers={"X-CSRFToken": officer.token},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and r.json["status"] == "ok", r.json
    detail = officer.get(f"/api/v1/cases/{case.id}").json
    assert detail["evidence"][-1]["files"][0]["sha256"] == hashlib.sha256(JPEG).hexdigest()

    body = {"data": {"kind": "鉴定", "started_on": clock.today().isoformat()}}
    assert (
        login(world.other_officer).api("POST", f"/api/v1/cases/{case.id}/pauses", json=body).status_code
        == 404
    )
    assert login(world.manager_a).api("POST", f"/api/v1/cases/{case.id}/pauses", json=body).status_code == 403
    assert officer.api("POST", f"/api/v1/cases/{case.id}/pauses", json=body).status_code == 200
    assert (
        officer.api("POST", f"/api/v1/cases/{case.id}/pauses", json=body).status_code == 409
    )  # one open at a time
    r = officer.api(
        "POST", f"/api/v1/cases/{case.id}/limitation", json={"data": {"five_years": "yes", "reason": "x"}}
    )
    assert r.status_code == 403
    r = login(world.legal).api(
        "POST",
        f"/api/v1/cases/{case.id}/limitation",
        json={"data": {"five_years": "yes", "reason": "涉及生命健康且有危害后果"}},
    )
    assert r.status_code == 200


def test_payment_and_balance_through_the_api(login, world, make_case):
    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    clock.freeze(case.payment_due + timedelta(days=1))
    officer = login(world.officer)
    bal = officer.get(f"/api/v1/cases/{case.id}").json["balance"]
    assert bal["principal"] == "30000.00" and bal["surcharge_days"] == 1 and bal["surcharge"] == "900.00"
    r = officer.api(
        "POST",
        f"/api/v1/cases/{case.id}/payments",
        json={"data": {"paid_on": clock.today().isoformat(), "amount": "30000", "receipt_no": "PJ9"}},
    )
    assert r.status_code == 200
    assert officer.get(f"/api/v1/cases/{case.id}").json["balance"]["owed"] == "900.00"


def test_gates_hold_on_the_generic_task_api(login, world, make_case):
    w = to_legal_review(world, make_case)
    commit()
    task = task_of(w.case, "legal_review")
    keys = [i.key for i in gates.checklist(w.case, clock.today())]
    data = {"data": {"review_opinion": "agree", "reasons": "事实清楚", "confirmed": keys}}
    assert login(world.officer).api("POST", f"/api/v1/tasks/{task.id}/complete", json=data).status_code == 403
    assert (
        login(world.other_officer).api("POST", f"/api/v1/tasks/{task.id}/complete", json=data).status_code
        == 404
    )
    assert (
        login(world.manager_a).api("POST", f"/api/v1/tasks/{task.id}/complete", json=data).status_code == 404
    )
    r = login(world.legal).api("POST", f"/api/v1/tasks/{task.id}/complete", json=data)
    assert r.status_code == 200, r.json
    assert [t["bpmn_id"] for t in r.json["next_tasks"]] == ["decide"]
    # done once: a second completion is a conflict
    assert login(world.legal).api("POST", f"/api/v1/tasks/{task.id}/complete", json=data).status_code == 409
    commit()
    decide = task_of(db.session.get(PenaltyCase, w.case.id), "decide")
    body = {"data": {"decision": "decide", "opinion": "同意"}}
    assert (
        login(world.officer).api("POST", f"/api/v1/tasks/{decide.id}/complete", json=body).status_code == 403
    )
    assert (
        login(world.section_head).api("POST", f"/api/v1/tasks/{decide.id}/complete", json=body).status_code
        == 403
    )
    commit()
    assert db.session.get(PenaltyCase, w.case.id).decided_on is None
    assert (
        login(world.leader).api("POST", f"/api/v1/tasks/{decide.id}/complete", json=body).status_code == 200
    )


def test_a_reviewing_case_officer_is_refused_on_the_api(login, world, make_case):
    from app.auth.roles import Role

    world.legal.set_roles([Role.OFFICER, Role.LEGAL_REVIEWER])
    # another qualified reviewer is left (立案 refuses a team holding every one of them)
    _user("legal2", "孙法制", [Role.LEGAL_REVIEWER], world.legal_section, cert="34130009")
    commit()
    w = to_legal_review(world, make_case, officer_ids=[world.officer.id, world.legal.id])
    commit()
    task = task_of(w.case, "legal_review")
    keys = [i.key for i in gates.checklist(w.case, clock.today())]
    r = login(world.legal).api(
        "POST",
        f"/api/v1/tasks/{task.id}/complete",
        json={"data": {"review_opinion": "agree", "reasons": "同意", "confirmed": keys}},
    )
    assert r.status_code in (403, 409, 422) and "承办人员" in r.json["error"] + str(
        r.json.get("field_errors")
    )
    commit()
    assert db.session.get(PenaltyCase, w.case.id).review_passed is False
