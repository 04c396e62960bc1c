"""The inspection domain's pages are one 监督检查 menu in the navbar (app.inspections.web.register_menu, the
platform's nav groups in app.ui): a role sees only the pages that answer it, each link opens, and an
enterprise account sees none of the agency's pages."""

from __future__ import annotations

import re

import pytest

ROLES = ["officer", "section_head", "leader", "legal", "supervisor", "admin", "town_officer", "manager_a"]


def _menu(html: str) -> list[str]:
    """The links inside the 监督检查 drop-down."""
    m = re.search(r'data-bs-toggle="dropdown"[^>]*>监督检查</a>\s*<ul class="dropdown-menu">(.*?)</ul>', html, re.S)
    return re.findall(r'href="([^"]+)"', m.group(1)) if m else []


@pytest.mark.parametrize("who", ROLES)
def test_every_menu_link_opens_for_its_reader(login, world, who):
    user = getattr(world, who)
    client = login(user)
    html = client.get("/inbox").get_data(as_text=True)
    links = _menu(html)
    if user.is_enterprise_user:
        assert links == [] and "/inspections/plans/" not in html and "/inspections/draws/" not in html
        assert '<a class="nav-link" href="/inspections/">检查任务</a>' in html  # 本单位接受的监督检查
        assert client.get("/inspections/").status_code == 200
        return
    assert "/inspections/" in links and len(links) >= 5, links  # staff get the menu, not a row of links
    for href in links:
        r = client.get(href)
        assert r.status_code == 200, (who, href, r.status_code)


def test_the_menu_is_one_entry_in_the_navbar(login, world):
    html = login(world.section_head).get("/inbox").get_data(as_text=True)
    nav = html.split('<ul class="navbar-nav me-auto">', 1)[1].split('data-testid="notifications-link"', 1)[0]
    top = re.findall(r'<li class="nav-item( dropdown)?">', nav)  # the row's entries, not the menus' items
    # the row fits 1280 px for every role: tests/browser/test_layout.py measures it in Chromium
    assert ">全过程记录</a>" in login(world.leader).get("/inbox").get_data(as_text=True)  # entries after the menu
    assert html.count(">监督检查</a>") == 1
    assert top.count(" dropdown") == 1 and len(top) < 12, top  # ten inspection pages, one entry
