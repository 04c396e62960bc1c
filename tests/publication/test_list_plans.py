"""The public list reads an index in its order (no table scan, no sort of every shown row), on SQLite;
the plan text is the database's own (tests.factories.db.query_plans)."""

from datetime import date

from app import clock
from app.publication import queries
from tests.factories.db import is_postgres, query_plans


def _page_plan(app, values):
    with query_plans() as plans:
        queries.public_page(values)
    [(_, plan)] = [(s, p) for s, p in plans if "ORDER BY" in s]
    return plan


def test_public_list_pages_walk_an_index(app, db, world, put):
    clock.freeze(date(2026, 5, 12))
    put()
    db.session.commit()
    plan = _page_plan(app, {})
    if not is_postgres(app):  # PostgreSQL plans on a near-empty table say little; SQLite's name the index
        assert "ix_publications_public" in plan and "TEMP B-TREE" not in plan, plan
        kind_plan = _page_plan(app, {"kind": "test_decision"})
        assert "ix_publications_kind" in kind_plan and "TEMP B-TREE" not in kind_plan, kind_plan
