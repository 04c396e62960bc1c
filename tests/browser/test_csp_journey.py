"""Under the Content-Security-Policy (issue #11 item 6) the printable document's toolbar, whose inline handlers
moved to app/static/documents.js, still works in Chromium: 打印 prints, 返回 goes back to the page before.
(The form script, now app/static/forms.js, runs in every journey that fills a task form.) The autouse
csp_violations fixture (conftest.py) fails any journey on a CSP violation."""

from __future__ import annotations

import pytest

from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login

pytestmark = pytest.mark.browser


def test_document_toolbar_runs_under_the_policy(browser, live_server, world, make_hazard):
    h = make_hazard(location="三号仓库")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    context.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    page = context.new_page()
    try:
        browser_login(page, live_server, "officer", PASSWORD)
        order_url = live_server + f"/hazards/orders/{h.order_id}"
        page.goto(order_url)
        response = page.goto(live_server + f"/hazards/orders/{h.order_id}/document")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert page.locator("[data-testid=document]").is_visible()
        assert page.evaluate("getComputedStyle(document.querySelector('.sheet')).width") != "auto"  # documents.css
        page.get_by_role("button", name="打印").click()
        assert page.evaluate("window.__printed") == 1
        page.get_by_role("link", name="返回").click()
        page.wait_for_url(order_url)
    finally:
        context.close()
