"""The hazard list's total from the summary (app.hazards.totals): for every filter the summary can answer it
equals a live count of the list's own query, for a county, a town and a city-wide user; for the others it
declines (None) and the list counts instead."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy import func, select

from app import clock
from app.db import utcnow
from app.extensions import db
from app.hazards import queries
from app.hazards.models import Hazard, HazardStatus
from app.hazards.totals import exact_total


@pytest.fixture
def mix(db, world, make_order):
    """Issued hazards in two towns and two enterprises of different industries, every status group,
    overdue and not, both levels, over three months."""
    first = make_order({}).hazards[0]
    columns = {c.key: getattr(first, c.key) for c in Hazard.__table__.columns if c.key not in ("id", "code")}
    statuses = [HazardStatus.RECTIFYING, HazardStatus.REVIEWING, HazardStatus.CLOSED, HazardStatus.REFERRED]
    for i in range(48):
        ent = world.ent_a if i % 3 else world.ent_b
        status = statuses[i % 4]
        found = clock.today() - timedelta(days=17 * (i % 5))
        row = dict(columns, code=f"{first.code}-{i:03d}", seq=i + 2, enterprise_id=ent.id, region_path=ent.region_path,
                   status=status, level="重大" if i % 7 == 0 else "一般", found_on=found,
                   is_overdue=status in (HazardStatus.RECTIFYING,) and i % 2 == 0,
                   overdue_at=utcnow() if i % 5 == 0 else None,
                   closed_on=found + timedelta(days=3) if status == HazardStatus.CLOSED else None)
        db.session.add(Hazard(**row))
    db.session.commit()


def live(user, f) -> int:
    return db.session.scalar(select(func.count()).select_from(queries.filtered(user, f).order_by(None).subquery()))


MAPPED = list(product(
    ["", "open", "closed", "referred", str(HazardStatus.CLOSED), str(HazardStatus.REFERRED)],
    [{}, {"level": "重大"}, {"industry": "工贸"}, {"town": "TOWN_A"}],
)) + [("", {"overdue": "1"}), ("", {"overdue": "1", "level": "一般"})]


@pytest.mark.parametrize(("status", "more"), MAPPED)
def test_the_summary_total_equals_the_list(world, mix, status, more):
    today = clock.today()
    month = {"date_from": today.replace(day=1).isoformat(), "date_to": today.isoformat()}
    for user in (world.officer, world.town_officer, world.admin):
        for dates in ({}, month):
            args = {k: (world.town_a.path if v == "TOWN_A" else v) for k, v in {**more, **dates}.items()}
            f = queries.HazardFilters.from_args({**args, **({"status": status} if status else {})})
            total = exact_total(user, f)
            assert total is not None, (user.username, args, status)
            assert total == live(user, f), (user.username, args, status)


@pytest.mark.parametrize("args", [
    {"q": "配电", "level": "重大"}, {"source": "执法检查"}, {"overdue": "ever"}, {"status": str(HazardStatus.RECTIFYING)},
    {"overdue": "1", "status": "open"}, {"date_from": "2026-01-02"},
])
def test_other_filters_are_counted(world, mix, args):
    f = queries.HazardFilters.from_args(args)
    assert exact_total(world.officer, f) is None
    assert exact_total(world.manager_a, queries.HazardFilters.from_args({})) is None  # an enterprise user


def test_a_search_alone_is_counted_in_the_full_text_index(world, mix):
    """(app.hazards.search.count; tests/search/test_search_scope.py tests it at length)"""
    for args in ({"q": "配电"}, {"q": "配电", "town": world.town_a.path}, {"q": "不存在"}):
        f = queries.HazardFilters.from_args(args)
        assert exact_total(world.officer, f) == live(world.officer, f), args


def test_the_page_shows_the_exact_total(login, world, mix):
    body = login(world.officer).get("/api/v1/hazards", query_string={"status": "closed"}).json
    f = queries.HazardFilters.from_args({"status": "closed"})
    assert body["total_exact"] is True and body["total"] == live(world.officer, f) > 0


def test_closed_month_totals_equal_the_list(world, mix):
    """The dashboard's 销号 bars link to 已销号 within whole 销号 months: those totals come from the summary."""
    from app.hazards.stats import month_end

    today = clock.today()
    firsts = {(today - timedelta(days=d)).replace(day=1) for d in (0, 31, 62, 93)}
    for first in sorted(firsts):
        for last in (first, today.replace(day=1)):
            if last < first:
                continue
            args = {"status": "closed", "closed_from": first.isoformat(), "closed_to": month_end(last).isoformat()}
            for user in (world.officer, world.town_officer, world.admin):
                f = queries.HazardFilters.from_args(args)
                total = exact_total(user, f)
                assert total is not None and total == live(user, f), (user.username, args)
    assert any(live(world.officer, queries.HazardFilters.from_args(
        {"status": "closed", "closed_from": f.isoformat(), "closed_to": month_end(today).isoformat()})) for f in firsts)
    odd = queries.HazardFilters.from_args({"status": "closed", "closed_from": today.replace(day=2).isoformat()})
    assert exact_total(world.officer, odd) is None
