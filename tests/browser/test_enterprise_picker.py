"""The enterprise picker in a real Chromium (issue #10 item 14): the officer types part of a name, picks
with the keyboard, the form re-renders with the enterprise still picked; the hazard list's filter finds an
enterprise by its 统一社会信用代码 and keeps it in the address; the widget is a local script, no CDN."""

from __future__ import annotations

import pytest

from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login

pytestmark = pytest.mark.browser


def test_type_part_of_a_name_pick_with_the_keyboard_and_keep_it(page, live_server, world):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    browser_login(page, live_server, "officer", PASSWORD)
    page.goto(live_server + "/hazards/new")
    search = page.locator("[data-testid=enterprise_id-search]")
    assert search.get_attribute("role") == "combobox"
    assert search.get_attribute("id") == "f-enterprise_id"  # the field's <label for> names the search box
    search.press_sequentially("龙城", delay=30)
    page.locator("[role=listbox][aria-busy=false]").wait_for()  # the answer to what was typed
    options = page.locator("[role=listbox] [role=option]")
    assert sorted(options.all_inner_texts()) == sorted(
        [f"{world.ent_a2.name}\n{world.ent_a2.credit_code} · 龙城镇", f"{world.ent_a.name}\n{world.ent_a.credit_code} · 龙城镇"])
    assert world.ent_b.name not in page.inner_text("[role=listbox]")
    search.press("ArrowDown")
    search.press("ArrowDown")
    active = page.locator("[role=option][aria-selected=true]")
    chosen = active.inner_text().split("\n")[0]
    assert search.get_attribute("aria-activedescendant") == active.get_attribute("id")
    search.press("Enter")  # picks, does not submit the form
    assert page.url.endswith("/hazards/new")
    assert search.input_value() == chosen
    assert page.locator("[role=listbox]").is_hidden()
    assert f"已选：{chosen}" in page.inner_text("[data-testid=enterprise_id-status]")
    value = page.locator("select[name=enterprise_id]").input_value()
    assert value in (str(world.ent_a.id), str(world.ent_a2.id))

    # submit the form incomplete: it comes back with the enterprise still picked, shown by name
    page.locator("form.safeloop-form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("select[name=enterprise_id]").input_value() == value
    assert page.locator("[data-testid=enterprise_id-search]").input_value() == chosen

    # typing again un-picks; Escape closes the list and shows the pick again (none now)
    search = page.locator("[data-testid=enterprise_id-search]")
    search.fill("黄口")
    assert page.locator("select[name=enterprise_id]").input_value() == ""
    page.locator("[role=listbox][aria-busy=false]").wait_for()
    assert page.locator("[role=option]").all_inner_texts() == [f"{world.ent_b.name}\n{world.ent_b.credit_code} · 黄口镇"]
    search.press("Escape")
    assert page.locator("[role=listbox]").is_hidden()
    assert requests and all(u.startswith(live_server) for u in requests)  # nothing from outside


def test_hazard_list_filter_by_credit_code(page, live_server, world):
    browser_login(page, live_server, "officer", PASSWORD)
    page.goto(live_server + "/hazards")
    search = page.locator("[data-testid=enterprise_id-search]")
    search.fill(world.ent_b.credit_code[-6:])
    page.locator("[role=listbox][aria-busy=false]").wait_for()
    option = page.locator("[role=option]", has_text=world.ent_b.name)
    assert page.locator("[role=option]").count() == 1
    option.click()
    search.press("Enter")  # the list is closed: Enter submits the filter form
    page.wait_for_load_state("networkidle")
    assert f"enterprise_id={world.ent_b.id}" in page.url
    assert page.locator("[data-testid=enterprise_id-search]").input_value() == world.ent_b.name


def test_town_officer_picker_offers_only_its_town(page, live_server, world):
    browser_login(page, live_server, "town_officer", PASSWORD)
    page.goto(live_server + "/hazards/new")
    search = page.locator("[data-testid=enterprise_id-search]")
    search.fill("有限公司")
    page.locator("[role=listbox][aria-busy=false]").wait_for()
    listed = page.inner_text("[role=listbox]")
    assert world.ent_a.name in listed and world.ent_b.name not in listed
