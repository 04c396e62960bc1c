"""The confirm dialog of an irreversible step is asked only for a submission whose fields pass (a user trial:
officers confirmed 提交后不可修改, then got the form back with errors and had to confirm again). In a real
Chromium at desk and phone width, on the 整改复查 task (its confirm: 正式文号): 复查结果 left empty → no
dialog, the error next to the field, everything typed and the photo kept; filled in → the dialog → accepted →
the review is done with the photo picked the first time (its bytes never sent with a check)."""

from __future__ import annotations

import pytest

from app.attachments import attachments_for
from app.hazards import operations as ops
from app.hazards.models import Hazard
from tests.browser.test_hazard_journey import png_bytes
from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login
from tests.factories.hazards import ready_task, rect_data

pytestmark = pytest.mark.browser

WIDTHS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SUBMIT = "form.safeloop-form button[type=submit]"


@pytest.mark.parametrize("width", WIDTHS)
def test_confirm_only_after_the_fields_pass(
    browser, live_server, world, db, make_hazard, upload, tmp_path, width
):
    hazard = make_hazard(location=f"四号仓库消防通道（{width}）")
    ops.submit_rectification(hazard, rect_data(upload, world.manager_a), actor=world.manager_a)
    db.session.commit()
    task = ready_task(hazard, "review_rectification")

    ctx = browser.new_context(locale="zh-CN", viewport=WIDTHS[width])
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    dialogs: list[str] = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    checks: list[bytes] = []  # the bodies of the form checks (X-SafeLoop-Validate)
    photo_bytes = png_bytes()

    def watch(request):
        if request.method == "POST" and request.headers.get("x-safeloop-validate") == "1":
            checks.append(request.post_data_buffer or b"")

    page.on("request", watch)
    browser_login(page, live_server, "officer", PASSWORD)

    page.goto(f"{live_server}/tasks/{task.id}")
    page.select_option("select[name=co_reviewer_id]", str(world.officer2.id))
    page.fill("textarea[name=opinion]", "消防通道已清理，灭火器已更换")  # 复查结果 left empty
    page.check("input[name=decision][value=close]")
    photo = tmp_path / "复查照片.png"
    photo.write_bytes(photo_bytes)
    page.set_input_files("input[name=evidence]", str(photo))
    with page.expect_navigation(wait_until="networkidle"):
        page.locator(SUBMIT).click()

    assert dialogs == []  # refused: no "cannot be changed" question for it
    # the check carried the photo's name and size, not the photo
    [check] = checks
    assert b'name="evidence__chosen"' in check and "复查照片.png".encode() in check
    assert b'name="evidence"' not in check and photo_bytes not in check
    error = page.get_by_test_id("error-result")
    assert error.is_visible() and error.inner_text() == "请选择一项"
    assert "复查结果" in page.inner_text("[data-testid=form-errors]")
    assert page.input_value("select[name=co_reviewer_id]") == str(world.officer2.id)
    assert page.input_value("textarea[name=opinion]") == "消防通道已清理，灭火器已更换"
    assert page.is_checked("input[name=decision][value=close]")
    assert "复查照片.png" in page.inner_text("[data-testid=evidence-kept]")
    db.session.expire_all()
    assert ready_task(hazard, "review_rectification").id == task.id  # nothing done

    page.select_option("select[name=result]", "已整改")
    with page.expect_navigation(wait_until="networkidle"):
        page.locator(SUBMIT).click()
    assert dialogs == ["提交后将生成整改复查意见书（正式文号），确认提交？"]
    assert len(checks) == 2 and b'name="evidence__keep"' in checks[1]  # the photo uploaded the first time
    assert "已办理完成" in page.inner_text("[data-testid=completed-notice]"), page.inner_text("main")

    db.session.expire_all()
    [review] = db.session.get(Hazard, hazard.id).reviews
    assert review.result == "已整改" and review.opinion == "消防通道已清理，灭火器已更换"
    assert [a.original_name for a in attachments_for(review, "evidence")] == ["复查照片.png"]
    ctx.close()
    assert not errors, errors


def test_a_failed_check_falls_back_to_asking(browser, live_server, world, db, make_hazard, upload):
    """The check cannot be answered (here: the network refuses it): the dialog, then the submit, as before."""
    hazard = make_hazard(location="五号车间配电箱")
    ops.submit_rectification(hazard, rect_data(upload, world.manager_a), actor=world.manager_a)
    db.session.commit()
    task = ready_task(hazard, "review_rectification")

    ctx = browser.new_context(locale="zh-CN", viewport=WIDTHS["desk"])
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    browser_login(page, live_server, "officer", PASSWORD)
    page.route(
        f"{live_server}/tasks/{task.id}",
        lambda route: (
            route.abort() if route.request.headers.get("x-safeloop-validate") else route.continue_()
        ),
    )

    page.goto(f"{live_server}/tasks/{task.id}")
    page.select_option("select[name=co_reviewer_id]", str(world.officer2.id))
    page.select_option("select[name=result]", "已整改")
    page.fill("textarea[name=opinion]", "配电箱已加装防护罩")
    page.check("input[name=decision][value=close]")
    with page.expect_navigation(wait_until="networkidle"):
        page.locator(SUBMIT).click()
    assert len(dialogs) == 1
    assert "已办理完成" in page.inner_text("[data-testid=completed-notice]"), page.inner_text("main")
    ctx.close()
