"""The enterprise's view of its hazard in Chromium, on a phone (issue #10 item 9): after a failed 复查 the
safety manager sees a plain progress line in its terms on the hazard page and on its task, with the
reviewer's reasons and the new deadline; no process diagram, no internal steps, no claim button, and
nothing wider than the screen."""

from __future__ import annotations

from datetime import date

import pytest

from app.hazards import operations as ops
from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login
from tests.factories.db import commit
from tests.factories.hazards import rect_data, review_data

pytestmark = pytest.mark.browser


def test_enterprise_follows_its_hazard_on_a_phone(browser, live_server, world, make_hazard, upload):
    h = make_hazard(location="四号车间配电室")
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(h, review_data(world, result="整改不合格", decision="return", opinion="警示线未划设",
                                        new_deadline=date(2026, 12, 30)))], actor=world.officer)
    commit()

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        browser_login(page, live_server, "manager_a", PASSWORD)
        page.goto(live_server + f"/hazards/{h.id}")
        progress = page.locator("[data-testid=outsider-progress]")
        assert progress.is_visible()
        steps = progress.locator("li[data-state]")
        assert steps.nth(0).inner_text().startswith("✓")
        texts = [t.replace("\n", " ") for t in steps.all_inner_texts()]
        assert any("复查不合格，需重新整改" in t and "警示线未划设" in t for t in texts)
        current = progress.locator("[aria-current=step]")
        assert "整改中（期限 2026-12-30）" in current.inner_text()
        assert page.locator("[data-testid=process-diagram]").count() == 0
        assert "流程进度" not in page.inner_text("main") and "执法全过程记录" not in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.goto(live_server + "/inbox")
        page.locator("[data-testid=task-row]", has_text="四号车间配电室").locator("a").first.click()
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=outsider-progress] [aria-current=step]").is_visible()
        assert page.locator("[data-testid=process-diagram]").count() == 0
        assert page.get_by_role("button", name="认领（由我办理）").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
