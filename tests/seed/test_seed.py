"""Demo data: realistic county, valid credit codes, one account per role, idempotent, CLI."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.operations import password_problem
from app.auth.roles import Role
from app.org.credit_code import validate_credit_code
from app.org.models import CATEGORIES, INDUSTRIES, Department, Enterprise, Region, RiskGrade
from app.seed import DEMO_PASSWORD, DEMO_SEEDERS, FEATURED_ENTERPRISE, demo_accounts, is_seeded, seed_demo
from tests.factories.auth import csrf_from


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def demo(db):
    ctx = seed_demo()
    db.session.commit()
    return ctx


def test_counts_and_shape(demo, db):
    assert demo["county"].code == "341322" and demo["county"].full_name() == "萧县"
    assert count(db, Region, Region.level == "town") >= 10
    for town in demo["towns"].values():
        assert 2 <= len(town.children) <= 4, town.name
    assert {"龙城镇", "黄口镇", "凤城街道"} <= set(demo["towns"])
    bureau = demo["bureau"]
    assert bureau.short_name == "萧" and bureau.kind == "局" and bureau.region == demo["county"]
    units = {d.name: d for d in db.session.scalars(select(Department))}
    assert {"执法大队", "法规科", "危化科", "综合科", "办公室"} <= set(units)
    stations = [d for d in units.values() if d.kind == "站"]
    assert len(stations) == 2 and all(d.region.level == "town" for d in stations)
    assert count(db, Enterprise) >= 60


def test_enterprises_are_plausible_and_valid(demo, db):
    ents = list(db.session.scalars(select(Enterprise)))
    codes = [e.credit_code for e in ents]
    assert len(set(codes)) == len(codes)
    assert all(validate_credit_code(c) is None for c in codes)
    assert all(c[2:8] == "341322" for c in codes)
    assert len({e.name for e in ents}) == len(ents)
    assert set(INDUSTRIES) == {e.industry for e in ents}  # every supervised industry is represented
    assert {e.sub_sector for e in ents if e.industry == "工贸"} >= {"冶金", "建材", "机械", "轻工", "纺织"}
    assert all(e.sub_sector in INDUSTRIES[e.industry] for e in ents)
    assert {e.risk_grade for e in ents} == {g.value for g in RiskGrade}
    assert {e.category for e in ents} == set(CATEGORIES)
    for e in ents:
        assert e.region.level in ("town", "village") and e.region_path == e.region.path
        assert e.address.startswith("萧县") and e.main_person and e.safety_manager and e.legal_rep
        assert len(e.main_person_phone) == 11 and e.main_person_phone.startswith("1")
        assert e.phone.startswith("0557-")
    towns_used = Counter(e.town.name for e in ents)
    assert len(towns_used) == len(demo["towns"])  # every town has enterprises


def test_one_account_per_role_with_strong_shared_password(demo, db):
    users = demo["users"]
    assert set(users) >= {"officer", "officer2", "legal", "leader", "section_head", "supervisor", "admin", "qiye",
                          "town_officer"}
    held = set().union(*(u.roles for u in users.values()))
    assert held == {r.value for r in Role}
    for username, user in users.items():
        assert user.check_password(DEMO_PASSWORD)
        assert password_problem(DEMO_PASSWORD, username=username) is None
        if Role.OFFICER in user.roles:
            assert user.cert_no
    qiye = users["qiye"]
    assert qiye.is_enterprise_user and qiye.enterprise.name == FEATURED_ENTERPRISE
    assert users["town_officer"].department.region.name == "龙城镇"
    assert users["admin"].scope_path == ""


def test_idempotent(demo, db):
    before = (count(db, Region), count(db, Enterprise), count(db, User), count(db, Department))
    assert is_seeded()
    assert seed_demo() is None
    db.session.commit()
    assert (count(db, Region), count(db, Enterprise), count(db, User), count(db, Department)) == before


def test_never_seeds_over_existing_data(world, db):
    assert seed_demo() is None
    assert count(db, Enterprise) == 4


def test_hooks_run_after_registry_with_its_objects(db, monkeypatch):
    seen = {}

    def hook(ctx):
        seen["enterprise"] = ctx["featured_enterprise"].name
        seen["officer"] = ctx["users"]["officer"].username

    monkeypatch.setattr("app.seed.DEMO_SEEDERS", [*DEMO_SEEDERS, hook])
    assert seed_demo() is not None
    assert seen == {"enterprise": FEATURED_ENTERPRISE, "officer": "officer"}


def test_demo_accounts_can_log_in_and_see_their_scope(app, demo, db):
    def client_for(username):
        c = app.test_client()
        token = csrf_from(c.get("/login").get_data(as_text=True))
        r = c.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
        assert r.status_code == 302, username
        return c

    featured = demo["featured_enterprise"]
    html = client_for("officer").get("/enterprises?q=精细化工").get_data(as_text=True)
    assert FEATURED_ENTERPRISE in html
    r = client_for("qiye").get("/my-enterprise", follow_redirects=True)
    assert FEATURED_ENTERPRISE in r.get_data(as_text=True)
    other = demo["enterprise_by_name"]["萧县黄口面粉有限公司"]
    assert client_for("town_officer").get(f"/enterprises/{other.id}").status_code == 404
    assert client_for("town_officer").get(f"/enterprises/{featured.id}").status_code == 200


def test_accounts_table(demo):
    rows = {r["username"]: r for r in demo_accounts()}
    assert rows["qiye"]["unit"] == FEATURED_ENTERPRISE
    assert rows["town_officer"]["scope"] == "萧县龙城镇"
    assert rows["admin"]["scope"] == "全部"


# --- CLI ---------------------------------------------------------------------------------------------------
def test_seed_demo_command_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "已载入演示数据" in first.output and "SafeLoop@2026" in first.output
    assert "qiye" in first.output and FEATURED_ENTERPRISE in first.output
    n = count(db, Enterprise)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "未重复载入" in second.output and "officer" in second.output
    assert count(db, Enterprise) == n


def test_demo_command_upgrades_then_seeds(app, db, monkeypatch):
    calls = []
    monkeypatch.setattr("flask_migrate.upgrade", lambda *a, **kw: calls.append("upgrade"))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert calls == ["upgrade"] and "演示账号" in result.output
