"""The hidden-danger loop in a real Chromium, three users, end to end (issue #3):

officer registers two hazards and issues the 责令限期整改指令书 → the enterprise's safety manager
submits a rectification with a photo for each → the officer fails one and passes the other → the
manager resubmits → the officer passes → both 销号 → the supervisor exports the ledger and the file has
both rows with the right status.
"""

import io
import struct
import zlib
from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from app import clock
from app.hazards.models import Hazard
from app.jobs import JobWorker
from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login

pytestmark = pytest.mark.browser


def png_bytes() -> bytes:
    """A real 2×2 PNG (magic bytes are checked server-side)."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))

    def chunk(tag, data):
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def as_user(browser, live_server, username):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())  # confirmations on irreversible steps
    browser_login(page, live_server, username, PASSWORD)
    return ctx, page


def submit(page, selector="form.safeloop-form button[type=submit]"):
    """Click and wait for the page the server answers with: a form with a confirm asks the server to check
    its fields first (app/static/safeloop.js), so the page is requested a moment after the click."""
    with page.expect_navigation(wait_until="networkidle"):
        page.locator(selector).last.click()


def register(page, live_server, world, location, description):
    page.goto(live_server + "/hazards/new")
    page.fill("[data-testid=enterprise_id-search]", "龙城机械")  # the enterprise picker searches
    page.locator("[role=option]", has_text=world.ent_a.name).click()
    page.select_option("select[name=source]", "执法检查")
    page.fill("input[name=found_on]", "2026-11-02")
    page.fill("input[name=location]", location)
    page.fill("textarea[name=description]", description)
    page.check("input[name=category][value=物]")
    page.check("input[name=level][value=一般]")
    page.fill("input[name=provision]", "《中华人民共和国安全生产法》第三十六条")
    page.fill("input[name=deadline]", "2026-11-12")
    submit(page)
    assert "已登记隐患" in page.inner_text(".alert-success")


def open_task(page, live_server, name, location):
    page.goto(live_server + "/inbox")
    row = page.locator("[data-testid=task-row]", has_text=location)
    assert row.count() == 1, page.inner_text("main")
    assert name in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_load_state("networkidle")


def rectify(page, live_server, location, tmp_path):
    open_task(page, live_server, "整改", location)
    page.check("input[name=action][value=rectified]")
    page.fill("input[name=responsible_person]", "李安全")
    page.fill("textarea[name=measures]", f"{location}已整改完毕")
    page.fill("input[name=funds]", "0.5")
    page.fill("input[name=planned_date]", "2026-11-08")
    page.fill("input[name=completed_on]", "2026-11-08")
    page.fill("textarea[name=emergency_measures]", "设置警示标识，专人看护")
    photo = tmp_path / "after.png"
    photo.write_bytes(png_bytes())
    page.set_input_files("input[name=after_photos]", str(photo))
    submit(page)
    assert "已办理" in page.inner_text(".alert-success"), page.inner_text("main")


def review(page, live_server, location, passed: bool, world):
    open_task(page, live_server, "复查", location)
    page.fill("input[name=reviewed_on]", "2026-11-09")
    page.select_option("select[name=co_reviewer_id]", str(world.officer2.id))
    page.select_option("select[name=result]", "已整改" if passed else "整改不合格")
    page.fill("textarea[name=opinion]", "整改到位，同意销号" if passed else "整改不到位，重新整改")
    page.check(f"input[name=decision][value={'close' if passed else 'return'}]")
    if not passed:
        page.fill("input[name=new_deadline]", "2026-11-20")
    submit(page)
    assert "已办理" in page.inner_text(".alert-success"), page.inner_text("main")


def test_hazard_loop_three_users(app, browser, live_server, world, db, tmp_path):
    clock.freeze(date(2026, 11, 2))

    officer_ctx, officer = as_user(browser, live_server, "officer")
    register(officer, live_server, world, "一号车间配电箱", "配电箱门缺失，带电部位外露")
    register(officer, live_server, world, "二号仓库消防通道", "消防通道堆放杂物")
    order_url = officer.url
    assert "/hazards/orders/" in order_url
    officer.select_option("select[name=co_officer_id]", str(world.officer2.id))
    submit(officer)
    number = officer.inner_text(".alert-success")
    assert "（萧）应急责改〔2026〕1号" in number

    manager_ctx, manager = as_user(browser, live_server, "manager_a")
    clock.freeze(date(2026, 11, 8))
    rectify(manager, live_server, "一号车间配电箱", tmp_path)
    rectify(manager, live_server, "二号仓库消防通道", tmp_path)

    clock.freeze(date(2026, 11, 9))
    review(officer, live_server, "一号车间配电箱", passed=False, world=world)
    review(officer, live_server, "二号仓库消防通道", passed=True, world=world)

    # one visit, one 整改复查意见书 with both items and their results (issue #10 item 10)
    db.session.expire_all()
    reviewed = db.session.query(Hazard).filter_by(enterprise_id=world.ent_a.id).all()
    assert {h.latest_review.doc_number for h in reviewed} == {"（萧）应急复查〔2026〕1号"}
    # the enterprise is told why, and its task shows the reasons and starts from its report (items 7, 8)
    manager.goto(live_server + "/notifications")
    assert "复查不合格：一号车间配电箱" in manager.inner_text("main")
    open_task(manager, live_server, "整改", "一号车间配电箱")
    facts = manager.inner_text("[data-testid=task-facts]")
    assert "整改不到位，重新整改" in facts and "整改不合格" in facts and "二号仓库消防通道" in facts
    assert manager.input_value("input[name=responsible_person]") == "李安全"
    assert manager.input_value("textarea[name=measures]") == "一号车间配电箱已整改完毕"

    clock.freeze(date(2026, 11, 12))
    rectify(manager, live_server, "一号车间配电箱", tmp_path)
    review(officer, live_server, "一号车间配电箱", passed=True, world=world)

    db.session.expire_all()
    hazards = db.session.query(Hazard).filter_by(enterprise_id=world.ent_a.id).all()
    assert sorted(h.status for h in hazards) == ["已销号", "已销号"]

    # the hazard page shows 销号 and the history of both rounds
    officer.goto(live_server + f"/hazards/{hazards[0].id}")
    assert "已销号" in officer.inner_text("main")

    sup_ctx, supervisor = as_user(browser, live_server, "supervisor")
    supervisor.goto(live_server + f"/hazards?enterprise_id={world.ent_a.id}")
    supervisor.click("[data-testid=export]")  # queues the export; the job page follows it
    worker = JobWorker(app, 0.2).start()  # `flask jobs worker` in production
    try:
        supervisor.wait_for_selector("[data-testid=job-download]")
    finally:
        worker.stop()
    with supervisor.expect_download() as info:
        supervisor.click("[data-testid=job-download]")
    content = open(info.value.path(), "rb").read()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header_idx = next(i for i, r in enumerate(rows) if "隐患描述" in [str(c) for c in r])
    header = [str(c) for c in rows[header_idx]]
    data_rows = [
        dict(zip(header, r, strict=True)) for r in rows[header_idx + 1 :] if str(r[1]).startswith("YH")
    ]
    assert len(data_rows) == 2
    by_location = {r["隐患部位/装置"]: r for r in data_rows}
    assert set(by_location) == {"一号车间配电箱", "二号仓库消防通道"}
    for r in data_rows:
        assert r["整改状态"] == "已销号" and r["是否逾期"] == "否"
        assert r["销号日期"] == date(2026, 11, 9) and r["复查日期"] == date(2026, 11, 9)
        assert "/attachments/" in r["整改后照片"]
        assert "（萧）应急责改〔2026〕1号" in r["关联文书（责改/复查文号）"]
    # the failed round left two 复查 documents on the first hazard (the first one shared with the second)
    assert by_location["一号车间配电箱"]["关联文书（责改/复查文号）"].count("应急复查") == 2
    for ctx in (officer_ctx, manager_ctx, sup_ctx):
        ctx.close()
