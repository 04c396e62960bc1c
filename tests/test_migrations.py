"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db as _db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture
def fresh_url(app, tmp_path):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"{url.database}_migrations"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_models(fresh_url):
    migrated = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "x", "TESTING": True})
    with migrated.app_context():
        upgrade(directory=MIGRATIONS)
        with _db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), _db.metadata)
        assert diff == [], diff
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO audit_events (seq, at, actor_name, actor_roles, action, summary, prev_hash, hash) "
                    "VALUES (1, now(), '系统', '', 'x', 'x', repeat('0', 64), repeat('1', 64))"
                ))
            with pytest.raises(Exception, match="append-only"), _db.engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_events"))
        _db.engine.dispose()


def test_every_migration_downgrades_and_upgrades_again(fresh_url):
    from flask_migrate import downgrade

    migrated = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "x", "TESTING": True})
    with migrated.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="base")
        with _db.engine.connect() as conn:
            left = set(_db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set(), left
        upgrade(directory=MIGRATIONS)
        with _db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), _db.metadata)
        assert diff == [], diff
        _db.engine.dispose()
