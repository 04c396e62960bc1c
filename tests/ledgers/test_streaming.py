"""The ledgers' rows are streamed (one statement per table, read a batch at a time, a server-side cursor on
PostgreSQL) from exactly the list's scoped query: on the demo county, for every user who may export and
for filters of each kind, the exported hazards are `queries.filtered(user, f)` in id order, and the rows do
not depend on where the batches end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.extensions import db
from app.hazards import ledger, queries
from app.hazards.models import Hazard
from app.hazards.permissions import can_export
from app.seed import seed_demo

FILTERS = [
    queries.HazardFilters(),
    queries.HazardFilters(status="closed"),
    queries.HazardFilters(status="open", level="一般"),
    queries.HazardFilters(overdue="ever"),
    queries.HazardFilters(q="配电"),
    queries.HazardFilters(industry="危险化学品", source="执法检查"),
]


@pytest.fixture
def demo(db):
    ctx = seed_demo()
    db.session.commit()
    return ctx


def _exporters() -> list[User]:
    return [u for u in db.session.scalars(select(User).order_by(User.id)) if u.is_active and can_export(u)]


def _rows(user: User, f: queries.HazardFilters, name: str) -> list[dict]:
    build = ledger.ROW_BUILDERS[name]
    return list(build(user, f, attachment_base="http://h/attachments/", today=clock.today()))


def test_the_streamed_hazards_are_the_lists_scoped_query(demo):
    users = _exporters()
    scopes = {u.scope_path for u in users}
    assert len(scopes) >= 2  # county-wide and town-wide users at least
    seen = 0
    for user in users:
        for f in FILTERS:
            listed = list(db.session.scalars(queries.filtered(user, f).with_only_columns(Hazard.id)
                                            .order_by(Hazard.id)))
            for major in (False, True):
                main, _ = ledger.statements(user, f, major_only=major)
                streamed = list(db.session.scalars(main.execution_options(yield_per=ledger.CHUNK)))
                levels = dict(db.session.execute(select(Hazard.id, Hazard.level).where(Hazard.id.in_(listed))).all())
                assert streamed == [i for i in listed if not major or levels[i] == "重大"], (user.username, f)
            codes = [r["code"] for r in _rows(user, f, "hazard_ledger")]
            assert codes == list(db.session.scalars(select(Hazard.code).where(Hazard.id.in_(listed))
                                                    .order_by(Hazard.id)))
            seen += len(codes)
    assert seen > 0


def test_rows_do_not_depend_on_where_batches_end(demo, monkeypatch):
    """Batches of one hazard (every row at a batch edge, each related table read alongside) give the same
    rows, field for field, as the export's batches of CHUNK."""
    county = min((u for u in _exporters() if u.scope_path), key=lambda u: u.scope_path.count("/"))
    f = queries.HazardFilters()
    whole = {name: _rows(county, f, name) for name in ledger.ROW_BUILDERS}
    assert len(whole["hazard_ledger"]) > 10 and whole["major_hazard_ledger"]
    assert any(r["photos_before"].urls for r in whole["hazard_ledger"])
    assert any(r["reviewed_on"] for r in whole["hazard_ledger"])
    monkeypatch.setattr(ledger, "CHUNK", 1)
    for name in ledger.ROW_BUILDERS:
        assert _rows(county, f, name) == whole[name], name


def test_sqlite_streams_through_a_small_cache_and_gives_the_connection_its_own_back(demo):
    """While an export streams its rows, SQLite reads through its default page cache and no memory map
    (app.db.bulk_read: the connection's 64 MiB cache and 256 MiB map held every page of a 1,000,000-row export,
    465 MB of RSS); afterwards the connection has its own settings again, for the lists that read pages twice."""
    from app.db import BULK_CACHE_KIB, SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES, bulk_read
    if db.session.get_bind().dialect.name == "postgresql":
        pytest.skip("SQLite's page cache and memory map (PostgreSQL's buffers are the server's)")

    def pragmas() -> tuple[int, int]:
        conn = db.session.connection()
        return (conn.exec_driver_sql("PRAGMA cache_size").scalar(), conn.exec_driver_sql("PRAGMA mmap_size").scalar())

    county = min((u for u in _exporters() if u.scope_path), key=lambda u: u.scope_path.count("/"))
    build = ledger.ROW_BUILDERS["hazard_ledger"]
    rows = build(county, queries.HazardFilters(), attachment_base="http://h/attachments/", today=clock.today())
    assert pragmas() == (-SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES)
    first = next(iter(rows))
    assert first and pragmas() == (-BULK_CACHE_KIB, 0)
    assert len([first, *rows]) > 10
    assert pragmas() == (-SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES)
    # the export job reads its count in one too (app.ledgers.jobs.run_export): the streams' own, inside it,
    # leave it as it is
    with bulk_read(db.session):
        with bulk_read(db.session):
            assert pragmas() == (-BULK_CACHE_KIB, 0)
        assert pragmas() == (-BULK_CACHE_KIB, 0)
    assert pragmas() == (-SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES)
