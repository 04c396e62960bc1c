"""Pages: the list, registration, the 指令书 page, the detail page, completing tasks from our pages and from the
generic task page, and the data scope (another enterprise's manager gets 404, non-officers 403)."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.hazards.models import Hazard, HazardStatus, RectificationOrder
from tests.factories.db import commit
from tests.factories.files import JPEG
from tests.factories.hazards import ready, ready_task, rectification_form


def test_officer_registers_and_issues_via_pages(login, world, frozen):
    c = login(world.officer)
    page = c.get("/hazards/new")
    assert page.status_code == 200 and "登记隐患" in page.get_data(as_text=True)
    deadline = (clock.today() + timedelta(days=10)).isoformat()
    form = {
        "enterprise_id": str(world.ent_a.id),
        "source": "执法检查",
        "found_on": clock.today().isoformat(),
        "location": "喷漆房",
        "description": "防爆电气损坏",
        "category": "物",
        "level": "一般",
        "provision": "《安全生产法》第三十六条",
        "deadline": deadline,
        "photos": (io.BytesIO(JPEG), "现场.jpg", "image/jpeg"),
    }
    r = c.post("/hazards/new", data=form, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    order = db.session.scalar(select(RectificationOrder))
    assert order.is_draft and len(order.hazards) == 1
    r = c.post(
        f"/hazards/orders/{order.id}/issue",
        data={
            "co_officer_id": str(world.officer2.id),
            "inspection_record_no": "",
            "interim_measures": "落实防范措施",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    commit()
    order = db.session.get(RectificationOrder, order.id)
    assert order.doc_number and order.hazards[0].status == HazardStatus.RECTIFYING
    html = c.get(f"/hazards/orders/{order.id}/document", follow_redirects=True).get_data(as_text=True)
    assert (
        order.doc_number in html
        and "责令限期整改指令书" in html
        and "60日" in html
        and "萧县人民政府" in html
    )
    assert "6个月" in html and "喷漆房" in html


def test_register_validation_errors_rerender(login, world, frozen):
    c = login(world.officer)
    r = c.post("/hazards/new", data={"enterprise_id": str(world.ent_a.id), "level": "重大"})
    assert r.status_code == 422
    assert "重大事故隐患判定标准条款" in r.get_data(as_text=True)


def test_enterprise_cannot_register_and_other_county_enterprise_not_offered(login, world, frozen):
    assert login(world.manager_a).get("/hazards/new").status_code == 403
    officer = login(world.officer)
    html = officer.get("/hazards/new").get_data(as_text=True)
    assert 'data-picker-url="/enterprises/lookup"' in html and world.ent_other.name not in html
    offered = [e["name"] for e in officer.get("/enterprises/lookup?q=有限公司").get_json()["items"]]
    assert world.ent_a.name in offered and world.ent_other.name not in offered
    r = officer.post("/hazards/new", data={"enterprise_id": str(world.ent_other.id)})  # typed into the address
    assert r.status_code == 422 and world.ent_other.name not in r.get_data(as_text=True)


def test_list_filters_and_overdue_red(login, world, make_order):
    o1 = make_order({"location": "配电室"})
    o2 = make_order({"location": "仓库", "enterprise_id": world.ent_b.id})
    h1, h2 = o1.hazards[0], o2.hazards[0]
    h2.is_overdue = True
    db.session.commit()
    c = login(world.officer)
    html = c.get("/hazards").get_data(as_text=True)
    assert h1.code in html and h2.code in html and "overdue-row" in html
    html = c.get(f"/hazards?enterprise_id={world.ent_b.id}").get_data(as_text=True)
    assert h2.code in html and h1.code not in html
    html = c.get("/hazards?overdue=1").get_data(as_text=True)
    assert h2.code in html and h1.code not in html
    html = c.get(f"/hazards?town={world.town_a.path}").get_data(as_text=True)
    assert h1.code in html and h2.code not in html


def test_enterprise_sees_only_own_hazards(login, world, make_order):
    h_a = make_order({"location": "A"}).hazards[0]
    h_b = make_order({"location": "B", "enterprise_id": world.ent_b.id}).hazards[0]
    c = login(world.manager_b)
    html = c.get("/hazards").get_data(as_text=True)
    assert h_b.code in html and h_a.code not in html
    assert c.get(f"/hazards/{h_a.id}").status_code == 404
    assert c.get(f"/hazards/orders/{h_a.order_id}").status_code == 404
    assert c.get(f"/documents/{h_a.order.document_id}").status_code == 404
    assert login(world.manager_a).get(f"/documents/{h_a.order.document_id}").status_code == 200
    task = ready_task(h_a, "submit_rectification")
    assert c.get(f"/tasks/{task.id}").status_code == 404
    r = c.post(f"/hazards/{h_a.id}/tasks/{task.id}", data={"action": "rectified"})
    assert r.status_code == 404
    r = c.post(f"/tasks/{task.id}", data={"action": "rectified"})
    assert r.status_code in (403, 404)
    assert ready(h_a) == ["submit_rectification"]


def test_other_county_officer_gets_404(login, world, make_hazard):
    h = make_hazard()
    c = login(world.other_officer)
    assert c.get(f"/hazards/{h.id}").status_code == 404
    assert h.code not in c.get("/hazards").get_data(as_text=True)


def test_drafts_are_invisible_to_enterprise(login, world, make_order):
    order = make_order({}, issue=False)
    c = login(world.manager_a)
    assert c.get(f"/hazards/{order.hazards[0].id}").status_code == 404
    assert c.get(f"/hazards/orders/{order.id}").status_code == 404


def test_enterprise_submits_rectification_from_detail_page(login, world, make_hazard):
    h = make_hazard()
    c = login(world.manager_a)
    html = c.get(f"/hazards/{h.id}").get_data(as_text=True)
    assert "form-submit_rectification" in html and h.order.doc_number in html
    task = ready_task(h, "submit_rectification")
    data = rectification_form()
    r = c.post(f"/hazards/{h.id}/tasks/{task.id}", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    commit()
    h = db.session.get(Hazard, h.id)
    assert h.status == HazardStatus.REVIEWING and h.latest_rectification.responsible_person == "张工"
    # a second submit of the same task is a clean refusal, not a 500
    r = c.post(f"/hazards/{h.id}/tasks/{task.id}", data=rectification_form(), content_type="multipart/form-data")
    assert r.status_code in (403, 409)


def test_missing_after_photos_rerenders_with_errors(login, world, make_hazard):
    h = make_hazard()
    c = login(world.manager_a)
    task = ready_task(h, "submit_rectification")
    r = c.post(f"/hazards/{h.id}/tasks/{task.id}", data={"action": "rectified", "responsible_person": "张工"})
    assert r.status_code == 422 and "整改后照片" in r.get_data(as_text=True)


def test_generic_task_page_uses_hazard_hooks(login, world, make_hazard):
    """The lead's /tasks/<id> renders our form and completes through workflow_hooks."""
    h = make_hazard()
    c = login(world.manager_a)
    task = ready_task(h, "submit_rectification")
    page = c.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert h.code in page and "form-submit_rectification" in page
    r = c.post(
        f"/tasks/{task.id}",
        data={
            "action": "extension",
            "ext_reason": "设备未到货",
            "ext_deadline": (h.deadline + timedelta(days=7)).isoformat(),
            "ext_interim_measures": "隔离",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    commit()
    h = db.session.get(Hazard, h.id)
    assert h.status == HazardStatus.EXTENSION_PENDING and h.pending_extension.reason == "设备未到货"
    officer = login(world.officer)
    task = ready_task(h, "review_extension")
    r = officer.post(
        f"/tasks/{task.id}",
        data={
            "approved": "yes",
            "approved_deadline": (h.deadline + timedelta(days=5)).isoformat(),
            "opinion": "同意",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    commit()
    h = db.session.get(Hazard, h.id)
    assert h.extension_count == 1 and h.extensions[0].decided_by_id == world.officer.id


def test_batch_review_page(login, world, make_order, upload):
    from app.hazards import operations as ops
    from tests.factories.hazards import rect_data

    order = make_order({"location": "A"}, {"location": "B"})
    a, b = order.hazards
    for h in (a, b):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    db.session.commit()
    c = login(world.officer)
    assert "batch-review" in c.get(f"/hazards/orders/{order.id}").get_data(as_text=True)
    page = c.get(f"/hazards/orders/{order.id}/review")
    assert page.status_code == 200
    form = {
        "reviewed_on": clock.today().isoformat(),
        "co_reviewer_id": str(world.officer2.id),
        f"h{a.id}-include": "1",
        f"h{a.id}-result": "已整改",
        f"h{a.id}-decision": "close",
        f"h{a.id}-opinion": "合格",
        f"h{b.id}-include": "1",
        f"h{b.id}-result": "未整改",
        f"h{b.id}-decision": "return",
        f"h{b.id}-opinion": "未整改",
        f"h{b.id}-new_deadline": (clock.today() + timedelta(days=5)).isoformat(),
    }
    r = c.post(f"/hazards/orders/{order.id}/review", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    commit()
    a, b = db.session.get(Hazard, a.id), db.session.get(Hazard, b.id)
    assert a.status == HazardStatus.CLOSED and b.status == HazardStatus.RECTIFYING
    assert a.reviews[0].doc_number == b.reviews[0].doc_number
    html = c.get(f"/hazards/reviews/{a.reviews[0].id}/document", follow_redirects=True).get_data(as_text=True)
    assert "整改复查意见书" in html and "已整改" in html and "未整改" in html and order.doc_number in html


def test_manager_cannot_open_batch_review(login, world, make_hazard):
    h = make_hazard()
    assert login(world.manager_a).get(f"/hazards/orders/{h.order_id}/review").status_code == 403


def test_detail_shows_history_documents_and_steps(login, world, make_hazard):
    h = make_hazard()
    html = login(world.officer).get(f"/hazards/{h.id}").get_data(as_text=True)
    for text in ("执法全过程记录", "登记隐患", "下达整改", h.order.doc_number, "process-steps", "企业整改"):
        assert text in html


def test_notices_open_the_hazard_page(login, world, make_hazard):
    """The hazard's notices are the platform's (app.notifications): listed at /notifications with the
    subject's label, each opening the hazard's page; the old /hazards/notifications link still works."""
    from app.notifications import Notification
    from tests.factories.clock import at
    from tests.factories.workflow import tick_at

    h = make_hazard()
    tick_at(at(h.deadline + timedelta(days=1), 0))
    c = login(world.section_head)
    r = c.get("/hazards/notifications")
    assert r.status_code == 301 and r.headers["Location"].endswith("/notifications")
    html = c.get("/notifications").get_data(as_text=True)
    assert "逾期未整改" in html and "[隐患]" in html
    notice = db.session.scalar(
        select(Notification).where(Notification.user_id == world.section_head.id, Notification.kind == "overdue")
    )
    assert (notice.subject_type, notice.subject_id) == ("hazards", h.id)
    r = c.get(f"/notifications/{notice.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/hazards/{h.id}")
    db.session.expire_all()
    assert db.session.get(Notification, notice.id).read_at is not None


def test_criteria_library_page(login, world):
    html = login(world.officer).get("/hazards/criteria").get_data(as_text=True)
    assert "应急管理部令第10号" in html and "安监总管三〔2017〕121号" in html and "安全阀、爆破片" in html


def test_attachment_download_follows_hazard_scope(login, world, make_hazard):
    from app import attachments

    h = make_hazard()
    [photo] = attachments.attachments_for(h, "photos")
    assert login(world.manager_a).get(f"/attachments/{photo.id}").status_code == 200
    assert login(world.manager_b).get(f"/attachments/{photo.id}").status_code == 404
