"""Permission matrix and plumbing of the registry pages (企业名录, 企业详情, 本企业信息)."""

from __future__ import annotations

import re

import pytest

from app.org.credit_code import make_credit_code
from app.org.models import Enterprise

STAFF_COUNTY = ["officer", "officer2", "legal", "leader", "section_head", "supervisor", "admin"]
ALL_ENTS = ["ent_a", "ent_a2", "ent_b", "ent_other"]

# who may open which enterprise page (everything else: 404, never 403)
VISIBLE = {
    **{u: {"ent_a", "ent_a2", "ent_b"} for u in STAFF_COUNTY},
    "town_officer": {"ent_a", "ent_a2"},  # 龙城镇安监站: its town only
    "other_officer": {"ent_other"},  # 砀山县
    "manager_a": {"ent_a"},  # own enterprise only
    "manager_b": {"ent_b"},
}


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_detail_matrix(world, login, username):
    client = login(getattr(world, username))
    for ent_key in ALL_ENTS:
        ent = getattr(world, ent_key)
        r = client.get(f"/enterprises/{ent.id}")
        expected = 200 if ent_key in VISIBLE[username] else 404
        assert r.status_code == expected, (username, ent_key, r.status_code)
        if expected == 200:
            assert ent.name in r.get_data(as_text=True)
        else:
            assert ent.name not in r.get_data(as_text=True)


def test_detail_of_missing_enterprise_is_404(world, login):
    assert login(world.admin).get("/enterprises/999999").status_code == 404


@pytest.mark.parametrize("username", sorted(u for u in VISIBLE if not u.startswith("manager")))
def test_list_matrix(world, login, username):
    r = login(getattr(world, username)).get("/enterprises")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for ent_key in ALL_ENTS:
        name = getattr(world, ent_key).name
        assert (name in html) == (ent_key in VISIBLE[username]), (username, ent_key)


@pytest.mark.parametrize("username", ["manager_a", "manager_b"])
def test_enterprise_user_cannot_list_enterprises(world, login, username):
    assert login(getattr(world, username)).get("/enterprises").status_code == 403


def test_anonymous_is_sent_to_login(app, world):
    c = app.test_client()
    for url in ("/enterprises", f"/enterprises/{world.ent_a.id}", "/my-enterprise"):
        r = c.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_my_enterprise_redirects_to_own_page(world, login):
    client = login(world.manager_a)
    r = client.get("/my-enterprise")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/enterprises/{world.ent_a.id}")
    page = client.get("/my-enterprise", follow_redirects=True).get_data(as_text=True)
    assert world.ent_a.name in page
    assert "萧县龙城镇城东村" in page  # full name of the village


def test_my_enterprise_for_staff_is_404(world, login):
    assert login(world.officer).get("/my-enterprise").status_code == 404


def test_nav_shows_registry_entries_by_role(world, login):
    staff_page = login(world.officer).get("/enterprises").get_data(as_text=True)
    assert "企业名录" in staff_page and "本企业信息" not in staff_page
    ent_page = login(world.manager_a).get(f"/enterprises/{world.ent_a.id}").get_data(as_text=True)
    assert "本企业信息" in ent_page and 'href="/enterprises"' not in ent_page


def test_detail_shows_all_fields_bound_users_and_history(world, login):
    r = login(world.officer).get(f"/enterprises/{world.ent_a.id}")
    html = r.get_data(as_text=True)
    e = world.ent_a
    for value in (e.name, e.credit_code, e.industry, e.sub_sector, e.address, e.legal_rep, e.safety_manager,
                  e.phone, "萧县龙城镇城东村"):
        assert value in html
    assert "manager_a" in html  # the enterprise account bound to it
    assert 'data-testid="history"' in html


def test_enterprise_user_does_not_see_internal_sections(world, login):
    html = login(world.manager_a).get(f"/enterprises/{world.ent_a.id}").get_data(as_text=True)
    assert 'data-testid="history"' not in html and 'data-testid="bound-users"' not in html
    assert "编辑" not in html


def test_edit_button_only_for_admin(world, login):
    assert f"/enterprises/{world.ent_a.id}/edit" in login(world.admin).get(f"/enterprises/{world.ent_a.id}").get_data(as_text=True)
    assert f"/enterprises/{world.ent_a.id}/edit" not in login(world.officer).get(f"/enterprises/{world.ent_a.id}").get_data(as_text=True)


# --- filters and paging ---------------------------------------------------------------------------------
def _names(html: str, world) -> set[str]:
    return {k for k in ALL_ENTS if getattr(world, k).name in html}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=机械", {"ent_a"}),
        ("q=龙城", {"ent_a", "ent_a2"}),
        ("industry=危险化学品", {"ent_a2"}),
        ("risk_grade=较大", {"ent_a2"}),
        ("category=C", {"ent_a2"}),
        ("category=B", {"ent_a", "ent_b"}),
        ("status=在业", {"ent_a", "ent_a2", "ent_b"}),
        ("status=关闭", set()),
        ("q=%25", set()),  # LIKE wildcards are escaped
    ],
)
def test_filters(world, login, query, expected):
    html = login(world.officer).get(f"/enterprises?{query}").get_data(as_text=True)
    assert _names(html, world) == expected


def test_filter_by_credit_code_and_town(world, login):
    client = login(world.officer)
    code = world.ent_b.credit_code
    assert _names(client.get(f"/enterprises?q={code[-8:].lower()}").get_data(as_text=True), world) == {"ent_b"}
    html = client.get(f"/enterprises?town={world.town_a.id}").get_data(as_text=True)
    assert _names(html, world) == {"ent_a", "ent_a2"}  # includes the village below the town


def test_town_filter_cannot_widen_scope(world, login):
    other_town = world.ent_other.region
    html = login(world.officer).get(f"/enterprises?town={other_town.id}").get_data(as_text=True)
    assert world.ent_other.name not in html


def test_paging_50_per_page_keeps_filters(world, login, db):
    for i in range(55):
        e = Enterprise(name=f"萧县分页测试{i:02d}有限公司", credit_code=make_credit_code("341322", 1000 + i),
                       industry="商贸", sub_sector="餐饮", risk_grade="低", category="A")
        e.set_region(world.town_b)
        db.session.add(e)
    db.session.commit()
    client = login(world.officer)
    page1 = client.get("/enterprises?industry=商贸").get_data(as_text=True)
    assert page1.count("分页测试") == 50
    links = re.findall(r'href="([^"]*page=2[^"]*)"', page1)
    assert links and all("industry=" in link for link in links)
    page2 = client.get("/enterprises?industry=商贸&page=2").get_data(as_text=True)
    assert page2.count("分页测试") == 5
    assert client.get("/enterprises?page=99").status_code == 200
    r = client.get("/enterprises?page=abc")  # issue #11 item 5: a bad value is refused, in Chinese
    assert r.status_code == 422 and "页码" in r.get_data(as_text=True)
