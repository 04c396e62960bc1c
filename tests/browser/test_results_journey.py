"""Journey 13 in the browser (issue #12): after the 现场检查记录, an officer at tablet width issues the
责令限期整改指令书 from the inspection page's results part (a category missing is refused next to its field, what
was typed kept), and the order reaches the enterprise through the existing loop: its account finds the hazards in
its inbox and opens the 指令书."""

from __future__ import annotations

import pytest

from app.extensions import db as _db
from app.hazards.models import RectificationOrder
from app.inspections.models import Inspection
from app.inspections.operations import results as ops
from tests.browser.test_hazard_journey import as_user
from tests.browser.test_onsite_journey import reads_well

pytestmark = pytest.mark.browser


def test_the_order_is_issued_from_the_inspection_and_reaches_the_enterprise(
    browser, live_server, world, recorded_inspection
):
    insp = recorded_inspection(
        {"location": "1号污水处理池", "description": "作业前未检测即进入污水池"},
        {"location": "有限空间台账", "description": "台账未更新，缺少2处污水井"},
    )
    first, second = ops.findings_of(insp)
    insp_id = insp.id
    ctx, page = as_user(browser, live_server, "officer")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{live_server}/inspections/{insp_id}")
    page.wait_for_load_state("networkidle")
    form = page.locator("[data-testid=order-form]")
    form.scroll_into_view_if_needed()
    reads_well(page, "检查结果处理·1024px")
    form.locator(f"input[name=requirement-{first.id}]").fill("作业前检测并专人监护")
    form.locator("[data-testid=issue-order]").click()  # no category at all: both items say so at once
    page.wait_for_load_state("networkidle")
    for f in (first, second):
        assert page.locator(f"[data-testid=error-category-{f.id}]").is_visible(), f.seq
    form = page.locator("[data-testid=order-form]")
    form.locator(f"select[name=category-{first.id}]").select_option("管理")
    form.locator("[data-testid=issue-order]").click()  # the second item has no category yet
    page.wait_for_load_state("networkidle")
    assert page.locator(f"[data-testid=error-category-{second.id}]").count() == 1
    assert page.input_value(f"input[name=requirement-{first.id}]") == "作业前检测并专人监护"
    page.locator(f"select[name=category-{second.id}]").select_option("管理")
    page.locator("[data-testid=issue-order]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=order]").count() == 1
    ctx.close()

    _db.session.expire_all()
    order = _db.session.get(RectificationOrder, _db.session.get(Inspection, insp_id).order_id)
    codes = [h.code for h in order.hazards]
    assert len(codes) == 2 and order.inspection_record_no == _db.session.get(Inspection, insp_id).record_no

    ctx, page = as_user(browser, live_server, "manager_a")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{live_server}/inbox")
    page.wait_for_load_state("networkidle")
    inbox = page.inner_text("main")
    assert all(code in inbox for code in codes)
    page.goto(f"{live_server}/documents/{order.document_id}")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("[data-testid=document]")
    assert "责改" in text and "作业前未检测即进入污水池" in text and order.inspection_record_no in text
    ctx.close()
