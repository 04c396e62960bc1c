"""复查 with result 未整改 and decision 合格，予以销号, in a real Chromium (issue #10 item 2): the task page comes
back with the rule next to 处理决定 and everything typed, chosen and uploaded still there, co-inspector
included; fixing the decision alone then completes the review with the photo picked the first time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.attachments import attachments_for
from app.hazards import operations as ops
from app.hazards.models import Hazard
from tests.browser.test_hazard_journey import png_bytes
from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login
from tests.factories.hazards import ready_task, rect_data

pytestmark = pytest.mark.browser


def test_review_rule_rerenders_the_form_with_everything_kept(
    browser, live_server, world, db, make_hazard, upload, tmp_path
):
    hazard = make_hazard(location="三号车间灭火器")
    ops.submit_rectification(hazard, rect_data(upload, world.manager_a), actor=world.manager_a)
    db.session.commit()
    task = ready_task(hazard, "review_rectification")

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: d.accept())  # the 意见书 confirmation
    browser_login(page, live_server, "officer", PASSWORD)

    page.goto(f"{live_server}/tasks/{task.id}")
    page.select_option("select[name=co_reviewer_id]", str(world.officer2.id))
    page.select_option("select[name=result]", "未整改")
    page.fill("textarea[name=opinion]", "灭火器仍过期未更换")
    page.check("input[name=decision][value=close]")
    photo = tmp_path / "复查现场.png"
    photo.write_bytes(png_bytes())
    page.set_input_files("input[name=evidence]", str(photo))
    with page.expect_navigation(wait_until="networkidle"):  # its confirm: the fields are checked first
        page.locator("form.safeloop-form button[type=submit]").click()

    assert page.title() != "422" and "整改复查" in page.inner_text("main")
    assert "未整改到位的不能销号" in page.inner_text("[data-testid=error-decision]")
    assert "未整改到位的不能销号" in page.inner_text("[data-testid=form-errors]")
    assert page.input_value("select[name=co_reviewer_id]") == str(world.officer2.id)
    assert page.input_value("select[name=result]") == "未整改"
    assert page.input_value("textarea[name=opinion]") == "灭火器仍过期未更换"
    assert page.is_checked("input[name=decision][value=close]")
    assert "复查现场.png" in page.inner_text("[data-testid=evidence-kept]")

    # only the decision changes; the photo is not picked again
    page.check("input[name=decision][value=return]")
    page.fill("input[name=new_deadline]", (clock.today() + timedelta(days=5)).isoformat())
    with page.expect_navigation(wait_until="networkidle"):
        page.locator("form.safeloop-form button[type=submit]").click()
    assert "已办理完成" in page.inner_text("[data-testid=completed-notice]"), page.inner_text("main")

    db.session.expire_all()
    [review] = db.session.get(Hazard, hazard.id).reviews
    assert review.co_reviewer_id == world.officer2.id and review.opinion == "灭火器仍过期未更换"
    assert [a.original_name for a in attachments_for(review, "evidence")] == ["复查现场.png"]
    ctx.close()
    assert not errors, errors
