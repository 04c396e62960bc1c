"""Issue #10 items 3, 11, 12 in a real Chromium: the leader lands on a home with their decisions and the
overdue picture, reaches the 重大隐患 page and the 执法全过程记录 from the menu, where objects read as users
name them and link to their pages; an officer's page of photos puts one view on record however many
thumbnails the browser loads, and opening an original puts one more."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.hazards import operations as ops
from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login

pytestmark = pytest.mark.browser

MAJOR = {"level": "重大", "criterion_code": "GM2023-11-3", "location": "抛光车间除尘系统",
         "description": "铝粉干式除尘系统未设置泄爆、惰化、抑爆装置", "deadline": date(2026, 11, 30)}


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()  # see what the server's requests committed
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_leader_home_menu_major_page_and_audit_trail(page, live_server, world, make_hazard):
    pending = make_hazard(**MAJOR)  # awaits the leader's 挂牌督办 decision
    listed = make_hazard(**dict(MAJOR, location="二号除尘系统"))
    ops.decide_supervision(listed, {
        "listed": "yes", "level": "县级", "supervising_unit": "萧县安全生产委员会办公室", "responsible_unit": "执法大队",
        "contact": "王执法 0557-5000001", "deadline": date(2026, 12, 31), "plan_days": 7, "opinion": "立即停止使用",
    }, actor=world.leader)
    db.session.commit()

    browser_login(page, live_server, "leader", PASSWORD)
    assert page.url == live_server + "/"
    assert "您好" in page.inner_text("h1")
    tasks = page.inner_text("[data-testid=home-tasks]")
    assert "督办" in tasks and pending.enterprise.name in tasks
    assert page.locator("[data-testid=home-hazards_overdue]").is_visible()
    assert listed.code in page.inner_text("[data-testid=home-hazards_major]")

    page.click("#mainnav >> text=重大隐患")
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(live_server + "/hazards/major")
    assert page.locator("[data-testid=major-row]").count() == 1 and listed.code in page.inner_text("main")

    page.click("#mainnav >> text=全过程记录")
    page.wait_for_load_state("networkidle")
    table = page.inner_text("[data-testid=audit-table]")
    assert f"隐患 {listed.code}" in table and "hazards #" not in table and "hazard." not in table
    page.locator("[data-testid=audit-object] a", has_text=f"隐患 {listed.code}").first.click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=hazard-code]") == listed.code


def test_page_of_photos_puts_one_view_on_record(page, live_server, world, make_order, upload):
    photos = [upload(world.officer, name=f"现场{i}.jpg") for i in range(3)]
    hazard = make_order({"photos": photos}).hazards[0]

    browser_login(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server}/hazards/{hazard.id}")
    thumbs = page.locator("img.img-thumbnail")
    assert thumbs.count() == 3
    for i in range(3):
        thumbs.nth(i).scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    loaded = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('/thumbnail?t=')).length")
    assert loaded == 3  # the browser fetched every thumbnail …
    [view] = _events("attachment.viewed")  # … and the page view is one record naming them all
    assert sorted(view.data["attachments"]) == sorted(photos)
    assert _events("attachment.downloaded") == []

    with page.context.expect_page() as original:  # the thumbnail links to the original, in a new tab
        thumbs.first.click()
    original.value.wait_for_load_state()
    downloads = _events("attachment.downloaded")
    assert len(downloads) == 1 and downloads[0].object_id in photos
    assert len(_events("attachment.viewed")) == 1
