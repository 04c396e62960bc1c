"""The on-site inspection at tablet and phone width (issue #12 journey 12): an officer starts the visit
(credentials shown, recusal explained, the enterprise's answer), taps through the checklist, records two
problems (the 不符合 button opens the finding form with the item's basis as the provision; a photo uploaded),
the 负责人 signs on the canvas, and the 现场检查记录 is issued. Nothing sticks out sideways at either width."""

from __future__ import annotations

import pytest

from app.extensions import db as _db
from app.inspections import checklists
from app.inspections.models import Finding, Inspection, InspectionStatus
from app.inspections.operations import inspection as ops
from tests.browser.test_hazard_journey import as_user, png_bytes
from tests.browser.test_layout import LAYOUT_PROBLEMS
from tests.factories.inspections_onsite import scheme_data

pytestmark = pytest.mark.browser

WIDTHS = [(1024, 768), (390, 844)]


def reads_well(page, where: str) -> None:
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, f"{where}: " + "\n".join(problems)


def _go(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_an_officer_runs_the_visit_on_a_tablet_or_phone(
    browser, live_server, world, new_inspection, width, height
):
    insp = new_inspection()
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    _db.session.commit()
    insp_id = insp.id
    url = f"{live_server}/inspections/{insp_id}"
    ctx, page = as_user(browser, live_server, "officer")
    page.set_viewport_size({"width": width, "height": height})
    _go(page, f"{live_server}/inspections/new?enterprise_id={world.ent_a.id}")
    assert page.locator("[data-testid=budget-box]").count() == 1  # the budget before anything is created
    reads_well(page, f"新建检查·{width}px")
    _go(page, url)
    reads_well(page, f"检查页面（待检查）·{width}px")

    start = page.locator("[data-testid=form-inspection_start]")
    start.locator("input[name=place]").fill("有限空间作业区")
    start.locator("input[name=present_person]").fill("张三")
    start.locator("input[name=credentials_shown]").check()
    start.locator("input[name=recusal_explained]").check()
    start.locator("input[name=recusal_answer][value=不申请回避]").check()
    start.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=inspection-status]") == "检查中"
    reads_well(page, f"检查页面（检查表）·{width}px")

    items = checklists.find("confined_space").items
    bad = {items[1].code: "台账未更新，缺少2处污水井", items[8].code: "作业前未检测即进入污水池"}
    for item in items:
        button = page.locator(f"[data-testid='item-{item.code}-{'不符合' if item.code in bad else '符合'}']")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box and box["height"] >= 44 and box["x"] + box["width"] <= width, (
            item.code,
            box,
        )  # touch target
        button.click()
        page.wait_for_load_state("networkidle")
        if item.code in bad:  # the finding form, the provision from the item's basis
            assert "/findings/new" in page.url
            assert page.input_value("input[name=provision]") == item.basis
            reads_well(page, f"登记问题·{width}px")
            page.fill("input[name=location]", "1号污水处理池")
            page.fill("textarea[name=description]", bad[item.code])
            page.fill("input[name=deadline]", "2026-11-20")
            page.set_input_files(
                "input[name=photo_ids]",
                files=[{"name": "现场.png", "mimeType": "image/png", "buffer": png_bytes()}],
            )
            page.locator("form.safeloop-form button[type=submit]").last.click()
            page.wait_for_load_state("networkidle")
            assert page.url.split("#")[0] == url
    assert page.inner_text("[data-testid=checklist-progress]").endswith(f"{len(items)}/{len(items)}")
    assert page.locator("[data-testid^=finding-]").count() == 2

    pad = page.locator("[data-testid=signature-pad]")
    pad.scroll_into_view_if_needed()
    reads_well(page, f"签字·{width}px")
    box = pad.bounding_box()
    assert box and box["x"] + box["width"] <= width
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + step * box["width"] / 14, box["y"] + box["height"] / 2 + (-1) ** step * 15
        )
    page.mouse.up()
    with page.expect_navigation():  # the PNG is made asynchronously (canvas.toBlob), then the form is sent
        page.locator("[data-testid=signature-submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=signed]").count() == 1

    record = page.locator("[data-testid=form-inspection_onsite_record]")
    record.locator("textarea[name=summary]").fill("对有限空间作业安全管理进行了检查，发现问题2项。")
    with page.expect_navigation(wait_until="networkidle"):  # its confirm: the fields are checked first
        record.locator("button[type=submit]").click()
    assert page.locator("[data-testid=record-issued]").count() == 1
    reads_well(page, f"检查页面（已制发检查记录）·{width}px")
    page.locator("[data-testid=record-link]").click()
    page.wait_for_load_state("networkidle")
    text = page.inner_text("[data-testid=document]")
    assert "检记" in text and "34130001" in text and "作业前未检测即进入污水池" in text
    assert page.locator("img.signature-image").count() == 1
    ctx.close()

    _db.session.expire_all()
    done = _db.session.get(Inspection, insp_id)
    assert done.status == InspectionStatus.HANDLING and done.signature_attachment_id
    findings = _db.session.query(Finding).filter_by(inspection_id=insp_id).all()
    assert len(findings) == 2 and all(len(f.photo_ids) == 1 for f in findings)
