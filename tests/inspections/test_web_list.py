"""The 监督检查 list (helper "web"): its scope (another county's officer sees none of ours and gets 404 from
the API; an enterprise account sees inspections of itself only from 检查中 on — never a planned one), every
filter of InspectionFilters through the page, keyset pages, bad filter values answered 422 in Chinese, and
the nav entry for staff."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.errors import ValidationFailed
from app.inspections import queries
from app.inspections.models import InspectionMode, InspectionSource, InspectionStatus
from tests.factories.db import commit
from tests.factories.inspections_web import class_at, finding_at, inspection_at


def _rows(r) -> set[int]:
    assert r.status_code == 200, r.status_code
    return {int(x) for x in re.findall(r'data-inspection-id="(\d+)"', r.get_data(as_text=True))}


@pytest.fixture
def spread(world):
    """Inspections of every status in the county, one of another enterprise, one of another county."""
    s = {st: inspection_at(world, st, planned_on=date(2026, 3, 10)) for st in InspectionStatus}
    s["b"] = inspection_at(
        world,
        InspectionStatus.DONE,
        enterprise=world.ent_b,
        planned_on=date(2026, 5, 2),
        source=InspectionSource.RANDOM,
        source_ref="SJ2026-01",
        mode=InspectionMode.JOINT,
    )
    s["a2"] = inspection_at(
        world,
        InspectionStatus.HANDLING,
        enterprise=world.ent_a2,
        planned_on=date(2025, 11, 20),
        members=[world.town_officer, world.officer2],
        over_cap=True,
        over_cap_reason="重大隐患复查",
    )
    s["other"] = inspection_at(
        world, InspectionStatus.DONE, enterprise=world.ent_other, planned_on=date(2026, 3, 11)
    )
    commit()
    return s


def test_staff_see_their_county_and_never_another(login, world, spread):
    ours = {i.id for k, i in spread.items() if k != "other"}
    assert _rows(login(world.officer).get("/inspections/")) == ours
    assert _rows(login(world.supervisor).get("/inspections/")) == ours  # read-only role reads the list
    assert _rows(login(world.other_officer).get("/inspections/")) == {spread["other"].id}
    town = login(world.town_officer)  # a town station: its town only (ent_a, ent_a2)
    assert _rows(town.get("/inspections/")) == {i.id for k, i in spread.items() if k not in ("other", "b")}


def test_an_enterprise_sees_itself_only_from_the_team_arrival_on(login, world, spread):
    manager = login(world.manager_a)
    started = {
        spread[s].id for s in (InspectionStatus.ON_SITE, InspectionStatus.HANDLING, InspectionStatus.DONE)
    }
    assert _rows(manager.get("/inspections/")) == started
    html = manager.get("/inspections/").get_data(as_text=True)
    assert "待审批" not in html and "待检查" not in html  # not even as a filter choice
    # asking for a planned status through the filter shows nothing (and no error that would tell)
    assert _rows(manager.get("/inspections/?status=待检查")) == set()
    assert _rows(login(world.manager_b).get("/inspections/")) == {spread["b"].id}


@pytest.mark.parametrize(
    "args, keys",
    [
        ({"source": "双随机"}, {"b"}),
        ({"status": "待处理"}, {InspectionStatus.HANDLING, "a2"}),
        ({"mode": "联合检查"}, {"b"}),
        ({"town": "/340000/341300/341322/341322101/"}, {"b"}),
        ({"industry": "危险化学品"}, {"a2"}),
        ({"year": "2025"}, {"a2"}),
        ({"year": "2026", "month": "5"}, {"b"}),
        ({"class": "C"}, {"a2"}),
        ({"over_cap": "1"}, {"a2"}),
        ({"findings": "1"}, {"b"}),
        ({"q": "黄口建材"}, {"b"}),
        ({"q": "JC"}, set()),  # an inspection code is matched whole, never as a fragment
    ],
)
def test_each_filter(login, world, spread, args, keys):
    class_at(world.ent_a2, 2025, "C", 4)
    class_at(world.ent_a, 2026, "C", 4)  # another year's class: not the a2 inspection's year
    finding_at(spread["b"])
    commit()
    wanted = {spread[k].id for k in keys}
    if args.get("class") == "C":
        wanted |= {i.id for k, i in spread.items() if isinstance(k, InspectionStatus)}  # ent_a: C in 2026
    assert _rows(login(world.officer).get("/inspections/", query_string=args)) == wanted


def test_enterprise_and_officer_filters(login, world, spread):
    officer = login(world.officer)
    assert _rows(officer.get(f"/inspections/?enterprise_id={world.ent_b.id}")) == {spread["b"].id}
    assert _rows(officer.get(f"/inspections/?officer_id={world.town_officer.id}")) == {spread["a2"].id}
    code = spread["b"].code
    assert _rows(officer.get(f"/inspections/?q={code.lower()}")) == {spread["b"].id}
    # another county's enterprise or officer is a bad filter value (422), never a name leaked
    r = officer.get(f"/inspections/?enterprise_id={world.ent_other.id}")
    assert r.status_code == 422 and world.ent_other.name not in r.get_data(as_text=True)
    r = officer.get(f"/inspections/?officer_id={world.other_officer.id}")
    assert r.status_code == 422 and world.other_officer.name not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "args",
    [
        {"month": "3"},
        {"year": "1999"},
        {"month": "13", "year": "2026"},
        {"class": "E"},
        {"source": "x"},
        {"enterprise_id": "99999999999"},
        {"after": "1.2026-03-10.1", "before": "1.2026-03-10.2"},
        {"after": "nonsense"},
        {"page": "9999"},
    ],
)
def test_bad_filter_values_are_422_in_chinese(login, world, args):
    r = login(world.officer).get("/inspections/", query_string=args)
    assert r.status_code == 422
    assert "查询参数有误" in r.get_data(as_text=True)
    with pytest.raises(ValidationFailed):
        queries.InspectionFilters.from_args(args)


def test_keyset_pages_walk_the_list_newest_planned_first(world):
    made = [inspection_at(world, InspectionStatus.DONE, planned_on=date(2026, 1, 1 + i)) for i in range(7)]
    commit()
    seen, after = [], None
    while True:
        page = queries.inspection_page(world.officer, queries.InspectionFilters(), per_page=3, after=after)
        seen += [i.id for i in page.items]
        if not page.next_after:
            break
        after = page.next_after
    assert seen == [i.id for i in sorted(made, key=lambda i: (i.planned_on, i.id), reverse=True)]
    back = queries.inspection_page(
        world.officer, queries.InspectionFilters(), per_page=3, before=page.prev_before
    )
    assert [i.id for i in back.items] == seen[3:6]


def test_the_filters_round_trip_through_their_arguments(world):
    f = queries.InspectionFilters.from_args({"class": "B", "year": "2026", "month": "2", "source": "举报"})
    assert f.klass == "B" and f.filter_args() == {
        "class": "B",
        "year": "2026",
        "month": "2",
        "source": "举报",
    }
    assert queries.InspectionFilters.from_args(f.filter_args()) == f
    assert f.period() == (date(2026, 2, 1), date(2026, 2, 28))


def test_the_list_links_each_row_and_the_nav_names_it(login, world, spread, app):
    html = login(world.officer).get("/inspections/").get_data(as_text=True)
    assert 'href="/inspections/"' in html and "监督检查" in html  # nav entry
    assert spread["b"].code in html
    assert f"/inspections/{spread['b'].id}" in html  # the onsite helper's page
    manager_html = login(world.manager_a).get("/").get_data(as_text=True)
    assert 'href="/inspections/"' not in manager_html  # staff nav only


def test_the_list_leads_to_the_domains_pages_and_only_creators_create(login, world, spread, app):
    supervisor = login(world.supervisor).get("/inspections/").get_data(as_text=True)
    manager = login(world.manager_a).get("/inspections/").get_data(as_text=True)
    # 新建检查 on the list for each role that may create, leading to the create page
    for user in (world.officer, world.section_head, world.leader):
        client = login(user)
        html = client.get("/inspections/").get_data(as_text=True)
        assert 'href="/inspections/new" data-testid="new-inspection">新建检查</a>' in html, user.username
        assert client.get("/inspections/new").status_code == 200
    assert 'data-testid="new-inspection"' not in supervisor  # the supervisor reads, never creates
    assert 'data-testid="new-inspection"' not in manager and 'data-testid="inspection-areas"' not in manager
    assert login(world.supervisor).get("/inspections/new").status_code == 403
    pages = __import__("app.inspections.list_routes", fromlist=["x"]).AREA_PAGES
    assert all(ep in app.view_functions for ep, _ in pages)  # every area's page is served and linked
    assert 'data-testid="inspection-areas"' in supervisor
