"""监督检查 statistics and dashboard panel (journey 14, helper "web"): every number of inspections on the
statistics page and the panel links to the list and equals that list's total (same filters, same scope);
the findings are counted by 乡镇 and industry; the numbers are the viewer's (another county's officer counts
none of ours); an enterprise account is refused the page and the panel; the supervisor reads them."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date

import pytest

from app.inspections import stats
from app.inspections.models import InspectionSource, InspectionStatus
from tests.factories.db import commit
from tests.factories.inspections_web import class_at, finding_at, inspection_at

LINK = re.compile(r'<a[^>]*href="(/inspections/\?[^"]*)"[^>]*>\s*([0-9]+)\s*</a>')
TOTAL = re.compile(r'data-testid="total">共 (\S+) 条')


@pytest.fixture
def made(world):
    y = 2026
    a = [
        inspection_at(world, InspectionStatus.DONE, planned_on=date(y, 2, 3)),
        inspection_at(
            world, InspectionStatus.DONE, planned_on=date(y, 2, 20), source=InspectionSource.RANDOM
        ),
        inspection_at(world, InspectionStatus.PLANNED, planned_on=date(y, 2, 25)),
        inspection_at(world, InspectionStatus.HANDLING, planned_on=date(y, 7, 1), over_cap=True),
        inspection_at(world, InspectionStatus.CANCELLED, planned_on=date(y, 7, 2)),
        inspection_at(
            world,
            InspectionStatus.DONE,
            planned_on=date(y, 7, 3),
            source=InspectionSource.REPORT,
            counts_against_cap=False,
        ),
    ]
    b = inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_b, planned_on=date(y, 7, 9))
    a2 = inspection_at(world, InspectionStatus.ON_SITE, enterprise=world.ent_a2, planned_on=date(y, 9, 9))
    last_year = inspection_at(world, InspectionStatus.DONE, planned_on=date(y - 1, 12, 30))
    other = inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_other, planned_on=date(y, 2, 3))
    finding_at(a[0])
    finding_at(a[0], level="重大")
    finding_at(a[3])
    finding_at(b)
    finding_at(other)
    finding_at(last_year)
    class_at(world.ent_a, y, "B", 2)
    class_at(world.ent_b, y, "A", 1)
    commit()
    return {"a": a, "b": b, "a2": a2, "last_year": last_year, "other": other}


def _links(html: str) -> list[tuple[str, int]]:
    return [(htmllib.unescape(href), int(n)) for href, n in LINK.findall(html)]


def _total(client, href: str) -> int:
    page = client.get(href)
    assert page.status_code == 200, href
    return int(TOTAL.search(page.get_data(as_text=True)).group(1))


@pytest.mark.parametrize("who", ["officer", "supervisor", "town_officer", "other_officer"])
def test_every_number_equals_the_list_it_links_to(login, world, made, who):
    c = login(getattr(world, who))
    page = c.get("/inspections/stats?year=2026")
    assert page.status_code == 200
    links = _links(page.get_data(as_text=True))
    assert len(links) >= 12 + 12  # the months at least
    for href, n in links:
        assert "year=2026" in href, href
        assert _total(c, href) == n, href


def test_the_figures(world, made):
    r = stats.build(world.officer, 2026)
    assert (r.total, r.done) == (8, 4)
    assert [(m.month, m.planned, m.done) for m in r.months if m.planned] == [(2, 3, 2), (7, 4, 2), (9, 1, 0)]
    assert r.over_cap == 1
    ent_a = next(e for e in r.enterprises if e.enterprise_id == world.ent_a.id)
    # six inspections of ent_a this year; the cancelled one and the 举报 one are not counted against the cap
    assert (ent_a.inspections, ent_a.counted, ent_a.cap, ent_a.at_cap) == (6, 4, 2, True)
    ent_b = next(e for e in r.enterprises if e.enterprise_id == world.ent_b.id)
    assert (ent_b.counted, ent_b.cap, ent_b.at_cap) == (1, 1, True)
    assert r.at_cap == 2 and r.classes == {"B": 6, "A": 1}
    towns = {t.label: t for t in r.towns}
    assert (towns["龙城镇"].inspections, towns["龙城镇"].with_findings, towns["龙城镇"].findings) == (7, 2, 3)
    assert towns["龙城镇"].major == 1 and towns["龙城镇"].per_inspection == "0.43"
    assert (towns["黄口镇"].inspections, towns["黄口镇"].findings) == (1, 1)
    industries = {i.label: i for i in r.industries}
    assert industries["工贸"].inspections == 7 and industries["危险化学品"].inspections == 1
    # another county's officer counts only theirs
    assert stats.build(world.other_officer, 2026).total == 1


def test_the_dashboard_panel_links_to_the_list(login, world, made):
    from app import clock

    clock.freeze(date(2026, 10, 1))
    c = login(world.officer)
    html = c.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="inspections-panel"' in html
    links = _links(html[html.index('data-testid="inspections-panel"') :])
    assert links
    for href, n in links:
        assert _total(c, href) == n, href


def test_the_enterprise_is_refused_the_statistics(login, world, made):
    manager = login(world.manager_a)
    assert manager.get("/inspections/stats").status_code == 403
    assert stats.can_view(world.manager_a) is False
    assert manager.get("/inspections/stats?year=abc").status_code in (403, 422)
    assert login(world.officer).get("/inspections/stats?year=abc").status_code == 422
