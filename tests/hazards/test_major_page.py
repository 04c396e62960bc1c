"""Issue #10 item 11: 重大事故隐患 / 挂牌督办 has a page of its own, scoped as the hazard list is."""

from __future__ import annotations

import re
from datetime import date

from app.hazards import operations as ops
from tests.factories.db import commit

MAJOR = {"level": "重大", "criterion_code": "GM2023-11-3", "location": "抛光车间除尘系统",
         "description": "铝粉干式除尘系统未设置泄爆、惰化、抑爆装置", "deadline": date(2026, 11, 30)}


def _list(world, h):
    return ops.decide_supervision(h, {
        "listed": "yes", "level": "县级", "supervising_unit": "萧县安全生产委员会办公室", "responsible_unit": "执法大队",
        "contact": "王执法 0557-5000001", "deadline": date(2026, 12, 31), "plan_days": 7, "opinion": "立即停止使用",
    }, actor=world.leader)


def rows(client, **args) -> set[str]:
    r = client.get("/hazards/major", query_string=args)
    assert r.status_code == 200
    return set(re.findall(r'data-testid="major-row" data-hazard="(\d+)"', r.get_data(as_text=True)))


def test_major_page_lists_supervised_majors_by_tab(world, login, make_hazard):
    listed = make_hazard(**MAJOR)
    _list(world, listed)
    pending = make_hazard(**dict(MAJOR, location="二号除尘系统"))
    general = make_hazard()  # 一般隐患 never appear
    commit()
    officer = login(world.officer)
    assert rows(officer) == {str(listed.id)}  # default tab: 挂牌督办中
    assert rows(officer, tab="pending") == {str(pending.id)}
    assert rows(officer, tab="open") == {str(listed.id), str(pending.id)}
    assert rows(officer, tab="all") == {str(listed.id), str(pending.id)}
    assert rows(officer, tab="closed") == set()
    assert str(general.id) not in rows(officer, tab="all")
    html = officer.get("/hazards/major").get_data(as_text=True)
    assert listed.supervision.doc_number in html and "县级挂牌督办" in html


def test_major_page_is_scoped_like_the_hazard_list(world, login, make_order):
    in_a = make_order(dict(MAJOR)).hazards[0]  # 龙城镇 (ent_a)
    in_b = make_order(dict(MAJOR, enterprise_id=world.ent_b.id)).hazards[0]  # 黄口镇 (ent_b)
    commit()
    both = {str(in_a.id), str(in_b.id)}
    assert rows(login(world.officer), tab="all") == both  # county bureau
    assert rows(login(world.leader), tab="all") == both
    assert rows(login(world.town_officer), tab="all") == {str(in_a.id)}  # 龙城镇安监站
    assert rows(login(world.manager_a), tab="all") == {str(in_a.id)}  # its own enterprise only
    assert rows(login(world.manager_b), tab="all") == {str(in_b.id)}
    assert rows(login(world.other_officer), tab="all") == set()  # another county
    # the same scope as the hazard list with the level filter
    for who in ("officer", "town_officer", "manager_a", "other_officer"):
        client = login(getattr(world, who))
        listed = set(re.findall(r'data-testid="hazard-row" data-hazard="(\d+)"',
                                client.get("/hazards?level=重大").get_data(as_text=True)))
        assert rows(client, tab="all") == listed, who


def test_unknown_tab_is_refused_without_echoing_it(world, login):
    """Issue #11 item 5: a bad query value is refused in Chinese (422), and never reflected as markup."""
    r = login(world.officer).get("/hazards/major?tab=%3Cscript%3E")
    assert r.status_code == 422 and "分组" in r.get_data(as_text=True)
    assert "<script>" not in r.get_data(as_text=True)
