"""The 监督检查 list's query plans (helper "web"). What must hold at any size: no page reads the whole
inspections table — a staff page walks ix_inspections_list (planned_on, id, region_path, status, source) from
the cursor, or reads the few matching rows through an index and sorts them; a year or month filter is a
range on that index; an enterprise account's rows come from its own index; a text filter looks in the window,
never at every enterprise; an industry filter tests each row's enterprise by primary key. The count is capped
(app.paging.COUNT_CAP).

PostgreSQL (guarded as in tests/credit/test_list_plans.py): sequential scans are turned off for the
transaction, so a plan that still reads inspections proves an index serves it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app import paging
from app.extensions import db
from app.inspections import queries
from app.inspections.models import InspectionStatus
from tests.factories.db import commit, query_plans
from tests.factories.inspections_web import inspection_at


@pytest.fixture(params=["few", "dense"])
def path(request, monkeypatch):
    if request.param == "dense":
        monkeypatch.setattr(paging, "SMALL_SET", 0)  # the path taken when thousands of rows match
    return request.param


@pytest.fixture
def inspections(world):
    for m in range(1, 4):
        inspection_at(world, InspectionStatus.DONE, planned_on=date(2026, m, 5))
    inspection_at(world, InspectionStatus.ON_SITE, enterprise=world.ent_b, planned_on=date(2026, 4, 5))
    inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_other, planned_on=date(2026, 4, 6))
    commit()


def page_plans(user, **args) -> list[str]:
    f = queries.InspectionFilters.from_args(args)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    with query_plans() as plans:
        page = queries.inspection_page(user, f)
    assert page is not None
    return [plan for sql, plan in plans if "inspections" in sql]


def _no_full_scan(plan: str) -> bool:
    if db.engine.dialect.name == "sqlite":
        return not any(
            line.strip().startswith(("SCAN inspections", "SCAN enterprises")) and "USING" not in line
            for line in plan.splitlines()
        )
    return "Seq Scan on inspections" not in plan and "Seq Scan on enterprises" not in plan


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"after": "1.2026-03-05.2"},
        {"status": "已完成"},
        {"source": "双随机"},
        {"year": "2026"},
        {"year": "2026", "month": "2"},
        {"town": "/340000/341300/341322/341322100/"},
        {"industry": "工贸"},
        {"class": "B"},
        {"q": "龙城"},
    ],
    ids=["first page", "deep page", "status", "source", "year", "month", "town", "industry", "class", "text"],
)
def test_staff_pages_never_read_the_whole_table(world, inspections, path, args):
    plans = page_plans(world.officer, **args)
    assert plans
    for plan in plans:
        assert _no_full_scan(plan), plan


def test_the_dense_path_walks_the_list_index(world, inspections, monkeypatch):
    monkeypatch.setattr(paging, "SMALL_SET", 0)
    plans = page_plans(world.officer, year="2026")
    if db.engine.dialect.name == "sqlite":
        assert any("ix_inspections_list" in p for p in plans), plans
        assert not any("USE TEMP B-TREE FOR ORDER BY" in p for p in plans), plans


def test_the_enterprise_reads_its_own_rows_by_an_index(world, inspections, path):
    plans = page_plans(world.manager_a)
    assert plans
    for plan in plans:
        assert _no_full_scan(plan), plan


def test_the_count_is_capped(world, inspections, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    page = queries.inspection_page(world.officer, queries.InspectionFilters())
    assert page.total == 3 and page.capped  # 4 in scope, counted up to the cap + 1


@pytest.mark.parametrize("args", [{"year": "2026", "month": "2"}, {"source": "双随机"}, {"status": "已完成"}])
def test_a_period_source_or_status_count_reads_the_list_index_alone(world, inspections, args):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner is told; PostgreSQL chooses itself")
    f = queries.InspectionFilters.from_args(args)
    with query_plans() as plans:
        queries.inspection_page(world.officer, f)
    counts = [plan for sql, plan in plans if "count(*)" in sql.lower()]
    assert counts and all("COVERING INDEX ix_inspections_list" in p for p in counts), counts


def test_a_narrow_filter_keeps_its_own_index_for_the_count(world, inspections):
    f = queries.InspectionFilters(enterprise_id=world.ent_b.id, year=2026)
    with query_plans() as plans:
        page = queries.inspection_page(world.officer, f)
    assert page.total == 1
    counts = [plan for sql, plan in plans if "count(*)" in sql.lower()]
    assert counts and not any("ix_inspections_list" in p for p in counts), counts
