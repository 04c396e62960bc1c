"""The case list's query plans (issue #13 perf: the list with 100,000 cases): on the dense path every page —
the first, one deep behind a cursor, under a 立案 date range, with the status and procedure filters — is a
seek along ix_penalty_cases_list that never sorts the scope; the few-rows path (one enterprise) reads the
enterprise's index and sorts; the text filter reads at most TEXT_WINDOW rows of the order index.

PostgreSQL (guarded as in tests/hazards/test_list_plans.py): sequential scans and sorts are turned off for
the transaction, so a plan without a Sort node proves the index serves the order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app import clock, paging
from app.cases import queries
from app.extensions import db
from tests.factories.db import commit, query_plans


@pytest.fixture
def dense(monkeypatch, app):
    monkeypatch.setattr(paging, "SMALL_SET", 0)  # the path taken when thousands of rows match
    return True


@pytest.fixture
def cases(world, make_case):
    make_case().file()
    make_case(name="另一案件").file()
    commit()


def page_plans(user, dense: bool = False, **args) -> list[str]:
    f = queries.CaseFilters.from_args(args)
    if dense and db.engine.dialect.name == "postgresql":
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            db.session.execute(text(f"SET LOCAL {setting} = off"))
    with query_plans() as plans:
        queries.case_page(user, f)
    return [plan for sql, plan in plans if "ORDER BY" in sql and "LIMIT" in sql and "penalty_cases" in sql]


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"after": "0.2026-10-05.12"},
        {"status": "调查取证", "procedure": "普通程序"},
        {"industry": "工贸"},
    ],
    ids=["first page", "deep page", "status and procedure", "industry"],
)
def test_pages_seek_the_list_index_without_sorting(world, cases, dense, args):
    plans = page_plans(world.officer, dense, **args)
    assert plans, "the page ran no ordered query"
    for plan in plans:
        assert "ix_penalty_cases_list" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_a_filing_date_range_is_a_range_on_the_index(world, cases, dense):
    day = clock.today()
    plans = page_plans(
        world.officer, dense, filed_from=(day - timedelta(days=30)).isoformat(), filed_to=day.isoformat()
    )
    assert plans
    for plan in plans:
        assert "ix_penalty_cases_list" in plan and "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        if db.engine.dialect.name == "sqlite":
            assert "filed_on>" in plan and "filed_on<" in plan, plan
        else:
            assert "Index Cond" in plan and "filed_on" in plan.split("Index Cond")[1], plan


def test_few_rows_are_found_by_their_filter_and_sorted(world, cases):
    plans = page_plans(world.officer, enterprise_id=str(world.ent_a.id))
    assert plans
    for plan in plans:
        if db.engine.dialect.name == "sqlite":
            assert "ix_penalty_cases_list" not in plan and "enterprise_id=?" in plan, plan
            assert "TEMP B-TREE FOR ORDER BY" in plan, plan
        else:
            assert "Sort" in plan, plan


def test_the_text_filter_is_bounded(world, cases, dense):
    """A name is looked for among the TEXT_WINDOW newest cases (a LIMIT on the index walk), a case number by
    the unique index of case_no: never a LIKE over the whole table."""
    f = queries.CaseFilters.from_args({"q": "另一"})
    sql = str(queries.filtered(world.officer, f).compile(compile_kwargs={"literal_binds": True}))
    assert f"LIMIT {queries.TEXT_WINDOW}" in sql and "case_no =" in sql
    assert [c.name for c in queries.case_page(world.officer, f).items] == ["另一案件"]
    if db.engine.dialect.name == "sqlite":
        with query_plans() as plans:
            queries.case_page(world.officer, f)
        text_plans = [p for s, p in plans if "LIMIT" in s and "penalty_cases.name LIKE" in s]
        assert text_plans
        for plan in text_plans:  # the window walks the list's index in order and stops: no sort of the scope
            assert "COVERING INDEX ix_penalty_cases_list" in plan and "TEMP B-TREE" not in plan, plan
