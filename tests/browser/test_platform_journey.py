"""Platform journey in a real Chromium: an officer works a task from the inbox."""

from datetime import date

import pytest

from app import clock, workflow
from tests.factories.auth import PASSWORD
from tests.factories.browser import ARTIFACTS, browser_login

pytestmark = pytest.mark.browser


def test_officer_inbox_task_invalid_then_valid(page, live_server, world, db):
    clock.freeze(date(2026, 11, 2))
    inst = workflow.start("test_simple", subject=world.ent_a, title="测试隐患：消防通道堵塞",
                          region_path=world.ent_a.region_path, enterprise_id=world.ent_a.id,
                          data={"officer_id": world.officer.id}, actor=world.officer)
    db.session.commit()

    browser_login(page, live_server, "officer", PASSWORD)
    assert "我的待办" in page.inner_text("h1")
    rows = page.locator("[data-testid=task-row]")
    assert rows.count() == 1
    assert "测试隐患：消防通道堵塞" in rows.first.inner_text()

    rows.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=task-name]") == "登记隐患"
    assert "登记隐患" in page.inner_text("[data-testid=process-steps]")
    # the BPMN diagram is drawn and marks where the case is
    assert page.locator("[data-testid=process-diagram] svg.bpmn-diagram").is_visible()
    assert page.locator("svg.bpmn-diagram g.current[data-bpmn-id=register]").count() == 1

    # invalid: required deadline left empty → Chinese message next to the field, nothing lost
    page.click("form.safeloop-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    feedback = page.locator(".invalid-feedback").first.inner_text()
    assert "不能为空" in feedback

    page.fill("input[name=deadline]", "2026-11-20")
    page.click("form.safeloop-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/inbox")
    assert "已办理完成" in page.inner_text(".alert-success")
    assert page.locator("[data-testid=task-row]").count() == 0
    assert page.inner_text("[data-testid=inbox-empty]") == "暂无待办事项"

    # 已办 shows it; the task page shows the submitted value and the history entry
    page.click("text=已办 →")
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid=done-table] a", has_text="登记隐患").click()
    page.wait_for_load_state("networkidle")
    assert "2026-11-20" in page.inner_text("main")
    history = page.inner_text("[data-testid=history]")
    assert "王执法" in history
    assert workflow.ready_task_names(inst) == ["rectify"]
    page.screenshot(path=str(ARTIFACTS / "platform-task-done.png"), full_page=True)
