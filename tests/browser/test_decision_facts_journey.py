"""The facts at a decision, in Chromium (issue #10 items 5, 6): the enterprise asks for more time with its
interim measures and a photo as proof; the officer's approval task shows all of it, the approved date is
already the requested one and the first submit goes through; the enterprise reports, and the 复查 task
shows its 五落实 and after-photo."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.hazards.models import Hazard
from tests.browser.test_hazard_journey import as_user, open_task, png_bytes, submit

pytestmark = pytest.mark.browser


def test_extension_and_review_show_what_the_enterprise_sent(browser, live_server, world, make_hazard, tmp_path):
    hazard = make_hazard(location="三号车间配电室")
    requested = hazard.deadline + timedelta(days=10)
    proof = tmp_path / "到货证明.png"
    proof.write_bytes(png_bytes())

    manager_ctx, manager = as_user(browser, live_server, "manager_a")
    open_task(manager, live_server, "整改", "三号车间配电室")
    manager.check("input[name=action][value=extension]")
    manager.fill("textarea[name=ext_reason]", "防爆配电箱到货延迟")
    manager.fill("input[name=ext_deadline]", requested.isoformat())
    manager.fill("textarea[name=ext_interim_measures]", "停用该配电箱，设警戒区，专人值守")
    manager.set_input_files("input[name=ext_files]", str(proof))
    submit(manager)
    assert "已办理" in manager.inner_text(".alert-success"), manager.inner_text("main")

    officer_ctx, officer = as_user(browser, live_server, "officer")
    open_task(officer, live_server, "延期", "三号车间配电室")
    facts = officer.locator("[data-testid=task-facts]")
    text = facts.inner_text()
    assert "防爆配电箱到货延迟" in text and "停用该配电箱，设警戒区，专人值守" in text
    assert requested.isoformat() in text
    assert facts.locator("img.img-thumbnail").count() == 1  # the proof, as a thumbnail linking to it
    assert officer.input_value("input[name=approved_deadline]") == requested.isoformat()
    officer.check("input[name=approved][value=yes]")
    officer.fill("textarea[name=opinion]", "同意，落实临时措施")
    submit(officer)
    assert "已办理" in officer.inner_text(".alert-success"), officer.inner_text("main")
    db.session.expire_all()
    assert db.session.get(Hazard, hazard.id).deadline == requested

    open_task(manager, live_server, "整改", "三号车间配电室")
    manager.check("input[name=action][value=rectified]")
    manager.fill("input[name=responsible_dept]", "设备科")
    manager.fill("input[name=responsible_person]", "李安全")
    manager.fill("textarea[name=measures]", "更换防爆配电箱")
    manager.fill("input[name=funds]", "3.5")
    manager.fill("input[name=planned_date]", clock.today().isoformat())
    manager.fill("input[name=completed_on]", clock.today().isoformat())
    manager.fill("textarea[name=emergency_measures]", "配电室火灾应急处置方案已演练")
    after = tmp_path / "整改后.png"
    after.write_bytes(png_bytes())
    manager.set_input_files("input[name=after_photos]", str(after))
    submit(manager)
    assert "已办理" in manager.inner_text(".alert-success"), manager.inner_text("main")

    open_task(officer, live_server, "复查", "三号车间配电室")
    report = officer.locator("[data-testid=report]")
    text = report.inner_text()
    for part in ("更换防爆配电箱", "设备科", "李安全", "3.50 万元", "配电室火灾应急处置方案已演练"):
        assert part in text, part
    assert report.locator("[data-testid=report-photos] img.img-thumbnail").count() == 1
    for ctx in (manager_ctx, officer_ctx):
        ctx.close()
