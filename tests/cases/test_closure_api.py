"""提请关闭 (安全生产法 Art.113) through /api/v1: the same operation (app.cases.art113.decide_closure) and the
same rule as the 负责人's page — only a 负责人 of the jurisdiction decides; an ordinary officer (the officer of
the case that raised it too), the section head, the enterprise account and another county's 负责人 are refused
(another county's proposal is 404, never leaked); a decided proposal cannot be decided again; the OpenAPI
document describes both endpoints."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import CaseClosureProposal, ClosureProposalStatus
from app.extensions import db
from tests.factories.db import commit

SUBMIT = {"data": {"decision": "submit", "opinion": "提请县政府予以关闭"}}


def _closure(case) -> CaseClosureProposal:
    c = CaseClosureProposal(
        enterprise_id=case.enterprise_id,
        agency_id=case.agency_id,
        region_path=case.region_path,
        rule="180日内3次",
        window_from=clock.today() - timedelta(days=100),
        window_to=clock.today(),
        count=3,
        case_ids=[case.id],
        trigger_case_id=case.id,
    )
    db.session.add(c)
    commit()
    return c


def _other_leader(world) -> User:
    user = User(username="other_leader", name="砀山局长", department=world.other_bureau)
    user.password_hash = world.leader.password_hash
    user.set_roles(["leader"])
    db.session.add(user)
    commit()
    return user


def test_only_the_jurisdictions_leader_decides_a_closure_through_the_api(login, world, make_case):
    case = make_case().file().case
    c = _closure(case)
    url = f"/api/v1/cases/closures/{c.id}"
    assert world.officer.id in {o.user_id for o in case.officers}  # the officer of the case that raised it
    for who in (world.officer, world.officer2, world.section_head, world.legal, world.manager_a):
        r = login(who).api("POST", url, json=SUBMIT)
        assert r.status_code == 403 and r.json["error"] == "只有负责人可以处理提请关闭", who.username
        assert login(who).get("/api/v1/cases/closures").status_code == 403, who.username
    other = login(_other_leader(world))
    assert other.api("POST", url, json=SUBMIT).status_code == 404
    assert other.get("/api/v1/cases/closures").json == []
    db.session.expire_all()
    assert db.session.get(CaseClosureProposal, c.id).status == ClosureProposalStatus.PENDING

    leader = login(world.leader)
    (row,) = leader.get("/api/v1/cases/closures").json
    assert (
        row["id"] == c.id
        and row["status"] == ClosureProposalStatus.PENDING
        and row["enterprise"] == world.ent_a.name
    )
    assert row["trigger_case_id"] == case.id and row["count"] == 3 and row["case_ids"] == [case.id]

    r = leader.api("POST", url, json={"data": {"decision": "submit", "opinion": ""}})
    assert r.status_code == 422 and "opinion" in r.json["field_errors"]
    r = leader.api("POST", url, json={"data": {"decision": "close", "opinion": "x"}})
    assert r.status_code == 422 and "decision" in r.json["field_errors"]

    r = leader.api("POST", url, json=SUBMIT)
    assert r.status_code == 200 and r.json == {"status": "ok", "case_id": case.id, "id": c.id}
    db.session.expire_all()
    done = db.session.get(CaseClosureProposal, c.id)
    assert done.status == ClosureProposalStatus.SUBMITTED and done.decided_by_id == world.leader.id
    assert done.opinion == "提请县政府予以关闭" and done.decided_on == clock.today()
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "case.closure_decided"))
    assert leader.get("/api/v1/cases/closures").json[0]["status"] == done.status

    again = leader.api("POST", url, json={"data": {"decision": "dismiss", "opinion": "不提请"}})
    assert again.status_code == 409 and "已处理" in again.json["error"]
    assert leader.api("POST", "/api/v1/cases/closures/999999", json=SUBMIT).status_code == 404


def test_the_openapi_document_describes_the_closure_endpoints(login, world):
    spec = login(world.officer).get("/api/v1/openapi.json").json
    post = spec["paths"]["/api/v1/cases/closures/{closure_id}"]["post"]
    assert "提请关闭" in post["summary"] and {"200", "403", "404", "409", "422"} <= set(post["responses"])
    get = spec["paths"]["/api/v1/cases/closures"]["get"]
    items = get["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items == {"$ref": "#/components/schemas/ClosureSchema"}
    assert "rule" in spec["components"]["schemas"]["ClosureSchema"]["properties"]
