"""双随机 in a browser (issue #12 journey 4): a section head defines a batch (strata, team size, exclusions),
reads the previewed pool, commits it (the hashes and the seed's commitment shown, the seed not), draws it (the
seed revealed, the targets with their teams); anyone then opens the public record and the replay page without
signing in and reads 复核一致. Tablet and phone widths (at desk width the navigation bar of a section head
overflows on its own, whatever the page); nothing sticks out sideways."""

from __future__ import annotations

import pytest

from app.extensions import db as _db
from app.inspections.models import DrawBatch, DrawStatus
from tests.browser.test_hazard_journey import as_user
from tests.browser.test_layout import LAYOUT_PROBLEMS
from tests.factories.inspections_draw import DRAW_PLANNED_ON

pytestmark = pytest.mark.browser


def reads_well(page, where: str) -> None:
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, f"{where}: " + "\n".join(problems)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (390, 844)])
def test_a_section_head_commits_and_draws_and_anyone_replays(
    browser, live_server, world, spot_item, width, height
):
    ctx, page = as_user(browser, live_server, "section_head")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}/inspections/draws/")
    page.click("[data-testid=draw-new]")
    page.wait_for_load_state("networkidle")
    reads_well(page, f"定义批次·{width}px")
    # sent half-filled: every missing field says so in Chinese next to itself, the strata typed are kept
    # (trial: the browser's own bubble, in its own language, named one field and vanished)
    page.fill("textarea[name=strata]", "危险化学品,*,1\n*,*,1")
    page.locator("[data-testid=draw-define] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=error-title]") == "请填写批次名称"
    assert page.locator("[data-testid=error-item_id]").is_visible()
    assert page.locator("[data-testid=error-planned_on]").is_visible()
    assert page.input_value("textarea[name=strata]") == "危险化学品,*,1\n*,*,1"
    reads_well(page, f"定义批次（未填完）·{width}px")
    page.fill("input[name=title]", "第四季度辖区企业双随机抽查")
    page.select_option("select[name=item_id]", str(spot_item.id))
    page.fill("textarea[name=strata]", "危险化学品,*,1\n*,*,1")
    page.fill("input[name=planned_on]", DRAW_PLANNED_ON.isoformat())
    page.locator("[data-testid=draw-define] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=draw-status]") == "草稿"
    page.click("[data-testid=draw-preview-run]")
    page.wait_for_load_state("networkidle")
    assert "检查对象名录库 3 户" in page.inner_text("[data-testid=draw-preview]")
    reads_well(page, f"批次预览·{width}px")

    page.click("[data-testid=draw-commit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=draw-status]") == "已提交"
    frozen = page.inner_text("[data-testid=draw-frozen]")
    batch = _db.session.scalars(_db.select(DrawBatch).order_by(DrawBatch.id.desc())).first()
    _db.session.refresh(batch)
    assert batch.pool_hash in frozen and batch.seed_commitment in frozen and batch.seed not in frozen

    page.click("[data-testid=draw-run]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=draw-status]") == "已抽取"
    _db.session.refresh(batch)
    assert batch.status == DrawStatus.DRAWN
    assert batch.seed in page.inner_text("[data-testid=draw-seed]")
    rows = page.locator("[data-testid=draw-targets] tbody tr")
    assert rows.count() == 2
    reads_well(page, f"抽取结果·{width}px")
    ctx.close()

    public = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    anon = public.new_page()
    anon.goto(f"{live_server}/gongshi/draws/{batch.id}")
    assert anon.inner_text("[data-testid=seed]") == batch.seed
    assert anon.inner_text("[data-testid=pool-hash]") == batch.pool_hash
    reads_well(anon, f"公开记录·{width}px")
    anon.click("[data-testid=replay-link]")
    anon.wait_for_load_state("networkidle")
    anon.click("[data-testid=replay-run]")
    anon.wait_for_load_state("networkidle")
    assert anon.inner_text("[data-testid=replay-verdict]") == "复核一致"
    assert anon.inner_text("[data-testid=replay-commitment]") == "一致"
    reads_well(anon, f"复核·{width}px")
    assert public.cookies() == []  # the public pages set no cookie
    public.close()
