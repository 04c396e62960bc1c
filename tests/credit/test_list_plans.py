"""The 严重失信主体名单 list's query plans. Listings are few (a county lists a handful a year), so the list has
one partition and its pages are sorted by the database; what must hold at any size is that no page reads the
whole table: a staff scope is a range on ix_credit_listings_list (region_path first), an enterprise account's
its own rows on ix_credit_listings_enterprise, a status or criterion filter is tested from the scope's index,
and a cursor page is a seek from the cursor's key. The count is capped (app.paging.COUNT_CAP).

PostgreSQL (guarded as in tests/cases/test_list_plans.py): sequential scans are turned off for the
transaction, so a plan that still reads credit_listings proves an index serves it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import paging
from app.credit import queries
from app.credit.models import ListingStatus
from app.extensions import db
from tests.factories.credit_web import listing_at
from tests.factories.db import commit, query_plans


@pytest.fixture(params=["few", "dense"])
def path(request, monkeypatch):
    if request.param == "dense":
        monkeypatch.setattr(paging, "SMALL_SET", 0)  # the path taken when thousands of rows match
    return request.param


@pytest.fixture
def listings(world):
    for _ in range(3):
        listing_at(world, ListingStatus.LISTED)
    listing_at(world, enterprise=world.ent_b)
    listing_at(world, ListingStatus.LISTED, enterprise=world.ent_other)
    commit()


def page_plans(user, **args) -> list[str]:
    f = queries.ListingFilters.from_args(args)
    if db.engine.dialect.name == "postgresql":
        for setting in ("enable_seqscan",):
            db.session.execute(text(f"SET LOCAL {setting} = off"))
    with query_plans() as plans:
        page = queries.listing_page(user, f)
    assert page is not None
    return [plan for sql, plan in plans if "credit_listings" in sql]


def _no_full_scan(plan: str) -> bool:
    if db.engine.dialect.name == "sqlite":
        return not any(
            line.strip().startswith("SCAN credit_listings") and "USING" not in line
            for line in plan.splitlines()
        )
    return "Seq Scan on credit_listings" not in plan


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"after": "1.2026-10-05.12"},
        {"status": "已列入"},
        {"criterion": "6"},
        {"town": "/340000/341300/341322/341322100/"},
    ],
    ids=["first page", "deep page", "status", "criterion", "town"],
)
def test_staff_pages_read_the_scope_from_the_list_index(world, listings, path, args):
    plans = page_plans(world.officer, **args)
    assert plans
    for plan in plans:
        assert _no_full_scan(plan), plan
        if db.engine.dialect.name == "sqlite":
            assert "SEARCH credit_listings USING" in plan, plan


def test_a_name_is_looked_for_in_the_window_never_in_every_enterprise(world, listings, path):
    plans = page_plans(world.officer, q="龙城")
    assert plans
    for plan in plans:
        assert _no_full_scan(plan), plan
        if db.engine.dialect.name == "sqlite":
            assert "SCAN enterprises" not in plan, plan
        else:
            assert "Seq Scan on enterprises" not in plan, plan
    f = queries.ListingFilters(q="龙城")
    assert {x.enterprise_id for x in queries.listing_page(world.officer, f).items} == {world.ent_a.id}


def test_the_enterprise_reads_its_own_rows_by_its_index(world, listings, path):
    plans = page_plans(world.manager_a)
    assert plans
    for plan in plans:
        assert _no_full_scan(plan), plan
        if db.engine.dialect.name == "sqlite":
            assert "ix_credit_listings_enterprise" in plan, plan


def test_the_count_is_capped(world, listings, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    page = queries.listing_page(world.officer, queries.ListingFilters())
    assert page.total == 3 and page.capped  # 4 in scope, counted up to the cap + 1
