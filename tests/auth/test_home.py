"""Issue #10 item 11: each role lands on a useful home. A leader (and a section head, a 统计 user) sees what
awaits their decision and the overdue picture of their jurisdiction; an administrator sees users, units,
the health of the timer worker and the state of the audit chain; the others land on their inbox. The menu
has the 执法全过程记录 for the roles that may read it and 重大隐患 for staff."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app import audit, clock
from app.extensions import db
from app.hazards import operations as ops
from app.workflow.models import Timer, TimerStatus
from tests.factories.db import commit
from tests.factories.workflow import tick_at

MAJOR = {"level": "重大", "criterion_code": "GM2023-11-3", "location": "抛光车间除尘系统",
         "description": "铝粉干式除尘系统未设置泄爆、惰化、抑爆装置", "deadline": date(2026, 11, 30)}


def supervise(h, world):
    return ops.decide_supervision(h, {
        "listed": "yes", "level": "县级", "supervising_unit": "萧县安全生产委员会办公室", "responsible_unit": "执法大队",
        "contact": "王执法 0557-5000001", "deadline": date(2026, 12, 31), "plan_days": 7, "opinion": "立即停止使用",
    }, actor=world.leader)


def nav_labels(html: str) -> list[str]:
    """The menu's entries, those folded into a drop-down (ui.register_nav group=) included."""
    nav = html[html.index('id="mainnav"'):]
    nav = nav[:nav.index('data-testid="notifications-link"')]
    links = re.findall(r'<a class="(?:nav-link|dropdown-item)[^"]*"[^>]*>(.*?)</a>', nav, re.S)
    return [re.sub(r"<[^>]+>", "", m).strip() for m in links]


@pytest.mark.parametrize("who", ["officer", "legal", "manager_a"])
def test_inbox_workers_land_on_their_inbox(world, login, who):
    r = login(getattr(world, who)).get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/inbox")


def test_leader_home_shows_decisions_overdue_and_supervised_majors(world, login, make_hazard, make_order):
    major = make_hazard(**MAJOR)  # awaits the leader's 挂牌督办 decision
    listed = make_hazard(**dict(MAJOR, location="二号除尘系统"))
    supervise(listed, world)
    late = make_hazard(deadline=clock.today() + timedelta(days=1))
    commit()
    tick_at(clock.today() + timedelta(days=3))  # the deadline passes: the timer marks it overdue
    db.session.refresh(late)
    assert late.is_overdue

    r = login(world.leader).get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    tasks = html[html.index('data-testid="home-tasks"'):html.index('data-testid="home-hazards_overdue"')]
    assert "督办" in tasks and f"{major.enterprise.name}" in tasks  # the 挂牌督办 decision awaits them
    assert re.search(r'data-testid="home-tasks-all">\s*[1-9]', html)
    overdue = html[html.index('data-testid="home-hazards_overdue"'):]
    assert late.code in overdue and re.search(r'data-testid="home-overdue-count">1<', overdue)
    majors = html[html.index('data-testid="home-hazards_major"'):]
    assert listed.code in majors and re.search(r'data-testid="home-major-listed">1<', majors)
    assert re.search(r'data-testid="home-major-pending">1<', majors)
    assert 'data-testid="home-people"' not in html and 'data-testid="home-audit"' not in html


def test_leader_home_reads_only_their_scope(world, login, make_order):
    from app.auth.models import User
    from app.auth.roles import Role
    from tests.factories.auth import PASSWORD_HASH

    make_order(dict(MAJOR, enterprise_id=world.ent_b.id))  # 萧县黄口镇: awaits the 督办 decision
    other = User(username="other_leader", name="外县领导", department=world.other_bureau)  # another county
    other.password_hash = PASSWORD_HASH
    other.set_roles([Role.LEADER])
    db.session.add(other)
    commit()
    mine = login(world.leader).get("/").get_data(as_text=True)
    assert re.search(r'data-testid="home-major-pending">1<', mine)
    theirs = login(other).get("/").get_data(as_text=True)
    assert re.search(r'data-testid="home-major-pending">0<', theirs)
    assert 'data-testid="home-tasks-empty"' in theirs and world.ent_b.name not in theirs


def test_admin_home_shows_users_units_health_and_audit_chain(world, login, db):
    admin = login(world.admin)
    html = admin.get("/").get_data(as_text=True)
    for key in ("home-people", "home-health", "home-audit"):
        assert f'data-testid="{key}"' in html
    assert 'data-testid="home-tasks"' not in html and 'data-testid="home-hazards_overdue"' not in html
    assert re.search(r'data-testid="home-users-active">\d+<', html)
    assert 'data-testid="home-timers-ok"' in html and 'data-testid="home-audit-never"' in html

    # verify from the home page: the check itself goes on record and the home shows its result
    r = admin.post("/audit/verify", data={"next": "/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/")
    check = audit.last_verification()
    assert check is not None and check.data["ok"] is True and check.actor_id == world.admin.id
    html = admin.get("/").get_data(as_text=True)
    assert 'data-testid="home-audit-ok"' in html and "审计链完整" in html


def test_admin_home_warns_when_timers_are_not_running(world, login, make_hazard):
    make_hazard(deadline=clock.today() + timedelta(days=1))
    commit()
    waiting = db.session.scalars(db.select(Timer).where(Timer.status == TimerStatus.WAITING)).all()
    assert waiting
    clock.freeze(clock.now() + timedelta(days=10))  # nobody ran the worker: timers are due and unfired
    html = login(world.admin).get("/").get_data(as_text=True)
    assert 'data-testid="home-timers-late"' in html and "定时任务" in html


def test_menu_entries_by_role(world, login):
    entries = {who: nav_labels(login(getattr(world, who)).get("/inbox").get_data(as_text=True))
               for who in ("officer", "legal", "leader", "section_head", "supervisor", "admin", "manager_a")}
    for who in ("leader", "supervisor", "admin"):
        assert "全过程记录" in entries[who], who
    for who in ("officer", "legal", "section_head", "manager_a"):
        assert "全过程记录" not in entries[who], who
    for who in ("officer", "legal", "leader", "section_head", "supervisor"):
        assert "重大隐患" in entries[who], who
    for who in ("admin", "manager_a"):
        assert "重大隐患" not in entries[who], who
    # the audit page itself agrees with the menu
    assert login(world.supervisor).get("/audit/").status_code == 200
    assert login(world.officer).get("/audit/").status_code == 403


@pytest.mark.parametrize("who, tasks", [("supervisor", False), ("section_head", True)])
def test_overseeing_roles_get_the_overdue_picture(world, login, make_hazard, who, tasks):
    late = make_hazard(deadline=clock.today() + timedelta(days=1))
    commit()
    tick_at(clock.today() + timedelta(days=3))
    r = login(getattr(world, who)).get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert late.code in html[html.index('data-testid="home-hazards_overdue"'):]
    assert 'data-testid="home-hazards_major"' in html
    assert ('data-testid="home-tasks"' in html) is tasks
    assert 'data-testid="home-people"' not in html
