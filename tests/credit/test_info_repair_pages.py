"""行政处罚信息信用修复 pages and API (issue #14 item 7): the enterprise sees its published penalty decisions with
their publication terms and applies after the minimum period; refused before it, for a serious one and for another
company's case; the 负责人 in scope decides; another county gets 404; a rejected form keeps what was typed with
its Chinese message; a grant takes the decision off /gongshi/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock, publication
from app.credit.models import PenaltyInfoRepair
from app.credit.operations import info_repair
from app.extensions import db
from tests.credit.test_info_repair import pay_all, published
from tests.factories.db import commit

pytestmark = pytest.mark.usefixtures("frozen")

APPLY = {"statement": "罚款已缴清，违法行为已纠正"}


def _url(case) -> str:
    return f"/credit/info-repairs/cases/{case.id}"


def _ready(world, make_case):
    """A general penalty decision on the public pages, paid in full, at the first day of its repair."""
    case, entry = published(world, make_case)
    terms = info_repair.publication_terms(case)
    clock.freeze(terms.min_end)
    pay_all(world, case)
    commit()
    return case, entry, terms


def _repairs(case) -> list[PenaltyInfoRepair]:
    return list(db.session.query(PenaltyInfoRepair).filter_by(case_id=case.id))


def test_the_enterprise_sees_its_terms_and_is_refused_before_the_minimum(world, make_case, login):
    case, entry = published(world, make_case)
    terms = info_repair.publication_terms(case)
    clock.freeze(terms.min_end - timedelta(days=1))
    pay_all(world, case)
    commit()
    party = login(world.manager_a)
    page = party.get("/credit/info-repairs/").get_data(as_text=True)
    assert f'data-testid="published-{case.id}"' in page
    assert f"{terms.min_end:%Y-%m-%d}" in page or f"{terms.min_end:%Y年%m月%d日}" in page
    assert f"{terms.min_end:%Y年%m月%d日}起方可申请" in page  # why not, and from which date
    case_page = party.get(_url(case)).get_data(as_text=True)
    assert 'data-testid="form-credit_info_repair_apply"' not in case_page
    r = party.post(_url(case), data=APPLY)
    assert r.status_code == 409
    assert "最短公示期为3个月" in r.get_data(as_text=True)
    assert _repairs(case) == []
    # the same through the API
    r = party.api("POST", f"/api/v1/credit/info-repairs/cases/{case.id}", json={"data": APPLY})
    assert r.status_code == 409 and _repairs(case) == []


def test_a_serious_decision_cannot_be_ended_early(world, make_case, login):
    case, entry, terms = _ready(world, make_case)
    case.lines[0].decided_kinds = ["罚款", "责令停产停业整顿"]
    commit()
    party = login(world.manager_a)
    page = party.get(_url(case)).get_data(as_text=True)
    assert "严重失信行为" in page and "不适用提前停止公示" in page
    assert 'data-testid="form-credit_info_repair_apply"' not in page
    r = party.post(_url(case), data=APPLY)
    assert r.status_code == 409 and "严重失信" in r.get_data(as_text=True)
    assert _repairs(case) == []


def test_another_company_and_another_county_do_not_see_the_case(world, make_case, login):
    case, entry, terms = _ready(world, make_case)
    for stranger in (world.manager_b, world.other_officer):
        client = login(stranger)
        assert client.get(_url(case)).status_code == 404
        assert client.post(_url(case), data=APPLY).status_code == 404
        r = client.api("POST", f"/api/v1/credit/info-repairs/cases/{case.id}", json={"data": APPLY})
        assert r.status_code == 404
        assert f'data-testid="published-{case.id}"' not in client.get("/credit/info-repairs/").get_data(
            as_text=True
        )
    assert _repairs(case) == []
    # staff in scope who may not apply (the 负责人 decides, it does not apply)
    assert login(world.leader).post(_url(case), data=APPLY).status_code == 403
    assert _repairs(case) == []


def test_apply_then_the_leader_grants_and_the_decision_leaves_gongshi(world, make_case, login, app):
    client = app.test_client()  # the public
    case, entry, terms = _ready(world, make_case)
    assert f"/gongshi/{entry.id}" in client.get("/gongshi/").get_data(as_text=True)
    party = login(world.manager_a)
    assert 'data-testid="form-credit_info_repair_apply"' in party.get(_url(case)).get_data(as_text=True)
    r = party.post(_url(case), data=APPLY)
    assert r.status_code == 302, r.get_data(as_text=True)
    (row,) = _repairs(case)
    assert row.decision is None and row.applied_by_id == world.manager_a.id
    # a second application while one is pending is refused
    r = party.post(_url(case), data=APPLY)
    assert r.status_code == 409 and "尚未办结" in r.get_data(as_text=True)
    assert len(_repairs(case)) == 1

    detail = f"/credit/info-repairs/{row.id}"
    listing = login(world.leader).get("/credit/info-repairs/").get_data(as_text=True)
    assert f'data-testid="info-repair-{row.id}"' in listing and 'data-testid="pending"' in listing
    # the officer and the party may look but not decide
    for wrong in (world.officer, world.manager_a):
        client_w = login(wrong)
        page = client_w.get(detail).get_data(as_text=True)
        assert 'data-testid="form-credit_info_repair_decide"' not in page
        assert client_w.post(f"{detail}", data={"decision": "grant", "reason": "符合"}).status_code == 403
    db.session.refresh(row)
    assert row.decision is None
    # another county's 负责人-level staff: 404
    assert login(world.other_officer).get(detail).status_code == 404
    leader = login(world.leader)
    assert 'data-testid="form-credit_info_repair_decide"' in leader.get(detail).get_data(as_text=True)
    r = leader.post(detail, data={"decision": "grant", "reason": "符合修复条件"})
    assert r.status_code == 302
    db.session.refresh(row)
    assert row.decision == "准予" and row.decided_by_id == world.leader.id
    assert publication.current_for(case, "penalty_decision") is None
    assert f"/gongshi/{entry.id}" not in client.get("/gongshi/").get_data(as_text=True)
    # decided: no form any more, a second decision refused
    assert 'data-testid="form-credit_info_repair_decide"' not in leader.get(detail).get_data(as_text=True)
    assert leader.post(detail, data={"decision": "refuse", "reason": "x"}).status_code == 409


def test_bad_input_is_kept_with_the_chinese_message(world, make_case, login):
    case, entry, terms = _ready(world, make_case)
    party = login(world.manager_a)
    long = "长" * 2001
    r = party.post(_url(case), data={"statement": long})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "长度不能超过2000个字" in body and long in body
    assert _repairs(case) == []
    row = info_repair.apply_info_repair(case, APPLY, actor=world.manager_a)
    commit()
    r = login(world.leader).post(f"/credit/info-repairs/{row.id}", data={"decision": "refuse", "reason": ""})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "必填项不能为空" in body
    assert 'value="refuse" data-testid="decision-refuse" checked' in body
    db.session.refresh(row)
    assert row.decision is None


def test_the_api_lists_applies_and_decides(world, make_case, login):
    case, entry, terms = _ready(world, make_case)
    party = login(world.manager_a)
    listing = party.get("/api/v1/credit/info-repairs").json
    (pub,) = [p for p in listing["publications"] if p["case_id"] == case.id]
    assert pub["can_apply"] and pub["serious"] is False
    assert pub["min_end"] == terms.min_end.isoformat() and pub["max_end"] == terms.max_end.isoformat()
    r = party.api("POST", f"/api/v1/credit/info-repairs/cases/{case.id}", json={"data": {"statement": ""}})
    assert r.status_code == 422 and "statement" in r.json["field_errors"]
    r = party.api("POST", f"/api/v1/credit/info-repairs/cases/{case.id}", json={"data": APPLY})
    assert r.status_code == 200, r.json
    rid = r.json["id"]
    staff = login(world.officer).get("/api/v1/credit/info-repairs").json
    assert staff["items"][0]["id"] == rid and staff["items"][0]["decision"] is None
    assert login(world.other_officer).get("/api/v1/credit/info-repairs").json["items"] == []
    url = f"/api/v1/credit/info-repairs/{rid}/decide"
    assert (
        login(world.officer)
        .api("POST", url, json={"data": {"decision": "grant", "reason": "符合"}})
        .status_code
        == 403
    )
    assert (
        login(world.other_officer).api("POST", url, json={"data": {"decision": "grant"}}).status_code == 404
    )
    r = login(world.leader).api("POST", url, json={"data": {"decision": "refuse", "reason": "影响尚未消除"}})
    assert r.status_code == 200 and r.json["decision"] == "不予"
    assert publication.current_for(case, "penalty_decision") is not None
    after = party.get("/api/v1/credit/info-repairs").json
    assert after["items"][0]["decision"] == "不予" and after["items"][0]["reason"] == "影响尚未消除"


def test_links_from_the_credit_list_and_the_case_page(world, make_case, login):
    case, entry, terms = _ready(world, make_case)
    for user in (world.manager_a, world.officer):
        c = login(user)
        assert 'href="/credit/info-repairs/"' in c.get("/credit/").get_data(as_text=True)
        assert f'href="{_url(case)}"' in c.get(f"/cases/{case.id}").get_data(as_text=True)
