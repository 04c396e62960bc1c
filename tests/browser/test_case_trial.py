"""Defects the 2026-12-03 user trial found in a real Chromium on the case pages, pinned where they showed.

The officer, at tablet width (1024×768), reopens 调查取证 after the 法制审核 sent the case back (建议补充调查):
the report form starts from the last report with its penalty lines filled in (they were empty, to be
retyped), and each line's fields are wide enough to read — the 对象 select showed "请选" in an 86 px column.
"""

from __future__ import annotations

import pytest

from tests.browser.test_case_journey import at_width, reads_well
from tests.cases.walk import review, task_of, to_legal_review

pytestmark = pytest.mark.browser


def test_report_form_after_send_back_keeps_the_lines_and_fits_a_tablet(
    browser, live_server, world, make_case, db
):
    w = to_legal_review(world, make_case)
    review(world, w.case, opinion="more", reasons="请补充调取台账原件")
    db.session.commit()
    task_id = task_of(w.case, "investigate").id

    ctx, page = at_width(browser, live_server, "officer", 1024, 768)
    page.goto(f"{live_server}/tasks/{task_id}")
    page.wait_for_load_state("networkidle")
    reads_well(page, "承办人员·补充调查·1024px")
    target = page.locator("select[name='lines-0-target']")
    assert target.input_value() == "单位"
    assert page.locator("input[name='lines-0-kinds'][value=罚款]").is_checked()
    assert page.input_value("input[name='lines-0-fine']") not in ("", "0")
    # the select shows its whole text: wide enough for "请选择…" (7 characters and the arrow)
    for name in ("lines-0-target", "lines-0-position", "lines-0-fine"):
        box = page.locator(f"[name='{name}']").bounding_box()
        assert box and box["width"] >= 110, (name, box)
    ctx.close()


def test_published_decision_reads_on_a_phone(browser, live_server, world, make_case, db):
    """The public 行政处罚决定 page at 390 px: its labels broke a character or two a line (“法定代表 / 人”,
    “决定书文 / 号”) and a long unbroken value (a SHA-256 on the draw records) pushed the page sideways."""
    from sqlalchemy import select

    from app.publication.models import Publication
    from tests.cases.walk import to_execution

    case = to_execution(world, make_case).case
    pub = db.session.scalar(
        select(Publication).where(
            Publication.subject_type == "penalty_cases", Publication.subject_id == case.id
        )
    )
    assert pub is not None
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/gongshi/{pub.id}")
    page.wait_for_load_state("networkidle")
    assert case.enterprise.name in page.inner_text("main")
    reads_well(page, "公众·行政处罚决定公示·390px")
    context.close()
