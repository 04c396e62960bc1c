"""The 暗访 procedure at the operation level (journeys 7–9): who may deploy and with what team, the start by the
lead within the window (inspections 暗访/四不两直, counted against the cap from then on), the 情况表 with hashed
and timed evidence (EXIF), the formal procedure before the 情况表 closes, 交办 → 回头看 → 督办 → 回头看, the
通报 of a period, the window timer, and every path of the covert_visit workflow."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, workflow
from app.calendar import legal_calendar
from app.documents.models import OfficialDocument
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections.caps import budget
from app.inspections.exif import capture_time, exif_segment
from app.inspections.models.covert import AssignmentStatus, CovertStatus
from app.inspections.operations import covert as ops
from tests.factories.files import JPEG, file_storage
from tests.factories.inspections_covert import (
    add_row,
    extra_users,
    make_visit,
    run_to_assign,
    start,
    task_of,
    visit_data,
)

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8 + b"mp4-body" * 40


def _stored(actor, data: bytes, name: str, mime: str) -> int:
    from app import attachments

    return attachments.store(file_storage(data, name, mime), actor=actor).id


# ---- create -----------------------------------------------------------------------------------------------


def test_only_a_leader_or_section_head_deploys_a_visit(world, frozen):
    with pytest.raises(PermissionDenied):
        ops.create_visit(visit_data(world), actor=world.officer)
    with pytest.raises(PermissionDenied):
        ops.create_visit(visit_data(world), actor=world.manager_a)
    visit = make_visit(world, actor=world.section_head)
    assert visit.status == CovertStatus.SEALED and visit.code == "（萧）应急暗访〔2026〕1号"
    assert [(m.user_id, m.is_lead) for m in visit.members] == [
        (world.officer.id, True),
        (world.officer2.id, False),
    ]


@pytest.mark.parametrize(
    "over, field",
    [
        ({"member_ids": [], "lead_id": None}, "lead_id"),
        ({"member_ids": []}, "member_ids"),  # the lead alone: fewer than 2
        ({"enterprise_ids": []}, "enterprise_ids"),
        ({"window_from": "2026-11-01"}, "window_from"),  # yesterday
        ({"window_to": "2026-10-30"}, "window_to"),
    ],
)
def test_a_visit_needs_targets_a_certified_team_of_two_and_a_window(world, frozen, over, field):
    with pytest.raises(ValidationFailed) as exc:
        ops.create_visit(visit_data(world, **over), actor=world.leader)
    assert field in exc.value.field_errors


def test_the_team_holds_valid_certificates_over_the_window_and_targets_are_in_the_jurisdiction(world, frozen):
    world.officer2.cert_expires_on = clock.today() + timedelta(days=3)  # expires inside the 7-day window
    with pytest.raises(ValidationFailed) as exc:
        ops.create_visit(visit_data(world), actor=world.leader)
    assert "执法证" in exc.value.field_errors["member_ids"]
    world.officer2.cert_expires_on = date(2031, 12, 31)
    with pytest.raises(ValidationFailed) as exc:
        ops.create_visit(visit_data(world, enterprise_ids=[world.ent_other.id]), actor=world.leader)
    assert "本辖区" in exc.value.field_errors["enterprise_ids"]
    with pytest.raises(ValidationFailed) as exc:  # an officer of another county cannot join
        ops.create_visit(
            visit_data(world, member_ids=[world.officer.id, world.other_officer.id]), actor=world.leader
        )
    assert "本机关" in exc.value.field_errors["member_ids"]


def test_the_page_deploys_a_visit(world, frozen, login):
    r = login(world.leader).post(
        "/inspections/covert/new",
        data={
            "purpose": "夜间动火作业暗访",
            "targets-0-enterprise_id": str(world.ent_a.id),
            "targets-1-enterprise_id": str(world.ent_a2.id),
            "lead_id": str(world.officer.id),
            "member_ids": [str(world.officer2.id)],
            "window_from": "2026-11-02",
            "window_to": "2026-11-06",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    from app.inspections.models.covert import CovertVisit

    visit = db.session.scalars(select(CovertVisit)).one()
    assert [t.enterprise_id for t in visit.targets] == [world.ent_a.id, world.ent_a2.id]
    assert login(world.officer).get(r.headers["Location"]).status_code == 200
    assert login(world.section_head).post("/inspections/covert/new", data={}).status_code == 422  # empty form
    assert login(world.officer).get("/inspections/covert/new").status_code == 403


# ---- start ------------------------------------------------------------------------------------------------


def test_only_the_lead_starts_and_only_within_the_window(world, frozen, login):
    visit = make_visit(world, window_from="2026-11-04", window_to="2026-11-06")
    with pytest.raises(PermissionDenied):
        ops.start_visit(visit, {}, actor=world.officer2)
    with pytest.raises(PermissionDenied):
        ops.start_visit(visit, {}, actor=world.leader)  # the creator is not the lead
    with pytest.raises(ValidationFailed):  # Monday: the window opens on Wednesday
        ops.start_visit(visit, {}, actor=world.officer)
    db.session.rollback()
    # the task API as a member who is not the assignee: not their task (404)
    task = task_of(visit, "start_visit")
    assert login(world.officer2).post(f"/api/v1/tasks/{task.id}/complete", data={}).status_code in (403, 404)
    clock.freeze(datetime(2026, 11, 4, 10, 0, tzinfo=clock.TZ))
    before = budget(world.ent_a, 2026).used
    (insp,) = start(world, visit)
    assert budget(world.ent_a, 2026).used == before + 1  # counted from the start on, never before
    assert insp.lead_officer_id == world.officer.id and sorted(insp.officer_ids) == sorted(visit.member_ids)
    assert visit.targets[0].inspection_id == insp.id
    assert ops.ready_ids(visit) == ["record_sheet"]
    with pytest.raises(InvalidState):
        ops.start_visit(visit, {}, actor=world.officer)


def test_the_creator_changes_the_team_while_sealed_and_the_start_task_follows_the_lead(world, frozen, login):
    extra = extra_users(world)
    visit = make_visit(world)
    with pytest.raises(PermissionDenied):  # only its creator
        ops.change_team(
            visit, {"lead_id": world.officer2.id, "member_ids": [extra.officer3.id]}, actor=world.officer
        )
    r = login(world.leader).post(
        f"/inspections/covert/{visit.id}/team",
        data={"lead_id": str(world.officer2.id), "member_ids": [str(extra.officer3.id)]},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    db.session.refresh(visit)
    assert [(m.user_id, m.is_lead) for m in visit.members] == [
        (world.officer2.id, True),
        (extra.officer3.id, False),
    ]
    from app.inspections import sealed

    assert not sealed.can_see(world.officer, visit) and sealed.can_see(extra.officer3, visit)
    task = task_of(visit, "start_visit")
    assert task.assignee_id == world.officer2.id
    assert login(world.officer).get(f"/tasks/{task.id}").status_code == 404  # removed: the task left them
    with pytest.raises(PermissionDenied):
        ops.start_visit(visit, {}, actor=world.officer)
    from app.notifications.models import Notification

    told = {n.user_id for n in db.session.scalars(select(Notification))}
    assert told == {world.officer.id, world.officer2.id, extra.officer3.id}  # the old team, the new member
    # the new lead starts; the next tasks are theirs
    ops.start_visit(visit, {}, actor=world.officer2)
    db.session.commit()
    assert task_of(visit, "record_sheet").assignee_id == world.officer2.id
    with pytest.raises(InvalidState):  # once started the team is the inspection's
        ops.change_team(
            visit, {"lead_id": world.officer.id, "member_ids": [world.officer2.id]}, actor=world.leader
        )


def test_the_window_passing_unstarted_cancels_the_visit_which_stays_sealed(world, frozen):
    extra = extra_users(world)
    visit = make_visit(world, window_to="2026-11-03")
    clock.freeze(datetime(2026, 11, 4, 0, 1, tzinfo=clock.TZ))
    workflow.tick()
    db.session.commit()
    assert visit.status == CovertStatus.CANCELLED and visit.cancelled_reason == "时间窗口届满未启动"
    assert ops.ready_ids(visit) == []
    from app.inspections import sealed

    assert not sealed.can_see(extra.leader2, visit) and sealed.can_see(world.officer2, visit)


def test_only_the_creator_cancels_and_only_while_sealed(world, frozen):
    visit = make_visit(world)
    with pytest.raises(PermissionDenied):
        ops.cancel_visit(visit, {"reason": "改期"}, actor=world.officer)
    start(world, visit)
    with pytest.raises(InvalidState):
        ops.cancel_visit(visit, {"reason": "改期"}, actor=world.leader)


# ---- the 情况表 ---------------------------------------------------------------------------------------------


def test_evidence_keeps_its_hash_and_capture_time_from_exif_or_the_form(world, frozen):
    visit = make_visit(world)
    start(world, visit)
    shot = datetime(2026, 11, 2, 8, 15, 30)
    photo = b"\xff\xd8" + exif_segment(shot) + JPEG[2:]
    assert capture_time(photo) == shot and capture_time(JPEG) is None
    ids = [
        _stored(world.officer, photo, "储罐区.jpg", "image/jpeg"),
        _stored(world.officer, MP4, "动火.mp4", "video/mp4"),
    ]
    row = add_row(world, visit, evidence=ids, target_id=visit.targets[0].id, unit="")
    assert row.unit == world.ent_a.name
    exif, video = row.evidence
    assert (exif.kind, exif.sha256, exif.captured_source) == (
        "照片",
        hashlib.sha256(photo).hexdigest(),
        "EXIF",
    )
    assert exif.captured_at == clock.to_utc(shot)
    assert (video.kind, video.sha256, video.captured_source, video.captured_at) == (
        "视频",
        hashlib.sha256(MP4).hexdigest(),
        "未知",
        None,
    )
    given = datetime(2026, 11, 2, 8, 40, tzinfo=clock.TZ)
    row2 = add_row(
        world,
        visit,
        evidence=[_stored(world.officer2, photo, "b.jpg", "image/jpeg")],
        captured_at=given,
        actor=world.officer2,
    )
    assert row2.evidence[0].captured_source == "填报" and row2.evidence[0].captured_at == given


def test_only_members_record_and_only_while_the_sheet_is_open(world, frozen):
    extra = extra_users(world)
    visit = make_visit(world)
    with pytest.raises(InvalidState):  # not started
        add_row(world, visit)
    db.session.rollback()
    start(world, visit)
    with pytest.raises(PermissionDenied):
        add_row(world, visit, actor=extra.officer3)
    with pytest.raises(ValidationFailed):
        add_row(world, visit, observed_at=clock.now() + timedelta(hours=1))


def test_a_targets_problems_go_through_its_on_site_record_before_the_sheet_is_issued(world, frozen):
    visit = make_visit(world)
    (insp,) = start(world, visit)
    with pytest.raises(ValidationFailed) as exc:  # nothing recorded
        ops.finish_sheet(visit, {"conclusion": "x"}, actor=world.officer)
    add_row(world, visit, target_id=visit.targets[0].id, unit="")
    with pytest.raises(ValidationFailed) as exc:
        ops.finish_sheet(visit, {"conclusion": "发现问题"}, actor=world.officer)
    assert "现场检查记录" in exc.value.field_errors["conclusion"]
    # the formal procedure: the inspection's on-site record (现场检查记录, the onsite part's steps)
    from app.inspections.operations import inspection as onsite
    from tests.factories.inspections_onsite import answer_all, start_data

    onsite.start_onsite(insp, start_data(world, checklist_code="confined_space"), actor=world.officer)
    answer_all(insp, world.officer)
    onsite.refuse_signature(
        insp, {"refusal_note": "负责人拒绝签字", "refusal_witness": "见证人 刘某"}, actor=world.officer
    )
    onsite.issue_record(insp, {"summary": "检查情况"}, actor=world.officer)
    assert insp.record_no == "（萧）应急检记〔2026〕1号"
    assert ops.open_procedures(visit) == []
    with pytest.raises(PermissionDenied):
        ops.finish_sheet(visit, {"conclusion": "发现问题"}, actor=world.officer2)  # the lead issues it
    ops.finish_sheet(visit, {"conclusion": "发现问题1处", "needs_assignment": False}, actor=world.officer)
    db.session.commit()
    doc = db.session.get(OfficialDocument, visit.sheet_document_id)
    assert doc.doc_type == "covert_sheet" and doc.locked and doc.number.text == "（萧）应急暗查〔2026〕1号"
    assert doc.content["rows"][0]["record_no"] == "（萧）应急检记〔2026〕1号"
    # no 交办: the visit is done
    assert visit.status == CovertStatus.DONE and visit.completed_on == clock.today()
    assert ops.ready_ids(visit) == []


# ---- governance -------------------------------------------------------------------------------------------


def test_assignment_then_return_visit_then_supervision_then_return_visit(world, frozen, login):
    visit = make_visit(world)
    run_to_assign(world, visit)
    assert visit.status == CovertStatus.ACTIVE and ops.ready_ids(visit) == ["assign"]
    with pytest.raises(PermissionDenied):
        ops.issue_assignment(visit, {"to_name": "龙城镇人民政府", "problems": "x"}, actor=world.officer2)
    a = ops.issue_assignment(
        visit,
        {
            "to_name": "龙城镇人民政府",
            "to_region_id": world.town_a.id,
            "problems": "督促企业落实动火作业票制度",
        },
        actor=world.section_head,
    )
    db.session.commit()
    assert a.deadline == legal_calendar.add_days(clock.today(), 15, kind="working")  # assignment_period
    assert a.number == "（萧）应急交办〔2026〕1号" and a.to_region_path == world.town_a.path
    assert a.status == AssignmentStatus.WAITING
    task = task_of(visit, "return_visit")
    assert task.assignee_id == world.officer.id and task.due_date == a.deadline

    clock.freeze(datetime(2026, 11, 24, 10, 0, tzinfo=clock.TZ))
    ops.record_return_visit(
        visit,
        {"visited_on": "2026-11-24", "result": "unfixed", "note": "仍未办理作业票", "reply": "已督促"},
        actor=world.officer,
    )
    db.session.commit()
    assert a.reply == "已督促" and a.status == AssignmentStatus.WAITING and not a.supervisions
    # the 督办单 is the agency's: the section head (or a leader) issues it, never the team lead or a member
    assert ops.ready_ids(visit) == ["supervise"]
    for who in (world.officer, world.officer2):
        with pytest.raises(PermissionDenied):
            ops.issue_supervision(visit, {"requirements": "x", "new_deadline": "2026-11-27"}, actor=who)
    db.session.rollback()
    with pytest.raises(ValidationFailed) as exc:  # 督办 needs the requirements and a new deadline
        ops.issue_supervision(visit, {"requirements": "3日内完成整改并报送照片"}, actor=world.section_head)
    assert "new_deadline" in exc.value.field_errors
    db.session.rollback()
    ops.issue_supervision(
        visit,
        {"requirements": "3日内完成整改并报送照片", "new_deadline": "2026-11-27"},
        actor=world.section_head,
    )
    db.session.commit()
    assert a.status == AssignmentStatus.SUPERVISED
    (sheet,) = a.supervisions
    assert sheet.number == "（萧）应急督单〔2026〕1号" and a.current_deadline == date(2026, 11, 27)
    assert sheet.issued_by_id == world.section_head.id
    assert task_of(visit, "return_visit").due_date == date(2026, 11, 27)

    clock.freeze(datetime(2026, 11, 27, 15, 0, tzinfo=clock.TZ))
    ops.record_return_visit(
        visit, {"visited_on": "2026-11-27", "result": "fixed", "note": "已整改"}, actor=world.officer
    )
    db.session.commit()
    assert a.status == AssignmentStatus.CLOSED and [rv.result for rv in a.return_visits] == [
        "未整改到位",
        "整改到位",
    ]
    assert visit.status == CovertStatus.DONE and ops.ready_ids(visit) == []
    docs = {d.doc_type for d in db.session.scalars(select(OfficialDocument))}
    assert {"covert_sheet", "assignment_letter", "supervision_sheet"} <= docs
    for d in db.session.scalars(select(OfficialDocument)):
        assert login(world.officer).get(f"/documents/{d.id}").status_code == 200
        assert login(world.manager_a).get(f"/documents/{d.id}").status_code == 404
        assert login(world.other_officer).get(f"/documents/{d.id}").status_code == 404


def test_a_bulletin_lists_the_problems_of_started_visits_in_the_period(world, frozen, login):
    extra = extra_users(world)
    done = make_visit(world)
    run_to_assign(world, done)
    sealed_visit = make_visit(world, purpose="另一暗访", enterprise_ids=[world.ent_b.id])
    with pytest.raises(PermissionDenied):
        ops.issue_bulletin(
            {"title": "x", "period_from": "2026-11-01", "period_to": "2026-11-02"}, actor=world.officer
        )
    with pytest.raises(ValidationFailed):  # nothing found in October
        ops.issue_bulletin(
            {"title": "x", "period_from": "2026-10-01", "period_to": "2026-10-31"}, actor=world.leader
        )
    b = ops.issue_bulletin(
        {
            "title": "关于11月安全生产暗访发现问题的通报",
            "period_from": "2026-11-01",
            "period_to": "2026-11-02",
            "requirements": "举一反三",
        },
        actor=world.leader,
    )
    db.session.commit()
    assert b.number == "（萧）应急通报〔2026〕1号"
    assert [p["code"] for p in b.problems] == [done.code]
    assert sealed_visit.code not in str(b.problems) and world.ent_b.name not in str(b.problems)
    doc = db.session.get(OfficialDocument, b.document_id)
    assert doc.doc_type == "bulletin" and doc.locked
    assert login(extra.officer3).get(f"/inspections/covert/bulletins/{b.id}").status_code == 200
    assert login(world.town_officer).get(f"/inspections/covert/bulletins/{b.id}").status_code == 404
    assert login(world.manager_a).get(f"/inspections/covert/bulletins/{b.id}").status_code == 404
    assert login(world.other_officer).get(f"/documents/{doc.id}").status_code == 404
