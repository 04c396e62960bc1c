"""问题清单 (/inspections/findings, issue #12): every finding count on the statistics page links to the list of
exactly those findings (the same filters, the same scope) and the list shows exactly that many rows; each row
names its inspection (a link), the enterprise, where, what and how it was handled (当场整改 / the hazard, a
link / 违法行为 and how it ended). The scope is the inspection list's: another county's officer, the town's
officer outside their town and an enterprise account see none of others' findings; the enterprise never the
违法行为 tagging; a sealed 暗访 lists nothing before its team starts it."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.inspections import finding_list
from app.inspections.models import Finding, InspectionStatus
from tests.factories.db import commit
from tests.factories.inspections_web import finding_at, inspection_at

LINK = re.compile(r'<a[^>]*href="(/inspections/findings\?[^"]*)"[^>]*>\s*([0-9]+)\s*</a>')
ROW = re.compile(r'data-testid="finding-row" data-finding-id="(\d+)"')
INSPECTION_ROW = re.compile(r'data-inspection-id="(\d+)"')
TOTAL = re.compile(r'data-testid="total">共 (\S+) 条')
READERS = ("officer", "supervisor", "town_officer", "other_officer")


@pytest.fixture
def made(world, make_hazard):
    y = 2026
    hazard = make_hazard()
    a1 = inspection_at(world, InspectionStatus.DONE, planned_on=date(y, 2, 3))
    a2 = inspection_at(world, InspectionStatus.HANDLING, planned_on=date(y, 7, 1))
    chem = inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_a2, planned_on=date(y, 9, 9))
    b = inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_b, planned_on=date(y, 7, 9))
    planned = inspection_at(world, InspectionStatus.PLANNED, planned_on=date(y, 10, 9))
    last_year = inspection_at(world, InspectionStatus.DONE, planned_on=date(y - 1, 12, 30))
    other = inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_other, planned_on=date(y, 2, 3))
    f = {
        "corrected": finding_at(a1, corrected_on_site=True),
        "hazard": finding_at(a1, level="重大", hazard_id=hazard.id, description="储罐区防火堤破损"),
        "violation": finding_at(
            a2, is_violation=True, outcome="不予处罚", outcome_reason="首次违法且及时改正"
        ),
        "chem": finding_at(chem, is_violation=True),
        "b": finding_at(b),
        "planned": finding_at(planned),  # not announced to the enterprise (四不两直)
        "last_year": finding_at(last_year),
        "other": finding_at(other, description="砀山的问题"),
    }
    commit()
    return {"inspections": [a1, a2, chem, b, planned, last_year, other], "findings": f, "hazard": hazard}


def _rows(client, href: str) -> list[int]:
    """The finding ids the list shows, following 下一页 to its end."""
    ids: list[int] = []
    while href:
        page = client.get(href)
        assert page.status_code == 200, href
        html = page.get_data(as_text=True)
        ids += [int(x) for x in ROW.findall(html)]
        nxt = re.search(r'rel="next" href="([^"#]+)"', html)
        href = htmllib.unescape(nxt.group(1)) if nxt else ""
    return ids


def _total(client, href: str) -> int:
    return int(TOTAL.search(client.get(href).get_data(as_text=True)).group(1))


@pytest.mark.parametrize("who", READERS)
def test_every_finding_count_is_the_list_it_links_to(login, world, made, who):
    c = login(getattr(world, who))
    html = c.get("/inspections/stats?year=2026").get_data(as_text=True)
    links = [(htmllib.unescape(h), int(n)) for h, n in LINK.findall(html)]
    assert links, who  # every reader counts some finding in their scope
    for href, n in links:
        assert "year=2026" in href, href
        rows = _rows(c, href)
        assert len(rows) == len(set(rows)) == n == _total(c, href), href


def test_the_counts_and_their_links(login, world, made):
    c = login(world.officer)
    html = c.get("/inspections/stats?year=2026").get_data(as_text=True)
    links = {}
    for h, n in LINK.findall(html):
        href = htmllib.unescape(h)
        args = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        args.pop("year")
        links[tuple(sorted(args.items()))] = (href, int(n))
    f = made["findings"]
    town_a, town_b = world.town_a.path, world.town_b.path
    # 龙城镇 (ent_a, ent_a2): five findings this year (one of a planned inspection), one major, two 违法行为; 黄口镇 (ent_b): one
    assert links[(("town", town_a),)][1] == 5
    assert links[(("level", "重大"), ("town", town_a))][1] == 1
    assert links[(("town", town_a), ("violation", "1"))][1] == 2
    assert links[(("town", town_b),)][1] == 1
    href, n = links[(("industry", "危险化学品"),)]
    assert n == 1 and _rows(c, href) == [f["chem"].id]
    href, n = links[(("industry", "工贸"), ("level", "重大"))]
    assert n == 1 and _rows(c, href) == [f["hazard"].id]


def test_each_row_says_what_and_how_it_was_handled(login, world, made):
    f = made["findings"]
    html = login(world.officer).get("/inspections/findings?year=2026").get_data(as_text=True)
    a1 = made["inspections"][0]
    row = html.split(f'data-finding-id="{f["hazard"].id}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/inspections/{a1.id}"' in row and a1.code in row
    assert (
        world.ent_a.name in row and "二号车间" in row and "储罐区防火堤破损" in row and "重大事故隐患" in row
    )
    assert f'href="/hazards/{made["hazard"].id}"' in row
    row = html.split(f'data-finding-id="{f["corrected"].id}"', 1)[1].split("</tr>", 1)[0]
    assert "当场整改完毕" in row
    row = html.split(f'data-finding-id="{f["violation"].id}"', 1)[1].split("</tr>", 1)[0]
    assert "违法行为，待移送立案" in row  # tagged, no case lead yet
    assert f["last_year"].id not in [int(x) for x in ROW.findall(html)]
    # the filters of the finding's own
    c = login(world.officer)
    assert _rows(c, "/inspections/findings?handling=corrected") == [f["corrected"].id]
    assert _rows(c, "/inspections/findings?handling=hazard") == [f["hazard"].id]
    assert set(_rows(c, "/inspections/findings?violation=1")) == {f["violation"].id, f["chem"].id}
    assert _rows(c, "/inspections/findings?year=2026&month=2") == [f["hazard"].id, f["corrected"].id]


def test_bad_filters_are_refused_with_their_names(login, world, made):
    c = login(world.officer)
    r = c.get("/inspections/findings?month=2")
    assert r.status_code == 422 and "年度" in r.get_data(as_text=True)
    assert c.get("/inspections/findings?level=特大").status_code == 422
    assert c.get(f"/inspections/findings?enterprise_id={world.ent_other.id}").status_code == 422
    assert c.get("/inspections/findings?after=nonsense").status_code == 422
    for name in (
        "town",
        "industry",
        "enterprise_id",
        "year",
        "month",
        "level",
        "handling",
        "violation",
        "page",
    ):
        for value in ("1" * 26, "-5", "a\x00b", "%", "_"):
            r = c.get("/inspections/findings", query_string={name: value})
            assert r.status_code in (200, 400, 422), (name, value, r.status_code)


@pytest.mark.parametrize("small_set", [3_000, 0])  # sorted by the database / walked in keyset order
def test_pages_follow_on_by_cursor(world, made, monkeypatch, small_set):
    from app import paging

    monkeypatch.setattr(paging, "SMALL_SET", small_set)
    f = finding_list.FindingFilters()
    first = finding_list.finding_page(world.officer, f, per_page=2)
    assert len(first.items) == 2 and first.next_after
    rest = finding_list.finding_page(world.officer, finding_list.FindingFilters(after=first.next_after), 50)
    seen = [x.id for x in first.items] + [x.id for x in rest.items]
    assert len(seen) == len(set(seen)) == first.total == 7  # the county's, any year, not 砀山's
    days = [(x.inspection.planned_on, x.id) for x in [*first.items, *rest.items]]
    assert days == sorted(days, reverse=True)  # newest inspection first
    back = finding_list.finding_page(world.officer, finding_list.FindingFilters(before=rest.prev_before), 2)
    assert [x.id for x in back.items] == [x.id for x in first.items]


@pytest.mark.parametrize("who", ("officer", "supervisor", "town_officer", "other_officer", "manager_a"))
def test_the_scope_is_the_inspection_lists(login, world, made, who):
    """The inspections the findings list names are exactly the list's inspections that found problems."""
    c = login(getattr(world, who))
    shown = {db.session.get(Finding, i).inspection_id for i in _rows(c, "/inspections/findings")}
    listed = {int(x) for x in INSPECTION_ROW.findall(c.get("/inspections/").get_data(as_text=True))}
    with_findings = {i for i in listed if db.session.query(Finding).filter_by(inspection_id=i).count()}
    assert shown == with_findings


def test_others_findings_are_not_shown(login, world, made):
    f = made["findings"]
    other = login(world.other_officer)
    assert _rows(other, "/inspections/findings") == [f["other"].id]
    # the town's officer: their town only (ent_b is in another town)
    town = set(_rows(login(world.town_officer), "/inspections/findings"))
    assert f["b"].id not in town and f["other"].id not in town
    # the enterprise: its own, from the team's arrival on, and never the 违法行为 tagging
    manager = login(world.manager_a)
    html = manager.get("/inspections/findings").get_data(as_text=True)
    mine = {int(x) for x in ROW.findall(html)}
    assert mine == {f["corrected"].id, f["hazard"].id, f["violation"].id, f["last_year"].id}
    assert "砀山的问题" not in html and world.ent_b.name not in html and "违法行为" not in html
    assert f"/hazards/{made['hazard'].id}" not in html
    assert _rows(manager, "/inspections/findings?violation=1") == []
    assert manager.get(f"/inspections/findings?enterprise_id={world.ent_b.id}").status_code == 422
    assert manager.get("/inspections/stats").status_code == 403


def test_a_sealed_visits_target_shows_nothing_before_the_start(login, world, frozen):
    from tests.factories.inspections_covert import extra_users, make_visit, start

    extra = extra_users(world)
    visit = make_visit(world)  # target ent_a; leader created it, officer leads, officer2 is a member
    for user in (
        extra.officer3,
        world.section_head,
        world.supervisor,
        world.town_officer,
        world.manager_a,
        world.officer,
    ):
        html = login(user).get("/inspections/findings").get_data(as_text=True)
        assert visit.code not in html and ROW.findall(html) == [], user.username
    (insp,) = start(world, visit)
    found = finding_at(insp, description="储罐区可燃气体报警器关闭")
    commit()
    # after the start the inspection list's scope applies: the county's staff see it, another county's not
    assert found.id in _rows(login(extra.officer3), "/inspections/findings")
    assert _rows(login(world.other_officer), "/inspections/findings") == []
