"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.

Every test starts with empty tables and an app context; the small standard world (one county, two towns,
a bureau with units, enterprises in each town, one user per role) is the `world` fixture. Fixtures and
helpers shared between test directories live in tests/factories/ (see its __init__ for the list): the
modules below are loaded as plugins, plain helpers are imported from them.
"""

from __future__ import annotations

import os

import pytest

pytest.register_assert_rewrite("tests.factories")

from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.extensions import db as _db  # noqa: E402
from tests.factories.db import is_postgres  # noqa: E402

pytest_plugins = [
    "tests.factories.auth",
    "tests.factories.org",
    "tests.factories.clock",
    "tests.factories.files",
    "tests.factories.hazards",
    "tests.factories.cases",
    "tests.factories.credit",
    "tests.factories.credit_effects",
    "tests.factories.inspections_tipoff",
    "tests.factories.workflow",
    "tests.factories.browser",
    "tests.factories.inspections_plan",
    "tests.factories.inspections_results",
    "tests.factories.inspections_onsite",
    "tests.factories.inspections_draw",
    "tests.factories.inspections_classify",
]


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    uploads = tmp_path_factory.mktemp("uploads")
    app = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "UPLOAD_DIR": str(uploads),
            "JOBS_DIR": str(tmp_path_factory.mktemp("jobs")),
        }
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_db(app):
    """Each test gets an app context and empty tables afterwards."""
    ctx = app.app_context()
    ctx.push()
    yield
    _db.session.rollback()
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if is_postgres(app):
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
        # the full-text indexes (app.search) are not model tables: emptied with them, or the next test's
        # rows (ids restart) would meet the last test's words
        from app import search
        from app.search import store

        for index in search.indexes():
            store.clear(conn, index)
    ctx.pop()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture(autouse=True)
def _real_clock():
    from app import clock

    yield
    clock.unfreeze()


def pytest_sessionstart(session):
    """`make test`/CI require the PostgreSQL run to really be PostgreSQL."""
    if os.environ.get("SAFELOOP_REQUIRE_POSTGRES") == "1":
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            raise pytest.UsageError("SAFELOOP_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not PostgreSQL")


def pytest_collection_modifyitems(config, items):
    """postgres_only tests are skipped on SQLite, but never when PostgreSQL is required."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
