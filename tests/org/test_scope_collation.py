"""The data-scope prefix uses an index on PostgreSQL under a normal language collation (issue #11 item 9).

A database created with the ICU zh-CN collation (what a Chinese install would use) cannot serve
`LIKE 'prefix%'` from a plain btree index on a column of the default collation; the region path columns
use the C collation (app.db.path_type), so theirs can. The control column proves the test would see it.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.extensions import db as _db

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def zh_database(app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"safeloop_zh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'zh-CN'"
        ))
    engine = create_engine(url.set(database=name))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _plan(conn, sql: str) -> str:
    return "\n".join(conn.execute(text("EXPLAIN " + sql)).scalars())


def test_scope_prefix_uses_the_index_under_a_chinese_collation(zh_database):
    _db.metadata.create_all(zh_database)
    with zh_database.begin() as conn:
        assert conn.execute(text(
            "SELECT datlocprovider FROM pg_database WHERE datname = current_database()")).scalar() == "i"
        conn.execute(text("CREATE TABLE control (region_path varchar(200))"))
        conn.execute(text("CREATE INDEX ix_control ON control (region_path)"))
        for table in ("control",):
            conn.execute(text(
                f"INSERT INTO {table} SELECT '/34/3413/' || (g % 50) || '/' || g || '/' FROM generate_series(1, 20000) g"))
        conn.execute(text(
            "INSERT INTO regions (code, name, level, path) "
            "SELECT 'r' || g, '镇' || g, 'town', '/34/3413/' || (g % 50) || '/' || g || '/' "
            "FROM generate_series(1, 20000) g"))
        conn.execute(text("ANALYZE"))
        conn.execute(text("SET enable_seqscan = off"))
        ours = _plan(conn, "SELECT id FROM regions WHERE path LIKE '/34/3413/7/%'")
        control = _plan(conn, "SELECT * FROM control WHERE region_path LIKE '/34/3413/7/%'")
    assert "Index Cond" in ours and "ix_regions_path" in ours, ours
    assert "Index Cond" not in control, control  # the default (zh-CN) collation cannot use its index


def test_every_region_path_column_is_c_collated(app):
    with _db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE column_name IN ('region_path', 'path') AND table_schema = 'public'")).all()
    assert rows and all(r.collation_name == "C" for r in rows), rows
