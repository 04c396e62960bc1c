"""统计分析: totals, rates, by town / industry / month, links to the filtered list, inline SVG chart."""

from __future__ import annotations

from datetime import date, timedelta

from app import clock
from app.hazards import operations as ops
from app.hazards import stats
from app.hazards.queries import HazardFilters
from tests.factories.clock import at
from tests.factories.db import commit
from tests.factories.hazards import rect_data, review_data
from tests.factories.workflow import tick_at


def _data(world, make_order, upload):
    a = make_order({"location": "A1"}, {"location": "A2"}).hazards
    b = make_order({"location": "B1", "enterprise_id": world.ent_b.id}).hazards[0]
    # A1 closed on time; B1 overdue then closed late; A2 still open
    ops.submit_rectification(a[0], rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(a[0], review_data(world))], actor=world.officer)
    commit()
    tick_at(at(b.deadline + timedelta(days=1), 0))
    from app.extensions import db

    b = db.session.get(type(b), b.id)
    clock.freeze(at(b.deadline + timedelta(days=2)))
    ops.review_hazards([(b, review_data(world))], actor=world.officer)
    commit()
    return a, b


def test_totals_and_rates(world, make_order, upload):
    _data(world, make_order, upload)
    board = stats.build(world.supervisor, HazardFilters())
    t = board.total
    assert (t.found, t.closed, t.overdue, t.closed_on_time) == (3, 2, 1, 1)  # A2 went overdue too by then
    assert abs(t.rate - 2 / 3) < 1e-9 and t.on_time_rate == 0.5
    towns = {town.name: c for town, _p, c in board.by_town}
    assert towns["龙城镇"].found == 2 and towns["黄口镇"].found == 1 and towns["黄口镇"].closed == 1
    industries = dict(board.by_industry)
    assert industries["工贸"].found == 3
    assert board.months == [(date(2026, 11, 1), 3, 2)]


def test_scope_limits_statistics(world, make_order, upload):
    _data(world, make_order, upload)
    assert stats.build(world.other_officer, HazardFilters()).total.found == 0
    assert stats.build(world.town_officer, HazardFilters()).total.found == 2  # 龙城镇 only


def test_page_links_and_chart(login, world, make_order, upload):
    _data(world, make_order, upload)
    c = login(world.leader)
    html = c.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="found">3<' in html and 'data-testid="closed">2<' in html
    assert 'data-testid="chart"' in html and "<rect" in html and "cdn" not in html.lower()
    assert "/hazards?date_from=2026-01-01&amp;overdue=1" in html
    assert f"overdue=1&amp;town={world.town_a.path}" in html
    # the month bar for 销号 links to the closed list of that month
    assert "closed_from=2026-11-01" in html and "closed_to=2026-11-30" in html
    listed = c.get("/hazards?date_from=2026-01-01&overdue=1").get_data(as_text=True)
    assert listed.count('data-testid="hazard-row"') == 1


def test_enterprise_cannot_see_dashboard(login, world):
    assert login(world.manager_a).get("/dashboard").status_code == 403
