"""Issue #12's browser journey end to end, one chain through the real pages (Debian Chromium, Playwright):

1. at desk width a section head defines a 双随机 batch (pool filters: 工贸 in 龙城镇; one stratum of 1; 2
   inspectors per target), commits it (the pool's SHA-256 and the seed's commitment shown, not the seed) and
   draws it (the seed revealed, the target and its team shown); anyone, signed out, opens the public record
   and the replay page, which recomputes the draw and reads 复核一致;
2. the team's lead officer, at TABLET width, opens the drawn inspection, draws up the 检查方案 through its task,
   starts on site (credentials shown, recusal explained), answers every checklist item (符合 / 不符合 / 不涉及),
   records two problems (location, description, a photo, the provision from the item's basis), and the
   enterprise's 负责人 signs on the canvas with the mouse — the 现场检查记录 is issued with its 检记 number;
3. the officer issues the 责令限期整改指令书 from the findings; the enterprise's account finds both hazards in its
   inbox and on its hazard pages, and opens the order;
4. at PHONE width the officer's on-site checklist and the enterprise's pages are usable: nothing in the main
   content sticks out sideways and the 符合/不符合/不涉及 buttons and the order's link are on screen and tappable.
"""

from __future__ import annotations

import pytest

from app.auth.models import User
from app.extensions import db as _db
from app.hazards.models import Hazard, RectificationOrder
from app.inspections import checklists
from app.inspections.models import DrawBatch, DrawStatus, Finding, Inspection, InspectionStatus
from app.inspections.models.draw import DrawTarget
from tests.browser.test_hazard_journey import as_user, png_bytes
from tests.browser.test_layout import LAYOUT_PROBLEMS
from tests.factories.inspections_draw import DRAW_PLANNED_ON

pytestmark = pytest.mark.browser

DESK, TABLET, PHONE = (1280, 900), (1024, 768), (390, 844)


def reads_well(page, where: str) -> None:
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, f"{where}: " + "\n".join(problems)


def _go(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _size(page, wh: tuple[int, int]) -> None:
    page.set_viewport_size({"width": wh[0], "height": wh[1]})


def _tappable(page, locator, width: int, what: str, min_height: int = 44) -> None:
    """On screen sideways, enabled and at least `min_height` px high: 44 for the on-site page's buttons (a
    finger's target, the page is built for it), 24 (WCAG 2.5.8's minimum) for the platform's ordinary forms."""
    locator.scroll_into_view_if_needed()
    assert locator.is_visible() and locator.is_enabled(), what
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= min_height, (
        what,
        box,
    )


def _define_commit_draw(browser, live_server, spot_item) -> DrawBatch:
    """Part 1: the section head at desk width."""
    ctx, page = as_user(browser, live_server, "section_head")
    _size(page, DESK)
    _go(page, f"{live_server}/inspections/draws/")
    page.click("[data-testid=draw-new]")
    page.wait_for_load_state("networkidle")
    form = page.locator("[data-testid=draw-define]")
    form.locator("input[name=title]").fill("2026年第四季度龙城镇工贸企业双随机抽查")
    form.locator("select[name=item_id]").select_option(str(spot_item.id))
    form.locator("input[name=industries][value=工贸]").check()  # pool filters
    form.locator("input[name=towns]").fill("龙城镇")
    form.locator("textarea[name=strata]").fill("工贸,龙城镇,1")
    form.locator("input[name=inspectors_per_target]").fill("2")
    form.locator("input[name=planned_on]").fill(DRAW_PLANNED_ON.isoformat())
    form.locator("input[name=due_on]").fill("2026-11-30")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=draw-status]") == "草稿"
    page.click("[data-testid=draw-preview-run]")
    page.wait_for_load_state("networkidle")
    # the registry filtered: only 萧县龙城机械制造有限公司 is 工贸 in 龙城镇 (龙城化工 is 危险化学品, 黄口建材 in 黄口镇)
    assert "检查对象名录库 1 户" in page.inner_text("[data-testid=draw-preview]")

    page.click("[data-testid=draw-commit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=draw-status]") == "已提交"
    batch = _db.session.scalars(_db.select(DrawBatch).order_by(DrawBatch.id.desc())).first()
    _db.session.refresh(batch)
    assert batch.filters["industries"] == ["工贸"] and batch.filters["towns"] == ["龙城镇"]
    assert batch.inspectors_per_target == 2
    frozen = page.inner_text("[data-testid=draw-frozen]")
    assert batch.pool_hash in frozen and batch.seed_commitment in frozen
    assert batch.seed not in page.content()  # committed, not revealed
    reads_well(page, "已提交冻结·1280px")

    page.click("[data-testid=draw-run]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=draw-status]") == "已抽取"
    _db.session.refresh(batch)
    assert batch.status == DrawStatus.DRAWN
    assert batch.seed in page.inner_text("[data-testid=draw-seed]")
    rows = page.locator("[data-testid=draw-targets] tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "萧县龙城机械制造有限公司" in row
    (target,) = _db.session.scalars(_db.select(DrawTarget).where(DrawTarget.batch_id == batch.id)).all()
    assert len(target.team) == 2 and target.inspection_id
    for uid in target.team:  # the team shown with the target
        assert _db.session.get(User, uid).name in row
    reads_well(page, "抽取结果·1280px")
    rows.first.get_by_role("link", name="查看").click()  # the target's inspection task
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/inspections/{target.inspection_id}")
    assert page.inner_text("[data-testid=inspection-status]") == "待检查"
    reads_well(page, "抽中的检查·1280px")
    ctx.close()
    return batch


def _replay_publicly(browser, live_server, batch: DrawBatch, target: DrawTarget) -> None:
    public = browser.new_context(locale="zh-CN", viewport={"width": DESK[0], "height": DESK[1]})
    anon = public.new_page()
    _go(anon, f"{live_server}/gongshi/draws/{batch.id}")
    assert anon.inner_text("[data-testid=seed]") == batch.seed
    assert anon.inner_text("[data-testid=pool-hash]") == batch.pool_hash
    anon.click("[data-testid=replay-link]")
    anon.wait_for_load_state("networkidle")
    anon.click("[data-testid=replay-run]")
    anon.wait_for_load_state("networkidle")
    assert anon.inner_text("[data-testid=replay-verdict]") == "复核一致"
    assert anon.inner_text("[data-testid=replay-commitment]") == "一致"
    # the recomputed target and team (ids as published, with the names the record publishes; the stratum
    # 工贸|龙城镇 in words), the same as the drawn
    row = next(r for r in anon.inner_text("main").splitlines() if r.startswith("工贸·龙城镇\t1\t"))
    cells = row.split("\t")
    from app.org.models import Enterprise

    assert cells[2] == f"{target.enterprise_id} {_db.session.get(Enterprise, target.enterprise_id).name}", cells
    team = cells[3].split("、")
    assert [int(m.split()[0]) for m in team] == list(target.team), team
    for member, uid in zip(team, target.team, strict=True):
        assert _db.session.get(User, uid).name in member
    reads_well(anon, "公开复核·1280px")
    assert public.cookies() == []  # no sign-in, no cookie
    public.close()


def test_a_drawn_target_is_inspected_on_a_tablet_and_its_order_reaches_the_enterprise(
    browser, live_server, world, spot_item
):
    # ---- 1. 双随机: define, commit, draw; public replay --------------------------------------------------
    batch = _define_commit_draw(browser, live_server, spot_item)
    target = _db.session.scalars(_db.select(DrawTarget).where(DrawTarget.batch_id == batch.id)).one()
    _replay_publicly(browser, live_server, batch, target)
    insp = _db.session.get(Inspection, target.inspection_id)
    assert (
        insp.enterprise_id == world.ent_a.id and insp.source == "双随机" and insp.source_ref == batch.number
    )
    assert sorted(m.user_id for m in insp.members) == sorted(target.team)
    insp_id, lead = insp.id, insp.lead_officer
    url = f"{live_server}/inspections/{insp_id}"

    # a planned inspection is not the enterprise's to see (only from 检查中 on)
    ent_ctx, ent_page = as_user(browser, live_server, "manager_a")
    response = ent_page.goto(url)
    assert response is not None and response.status in (403, 404)
    ent_ctx.close()

    # ---- 2. the lead officer at tablet width -----------------------------------------------------------
    ctx, page = as_user(browser, live_server, lead.username)
    _size(page, TABLET)
    _go(page, f"{live_server}/inbox")  # the drawn inspection waits in the lead's inbox
    inbox = page.inner_text("main")
    assert "制定检查方案" in inbox and insp.enterprise.name in inbox, inbox
    reads_well(page, "待办·1024px")
    _go(page, url)
    assert page.inner_text("[data-testid=inspection-status]") == "待检查"
    facts = page.inner_text("[data-testid=inspection-facts]")
    assert "双随机" in facts and batch.number in facts
    team = page.inner_text("[data-testid=team]")
    assert all(m.user.name in team for m in insp.members)
    reads_well(page, "抽中的检查（待检查）·1024px")

    # the 检查方案 first (its task; the page offers it)
    page.click("[data-testid=task-prepare_scheme]")
    page.wait_for_load_state("networkidle")
    reads_well(page, "制定检查方案·1024px")
    page.fill(
        "textarea[name=basis]",
        f"《中华人民共和国安全生产法》第六十二条、第六十五条；双随机抽查批次{batch.number}",
    )
    page.select_option("select[name=checklist_code]", "confined_space")
    page.fill("textarea[name=division]", "两名执法人员分别负责资料检查与现场检查")
    page.fill("input[name=scheduled_on]", DRAW_PLANNED_ON.isoformat())
    page.locator("form.safeloop-form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    _go(page, url)
    page.click("[data-testid=scheme-link]")
    page.wait_for_load_state("networkidle")
    scheme = page.inner_text("[data-testid=document]")
    assert "检方" in scheme and batch.number in scheme, scheme
    _go(page, url)
    assert page.locator("[data-testid=task-prepare_scheme]").count() == 0

    start = page.locator("[data-testid=form-inspection_start]")
    start.locator("input[name=place]").fill("有限空间作业区、污水处理池")
    start.locator("input[name=present_person]").fill("张三")
    start.locator("input[name=credentials_shown]").check()
    start.locator("input[name=recusal_explained]").check()
    start.locator("input[name=recusal_answer][value=不申请回避]").check()
    start.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=inspection-status]") == "检查中"
    _db.session.expire_all()
    started = _db.session.get(Inspection, insp_id)
    assert started.credentials_shown_at and started.recusal_explained_at  # recorded with their time
    reads_well(page, "检查表·1024px")

    # ---- 4a. the same checklist at phone width: the buttons on screen, nothing sideways ---------------
    _size(page, PHONE)
    reads_well(page, "检查表·390px")
    items = checklists.find("confined_space").items
    for value in ("符合", "不符合", "不涉及"):
        _tappable(page, page.locator(f"[data-testid='item-{items[0].code}-{value}']"), PHONE[0], value)
    _size(page, TABLET)

    # the checklist: two 不符合 (each a finding with a photo), one 不涉及, the rest 符合
    # (two items whose 不符合 is an ordinary hazard: an item carrying a 重大事故隐患 criterion opens its finding
    # as 重大, which goes to 挂牌督办 before the enterprise acts)
    plain = [i for i in items if not i.criterion]
    bad = {plain[1].code: ("有限空间台账", "台账未更新，缺少2处污水井"),
           plain[4].code: ("1号污水处理池", "作业前未检测即进入污水池")}  # fmt: skip
    not_applicable = items[-1].code
    for item in items:
        value = "不符合" if item.code in bad else ("不涉及" if item.code == not_applicable else "符合")
        button = page.locator(f"[data-testid='item-{item.code}-{value}']")
        _tappable(page, button, TABLET[0], item.code)
        button.click()
        page.wait_for_load_state("networkidle")
        if item.code in bad:  # the finding form opens, the provision taken from the item's basis
            assert "/findings/new" in page.url
            assert page.input_value("input[name=provision]") == item.basis
            reads_well(page, "登记问题·1024px")
            location, description = bad[item.code]
            page.fill("input[name=location]", location)
            page.fill("textarea[name=description]", description)
            page.fill("input[name=deadline]", "2026-11-30")
            page.set_input_files(
                "input[name=photo_ids]",
                files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": png_bytes()}],
            )
            page.locator("form.safeloop-form button[type=submit]").last.click()
            page.wait_for_load_state("networkidle")
            assert page.url.split("#")[0] == url
    assert page.inner_text("[data-testid=checklist-progress]") == f"已检查 {len(items)}/{len(items)}"
    assert page.locator(f"[data-testid='item-{not_applicable}-不涉及'][aria-pressed=true]").count() == 1
    findings_text = page.inner_text("[data-testid=findings]")
    assert "检查发现的问题（2）" in findings_text
    assert all(d in findings_text for _, d in bad.values())

    # the 负责人 signs on the canvas with the mouse
    pad = page.locator("[data-testid=signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box and box["x"] + box["width"] <= TABLET[0]
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + step * box["width"] / 14, box["y"] + box["height"] / 2 + (-1) ** step * 15
        )
    page.mouse.up()
    with page.expect_navigation():  # canvas.toBlob is asynchronous, then the form is sent
        page.locator("[data-testid=signature-submit]").click()
    page.wait_for_load_state("networkidle")
    assert "张三已签字" in page.inner_text("[data-testid=signed]")

    record = page.locator("[data-testid=form-inspection_onsite_record]")
    record.locator("textarea[name=summary]").fill("对有限空间作业安全管理进行了检查，发现问题2项。")
    with page.expect_navigation(wait_until="networkidle"):  # its confirm: the fields are checked first
        record.locator("button[type=submit]").click()
    _db.session.expire_all()
    recorded = _db.session.get(Inspection, insp_id)
    assert (
        recorded.status == InspectionStatus.HANDLING
        and recorded.record_no
        and recorded.signature_attachment_id
    )
    assert "检记" in recorded.record_no
    assert page.inner_text("[data-testid=record-link]") == recorded.record_no  # the number shown
    reads_well(page, "已制发检查记录·1024px")
    page.click("[data-testid=record-link]")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("[data-testid=document]")
    assert recorded.record_no in text and "作业前未检测即进入污水池" in text and "台账未更新" in text
    assert lead.cert_no in text
    assert page.locator("img.signature-image").count() == 1
    findings = _db.session.scalars(
        _db.select(Finding).where(Finding.inspection_id == insp_id).order_by(Finding.seq)
    ).all()
    assert len(findings) == 2 and all(len(f.photo_ids) == 1 for f in findings)
    assert {f.provision for f in findings} == {i.basis for i in items if i.code in bad}

    # ---- 3. the 责令限期整改指令书 from the findings ------------------------------------------------------
    _go(page, url)
    form = page.locator("[data-testid=order-form]")
    form.scroll_into_view_if_needed()
    reads_well(page, "检查结果处理·1024px")
    for f, requirement in zip(findings, ("补全有限空间台账", "作业前检测、专人监护"), strict=True):
        form.locator(f"select[name=category-{f.id}]").select_option("管理")
        form.locator(f"input[name=requirement-{f.id}]").fill(requirement)
    form.locator("[data-testid=issue-order]").click()
    page.wait_for_load_state("networkidle")
    _db.session.expire_all()
    order = _db.session.get(RectificationOrder, _db.session.get(Inspection, insp_id).order_id)
    assert order is not None and order.doc_number and order.inspection_record_no == recorded.record_no
    assert order.doc_number in page.inner_text("[data-testid=order]")
    hazards = sorted(order.hazards, key=lambda h: h.code)
    assert len(hazards) == 2 and all(h.enterprise_id == world.ent_a.id for h in hazards)
    ctx.close()

    # ---- 3b/4b. the enterprise's account: inbox, hazard pages, the order — at tablet and phone width ----
    ctx, page = as_user(browser, live_server, "manager_a")
    for wh in (TABLET, PHONE):
        _size(page, wh)
        _go(page, f"{live_server}/inbox")
        inbox = page.inner_text("main")
        assert all(h.code in inbox for h in hazards), inbox
        reads_well(page, f"企业待办·{wh[0]}px")
        _go(page, f"{live_server}/hazards")
        listed = page.inner_text("main")
        assert all(h.code in listed for h in hazards)
        reads_well(page, f"企业隐患列表·{wh[0]}px")
        _go(page, f"{live_server}/hazards/{hazards[1].id}")
        shown = page.inner_text("main")
        assert hazards[1].code in shown and hazards[1].description in shown
        task = page.locator("[data-testid^=task-]").first  # the enterprise's own step: 整改
        assert "整改" in task.inner_text()
        _tappable(page, task.locator("button[type=submit]").last, wh[0], "整改提交", min_height=24)
        reads_well(page, f"企业隐患页·{wh[0]}px")
        _go(page, url)  # its own inspection, now that it has been on site
        assert page.inner_text("[data-testid=inspection-status]") == "待处理"
        assert recorded.record_no in page.inner_text("main")
        assert page.locator("[data-testid=order-form]").count() == 0  # nothing for it to do there
        reads_well(page, f"企业看检查·{wh[0]}px")
        _go(page, f"{live_server}/documents/{order.document_id}")
        text = page.inner_text("[data-testid=document]")
        assert order.doc_number in text and "作业前未检测即进入污水池" in text and recorded.record_no in text
    ctx.close()
    assert {_db.session.get(Hazard, h.id).enterprise_id for h in hazards} == {world.ent_a.id}
