"""A rule the operation enforces after the form's own rules passed (result 未整改 with 合格，予以销号, an
extension date not later than the deadline, an order whose deadline passed…) re-renders the form with the
message next to the field it names, or at the top, and keeps every value and uploaded file: on the task
page, the hazard page and the batch 复查 page alike (issue #10 item 2)."""

from __future__ import annotations

import html as htmllib
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.attachments import Attachment, attachments_for
from app.extensions import db
from app.hazards import operations as ops
from app.hazards.models import Hazard, HazardStatus
from tests.factories.db import commit
from tests.factories.files import JPEG, PNG
from tests.factories.hazards import ready_task, rect_data

CLOSE_NOT_DONE = "复查结果为“已整改”时应予销号；未整改到位的不能销号"


def attachments() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment)) or 0


def text(page: str) -> str:
    return htmllib.unescape(page)


def keep_tokens(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{re.escape(name)}__keep" value="([^"]+)"', page)


def selected(page: str, select_id: str) -> str | None:
    m = re.search(rf'<select[^>]*id="{re.escape(select_id)}"[^>]*>(.*?)</select>', page, re.S)
    assert m, f"no select {select_id}"
    chosen = re.search(r'<option value="([^"]*)" selected>', m.group(1))
    return chosen.group(1) if chosen else None


def under_review(make_hazard, world, upload) -> Hazard:
    hazard = make_hazard()
    ops.submit_rectification(hazard, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    return hazard


def review_form(world, **kw) -> dict:
    return {
        "reviewed_on": clock.today().isoformat(),
        "co_reviewer_id": str(world.officer2.id),
        "result": "未整改",
        "opinion": "灭火器仍未更换，通道仍有杂物",
        "decision": "close",
        "evidence": (io.BytesIO(JPEG), "复查现场.jpg", "image/jpeg"),
        **kw,
    }


def assert_review_form_kept(page: str, world, evidence="evidence") -> None:
    page = text(page)
    assert "<h1" in page and "页面出错" not in page
    assert 'data-testid="error-decision"' in page and CLOSE_NOT_DONE in page
    assert "灭火器仍未更换，通道仍有杂物</textarea>" in page
    assert selected(page, "f-co_reviewer_id") == str(world.officer2.id)  # the co-inspector
    assert selected(page, "f-result") == "未整改"
    assert re.search(r'value="close"[^>]*checked', page)
    assert "复查现场.jpg" in page and len(keep_tokens(page, evidence)) == 1


def test_review_on_the_task_page_keeps_everything_and_then_completes(make_hazard, world, upload, login):
    hazard = under_review(make_hazard, world, upload)
    task = ready_task(hazard, "review_rectification")
    before = attachments()
    c = login(world.officer)

    r = c.post(f"/tasks/{task.id}", data=review_form(world))
    assert r.status_code == 422, (r.headers.get("Location"), text(r.get_data(as_text=True))[:1500])
    page = r.get_data(as_text=True)
    assert_review_form_kept(page, world)
    assert attachments() == before  # nothing stored while rejected; the photo's bytes wait in the store

    # fixed: the photo comes back through its keep-token, not picked again
    [token] = keep_tokens(page, "evidence")
    r = c.post(f"/tasks/{task.id}", data={**review_form(world, decision="return", evidence=None),
                                           "new_deadline": (clock.today() + timedelta(days=5)).isoformat(),
                                           "evidence__keep": token})
    assert r.status_code == 302, text(r.get_data(as_text=True))[:2000]
    hazard = db.session.get(Hazard, hazard.id)
    [review] = hazard.reviews
    assert review.result == "未整改" and review.co_reviewer_id == world.officer2.id
    assert [a.original_name for a in attachments_for(review, "evidence")] == ["复查现场.jpg"]


def test_review_on_the_hazard_page_keeps_everything(make_hazard, world, upload, login):
    hazard = under_review(make_hazard, world, upload)
    task = ready_task(hazard, "review_rectification")
    r = login(world.officer).post(f"/hazards/{hazard.id}/tasks/{task.id}", data=review_form(world))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert_review_form_kept(page, world)
    assert f"/hazards/{hazard.id}/tasks/{task.id}" in page  # the hazard page itself, its form again
    assert db.session.get(Hazard, hazard.id).status == HazardStatus.REVIEWING


def test_batch_review_shows_the_rule_on_its_item_and_keeps_every_item(make_order, world, upload, login):
    order = make_order({"location": "A"}, {"location": "B"})
    a, b = order.hazards
    for h in (a, b):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    c = login(world.officer)
    form = {
        "reviewed_on": clock.today().isoformat(),
        "co_reviewer_id": str(world.officer2.id),
        f"h{a.id}-include": "1",
        f"h{a.id}-result": "已整改",
        f"h{a.id}-decision": "close",
        f"h{a.id}-opinion": "A 已整改到位",
        f"h{a.id}-evidence": (io.BytesIO(PNG), "A复查.png", "image/png"),
        f"h{b.id}-include": "1",
        f"h{b.id}-result": "未整改",
        f"h{b.id}-decision": "close",
        f"h{b.id}-opinion": "B 仍堆放杂物",
        f"h{b.id}-evidence": (io.BytesIO(JPEG), "B复查.jpg", "image/jpeg"),
    }
    r = c.post(f"/hazards/orders/{order.id}/review", data=form)
    assert r.status_code == 422
    page = text(r.get_data(as_text=True))
    cards = page.split('data-testid="review-item"')[1:]
    card_a, card_b = (next(x for x in cards if f'id="h{h.id}-result"' in x) for h in (a, b))
    assert CLOSE_NOT_DONE in card_b and CLOSE_NOT_DONE not in card_a
    assert "A 已整改到位</textarea>" in card_a and "B 仍堆放杂物</textarea>" in card_b
    assert "A复查.png" in card_a and "B复查.jpg" in card_b
    assert selected(page, "co_reviewer_id") == str(world.officer2.id)
    assert re.search(r'<option value="close" selected>', card_b) and "<option selected>未整改</option>" in card_b
    [token_a] = keep_tokens(page, f"h{a.id}-evidence")
    [token_b] = keep_tokens(page, f"h{b.id}-evidence")

    fixed = {k: v for k, v in form.items() if not k.endswith("-evidence")}
    fixed.update({f"h{b.id}-decision": "return",
                  f"h{b.id}-new_deadline": (clock.today() + timedelta(days=5)).isoformat(),
                  f"h{a.id}-evidence__keep": token_a, f"h{b.id}-evidence__keep": token_b})
    r = c.post(f"/hazards/orders/{order.id}/review", data=fixed)
    assert r.status_code == 302, text(r.get_data(as_text=True))[:2000]
    a, b = db.session.get(Hazard, a.id), db.session.get(Hazard, b.id)
    assert a.status == HazardStatus.CLOSED and b.status == HazardStatus.RECTIFYING


def test_batch_review_shared_field_error_shows_at_the_top(make_order, world, upload, login):
    order = make_order()
    [h] = order.hazards
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    r = login(world.officer).post(f"/hazards/orders/{order.id}/review", data={
        "reviewed_on": clock.today().isoformat(), "co_reviewer_id": "",
        f"h{h.id}-include": "1", f"h{h.id}-result": "已整改", f"h{h.id}-decision": "close",
        f"h{h.id}-opinion": "已整改"})
    assert r.status_code == 422
    page = text(r.get_data(as_text=True))
    assert 'data-testid="error-co_reviewer_id"' in page and "已整改</textarea>" in page


def test_extension_request_date_rule_keeps_the_request_and_its_files(make_hazard, world, login):
    hazard = make_hazard()
    task = ready_task(hazard, "submit_rectification")
    r = login(world.manager_a).post(f"/tasks/{task.id}", data={
        "action": "extension",
        "ext_reason": "防爆电机到货需20天",
        "ext_deadline": hazard.deadline.isoformat(),  # not later than the deadline: the operation's rule
        "ext_interim_measures": "停用该配电箱，设置围挡",
        "ext_files": (io.BytesIO(JPEG), "采购合同.jpg", "image/jpeg"),
    })
    assert r.status_code == 422
    page = text(r.get_data(as_text=True))
    assert 'data-testid="error-ext_deadline"' in page
    assert f"申请的期限须晚于现行整改期限（{hazard.deadline.isoformat()}）" in page
    assert "防爆电机到货需20天</textarea>" in page and "停用该配电箱，设置围挡</textarea>" in page
    assert f'value="{hazard.deadline.isoformat()}"' in page
    assert "采购合同.jpg" in page and len(keep_tokens(page, "ext_files")) == 1
    assert re.search(r'value="extension"[^>]*checked', page)


def test_extension_decision_date_rule_keeps_the_opinion(make_hazard, world, login):
    hazard = make_hazard()
    ops.request_extension(hazard, {"ext_reason": "设备未到货", "ext_deadline": hazard.deadline + timedelta(days=10),
                                   "ext_interim_measures": "隔离", "ext_files": []}, actor=world.manager_a)
    commit()
    hazard = db.session.get(Hazard, hazard.id)
    task = ready_task(hazard, "review_extension")
    r = login(world.officer).post(f"/tasks/{task.id}", data={
        "approved": "yes", "approved_deadline": hazard.deadline.isoformat(), "opinion": "同意延期五天"})
    assert r.status_code == 422
    page = text(r.get_data(as_text=True))
    assert 'data-testid="error-approved_deadline"' in page and "批准的期限须晚于原整改期限" in page
    assert "同意延期五天</textarea>" in page and re.search(r'value="yes"[^>]*checked', page)


def test_issuing_an_order_whose_deadline_passed_says_why_at_the_top(make_order, world, login):
    order = make_order({"deadline": clock.today() + timedelta(days=1)}, issue=False)
    clock.freeze(clock.now() + timedelta(days=3))
    r = login(world.officer).post(f"/hazards/orders/{order.id}/issue", data={
        "co_officer_id": str(world.officer2.id), "inspection_record_no": "（萧）应急检记〔2026〕9号",
        "interim_measures": "停用该区域"})
    assert r.status_code == 409
    page = text(r.get_data(as_text=True))
    assert 'data-testid="form-error"' in page and "已过，请删除后重新登记" in page
    assert 'value="（萧）应急检记〔2026〕9号"' in page and "停用该区域</textarea>" in page
    assert selected(page, "f-co_officer_id") == str(world.officer2.id)


def test_exception_decision_date_rule_keeps_the_opinion(make_hazard, world, upload, login):
    from tests.factories.hazards import review_data

    hazard = make_hazard()
    ops.submit_rectification(hazard, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(hazard, review_data(world, result="未整改", decision="return",
                                              new_deadline=clock.today() + timedelta(days=3)))], actor=world.officer)
    ops.submit_rectification(hazard, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(hazard, review_data(world, result="部分整改", decision="exception",
                                              new_deadline=clock.today() + timedelta(days=20)))], actor=world.officer)
    commit()
    task = ready_task(db.session.get(Hazard, hazard.id), "approve_exception")
    r = login(world.leader).post(f"/tasks/{task.id}", data={
        "approved": "yes", "new_deadline": clock.today().isoformat(), "opinion": "同意再给一次整改期限"})
    assert r.status_code == 422
    page = text(r.get_data(as_text=True))
    assert 'data-testid="error-new_deadline"' in page and "请确定晚于今天的整改期限" in page
    assert "同意再给一次整改期限</textarea>" in page and re.search(r'value="yes"[^>]*checked', page)


def test_supervision_decision_date_rule_keeps_every_field(make_hazard, world, login):
    hazard = make_hazard(level="重大", criterion_code="GM2023-11-3", location="抛光车间除尘系统",
                         deadline=clock.today() + timedelta(days=28))
    task = ready_task(hazard, "decide_supervision")
    r = login(world.leader).post(f"/tasks/{task.id}", data={
        "listed": "yes", "level": "县级", "supervising_unit": "萧县安全生产委员会办公室",
        "responsible_unit": "执法大队", "contact": "王执法 0557-5000001",
        "deadline": clock.today().isoformat(), "plan_days": "7", "opinion": "立即停止使用"})
    assert r.status_code == 422
    page = text(r.get_data(as_text=True))
    assert 'data-testid="error-deadline"' in page and "督办期限须晚于今天" in page
    assert 'value="萧县安全生产委员会办公室"' in page and 'value="王执法 0557-5000001"' in page
    assert "立即停止使用</textarea>" in page and selected(page, "f-level") == "县级"


def test_the_second_officer_is_checked_alone_and_only_an_officer_of_the_jurisdiction_passes(
    make_order, world, login
):
    """The 指令书's second officer: the form checks the one officer named (not every officer of the county),
    with the same rule as the list it offers — another active officer whose jurisdiction covers the
    enterprise; anybody else is refused next to the field and nothing is issued."""
    from app import forms
    from app.hazards.choices import co_officers

    order = make_order({"deadline": clock.today() + timedelta(days=5)}, issue=False)
    offered = {v for v, _ in co_officers(world.officer, {"order": order})}
    assert world.officer2.id in offered and world.section_head.id in offered
    for wrong in (world.officer, world.other_officer, world.manager_a, world.leader, world.legal):
        assert wrong.id not in offered
        with_wrong = {"co_officer_id": str(wrong.id), "inspection_record_no": "", "interim_measures": ""}
        try:
            forms.validate("issue_order", with_wrong, actor=world.officer, context={"order": order})
            raise AssertionError(f"{wrong.name} accepted as the second officer")
        except forms.FormInvalid as exc:
            assert "co_officer_id" in exc.errors, exc.errors
    db.session.rollback()
    client = login(world.officer)
    r = client.post(f"/hazards/orders/{order.id}/issue", data={
        "co_officer_id": str(world.other_officer.id), "inspection_record_no": "", "interim_measures": "停用"})
    assert r.status_code == 422 and 'data-testid="error-co_officer_id"' in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == "draft"
    r = client.post(f"/hazards/orders/{order.id}/issue", data={
        "co_officer_id": str(world.officer2.id), "inspection_record_no": "", "interim_measures": "停用"})
    assert r.status_code == 302
    db.session.expire_all()
    issued = db.session.get(type(order), order.id)
    assert issued.status == "issued" and issued.co_officer_id == world.officer2.id
