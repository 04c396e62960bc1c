"""/api/v1/credit: the list and a listing with the page's scope and filters, the listing in the reader's terms,
the non-task actions through the page's forms and operations (refused to the wrong user, a bad value a 422
naming its field), the 事故 register and the manual proposal, and every route in the OpenAPI document."""

from __future__ import annotations

from app.credit.models import CreditListing, ListingStatus
from app.extensions import db
from tests.factories.credit import make_listing_fixture  # noqa: F401 - the walker fixture (make_listing)
from tests.factories.credit_web import listing_at, make_accident
from tests.factories.db import commit


def test_list_is_scoped_and_filtered_like_the_page(login, world):
    proposed = listing_at(world)
    listed = listing_at(world, ListingStatus.LISTED)
    theirs = listing_at(world, ListingStatus.LISTED, enterprise=world.ent_other)
    commit()
    officer = login(world.officer)
    body = officer.get("/api/v1/credit/listings").json
    assert {i["id"] for i in body["items"]} == {proposed.id, listed.id}
    assert body["total"] == 2 and body["items"][0]["enterprise"] == world.ent_a.name
    assert officer.get("/api/v1/credit/listings", query_string={"status": "已列入"}).json["total"] == 1
    r = officer.get("/api/v1/credit/listings", query_string={"criterion": "0"})
    assert r.status_code == 422 and "criterion" in r.json.get("field_errors", {})
    assert {i["id"] for i in login(world.other_officer).get("/api/v1/credit/listings").json["items"]} == {
        theirs.id
    }
    assert {i["id"] for i in login(world.manager_a).get("/api/v1/credit/listings").json["items"]} == {
        listed.id
    }
    assert login(world.manager_b).get("/api/v1/credit/listings").json["total"] == 0


def test_detail_in_the_readers_terms(login, world, make_listing):
    w = make_listing(criterion="6")
    w.listed()
    commit()
    lid = w.listing.id
    staff = login(world.officer).get(f"/api/v1/credit/listings/{lid}").json
    assert staff["evidence"] and staff["pushes"] and staff["progress"] is None
    assert any(m["feedback_due"] for m in staff["measures"])
    party = login(world.manager_a).get(f"/api/v1/credit/listings/{lid}").json
    assert party["evidence"] is None and party["pushes"] == [] and party["remedies"] == []
    assert all("feedback" not in m or m["feedback"] is None for m in party["measures"])
    assert [s["label"] for s in party["progress"]][0] == "已送达列入严重失信主体名单告知书"
    assert {d["doc_type"] for d in party["documents"]} <= {"credit_notice", "credit_decision"}
    assert login(world.other_officer).get(f"/api/v1/credit/listings/{lid}").status_code == 404
    assert login(world.manager_b).get(f"/api/v1/credit/listings/{lid}").status_code == 404
    proposed = listing_at(world)
    commit()
    assert login(world.manager_a).get(f"/api/v1/credit/listings/{proposed.id}").status_code == 404


def test_actions_refused_to_the_wrong_user(login, world, listed, frozen):
    from app.credit import effects

    listing = listed()
    effects.take_effect(listing, actor=world.officer)
    commit()
    m = next(x for x in listing.measures if not x.internal)
    feedback = {"data": {"feedback_on": frozen.today().isoformat(), "feedback": "已落实"}}
    url = f"/api/v1/credit/listings/{listing.id}/measures/{m.id}/feedback"
    assert login(world.other_officer).api("POST", url, json=feedback).status_code == 404
    assert login(world.manager_a).api("POST", url, json=feedback).status_code == 403
    officer = login(world.officer)
    r = officer.api("POST", url, json={"data": {"feedback_on": frozen.today().isoformat(), "feedback": ""}})
    assert r.status_code == 422 and "feedback" in r.json["field_errors"]
    r = officer.api("POST", url, json=feedback)
    assert r.status_code == 200 and r.json["id"] == m.id and r.json["listing_id"] == listing.id

    remedy = {"data": {"kind": "诉讼", "body": "萧县人民法院", "filed_on": frozen.today().isoformat()}}
    rurl = f"/api/v1/credit/listings/{listing.id}/remedies"
    assert login(world.manager_a).api("POST", rurl, json=remedy).status_code == 403
    assert officer.api("POST", rurl, json=remedy).status_code == 200
    revoke = f"/api/v1/credit/listings/{listing.id}/repairs/999999/revoke"
    assert login(world.leader).api("POST", revoke, json={"data": {"reason": "x"}}).status_code == 404
    db.session.expire_all()
    assert len(db.session.get(CreditListing, listing.id).remedies) == 1


def test_accidents_and_proposals(login, world, frozen):
    mine = make_accident(world)
    make_accident(world, enterprise=world.ent_other)
    commit()
    officer = login(world.officer)
    body = officer.get("/api/v1/credit/accidents").json
    assert [a["id"] for a in body["items"]] == [mine.id]
    assert login(world.manager_a).get("/api/v1/credit/accidents").status_code == 403
    data = {
        "enterprise_id": world.ent_a.id,
        "name": "物体打击事故",
        "occurred_on": frozen.today().isoformat(),
        "level": "一般",
    }
    assert (
        login(world.manager_a).api("POST", "/api/v1/credit/accidents", json={"data": data}).status_code == 403
    )
    r = officer.api("POST", "/api/v1/credit/accidents", json={"data": {**data, "name": ""}})
    assert r.status_code == 422 and "name" in r.json["field_errors"]
    assert officer.api("POST", "/api/v1/credit/accidents", json={"data": data}).status_code == 200

    proposal = {"enterprise_id": world.ent_b.id, "criterion": "9", "evidence": "（萧）应急罚〔2026〕9号"}
    assert (
        login(world.leader).api("POST", "/api/v1/credit/listings", json={"data": proposal}).status_code == 403
    )
    r = officer.api("POST", "/api/v1/credit/listings", json={"data": proposal})
    assert r.status_code == 200
    assert db.session.get(CreditListing, r.json["listing_id"]).status == ListingStatus.PROPOSED


def test_every_credit_route_is_in_the_openapi_document(app, login, world):
    spec = login(world.officer).get("/api/v1/openapi.json").json
    paths = {p for p in spec["paths"] if "/credit/" in p}
    assert {
        "/api/v1/credit/listings",
        "/api/v1/credit/listings/{listing_id}",
        "/api/v1/credit/listings/{listing_id}/measures/{measure_id}/feedback",
        "/api/v1/credit/listings/{listing_id}/statement",
        "/api/v1/credit/listings/{listing_id}/remedies",
        "/api/v1/credit/listings/{listing_id}/remedies/outcome",
        "/api/v1/credit/listings/{listing_id}/repairs",
        "/api/v1/credit/listings/{listing_id}/repairs/{repair_id}/revoke",
        "/api/v1/credit/accidents",
    } <= paths
    params = {
        p["name"]
        for p in spec["paths"]["/api/v1/credit/listings"]["get"]["parameters"]
        if p.get("in") == "query"
    }
    assert {"status", "criterion", "town", "enterprise_id", "q", "after", "before", "page"} <= params
