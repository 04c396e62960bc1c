"""/api/v1/cases lists what the /cases/ page lists for the same user and filters: the filed cases (the same
scoped, filtered keyset page) and, as above the page's list, the cases still in 立案审批 (`filings`) — for
staff of the jurisdiction only; another county's officer and the enterprise account never see them."""

from __future__ import annotations

import re

from tests.factories.db import commit


def _page_rows(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-case-id="(\d+)"', html)}


def _page_filings(html: str) -> set[int]:
    if 'data-testid="filings"' not in html:
        return set()
    start = html.index('data-testid="filings"')
    block = html[start : html.index("</div>", start)]
    return {int(x) for x in re.findall(r'href="/cases/(\d+)"', block)}


def _api(client, **query) -> tuple[set[int], set[int], dict]:
    body = client.get("/api/v1/cases", query_string=query).get_json()
    return {c["id"] for c in body["items"]}, {c["id"] for c in body["filings"]}, body


def test_the_api_lists_the_cases_in_filing_approval_like_the_page(login, world, make_case):
    filed = make_case(name="甲公司涉嫌未培训案").file().case
    pending = make_case(name="待批准立案的案件").case  # 立案审批中: no 立案日 yet
    commit()

    officer = login(world.officer)
    for query in ({}, {"q": "未培训"}, {"status": "调查取证"}, {"status": "已结案"}):
        html = officer.get("/cases/", query_string=query).get_data(as_text=True)
        rows, filings, body = _api(officer, **query)
        assert rows == _page_rows(html), query
        assert filings == _page_filings(html) == {pending.id}, query
    rows, filings, body = _api(officer)
    assert rows == {filed.id} and body["total"] == 1
    (row,) = body["filings"]
    assert row["status"] == "立案审批中" and row["filed_on"] is None and row["case_no"] is None
    assert row["name"] == "待批准立案的案件" and row["enterprise"] == world.ent_a.name

    # another county's officer: neither the filed case nor the one in 立案审批
    other = login(world.other_officer)
    assert _api(other)[:2] == (set(), set())
    assert _page_filings(other.get("/cases/").get_data(as_text=True)) == set()

    # the enterprise account: its filed case, never a case still in 立案审批
    manager = login(world.manager_a)
    rows, filings, _ = _api(manager)
    assert rows == {filed.id} and filings == set()
    assert _page_filings(manager.get("/cases/").get_data(as_text=True)) == set()
    assert _api(login(world.manager_b))[:2] == (set(), set())


def test_openapi_describes_the_filings(login, world):
    doc = login(world.officer).get("/api/v1/openapi.json").get_json()
    props = doc["components"]["schemas"]["CasePageSchema"]["properties"]
    assert props["filings"]["type"] == "array"
