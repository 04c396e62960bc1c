"""Every path through workflows/inspection.bpmn at the operation level, and the on-site rules: start (≥ 2
officers with valid certificates today, credentials and recusal with their times, the enterprise's answer),
the checklist, findings, the 负责人's signature or the refusal with a witness, the record issued and locked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import audit, clock, workflow
from app.documents.models import OfficialDocument
from app.errors import Conflict, InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections.models import Finding, InspectionSource, InspectionStatus
from app.inspections.operations import inspection as ops
from tests.factories.files import PNG
from tests.factories.inspections_covert import make_visit
from tests.factories.inspections_onsite import answer_all, scheme_data, start_data
from tests.factories.inspections_results import drawn_target


def _ready(insp):
    return sorted(ops.ready_ids(insp))


@pytest.fixture
def planned(world, new_inspection):
    """A planned inspection whose scheme is issued: waiting for the visit."""
    insp = new_inspection()
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    return insp


@pytest.fixture
def on_site(world, planned):
    ops.start_onsite(planned, start_data(world), actor=world.officer)
    return planned


# --- 检查方案 --------------------------------------------------------------------------------------------------


def test_the_lead_issues_the_scheme(world, new_inspection):
    insp = new_inspection(checklist_code=None)
    with pytest.raises(PermissionDenied):
        ops.prepare_scheme(insp, scheme_data(), actor=world.officer2)  # not the lead
    with pytest.raises(ValidationFailed) as exc:
        ops.prepare_scheme(insp, scheme_data(basis="", checklist_code="x"), actor=world.officer)
    assert "basis" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.prepare_scheme(insp, scheme_data(scheduled_on="2026-10-01"), actor=world.officer)
    assert "scheduled_on" in exc.value.field_errors
    ops.prepare_scheme(insp, scheme_data(checklist_code="dust"), actor=world.officer)
    doc = db.session.get(OfficialDocument, insp.scheme_document_id)
    assert doc.doc_type == "inspection_scheme" and doc.locked and "检方" in doc.number.text
    assert insp.checklist_code == "dust" and insp.scheme["checklist_version"] == "2025.1"
    assert len(doc.content["items"]) == 16 and doc.content["team"][0]["cert_no"] == "34130001"
    assert _ready(insp) == ["onsite_record"] and insp.status == InspectionStatus.PLANNED


# --- start on site ------------------------------------------------------------------------------------------


def test_start_records_credentials_recusal_and_times(world, planned):
    with pytest.raises(InvalidState):  # nothing before the start
        ops.record_item(planned, {"item_code": "YX-01", "result": "符合"}, actor=world.officer)
    for field in ("credentials_shown", "recusal_explained"):
        with pytest.raises(ValidationFailed) as exc:
            ops.start_onsite(planned, start_data(world, **{field: False}), actor=world.officer)
        assert field in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.start_onsite(planned, start_data(world, recusal_answer=""), actor=world.officer)
    assert "recusal_answer" in exc.value.field_errors
    with pytest.raises(PermissionDenied):  # not on the team
        ops.start_onsite(planned, start_data(world), actor=world.section_head)
    ops.start_onsite(planned, start_data(world), actor=world.officer)
    assert planned.status == InspectionStatus.ON_SITE
    assert planned.started_at == clock.now() and planned.credentials_shown_at == clock.now()
    assert planned.recusal_explained_at == clock.now() and planned.recusal_answer == "不申请回避"
    with pytest.raises(Conflict) as exc:  # the second officer is told who started and when
        ops.start_onsite(planned, start_data(world), actor=world.officer2)
    assert "王执法" in str(exc.value) and "09:00" in str(exc.value)
    assert any(e.action == "inspection.started" for e in audit.history(planned))


def test_a_certificate_expired_on_the_day_refuses_the_start(world, planned):
    world.officer2.cert_expires_on = clock.today() - timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        ops.start_onsite(planned, start_data(world), actor=world.officer)
    assert "赵执法" in exc.value.field_errors["present_member_ids"]
    assert planned.started_at is None


def test_a_recusal_leaving_fewer_than_two_refuses_the_start(world, planned):
    with pytest.raises(ValidationFailed) as exc:
        ops.start_onsite(planned, start_data(world, recusal_answer="申请回避"), actor=world.officer)
    assert "recusal_of" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.start_onsite(
            planned,
            start_data(world, recusal_answer="申请回避", recusal_of=[world.officer2.id]),
            actor=world.officer,
        )
    assert "不足2人" in exc.value.field_errors["recusal_of"]
    with pytest.raises(ValidationFailed):  # an absent member does not count either
        ops.start_onsite(
            planned, start_data(world, present_member_ids=[world.officer.id]), actor=world.officer
        )


def test_a_recused_member_leaves_a_team_of_three(world, new_inspection):
    insp = new_inspection(member_ids=[world.officer.id, world.officer2.id, world.section_head.id])
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    ops.start_onsite(
        insp,
        start_data(world, recusal_answer="申请回避", recusal_of=[world.officer2.id]),
        actor=world.officer,
    )
    assert sorted(insp.officer_ids) == sorted([world.officer.id, world.section_head.id])
    assert insp.recusal_answer == "申请赵执法回避"


# --- checklist and findings ---------------------------------------------------------------------------------


def test_items_and_findings(world, on_site, upload):
    with pytest.raises(ValidationFailed) as exc:
        ops.record_item(on_site, {"item_code": "NOPE", "result": "符合"}, actor=world.officer)
    assert "item_code" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.record_item(on_site, {"item_code": "YX-01", "result": "好"}, actor=world.officer)
    assert "result" in exc.value.field_errors
    with pytest.raises(PermissionDenied):
        ops.record_item(on_site, {"item_code": "YX-01", "result": "符合"}, actor=world.other_officer)
    row = ops.record_item(on_site, {"item_code": "YX-01", "result": "符合"}, actor=world.officer2)
    assert row.basis.startswith("《工贸企业有限空间作业安全规定》")
    # a finding on an item: provision prefilled from the item's basis, the item becomes 不符合
    photo = upload(world.officer)
    f = ops.save_finding(
        on_site,
        {
            "item_code": "YX-09",
            "location": "污水处理池",
            "description": "未检测即进入作业",
            "deadline": "2026-11-20",
            "photo_ids": [photo],
            "is_violation": True,
        },
        actor=world.officer,
    )
    assert (
        f.seq == 1 and f.provision.startswith("《工贸企业有限空间作业安全规定》") and f.photo_ids == [photo]
    )
    assert f.outcome == "待处理"
    assert ops.results_of(on_site)["YX-09"].result == "不符合"
    # 重大 needs its criterion (prefilled from the item), a deadline unless corrected on the spot
    f2 = ops.save_finding(
        on_site,
        {
            "item_code": "YX-10",
            "location": "池口",
            "description": "无监护人员",
            "level": "重大",
            "corrected_on_site": True,
        },
        actor=world.officer,
    )
    assert f2.criterion_code == "GM2023-13-2" and f2.deadline is None and f2.seq == 2
    bad = [
        ({"location": "", "description": "x", "deadline": "2026-11-20", "item_code": "YX-01"}, "location"),
        ({"location": "a", "description": "x", "item_code": "YX-02"}, "deadline"),
        ({"location": "a", "description": "x", "deadline": "2026-10-01", "item_code": "YX-02"}, "deadline"),
        ({"location": "a", "description": "x", "deadline": "2026-11-20"}, "provision"),  # no item: type it
        (
            {
                "location": "a",
                "description": "x",
                "deadline": "2026-11-20",
                "provision": "p",
                "level": "重大",
            },
            "criterion_code",
        ),
        (
            {
                "location": "a",
                "description": "x",
                "deadline": "2026-11-20",
                "item_code": "YX-02",
                "photo_ids": [99999],
            },
            "photo_ids",
        ),
    ]
    for data, field in bad:
        with pytest.raises(ValidationFailed) as exc:
            ops.save_finding(on_site, data, actor=world.officer)
        assert field in exc.value.field_errors, data
    # an item with a finding cannot turn 符合 until the finding is removed
    with pytest.raises(ValidationFailed):
        ops.record_item(on_site, {"item_code": "YX-09", "result": "符合"}, actor=world.officer)
    ops.save_finding(
        on_site,
        {
            "finding_id": f.id,
            "item_code": "YX-09",
            "location": "1号污水池",
            "description": "未检测即进入作业",
            "deadline": "2026-11-25",
        },
        actor=world.officer,
    )
    assert f.location == "1号污水池" and not f.is_violation and f.outcome is None
    ops.remove_finding(on_site, f.id, actor=world.officer)
    assert db.session.get(Finding, f.id) is None
    ops.record_item(on_site, {"item_code": "YX-09", "result": "符合"}, actor=world.officer)


# --- signature / refusal / record ---------------------------------------------------------------------------


def _complete_checklist(world, insp):
    answer_all(insp, world.officer, skip=("YX-09",))
    ops.save_finding(
        insp,
        {
            "item_code": "YX-09",
            "location": "污水处理池",
            "description": "未执行先通风再检测后作业",
            "deadline": "2026-11-20",
            "is_violation": True,
        },
        actor=world.officer,
    )


def test_signature_then_record_issued_and_locked(world, on_site, upload):
    with pytest.raises(InvalidState) as exc:  # an incomplete record is not signed
        ops.sign_record(
            on_site,
            {"signature_attachment_id": upload(world.officer, PNG, "签名.png", "image/png")},
            actor=world.officer,
        )
    assert "未检查" in str(exc.value)
    _complete_checklist(world, on_site)
    with pytest.raises(ValidationFailed):  # a JPEG is not the canvas signature
        ops.sign_record(on_site, {"signature_attachment_id": upload(world.officer)}, actor=world.officer)
    sig = upload(world.officer, PNG, "签名.png", "image/png")
    with pytest.raises(
        InvalidState
    ):  # no record without the summary's step being reached… nor without signing
        ops.issue_record(on_site, {"summary": "检查情况"}, actor=world.officer)
    ops.sign_record(on_site, {"signature_attachment_id": sig, "signer": "张三"}, actor=world.officer)
    assert on_site.signed_at is not None and on_site.signature_attachment_id == sig
    # a change after signing voids the signature
    ops.record_item(on_site, {"item_code": "YX-01", "result": "不涉及"}, actor=world.officer)
    assert on_site.signed_at is None and on_site.signature_attachment_id is None
    ops.sign_record(on_site, {"signature_attachment_id": sig}, actor=world.officer)
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_record(on_site, {"summary": ""}, actor=world.officer)
    assert "summary" in exc.value.field_errors
    ops.issue_record(
        on_site, {"summary": "对有限空间作业安全管理进行了检查，发现问题1项。"}, actor=world.officer
    )
    doc = db.session.get(OfficialDocument, on_site.record_document_id)
    assert doc.locked and doc.doc_type == "inspection_record" and on_site.record_no == doc.number.text
    assert "检记" in doc.number.text
    c = doc.content
    assert c["started_at"] == "2026年11月02日09时00分" and c["signature_attachment_id"] == sig
    assert [m["cert_no"] for m in c["team"]] == ["34130001", "34130002"]
    assert len(c["items"]) == 15 and c["findings"][0]["provision"].startswith("《工贸企业有限空间")
    assert on_site.status == InspectionStatus.HANDLING and _ready(on_site) == ["handle_results"]
    assert on_site.result_publish_due is None  # not a 双随机 inspection
    with pytest.raises(Conflict):
        ops.issue_record(on_site, {"summary": "again"}, actor=world.officer)
    # locked: nothing on site changes any more
    for call in (
        lambda: ops.record_item(on_site, {"item_code": "YX-01", "result": "符合"}, actor=world.officer),
        lambda: ops.refuse_signature(
            on_site, {"refusal_note": "x", "refusal_witness": "y"}, actor=world.officer
        ),
    ):
        with pytest.raises(InvalidState):
            call()


def test_refusal_with_a_witness(world, on_site):
    _complete_checklist(world, on_site)
    with pytest.raises(ValidationFailed) as exc:
        ops.refuse_signature(on_site, {"refusal_note": "负责人拒绝签字"}, actor=world.officer)
    assert "refusal_witness" in exc.value.field_errors
    ops.refuse_signature(
        on_site,
        {"refusal_note": "负责人以需请示董事长为由拒绝签字", "refusal_witness": "村委会主任 刘某"},
        actor=world.officer2,
    )
    ops.issue_record(on_site, {"summary": "检查情况"}, actor=world.officer)
    doc = db.session.get(OfficialDocument, on_site.record_document_id)
    assert (
        doc.content["refusal_witness"] == "村委会主任 刘某" and doc.content["signature_attachment_id"] is None
    )


def test_the_second_officer_issuing_the_same_record_loses_with_who_and_when(world, on_site):
    _complete_checklist(world, on_site)
    ops.refuse_signature(on_site, {"refusal_note": "拒签", "refusal_witness": "刘某"}, actor=world.officer)
    task = workflow.ready_tasks(ops.instance_of(on_site))[0]
    ops.issue_record(on_site, {"summary": "检查情况"}, actor=world.officer, task=task)
    db.session.refresh(task)
    with pytest.raises(Conflict) as exc:
        ops.issue_record(on_site, {"summary": "检查情况"}, actor=world.officer2, task=task)
    assert "王执法" in str(exc.value) and "2026年11月02日 09:00" in str(exc.value)


# --- paths through the BPMN ---------------------------------------------------------------------------------


def test_a_random_inspection_is_published_within_20_working_days_and_marked_overdue(world, new_inspection):
    insp = new_inspection(source=InspectionSource.RANDOM, origin=drawn_target(world))
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    ops.start_onsite(insp, start_data(world), actor=world.officer)
    answer_all(insp, world.officer)
    ops.refuse_signature(insp, {"refusal_note": "拒签", "refusal_witness": "刘某"}, actor=world.officer)
    ops.issue_record(insp, {"summary": "未发现问题"}, actor=world.officer)
    assert insp.result_publish_due is not None
    from app.calendar import legal_calendar

    assert insp.result_publish_due == legal_calendar.add_days(clock.today(), 20, "working")
    # handle_results (the results area's operation; nothing found, nothing to order) → publish_result, due
    from app.inspections.operations import results

    assert _ready(insp) == ["handle_results"]
    results.finish_handling(insp, {}, actor=world.officer)
    assert _ready(insp) == ["publish_result"]
    pub = workflow.ready_tasks(ops.instance_of(insp))[0]
    assert pub.due_date == insp.result_publish_due
    # the timer fires after the due day: overdue noted, the task stays
    from app.workflow import ticks

    clock.freeze(clock.local_midnight_after(insp.result_publish_due) + timedelta(hours=1))
    assert ticks.tick() >= 1
    assert _ready(insp) == ["publish_result"]
    assert any(e.action == "inspection.result_overdue" for e in audit.history(insp))


def test_a_covert_inspection_without_findings_ends_done(world, new_inspection):
    """暗访 (no scheme) → on site → record → handle_results (results area) → done, completed today."""
    from app.inspections.operations import results

    (target,) = make_visit(world).targets
    insp = new_inspection(source=InspectionSource.COVERT, mode="四不两直", origin=target)
    assert _ready(insp) == ["onsite_record"] and insp.scheme_document_id is None
    ops.start_onsite(insp, start_data(world), actor=world.officer)
    answer_all(insp, world.officer, result="不涉及")
    ops.refuse_signature(insp, {"refusal_note": "拒签", "refusal_witness": "刘某"}, actor=world.officer)
    ops.issue_record(insp, {"summary": "未发现问题"}, actor=world.officer)
    assert insp.result_publish_due is None
    results.finish_handling(insp, {}, actor=world.officer)
    assert insp.status == InspectionStatus.DONE and insp.completed_on == clock.today()
    assert ops.instance_of(insp).status == "completed"


def test_cancel_before_the_visit(world, new_inspection, planned):
    with pytest.raises(PermissionDenied):
        ops.cancel_inspection(planned, {"reason": "企业已关闭"}, actor=world.officer)
    with pytest.raises(ValidationFailed):
        ops.cancel_inspection(planned, {"reason": ""}, actor=world.section_head)
    ops.cancel_inspection(planned, {"reason": "企业已关闭"}, actor=world.section_head)
    assert planned.status == InspectionStatus.CANCELLED and planned.cancelled_reason == "企业已关闭"
    assert _ready(planned) == []
    started = new_inspection()
    ops.prepare_scheme(started, scheme_data(), actor=world.officer)
    ops.start_onsite(started, start_data(world), actor=world.officer)
    with pytest.raises(InvalidState):
        ops.cancel_inspection(started, {"reason": "x"}, actor=world.leader)


def test_the_times_of_credentials_and_recusal_may_be_recorded_as_they_were(world, planned):
    from datetime import datetime

    now = clock.now()
    early = now - timedelta(minutes=20)
    for field, value, words in (
        ("credentials_shown_at", now + timedelta(minutes=5), "晚于现在"),
        ("credentials_shown_at", now - timedelta(hours=13), "12小时"),
        ("recusal_explained_at", early - timedelta(minutes=1), None),
        ("credentials_shown_at", "昨天", "格式"),
    ):
        data = start_data(world, **{"credentials_shown_at": early, field: value})
        with pytest.raises(ValidationFailed) as exc:
            ops.start_onsite(planned, data, actor=world.officer)
        assert field in exc.value.field_errors and (words is None or words in exc.value.field_errors[field])
    ops.start_onsite(
        planned,
        start_data(world, credentials_shown_at=early, recusal_explained_at=early + timedelta(minutes=1)),
        actor=world.officer,
    )
    assert planned.credentials_shown_at == early and planned.started_at == early
    assert planned.recusal_explained_at == early + timedelta(minutes=1)
    assert isinstance(planned.started_at, datetime)


# --- 人员变更 (回避替换) before the visit ----------------------------------------------------------------------


def _officer(username, name, world, **over):
    from datetime import date as _date

    from app.auth.roles import Role
    from tests.factories.org import _user

    u = _user(username, name, [Role.OFFICER], world.brigade, cert=over.pop("cert", "34130077"))
    for k, v in over.items():
        setattr(u, k, v)
    if "cert_expires_on" not in over:
        u.cert_expires_on = _date(2031, 12, 31)
    db.session.flush()
    return u


def _lead_task(insp):
    return next(t for t in workflow.ready_tasks(ops.instance_of(insp)) if t.bpmn_id in ops.LEAD_TASKS)


def test_replace_member_before_the_visit_moves_the_lead_and_their_task(world, new_inspection):
    insp = new_inspection()
    substitute = _officer("officer7", "孙执法", world)
    assert _lead_task(insp).assignee_id == world.officer.id
    ops.replace_member(
        insp, world.officer.id, substitute.id, actor=world.section_head, reason="表弟在该企业任职"
    )
    assert sorted(insp.officer_ids) == sorted([substitute.id, world.officer2.id])
    assert insp.lead_officer_id == substitute.id
    assert {m.user_id: m.role for m in insp.members} == {substitute.id: "主办", world.officer2.id: "组员"}
    assert next(m.cert_no for m in insp.members if m.user_id == substitute.id) == substitute.cert_no
    task = _lead_task(insp)
    assert task.bpmn_id == "prepare_scheme" and task.assignee_id == substitute.id
    event = next(e for e in audit.history(insp) if e.action == "inspection.member_replaced")
    assert event.actor_id == world.section_head.id and "表弟在该企业任职" in event.summary
    # the old lead can no longer take the lead's step; the new lead does, and the next lead task is theirs
    with pytest.raises(PermissionDenied):
        ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    ops.prepare_scheme(insp, scheme_data(), actor=substitute)
    assert _lead_task(insp).bpmn_id == "onsite_record" and _lead_task(insp).assignee_id == substitute.id


def test_replace_member_denials(world, new_inspection):
    insp = new_inspection()
    substitute = _officer("officer7", "孙执法", world)
    # an officer (even on the team), another county's officer, an enterprise account: not theirs to approve
    for actor in (world.officer2, world.other_officer, world.manager_a):
        with pytest.raises(PermissionDenied):
            ops.replace_member(insp, world.officer2.id, substitute.id, actor=actor, reason="回避")
    # the reason is required; the one leaving must be on the team; the one coming must not be
    with pytest.raises(ValidationFailed):
        ops.replace_member(insp, world.officer2.id, substitute.id, actor=world.section_head, reason=" ")
    with pytest.raises(ValidationFailed):
        ops.replace_member(
            insp, substitute.id, world.section_head.id, actor=world.section_head, reason="回避"
        )
    with pytest.raises(ValidationFailed):
        ops.replace_member(insp, world.officer2.id, world.officer.id, actor=world.section_head, reason="回避")
    # checked as at creation: a certificate expired on the planned day, another county's officer, a declared
    # 回避 relation with the enterprise
    expired = _officer(
        "officer8", "周执法", world, cert="34130078", cert_expires_on=insp.planned_on - timedelta(days=1)
    )
    with pytest.raises(ValidationFailed, match="执法证"):
        ops.replace_member(insp, world.officer2.id, expired.id, actor=world.section_head, reason="回避")
    with pytest.raises(ValidationFailed, match="本辖区"):
        ops.replace_member(
            insp, world.officer2.id, world.other_officer.id, actor=world.section_head, reason="回避"
        )
    from app.inspections import conflicts

    conflicts.declare(substitute, world.ent_a, "配偶在该企业任职", actor=substitute)
    with pytest.raises(ValidationFailed, match="回避"):
        ops.replace_member(insp, world.officer2.id, substitute.id, actor=world.section_head, reason="回避")
    assert sorted(insp.officer_ids) == sorted([world.officer.id, world.officer2.id])
    # once the team started on site it is the start step's (回避 recorded there), never a replacement
    other = _officer("officer9", "吴执法", world, cert="34130079")
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    ops.start_onsite(insp, start_data(world), actor=world.officer)
    with pytest.raises(InvalidState):
        ops.replace_member(insp, world.officer2.id, other.id, actor=world.section_head, reason="回避")
    assert sorted(insp.officer_ids) == sorted([world.officer.id, world.officer2.id])


def test_a_lead_recused_on_site_hands_the_record_task_to_the_one_who_starts(world, new_inspection):
    third = _officer("officer7", "孙执法", world)
    insp = new_inspection(member_ids=[world.officer.id, world.officer2.id, third.id])
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    assert _lead_task(insp).bpmn_id == "onsite_record" and _lead_task(insp).assignee_id == world.officer.id
    ops.start_onsite(
        insp,
        start_data(world, recusal_answer="申请回避", recusal_of=[world.officer.id]),
        actor=world.officer2,
    )
    assert insp.lead_officer_id == world.officer2.id and world.officer.id not in insp.officer_ids
    assert _lead_task(insp).assignee_id == world.officer2.id  # not left in the recused lead's inbox


def test_ids_beyond_the_column_are_the_fields_message_not_a_server_error(world, new_inspection, on_site):
    huge = "9" * 26
    with pytest.raises(ValidationFailed):
        new_inspection(lead_officer_id=huge)
    with pytest.raises(ValidationFailed):
        new_inspection(member_ids=[world.officer.id, huge])
    with pytest.raises(ValidationFailed):
        ops.save_finding(on_site, {"finding_id": huge, "description": "x"}, actor=world.officer)
    with pytest.raises(ValidationFailed):
        ops.remove_finding(on_site, huge, actor=world.officer)
    answer_all(on_site, actor=world.officer)
    with pytest.raises(ValidationFailed, match="签字"):
        ops.sign_record(on_site, {"signature_attachment_id": huge}, actor=world.officer)
