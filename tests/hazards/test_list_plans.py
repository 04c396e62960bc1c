"""The hazard list's query plans (issue #15): on the dense path every page — the first, one deep behind a
cursor, under a date range — is a seek along ix_hazards_list that never sorts the scope, on SQLite and
PostgreSQL. Plans are taken from the real requests (tests.factories.db.query_plans).

PostgreSQL picks plans by cost, and on a test database of a few rows a full scan and a sort are cheapest;
so there the test turns sequential scans and sorts off for its transaction: if the index could not yield
the order, the plan would still hold a Sort node (at a prohibitive cost), so its absence proves the index
serves the order. SQLite is told the index by the list itself (INDEXED BY), so its plan is checked as is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app import clock, paging
from app.extensions import db
from app.hazards import queries
from tests.factories.db import query_plans


@pytest.fixture
def dense(monkeypatch, app):
    monkeypatch.setattr(paging, "SMALL_SET", 0)  # the path taken when thousands of rows match
    return True


def page_plans(user, dense: bool = False, **args) -> list[str]:
    f = queries.HazardFilters.from_args(args)
    if dense and db.engine.dialect.name == "postgresql":  # for this transaction only: set after any commit
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            db.session.execute(text(f"SET LOCAL {setting} = off"))
    with query_plans() as plans:
        queries.hazard_page(user, f)
    return [plan for sql, plan in plans if "ORDER BY" in sql]


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"after": "0.2026-01-05.12"},
        {"level": "一般", "status": "open"},
        {"source": "执法检查", "industry": "工贸"},
    ],
    ids=["first page", "deep page", "level and status", "source and industry"],
)
def test_pages_seek_the_list_index_without_sorting(world, make_order, dense, args):
    make_order({})
    plans = page_plans(world.officer, dense, **args)
    assert plans, "the page ran no ordered query"
    for plan in plans:
        assert "ix_hazards_list" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_a_date_range_is_a_range_on_the_index(world, make_order, dense):
    make_order({})
    day = clock.today()
    plans = page_plans(world.officer, dense, date_from=(day - timedelta(days=30)).isoformat(), date_to=day.isoformat())
    for plan in plans:
        assert "ix_hazards_list" in plan and "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        if db.engine.dialect.name == "sqlite":
            assert "found_on>" in plan and "found_on<" in plan, plan  # a range seek, not a filter after a scan
        else:
            assert "Index Cond" in plan and "found_on" in plan.split("Index Cond")[1], plan


def test_few_rows_are_found_by_their_filter_and_sorted(world, make_order):
    """The few-rows path (one enterprise): read through the enterprise's index and sorted, not found by
    walking the list's order over the whole scope."""
    make_order({})
    plans = page_plans(world.officer, enterprise_id=str(world.ent_a.id))
    assert plans
    for plan in plans:
        if db.engine.dialect.name == "sqlite":
            assert "ix_hazards_list" not in plan and "enterprise_id=?" in plan, plan
            assert "TEMP B-TREE FOR ORDER BY" in plan, plan
        else:
            assert "Sort" in plan, plan


def test_the_ever_overdue_count_reads_its_partial_index(world, make_order):
    """曾经逾期 is counted (capped) from an index alone, not by scanning the hazards: on PostgreSQL
    ix_hazards_ever_overdue (SQLite, with a few rows, may read its scope's range of a covering index)."""
    make_order({})
    f = queries.HazardFilters.from_args({"overdue": "ever"})
    if db.engine.dialect.name == "postgresql":  # a few rows: a scan would be cheapest, so scans are off
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    with query_plans() as plans:
        paging.capped_count(queries.filtered(world.officer, f))
    (plan,) = [plan for sql, plan in plans if "count" in sql.lower()]
    if db.engine.dialect.name == "postgresql":
        # (an index-only or a bitmap scan of it, as the visibility map allows; never the table)
        assert "ix_hazards_ever_overdue" in plan and "Seq Scan" not in plan, plan
    else:
        assert "COVERING INDEX" in plan and "SCAN hazards" not in plan, plan
