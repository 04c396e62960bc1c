"""系统管理 is for admins only: every other role gets 403 on every page and action."""

from __future__ import annotations

import pytest

NON_ADMINS = ["officer", "officer2", "town_officer", "legal", "leader", "section_head", "supervisor", "manager_a",
              "manager_b", "other_officer"]


def urls(world):
    uid, did = world.officer.id, world.brigade.id
    return {
        "get": ["/admin/", "/admin/users", "/admin/users/new", f"/admin/users/{uid}/edit", "/admin/departments",
                "/admin/departments/new", f"/admin/departments/{did}/edit"],
        "post": ["/admin/users/new", f"/admin/users/{uid}/edit", f"/admin/users/{uid}/active",
                 f"/admin/users/{uid}/password", "/admin/departments/new", f"/admin/departments/{did}/edit"],
    }


@pytest.mark.parametrize("username", NON_ADMINS)
def test_non_admins_get_403_everywhere(world, login, username):
    client = login(getattr(world, username))
    u = urls(world)
    for url in u["get"]:
        assert client.get(url).status_code == 403, url
    for url in u["post"]:
        assert client.post(url, data={"name": "x", "active": "0", "password": "Xx@12345678"}).status_code == 403, url
    assert world.officer.is_active  # nothing happened


def test_admin_sees_every_admin_page(world, login):
    client = login(world.admin)
    for url in urls(world)["get"]:
        r = client.get(url, follow_redirects=True)
        assert r.status_code == 200, url


def test_anonymous_goes_to_login(app, world):
    r = app.test_client().get("/admin/users")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_admin_nav_entry(world, login):
    assert "系统管理" in login(world.admin).get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users"' not in login(world.officer).get("/enterprises").get_data(as_text=True)
