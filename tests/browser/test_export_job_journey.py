"""A ledger export as a job, in a real Chromium (issue #11 item 8): the officer clicks 导出, lands on the
job page (排队中), the worker (a background thread here, `flask jobs worker` in production) runs the job,
the page's progress bar moves to the end by itself and offers the file, and the file has the rows."""

from __future__ import annotations

import io
import re

import pytest
from python_calamine import CalamineWorkbook

from app.jobs import JobWorker
from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login
from tests.factories.db import commit

pytestmark = pytest.mark.browser


def test_officer_exports_a_ledger_through_the_job_page(app, browser, live_server, world, make_order):
    order = make_order({"location": "配电室"}, {"location": "仓库"})
    codes = {h.code for h in order.hazards}
    commit()
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    ctx.set_default_timeout(20000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        browser_login(page, live_server, "officer", PASSWORD)
        page.goto(live_server + f"/hazards?enterprise_id={world.ent_a.id}")
        page.click("[data-testid=export]")
        page.wait_for_url(re.compile(r"/jobs/\d+$"))
        assert "隐患排查治理台账" in page.inner_text("main")
        assert page.inner_text("[data-testid=job-status]") == "排队中"  # no worker yet: it waits

        worker = JobWorker(app, 0.2).start()
        try:
            page.wait_for_selector("[data-testid=job-download]")  # jobs.js reloads the page when it is done
        finally:
            worker.stop()
        assert page.inner_text("[data-testid=job-status]") == "已完成"
        assert "共 2 条" in page.inner_text("main")
        with page.expect_download() as info:
            page.click("[data-testid=job-download]")
        assert info.value.suggested_filename.startswith("隐患排查治理台账_")
        rows = CalamineWorkbook.from_filelike(io.BytesIO(open(info.value.path(), "rb").read())) \
            .get_sheet_by_index(0).to_python()
        assert {r[1] for r in rows if str(r[1]).startswith("YH")} == codes

        page.click("nav >> text=我的导出")  # the job is listed under 我的导出, with its download
        assert "隐患排查治理台账" in page.inner_text("[data-testid=jobs]")
    finally:
        ctx.close()
    assert not errors, errors
