"""The inspection pages: the create page shows the budget before anything is created and asks for the
over-cap reason when it is used up; the inspection page at tablet width runs the visit (start, items,
a finding with a photo, the canvas signature, the record) and keeps what was typed when a rule fails;
denials: another county, another enterprise's account, an enterprise before the visit, an officer not on
the team, a leader's step taken by an officer."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.inspections.caps import budget
from app.inspections.models import Finding, Inspection, InspectionStatus
from app.inspections.operations import inspection as ops
from tests.factories.db import commit
from tests.factories.files import JPEG, PNG
from tests.factories.inspections_onsite import answer_all, scheme_data, start_data


def _text(r) -> str:
    return r.get_data(as_text=True)


def test_create_page_shows_the_budget_then_creates(login, world, frozen):
    officer = login(world.officer)
    r = officer.get("/inspections/new")
    assert r.status_code == 200 and 'data-testid="pick-first"' in _text(r)
    r = officer.get(f"/inspections/new?enterprise_id={world.ent_a.id}")
    html = _text(r)
    b = budget(world.ent_a, 2026)
    assert 'data-testid="budget-box"' in html and f"{b.remaining} 次" in html
    assert 'name="over_cap_reason"' not in html  # asked for only when the budget is used up
    r = officer.post(
        f"/inspections/new?enterprise_id={world.ent_a.id}",
        {
            "enterprise_id": world.ent_a.id,
            "source": "年度计划",
            "mode": "常规检查",
            "planned_on": "2026-11-04",
            "lead_officer_id": world.officer.id,
            "member_ids": [world.officer2.id],
            "checklist_code": "confined_space",
        },
    )
    assert r.status_code in (302, 303), _text(r)[:2000]
    insp = db.session.scalars(select(Inspection).order_by(Inspection.id.desc())).first()
    assert r.headers["Location"].endswith(f"/inspections/{insp.id}")
    assert insp.status == InspectionStatus.PLANNED and sorted(insp.officer_ids) == sorted(
        [world.officer.id, world.officer2.id]
    )


def test_create_page_refuses_on_the_field_keeping_the_values(login, world, frozen):
    officer = login(world.officer)
    r = officer.post(
        f"/inspections/new?enterprise_id={world.ent_a.id}",
        {
            "enterprise_id": world.ent_a.id,
            "source": "年度计划",
            "mode": "常规检查",
            "source_ref": "计划第3项",
            "planned_on": "2026-11-04",
            "lead_officer_id": world.officer.id,
            "member_ids": [],
        },
    )
    html = _text(r)
    assert r.status_code == 422
    assert "计划第3项" in html and "检查组成员" in html


def test_create_page_over_the_cap_asks_for_the_reason(login, world, new_inspection):
    while budget(world.ent_a, 2026).remaining > 0:
        new_inspection()
    commit()
    officer = login(world.officer)
    html = _text(officer.get(f"/inspections/new?enterprise_id={world.ent_a.id}"))
    assert 'data-testid="over-cap-warning"' in html and 'data-testid="budget-over"' in html
    assert 'name="over_cap_reason"' in html
    data = {
        "enterprise_id": world.ent_a.id,
        "source": "专项",
        "mode": "常规检查",
        "planned_on": "2026-11-04",
        "lead_officer_id": world.officer.id,
        "member_ids": [world.officer2.id],
    }
    r = officer.post(f"/inspections/new?enterprise_id={world.ent_a.id}", data)
    assert r.status_code == 422 and "超出上限检查的理由" in _text(r)
    r = officer.post(
        f"/inspections/new?enterprise_id={world.ent_a.id}", {**data, "over_cap_reason": "专项整治"}
    )
    assert r.status_code in (302, 303)
    insp = db.session.scalars(select(Inspection).order_by(Inspection.id.desc())).first()
    assert insp.status == InspectionStatus.PENDING_APPROVAL


def test_create_page_denials(login, world, frozen):
    assert login(world.manager_a).get("/inspections/new").status_code == 403
    assert login(world.legal).get("/inspections/new").status_code == 403
    r = login(world.other_officer).get(f"/inspections/new?enterprise_id={world.ent_a.id}")
    assert r.status_code == 404


def _visit(world, new_inspection):
    insp = new_inspection()
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    commit()
    return insp


def test_the_visit_through_the_pages(login, world, new_inspection):
    insp = _visit(world, new_inspection)
    officer = login(world.officer)
    page = _text(officer.get(f"/inspections/{insp.id}", headers={"User-Agent": "iPad"}))
    assert 'data-testid="start-section"' in page and 'data-testid="team"' in page
    # start: a missing tick comes back next to its field, the place typed kept
    r = officer.post(f"/inspections/{insp.id}/start", {**start_data(world), "credentials_shown": ""})
    assert r.status_code == 422 and "出示执法证件" in _text(r) and "生产车间、污水处理池" in _text(r)
    r = officer.post(
        f"/inspections/{insp.id}/start",
        {**start_data(world), "credentials_shown": "y", "recusal_explained": "y"},
    )
    assert r.status_code in (302, 303), _text(r)[:3000]
    commit()
    insp = db.session.get(Inspection, insp.id)
    assert insp.status == InspectionStatus.ON_SITE
    # the checklist's big buttons
    page = _text(officer.get(f"/inspections/{insp.id}"))
    assert 'data-testid="item-YX-01-符合"' in page
    r = officer.post(f"/inspections/{insp.id}/items", {"item_code": "YX-01", "result": "符合"})
    assert r.status_code in (302, 303) and r.headers["Location"].endswith("#item-YX-01")
    # 不符合 opens the finding form, the provision prefilled from the item's basis
    r = officer.post(f"/inspections/{insp.id}/items", {"item_code": "YX-09", "result": "不符合"})
    assert "/findings/new?item=YX-09" in r.headers["Location"]
    form = _text(officer.get(r.headers["Location"]))
    assert "《工贸企业有限空间作业安全规定》" in form and 'data-testid="finding-item"' in form
    # a bad finding keeps the photo and the text
    r = officer.post(
        f"/inspections/{insp.id}/findings/new?item=YX-09",
        {
            "location": "",
            "description": "未检测即进入污水池作业",
            "level": "一般",
            "deadline": "2026-11-20",
            "provision": "《工贸企业有限空间作业安全规定》",
            "photo_ids": (io.BytesIO(JPEG), "现场.jpg", "image/jpeg"),
        },
        content_type="multipart/form-data",
    )
    html = _text(r)
    assert r.status_code == 422 and "未检测即进入污水池作业" in html and "部位/场所" in html
    token = re.search(r'name="photo_ids__kept" value="([^"]+)"', html) or re.search(
        r'name="photo_ids[^"]*" value="([^"]+)"', html
    )
    assert token, "the uploaded photo is kept"
    kept_name = re.search(r'name="(photo_ids[^"]*)" value="', html).group(1)
    data = {
        "location": "1号污水池",
        "description": "未检测即进入污水池作业",
        "level": "一般",
        "deadline": "2026-11-20",
        "provision": "《工贸企业有限空间作业安全规定》",
        "is_violation": "y",
        kept_name: token.group(1),
    }
    r = officer.post(
        f"/inspections/{insp.id}/findings/new?item=YX-09", data, content_type="multipart/form-data"
    )
    assert r.status_code in (302, 303), _text(r)[:3000]
    commit()
    (finding,) = db.session.scalars(select(Finding).where(Finding.inspection_id == insp.id)).all()
    assert finding.location == "1号污水池" and len(finding.photo_ids) == 1 and finding.is_violation
    # the rest of the checklist, then the canvas PNG
    insp = db.session.get(Inspection, insp.id)
    answer_all(insp, world.officer, skip=("YX-01", "YX-09"))
    commit()
    page = _text(officer.get(f"/inspections/{insp.id}"))
    assert 'data-testid="signature-pad"' in page and "signature.js" in page
    r = officer.post(
        f"/inspections/{insp.id}/signature",
        {"signer": "张三", "signature": (io.BytesIO(PNG), "签名.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert r.status_code in (302, 303), _text(r)[:2000]
    commit()
    insp = db.session.get(Inspection, insp.id)
    assert insp.signed_at is not None
    r = officer.post(f"/inspections/{insp.id}/record", {"summary": "检查有限空间作业，发现问题1项。"})
    assert r.status_code in (302, 303), _text(r)[:2000]
    commit()
    insp = db.session.get(Inspection, insp.id)
    assert insp.record_no and insp.status == InspectionStatus.HANDLING
    page = _text(officer.get(f"/inspections/{insp.id}"))
    assert 'data-testid="record-issued"' in page and insp.record_no in page
    doc = _text(officer.get(f"/documents/{insp.record_document_id}"))
    assert "出示执法证件" in doc and "34130002" in doc and "1号污水池" in doc and "签名" in doc
    scheme = _text(officer.get(f"/documents/{insp.scheme_document_id}"))
    assert "检方" in scheme and "一、检查依据" in scheme and "YX-15" in scheme and "34130001" in scheme
    # a second issue is told who and when
    r = login(world.officer2).post(f"/inspections/{insp.id}/record", {"summary": "again"})
    assert r.status_code in (302, 303)
    # the enterprise now sees its own record, not the scheme
    manager = login(world.manager_a)
    assert manager.get(f"/inspections/{insp.id}").status_code == 200
    assert manager.get(f"/documents/{insp.record_document_id}").status_code == 200
    assert manager.get(f"/documents/{insp.scheme_document_id}").status_code in (403, 404)
    assert manager.get(f"/attachments/{insp.signature_attachment_id}").status_code == 200


def test_refusal_through_the_page(login, world, new_inspection):
    insp = _visit(world, new_inspection)
    ops.start_onsite(insp, start_data(world), actor=world.officer)
    answer_all(insp, world.officer)
    commit()
    officer = login(world.officer2)
    r = officer.post(
        f"/inspections/{insp.id}/refusal", {"refusal_note": "负责人拒绝签字", "refusal_witness": ""}
    )
    assert r.status_code == 422 and "负责人拒绝签字" in _text(r) and "见证人" in _text(r)
    r = officer.post(
        f"/inspections/{insp.id}/refusal", {"refusal_note": "负责人拒绝签字", "refusal_witness": "刘某"}
    )
    assert r.status_code in (302, 303)
    commit()
    assert db.session.get(Inspection, insp.id).refusal_witness == "刘某"


def test_page_denials(login, world, new_inspection):
    insp = _visit(world, new_inspection)
    # another county's officer and another enterprise's account: 404
    assert login(world.other_officer).get(f"/inspections/{insp.id}").status_code == 404
    assert login(world.manager_b).get(f"/inspections/{insp.id}").status_code == 404
    # the enterprise itself never sees a planned inspection (四不两直)
    assert login(world.manager_a).get(f"/inspections/{insp.id}").status_code == 404
    assert login(world.manager_a).post(f"/inspections/{insp.id}/start", start_data(world)).status_code == 404
    # once the team is on site the enterprise sees its inspection, never the 检查方案 nor the staff's boxes
    ops.start_onsite(insp, start_data(world), actor=world.officer)
    commit()
    manager = login(world.manager_a)
    html = _text(manager.get(f"/inspections/{insp.id}"))
    assert 'data-testid="team"' in html and 'data-testid="budget' not in html and "scheme-link" not in html
    assert 'data-testid="item-form-' not in html
    assert manager.get(f"/documents/{insp.scheme_document_id}").status_code in (403, 404)
    assert (
        manager.post(f"/inspections/{insp.id}/items", {"item_code": "YX-01", "result": "符合"}).status_code
        == 404
    )
    # staff in scope off the team may look but not act
    head = login(world.section_head)
    assert head.get(f"/inspections/{insp.id}").status_code == 200
    r = head.post(f"/inspections/{insp.id}/items", {"item_code": "YX-01", "result": "符合"})
    assert r.status_code == 403
    commit()
    assert ops.results_of(db.session.get(Inspection, insp.id)) == {}
    # an officer cannot take the leader's over-cap step through the task page
    while budget(world.ent_a2, 2026).remaining > 0:
        new_inspection(enterprise=world.ent_a2, checklist_code="hazchem")
    over = new_inspection(enterprise=world.ent_a2, checklist_code="hazchem", over_cap_reason="复查")
    commit()
    task = next(t for t in ops.workflow.ready_tasks(ops.instance_of(over)) if t.bpmn_id == "approve_over_cap")
    r = login(world.officer).post(f"/tasks/{task.id}", {"decision": "approve"})
    assert r.status_code in (403, 404)
    commit()
    assert db.session.get(Inspection, over.id).status == InspectionStatus.PENDING_APPROVAL
    r = login(world.leader).post(f"/tasks/{task.id}", {"decision": "refuse", "opinion": "本年度已检查到位"})
    assert r.status_code in (302, 303), _text(r)[:2000]
    commit()
    assert db.session.get(Inspection, over.id).status == InspectionStatus.CANCELLED


def test_task_pages_show_the_facts_and_complete_through_the_operation(login, world, new_inspection):
    insp = new_inspection(source_ref="2026年度计划第5项", checklist_code=None)
    commit()
    task = next(t for t in ops.workflow.ready_tasks(ops.instance_of(insp)) if t.bpmn_id == "prepare_scheme")
    lead = login(world.officer)
    html = _text(lead.get(f"/tasks/{task.id}"))
    assert 'data-testid="inspection-facts"' in html and "2026年度计划第5项" in html
    assert "第六十二条" in html and "赵执法负责现场检查" in html  # the form starts with basis and division
    # the second officer is not the assignee
    r = login(world.officer2).post(f"/tasks/{task.id}", scheme_data())
    assert r.status_code in (403, 404)
    r = lead.post(f"/tasks/{task.id}", scheme_data(checklist_code="dust"))
    assert r.status_code in (302, 303), _text(r)[:2000]
    commit()
    insp = db.session.get(Inspection, insp.id)
    assert insp.scheme_document_id and insp.checklist_code == "dust"
    assert sorted(ops.ready_ids(insp)) == ["onsite_record"]


def test_the_leader_reads_the_budget_and_the_reason(login, world, new_inspection):
    while budget(world.ent_a, 2026).remaining > 0:
        new_inspection()
    over = new_inspection(over_cap_reason="群众反映夜间违规动火")
    commit()
    task = next(t for t in ops.workflow.ready_tasks(ops.instance_of(over)) if t.bpmn_id == "approve_over_cap")
    html = _text(login(world.leader).get(f"/tasks/{task.id}"))
    assert 'data-testid="budget-over"' in html and "群众反映夜间违规动火" in html


def test_a_section_head_cancels_before_the_visit(login, world, new_inspection):
    insp = _visit(world, new_inspection)
    assert 'data-testid="cancel"' not in _text(login(world.officer).get(f"/inspections/{insp.id}"))
    assert (
        login(world.officer).post(f"/inspections/{insp.id}/cancel", {"reason": "企业已关闭"}).status_code
        == 403
    )
    head = login(world.section_head)
    assert 'data-testid="cancel"' in _text(head.get(f"/inspections/{insp.id}"))
    r = head.post(f"/inspections/{insp.id}/cancel", {"reason": "企业已关闭"})
    assert r.status_code in (302, 303)
    commit()
    insp = db.session.get(Inspection, insp.id)
    assert insp.status == InspectionStatus.CANCELLED and insp.cancelled_reason == "企业已关闭"


def test_a_checklist_item_carries_its_note_through_the_page(login, world, new_inspection):
    insp = _visit(world, new_inspection)
    ops.start_onsite(insp, start_data(world), actor=world.officer)
    commit()
    officer = login(world.officer)
    page = _text(officer.get(f"/inspections/{insp.id}"))
    assert 'data-testid="item-YX-01-note"' in page and "说明（选填" in page
    r = officer.post(
        f"/inspections/{insp.id}/items",
        {"item_code": "YX-01", "result": "符合", "note": "现场查看作业审批单3份"},
    )
    assert r.status_code in (302, 303)
    commit()
    row = ops.results_of(db.session.get(Inspection, insp.id))["YX-01"]
    assert row.result == "符合" and row.note == "现场查看作业审批单3份"
    page = _text(officer.get(f"/inspections/{insp.id}"))
    assert 'value="现场查看作业审批单3份"' in page  # shown again on the item, editable
    # no result chosen (Enter in the note): the message next to that item's note, the note as typed kept,
    # nothing saved
    r = officer.post(
        f"/inspections/{insp.id}/items", {"item_code": "YX-02", "result": "", "note": "未见台账"}
    )
    html = _text(r)
    assert r.status_code == 422 and 'data-testid="item-YX-02-error"' in html
    assert "请选择符合、不符合或不涉及" in html and 'value="未见台账"' in html
    commit()
    assert "YX-02" not in ops.results_of(db.session.get(Inspection, insp.id))
    # too long: refused on the field, the earlier note unchanged
    r = officer.post(
        f"/inspections/{insp.id}/items", {"item_code": "YX-01", "result": "符合", "note": "长" * 2001}
    )
    assert r.status_code == 422 and "说明不能超过2000字" in _text(r)
    commit()
    assert ops.results_of(db.session.get(Inspection, insp.id))["YX-01"].note == "现场查看作业审批单3份"
    # the enterprise reads the results with their notes, never the form
    html = _text(login(world.manager_a).get(f"/inspections/{insp.id}"))
    assert 'data-testid="item-YX-01-note"' not in html
    assert 'data-testid="item-YX-01-note-text"' in html and "说明：现场查看作业审批单3份" in html


@pytest.mark.parametrize("source", ["举报", "双随机"])
def test_the_cap_is_not_bypassed_by_naming_a_source_the_page_does_not_create(
    login, world, new_inspection, source
):
    """举报 is cap-exempt: only the tip-off's verification creates one (app.inspections.operations.tipoff); a
    双随机 inspection only comes from a draw. Neither page nor API takes them, so an enterprise at its cap gets
    no extra inspection without the leader's approval."""
    while budget(world.ent_a2, 2026).remaining > 0:
        new_inspection(enterprise=world.ent_a2, checklist_code="hazchem")
    commit()
    before = db.session.scalar(select(func.count()).select_from(Inspection))
    form = {
        "enterprise_id": world.ent_a2.id,
        "source": source,
        "mode": "常规检查",
        "planned_on": "2026-11-04",
        "lead_officer_id": world.officer.id,
        "member_ids": [world.officer2.id],
        "checklist_code": "hazchem",
    }
    client = login(world.officer)
    r = client.post(f"/inspections/new?enterprise_id={world.ent_a2.id}", form)
    assert r.status_code == 422 and "任务来源" in _text(r)
    r = client.api("POST", "/api/v1/inspections", json={"data": form})
    assert r.status_code == 422, r.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == before
    page = _text(client.get(f"/inspections/new?enterprise_id={world.ent_a2.id}"))
    assert '<option value="举报"' not in page and '<option value="双随机"' not in page
