"""Creating an inspection (contract §3): the yearly cap counted across sources, the over-cap path through the
leader, the team checked (≥ 2 officers, valid 执法证 on the day, in scope, no declared 回避 relation)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app import audit, workflow
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections import conflicts
from app.inspections.caps import budget
from app.inspections.models import Inspection, InspectionSource, InspectionStatus, TipOff, TipOffStatus
from app.inspections.operations import inspection as ops
from tests.factories.inspections_covert import make_visit
from tests.factories.inspections_onsite import PLANNED_ON, inspection_data
from tests.factories.inspections_results import drawn_target


def _ready(insp):
    return sorted(ops.ready_ids(insp))


def _fill_cap(new_inspection, world, enterprise=None):
    """Create counted inspections until the enterprise's budget for 2026 is used up."""
    enterprise = enterprise or world.ent_a
    while budget(enterprise, 2026).remaining > 0:
        new_inspection(enterprise=enterprise)
    return budget(enterprise, 2026)


def test_create_counts_against_the_cap_and_starts_the_workflow(world, new_inspection):
    before = budget(world.ent_a, 2026)
    insp = new_inspection()
    assert insp.code == f"JC2026{insp.id:06d}"
    assert insp.status == InspectionStatus.PLANNED
    assert insp.cap_year == 2026 and insp.counts_against_cap and not insp.over_cap
    assert insp.agency_id == world.bureau.id and insp.region_path == world.ent_a.region_path
    assert [(m.user_id, m.role, m.cert_no) for m in insp.members] == [
        (world.officer.id, "主办", "34130001"),
        (world.officer2.id, "组员", "34130002"),
    ]
    assert budget(world.ent_a, 2026).used == before.used + 1
    assert _ready(insp) == ["prepare_scheme"]
    task = workflow.ready_tasks(ops.instance_of(insp))[0]
    assert task.assignee_id == world.officer.id
    (event,) = [e for e in audit.history(insp) if e.action == "inspection.created"]
    assert "计入2026年度检查上限" in event.summary


def _tipoff(world, status=TipOffStatus.VERIFYING, enterprise=None) -> TipOff:
    """A tip-off being verified (the origin a 举报 inspection is created from)."""
    t = TipOff(
        no=f"举报〔2026〕{db.session.scalar(select(func.count()).select_from(TipOff)) + 1}号",
        channel="电话",
        content="夜间违规动火",
        enterprise_id=(enterprise or world.ent_a).id,
        region_path=(enterprise or world.ent_a).region_path,
        agency_id=world.bureau.id,
        received_on=PLANNED_ON,
        status=status,
        assigned_to_id=world.officer.id,
    )
    db.session.add(t)
    db.session.flush()
    return t


def test_a_report_inspection_is_exempt_but_recorded_and_needs_no_approval_over_the_cap(world, new_inspection):
    full = _fill_cap(new_inspection, world)
    tipoff = _tipoff(world)
    insp = new_inspection(source=InspectionSource.REPORT, source_ref="随便写的", origin=tipoff)
    assert insp.source_ref == tipoff.no  # the tip-off's number, whatever the caller named
    assert not insp.counts_against_cap and not insp.over_cap
    assert insp.status == InspectionStatus.PLANNED
    after = budget(world.ent_a, 2026)
    assert after.used == full.used and after.exempt == full.exempt + 1
    assert _ready(insp) == ["onsite_record"]  # a 举报 verification goes straight to the site


def test_a_covert_inspection_goes_straight_to_the_site(world, new_inspection):
    visit = make_visit(world, enterprise_ids=[world.ent_a.id])
    (target,) = visit.targets
    insp = new_inspection(source=InspectionSource.COVERT, mode="四不两直", origin=target)
    assert _ready(insp) == ["onsite_record"]
    assert insp.counts_against_cap  # 暗访 counts like any other source
    assert insp.source_ref == visit.code


@pytest.mark.parametrize(
    "source", [InspectionSource.REPORT, InspectionSource.RANDOM, InspectionSource.COVERT]
)
def test_a_source_record_s_source_cannot_be_claimed_by_naming_it(world, new_inspection, source):
    """举报 (exempt from the cap), 双随机 (published as a draw's result) and 暗访 exist only through their source
    record: an operation call naming the source without it — or with another kind's record — is refused,
    whoever calls it, and nothing is written."""
    _fill_cap(new_inspection, world)
    before = db.session.scalar(select(func.count()).select_from(Inspection))
    with pytest.raises(ValidationFailed) as exc:
        new_inspection(source=source, source_ref="JB2026001", actor=world.leader)
    assert "source" in exc.value.field_errors
    wrong = drawn_target(world) if source != InspectionSource.RANDOM else _tipoff(world)
    with pytest.raises(ValidationFailed):
        new_inspection(source=source, origin=wrong)
    with pytest.raises(ValidationFailed):  # a record given with a source that has none
        new_inspection(source=InspectionSource.CAMPAIGN, origin=_tipoff(world))
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == before


def test_a_tip_off_gives_one_verifying_inspection_of_its_own_unit(world, new_inspection):
    tipoff = _tipoff(world, status=TipOffStatus.ASSIGNING)
    with pytest.raises(InvalidState, match="不能安排核查检查"):
        new_inspection(source=InspectionSource.REPORT, origin=tipoff)
    tipoff.status = TipOffStatus.VERIFYING
    with pytest.raises(ValidationFailed) as exc:
        new_inspection(source=InspectionSource.REPORT, origin=tipoff, enterprise=world.ent_a2)
    assert "enterprise_id" in exc.value.field_errors
    first = new_inspection(source=InspectionSource.REPORT, origin=tipoff)
    tipoff.inspection_id = first.id
    with pytest.raises(InvalidState, match="已生成检查"):
        new_inspection(source=InspectionSource.REPORT, origin=tipoff)


def test_over_the_cap_without_a_reason_is_refused_on_the_field(world, new_inspection):
    full = _fill_cap(new_inspection, world)
    with pytest.raises(ValidationFailed) as exc:
        new_inspection()
    assert "over_cap_reason" in exc.value.field_errors
    assert f"上限（{full.cap}次" in exc.value.field_errors["over_cap_reason"]


def test_over_the_cap_waits_for_the_leader_who_approves(world, new_inspection):
    _fill_cap(new_inspection, world)
    insp = new_inspection(over_cap_reason="群众反映该企业夜间违规动火，需再次检查")
    assert insp.over_cap and insp.status == InspectionStatus.PENDING_APPROVAL
    assert _ready(insp) == ["approve_over_cap"]
    # the officer (and the section head) cannot approve
    for who in (world.officer, world.section_head, world.other_officer):
        with pytest.raises(PermissionDenied):
            ops.decide_over_cap(insp, {"decision": "approve"}, actor=who)
    ops.decide_over_cap(insp, {"decision": "approve", "opinion": "同意"}, actor=world.leader)
    assert insp.status == InspectionStatus.PLANNED
    assert insp.over_cap_decided_by_id == world.leader.id and insp.over_cap_decided_at is not None
    assert _ready(insp) == ["prepare_scheme"]
    # decided once: a second decision finds no task
    with pytest.raises(InvalidState):
        ops.decide_over_cap(insp, {"decision": "refuse", "opinion": "x"}, actor=world.leader)


def test_the_leader_refuses_with_an_opinion_and_the_inspection_is_cancelled(world, new_inspection):
    _fill_cap(new_inspection, world)
    insp = new_inspection(over_cap_reason="复查需要")
    with pytest.raises(ValidationFailed) as exc:
        ops.decide_over_cap(insp, {"decision": "refuse"}, actor=world.leader)
    assert "opinion" in exc.value.field_errors
    with pytest.raises(ValidationFailed):
        ops.decide_over_cap(insp, {"decision": "maybe"}, actor=world.leader)
    used = budget(world.ent_a, 2026).used
    ops.decide_over_cap(insp, {"decision": "refuse", "opinion": "本年度已检查到位"}, actor=world.leader)
    assert insp.status == InspectionStatus.CANCELLED
    assert "不予批准" in insp.cancelled_reason
    assert ops.instance_of(insp).status == "completed"
    assert budget(world.ent_a, 2026).used == used - 1  # a cancelled one no longer counts


def test_a_leader_approval_at_the_source_is_recorded(world, new_inspection):
    _fill_cap(new_inspection, world)
    with pytest.raises(PermissionDenied):
        new_inspection(approved_over_cap_by=world.officer2)
    insp = new_inspection(approved_over_cap_by=world.leader, actor=world.leader)
    assert insp.over_cap and insp.status == InspectionStatus.PLANNED
    assert insp.over_cap_decided_by_id == world.leader.id and insp.over_cap_reason
    assert _ready(insp) == ["prepare_scheme"]


def test_an_expired_certificate_refuses_the_member(world, new_inspection):
    world.officer2.cert_expires_on = date(2026, 11, 3)  # valid today, expired on the planned day
    with pytest.raises(ValidationFailed) as exc:
        new_inspection()
    assert "到期" in exc.value.field_errors["member_ids"] and "赵执法" in exc.value.field_errors["member_ids"]
    ok = new_inspection(planned_on="2026-11-03")  # still valid that day
    assert ok.id
    world.officer.cert_no = None
    with pytest.raises(ValidationFailed) as exc:
        new_inspection(planned_on="2026-11-03")
    assert "未登记有效的执法证" in exc.value.field_errors["lead_officer_id"]


def test_fewer_than_two_officers_are_refused(world, new_inspection):
    with pytest.raises(ValidationFailed) as exc:
        new_inspection(member_ids=[world.officer.id])
    assert "不得少于2人" in exc.value.field_errors["member_ids"]
    # a leader without a certificate does not make up the number
    with pytest.raises(ValidationFailed) as exc:
        new_inspection(member_ids=[world.officer.id, world.leader.id])
    assert "周局长" in exc.value.field_errors["member_ids"]


def test_members_outside_the_jurisdiction_or_without_an_officer_role_are_refused(world, new_inspection):
    for bad in (world.other_officer, world.manager_a, world.legal):
        with pytest.raises(ValidationFailed) as exc:
            new_inspection(member_ids=[world.officer.id, bad.id])
        assert "member_ids" in exc.value.field_errors


def test_a_deactivated_officer_is_refused_whoever_calls(world, new_inspection):
    """The form offers active officers only; the operation refuses an account switched off, named by id."""
    world.officer2.is_active_flag = False
    with pytest.raises(ValidationFailed) as exc:
        new_inspection(member_ids=[world.officer.id, world.officer2.id])
    assert "member_ids" in exc.value.field_errors
    world.officer2.is_active_flag = True
    assert new_inspection(member_ids=[world.officer.id, world.officer2.id]).id


def test_a_declared_conflict_refuses_the_member(world, new_inspection):
    conflicts.declare(world.officer2, world.ent_a, "配偶在该企业任安全员", actor=world.officer2)
    with pytest.raises(ValidationFailed) as exc:
        new_inspection()
    assert "回避" in exc.value.field_errors["member_ids"]
    ok = new_inspection(enterprise=world.ent_a2, checklist_code="hazchem")  # another enterprise: fine
    assert ok.id


def test_who_may_create(world, new_inspection):
    for who in (world.manager_a, world.other_officer, world.legal, world.supervisor):
        with pytest.raises(PermissionDenied):
            new_inspection(actor=who)


def test_bad_input_is_named_on_its_field(world, new_inspection):
    cases = [
        ({"source": "随便"}, "source"),
        ({"planned_on": "2026-13-01"}, "planned_on"),
        ({"due_on": "2026-11-01"}, "due_on"),
        ({"lead_officer_id": "x"}, "lead_officer_id"),
        ({"checklist_code": "nope"}, "checklist_code"),
    ]
    for over, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            new_inspection(**over)
        assert field in exc.value.field_errors, over


def test_cap_year_is_the_planned_year(world, new_inspection):
    insp = new_inspection(planned_on="2027-01-05")
    assert insp.cap_year == 2027 and insp.code.startswith("JC2027")
    assert inspection_data(world)["planned_on"] == PLANNED_ON.isoformat()
