"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.

Every test starts with empty tables and a small standard world (one county, two towns, a bureau
with units, enterprises in each town, one user per role) built by `world`.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event, text

from app import create_app
from app.auth.models import User
from app.auth.roles import Role
from app.config import TestConfig
from app.extensions import db as _db
from app.org.credit_code import make_credit_code
from app.org.models import Department, Enterprise, Region

PASSWORD = "Test@2026pass"

# Production hashes with argon2id's recommended cost (64 MiB, ~0.1–1 s). Tests use the same algorithm
# at the lowest cost, and hash the shared test password once.
from argon2 import PasswordHasher  # noqa: E402

import app.auth.models as _auth_models  # noqa: E402

_auth_models._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_PASSWORD_HASH = _auth_models._hasher.hash(PASSWORD)


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
        }
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


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
    ctx.pop()


@pytest.fixture
def db(app):
    return _db


@dataclass
class World:
    county: Region
    town_a: Region
    town_b: Region
    village_a: Region
    other_county: Region
    bureau: Department
    brigade: Department
    legal_section: Department
    town_station: Department
    other_bureau: Department
    ent_a: Enterprise
    ent_a2: Enterprise
    ent_b: Enterprise
    ent_other: Enterprise
    officer: User
    officer2: User
    town_officer: User
    legal: User
    leader: User
    section_head: User
    supervisor: User
    admin: User
    manager_a: User
    manager_b: User
    other_officer: User


def _region(code, name, level, parent=None):
    r = Region(code=code, name=name, level=level, parent=parent)
    r.path = (parent.path if parent else "/") + code + "/"
    _db.session.add(r)
    return r


def _user(username, name, roles, dept=None, ent=None, cert=None):
    u = User(username=username, name=name, department=dept, enterprise=ent, cert_no=cert)
    u.password_hash = _PASSWORD_HASH
    u.set_roles(roles)
    _db.session.add(u)
    return u


def _enterprise(name, region, serial, industry="工贸", sub="机械", grade="一般", cat="B"):
    e = Enterprise(
        name=name, credit_code=make_credit_code(region.code[:6], serial), industry=industry, sub_sector=sub,
        risk_grade=grade, category=cat, address=f"{region.name}工业路{serial}号", legal_rep="张三",
        main_person="张三", safety_manager="李四", phone="0557-5000000",
    )
    e.set_region(region)
    _db.session.add(e)
    return e


@pytest.fixture
def world(db) -> World:
    prov = _region("340000", "安徽省", "province")
    city = _region("341300", "宿州市", "city", prov)
    county = _region("341322", "萧县", "county", city)
    town_a = _region("341322100", "龙城镇", "town", county)
    town_b = _region("341322101", "黄口镇", "town", county)
    village_a = _region("341322100201", "城东村", "village", town_a)
    other_county = _region("341321", "砀山县", "county", city)
    other_town = _region("341321100", "砀城镇", "town", other_county)
    db.session.flush()
    bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
    brigade = Department(name="执法大队", kind="大队", parent=bureau, region=county)
    legal_section = Department(name="法规科", kind="科室", parent=bureau, region=county)
    town_station = Department(name="龙城镇安监站", kind="站", parent=bureau, region=town_a)
    other_bureau = Department(name="砀山县应急管理局", short_name="砀", kind="局", region=other_county)
    db.session.add_all([bureau, brigade, legal_section, town_station, other_bureau])
    db.session.flush()
    ent_a = _enterprise("萧县龙城机械制造有限公司", village_a, 1)
    ent_a2 = _enterprise("萧县龙城化工有限公司", town_a, 2, "危险化学品", "生产", "较大", "C")
    ent_b = _enterprise("萧县黄口建材有限公司", town_b, 3, "工贸", "建材")
    ent_other = _enterprise("砀山县砀城食品有限公司", other_town, 4, "工贸", "轻工")
    db.session.flush()
    w = World(
        county=county, town_a=town_a, town_b=town_b, village_a=village_a, other_county=other_county,
        bureau=bureau, brigade=brigade, legal_section=legal_section, town_station=town_station,
        other_bureau=other_bureau, ent_a=ent_a, ent_a2=ent_a2, ent_b=ent_b, ent_other=ent_other,
        officer=_user("officer", "王执法", [Role.OFFICER], brigade, cert="34130001"),
        officer2=_user("officer2", "赵执法", [Role.OFFICER], brigade, cert="34130002"),
        town_officer=_user("town_officer", "孙站长", [Role.OFFICER], town_station, cert="34130003"),
        legal=_user("legal", "钱法制", [Role.LEGAL_REVIEWER], legal_section, cert="34130004"),
        leader=_user("leader", "周局长", [Role.LEADER], bureau),
        section_head=_user("section_head", "吴队长", [Role.SECTION_HEAD, Role.OFFICER], brigade, cert="34130005"),
        supervisor=_user("supervisor", "郑统计", [Role.SUPERVISOR], bureau),
        admin=_user("admin", "管理员", [Role.ADMIN], bureau),
        manager_a=_user("manager_a", "李安全", [Role.ENTERPRISE], ent=ent_a),
        manager_b=_user("manager_b", "陈安全", [Role.ENTERPRISE], ent=ent_b),
        other_officer=_user("other_officer", "冯执法", [Role.OFFICER], other_bureau, cert="34120001"),
    )
    db.session.commit()
    return w


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def sql_log():
    """The SQL statements sent while inside, in order, with "COMMIT" where a transaction committed."""
    seen: list[str] = []

    def on_sql(conn, cursor, statement, *args):
        seen.append(statement)

    def on_commit(conn):
        seen.append("COMMIT")

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", on_sql)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_sql)
        event.remove(engine, "commit", on_commit)


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no csrf_token in page"
    return m.group(1)


class LoggedInClient:
    """Flask test client that is logged in and adds the CSRF token to every POST."""

    def __init__(self, client, user: User):
        self.client = client
        self.user = user
        page = client.get("/login").get_data(as_text=True)
        self.token = csrf_from(page)
        r = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": self.token})
        assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
        # the session's CSRF token stays valid for the session
        self.token = csrf_from(client.get("/login?probe=1", follow_redirects=True).get_data(as_text=True))

    def get(self, *a, **kw):
        return self.client.get(*a, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kw)

    def api(self, method, url, json=None, **kw):
        headers = kw.pop("headers", {})
        headers.setdefault("X-CSRFToken", self.token)
        return self.client.open(url, method=method, json=json, headers=headers, **kw)


@pytest.fixture
def login(app):
    def _login(user: User) -> LoggedInClient:
        return LoggedInClient(app.test_client(), user)

    return _login


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


# --- one headless Chromium for the whole session (Debian's, never a downloaded one) -------------------

CHROMIUM = os.environ.get("SAFELOOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _require_chromium():
    if not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("SAFELOOP_REQUIRE_BROWSER") == "1":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def _playwright():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    b = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    )
    yield b
    b.close()
