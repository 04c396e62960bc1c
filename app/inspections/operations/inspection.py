"""The inspection itself (监督检查, issue #12 journeys 11–12): created from any source, counted against the
enterprise's yearly cap (国办发〔2024〕54号), approved by the leader when over it, prepared (检查方案), done on
site (出示证件、告知回避, the checklist, the findings, the 负责人's signature or the refusal with a witness,
安全生产法第六十五条、第六十八条) and recorded (现场检查记录, 检记). The `inspection` workflow
(workflows/inspection.bpmn) orders the steps; each step here is checked whoever calls it (page, task page,
API), and the status follows from where the workflow stands (app.inspections.status).

    create_inspection(enterprise, data, *, actor, approved_over_cap_by=None, locked=None, origin=None)
    decide_over_cap(inspection, data, *, actor, task=None)            # leader: approve → 待检查, refuse → 已取消
    prepare_scheme(inspection, data, *, actor, task=None)             # the lead issues the 检查方案 (检方)
    start_onsite(inspection, data, *, actor)                          # 出示证件、告知回避 (times recorded)
    record_item(inspection, data, *, actor)                           # one checklist item 符合/不符合/不涉及
    save_finding(inspection, data, *, actor) -> Finding               # a 不符合's problem (new or edited)
    remove_finding(inspection, finding_id, *, actor)
    sign_record(inspection, data, *, actor)                           # the 负责人's signature (canvas PNG)
    refuse_signature(inspection, data, *, actor)                      # refusal with a witness (第六十八条)
    issue_record(inspection, data, *, actor, task=None)               # 现场检查记录 numbered and locked
    cancel_inspection(inspection, data, *, actor)                     # before the visit, with a reason
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import audit, clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.errors import Conflict, InvalidState, invalid, require
from app.extensions import db
from app.inspections.models import (
    CAP_EXEMPT_SOURCES,
    ChecklistResult,
    Finding,
    FindingOutcome,
    Inspection,
    InspectionMember,
    InspectionMode,
    InspectionSource,
    InspectionStatus,
    ItemResult,
)
from app.inspections.operations.inputs import ids as _ids
from app.inspections.operations.inputs import int_id as _int
from app.inspections.operations.inputs import text as _text
from app.org.models import Department, Enterprise

if TYPE_CHECKING:
    from app.inspections.caps import Budget

PROCESS = "inspection"
SUBJECT_TYPE = "inspections"

# sources whose inspection is prepared with a 检查方案 (planned and drawn, and the other desk-planned kinds);
# a started 暗访 and a 举报 verification go straight to the site
SCHEME_SOURCES = frozenset(
    {
        InspectionSource.PLAN,
        InspectionSource.RANDOM,
        InspectionSource.CAMPAIGN,
        InspectionSource.ASSIGNED,
        InspectionSource.RECHECK,
    }
)
CREATOR_ROLES = (Role.OFFICER, Role.SECTION_HEAD, Role.LEADER)
# sources an inspection has only through its source record (create_inspection's `origin`)
ORIGIN_SOURCES = {
    InspectionSource.RANDOM: "双随机抽查的检查只能由抽取结果生成",
    InspectionSource.COVERT: "暗访的检查只能由启动暗访任务生成",
    InspectionSource.REPORT: "举报核查的检查只能从举报事项安排（不计入年度检查上限）",
}


# ---- shared by every step -------------------------------------------------------------------------------


def is_staff_in_scope(user: User, inspection: Inspection) -> bool:
    return not user.is_enterprise_user and in_scope(user, inspection.region_path, inspection.enterprise_id)


def instance_of(inspection: Inspection):
    return workflow.instance_for(inspection, PROCESS)


def ready_ids(inspection: Inspection) -> list[str]:
    inst = instance_of(inspection)
    return workflow.ready_task_names(inst) if inst is not None else []


def ready_task(inspection: Inspection, bpmn_id: str, task=None):
    """The READY task `bpmn_id` of the inspection's workflow (or the given one, re-checked): a step is taken
    only where the procedure stands, whoever calls the operation."""
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != inspection.id or task.subject_type != SUBJECT_TYPE:
            raise InvalidState("任务与检查事项不匹配")
        return task
    inst = instance_of(inspection)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"该检查当前处于“{inspection.status}”阶段，不能办理该事项")


def step(inspection: Inspection, task, data: dict, *, actor) -> dict:
    """Complete the inspection's task; the status follows (app.inspections.status). Returns the audit
    `changes` entry of the status."""
    old = inspection.status
    # the later lead tasks go to the lead as the team stands now (a 回避 replacement, a lead recused on site)
    workflow.complete_task(task, {**data, "lead_officer_id": inspection.lead_officer_id}, actor=actor)
    return {"status": [str(old), str(inspection.status)]} if inspection.status != old else {}


# the row's columns come back with the lock (populate_existing): read as they stand once the lock is held, in the
# same statement, and the loaded relationships (team, findings) are kept
_TOUCH = (
    update(Inspection)
    .where(Inspection.id == bindparam("inspection_id"))
    .values(id=Inspection.id)
    .returning(Inspection)
    .execution_options(populate_existing=True, synchronize_session=False)
)


# many-to-one relationship -> its key column on the inspection (enterprise -> enterprise_id, …)
_MANY_TO_ONE: dict[str, str] = {
    r.key: str(next(iter(r.local_columns)).key)
    for r in Inspection.__mapper__.relationships
    if r.direction.name == "MANYTOONE" and len(r.local_columns) == 1
}


def lock(inspection: Inspection) -> None:
    """One writer per inspection for the steps no workflow task serialises (an item, a finding, the signature,
    the order, the referrals): a row lock (PostgreSQL) / the write lock (SQLite), the row read again with it."""
    db.session.flush()
    # populate_existing reads the columns again and lets the loaded relationships go; a many-to-one read before
    # the lock (the enterprise, the agency) is kept while its key column still names it — the identity map
    # alone would drop it and it would be read again. Collections (team, findings) are read again: another
    # writer may have changed them before the lock was ours.
    loaded = {k: inspection.__dict__[k] for k in _MANY_TO_ONE if k in inspection.__dict__}
    db.session.execute(_TOUCH, {"inspection_id": inspection.id}).scalar_one()
    for key, value in loaded.items():
        column = _MANY_TO_ONE[key]
        if key not in inspection.__dict__ and getattr(value, "id", None) == getattr(inspection, column):
            set_committed_value(inspection, key, value)


def is_member(user: User, inspection: Inspection) -> bool:
    return user.id in inspection.officer_ids


def require_team(user: User, inspection: Inspection) -> None:
    require(
        is_staff_in_scope(user, inspection) and is_member(user, inspection),
        "只有本次检查的执法人员可以办理现场检查",
    )


def _agency_of(actor: User) -> Department:
    agency = actor.department.agency if actor.department is not None else None
    if agency is None:
        raise InvalidState("您未归属任何执法机关，不能办理")
    return agency


def _local(value: datetime) -> datetime:
    """An instant as China time (the record's times are written to the minute in local time)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(clock.TZ)


MAX_BACKDATE_HOURS = 12  # a time typed in afterwards (the tablet was offline) lies within the same visit


def _moment(value: Any, field: str, now: datetime) -> datetime:
    """A time recorded on site: now when not given; never in the future, never before the visit's day."""
    if value in (None, ""):
        return now
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            raise invalid(field, "时间格式不正确") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.TZ)
    if value > now:
        raise invalid(field, "时间不能晚于现在")
    if (now - value).total_seconds() > MAX_BACKDATE_HOURS * 3600:
        raise invalid(field, f"时间不能早于{MAX_BACKDATE_HOURS}小时前（请如实记录到场时间）")
    return value


def _date(value: Any, field: str, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            raise invalid(field, "请填写日期")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise invalid(field, "日期格式不正确（应为YYYY-MM-DD）") from None


def pack_for(inspection_or_enterprise: Any, on: date):
    from app.inspections.rules import inspection_pack  # helper "classify"

    return inspection_pack(inspection_or_enterprise.region_path, on)


# ---- create ---------------------------------------------------------------------------------------------


def check_team(enterprise: Enterprise, lead_id: int, member_ids: list[int], planned_on: date) -> list[User]:
    """The team: ≥ min_inspectors officers, each active staff in the enterprise's jurisdiction with a 执法证
    valid on `planned_on` (安全生产法第六十五条; 行政处罚法第四十二条), none with a declared conflict with the
    enterprise (回避). Raises on the field (member_ids / lead_officer_id)."""
    from app.inspections.conflicts import conflicted  # helper "draw"

    if lead_id not in member_ids:
        member_ids = [lead_id, *member_ids]
    minimum = pack_for(enterprise, planned_on).min_inspectors
    if len(member_ids) < minimum:
        raise invalid("member_ids", f"检查人员不得少于{minimum}人（安全生产法第六十五条）")
    # the active ones, each with roles and jurisdiction (the tests below): one statement, not a lazy load each
    by_id = User.load_active_many(member_ids)
    for uid in member_ids:
        u = by_id.get(uid)
        field = "lead_officer_id" if uid == lead_id else "member_ids"
        if u is None or u.is_enterprise_user or not in_scope(u, enterprise.region_path, enterprise.id):
            raise invalid(field, "检查人员须为本辖区的执法人员")
        if not u.has_role(Role.OFFICER, Role.SECTION_HEAD, Role.LEADER):
            raise invalid(field, f"{u.name}不是执法人员，不能参加检查")
        if not u.cert_valid_on(planned_on):
            why = (
                f"执法证已于{u.cert_expires_on:%Y年%m月%d日}到期"
                if u.cert_expires_on is not None and (u.cert_no or "").strip()
                else "未登记有效的执法证"
            )
            raise invalid(field, f"{u.name}{why}，{planned_on:%Y年%m月%d日}不能从事执法检查")
    clash = conflicted(member_ids, enterprise.id)
    if clash:
        names = "、".join(by_id[i].name for i in member_ids if i in clash)
        raise invalid("member_ids", f"{names}与{enterprise.name}存在已申报的回避关系，不能参加本次检查")
    return [by_id[i] for i in member_ids]


def _origin_ref(source: InspectionSource, origin: Any, enterprise: Enterprise) -> str:
    """The source record's number, once the record is checked to be this source's, this enterprise's (a
    tip-off may name none) and not yet linked to an inspection."""
    from app.inspections.models.covert import CovertTarget
    from app.inspections.models.draw import DrawTarget
    from app.inspections.models.tipoff import TipOff, TipOffStatus

    expected = {
        InspectionSource.RANDOM: DrawTarget,
        InspectionSource.COVERT: CovertTarget,
        InspectionSource.REPORT: TipOff,
    }.get(source)
    if expected is None or type(origin) is not expected:
        raise invalid("source", ORIGIN_SOURCES.get(source, "该来源的检查不能关联来源事项"))
    record = cast(DrawTarget | CovertTarget | TipOff, origin)
    if record.inspection_id is not None:
        raise InvalidState("该来源事项已生成检查")
    if isinstance(record, TipOff):
        if record.status != TipOffStatus.VERIFYING:
            raise InvalidState(f"该举报当前为“{record.status}”，不能安排核查检查")
        if record.enterprise_id not in (None, enterprise.id):
            raise invalid("enterprise_id", "核查的单位与举报的被举报单位不一致")
        return record.no
    if record.enterprise_id != enterprise.id:
        raise invalid("enterprise_id", "检查对象与来源事项不一致")
    ref = record.batch.number if isinstance(record, DrawTarget) else record.visit.code
    return ref or ""


def create_inspection(
    enterprise: Enterprise,
    data: dict,
    *,
    actor: User,
    approved_over_cap_by: User | None = None,
    locked: Budget | None = None,
    origin: Any = None,
) -> Inspection:
    """One inspection of `enterprise`, from any source, counted against its yearly cap; starts the
    `inspection` workflow. Over the cap it needs a reason and waits for the leader (待审批), unless a leader
    already approved it at the source (`approved_over_cap_by`: a plan, a 暗访 a leader created).

    `locked`: the enterprise's budget a caller read with caps.locked_budget in this same transaction (the
    create page picks its form with it): used as it is when it is the planned year's, not read again.

    `origin`: the source record a 双随机, 暗访 or 举报 inspection comes from (its DrawTarget, CovertTarget or
    TipOff, not yet linked to an inspection): these sources exist only through it — above all the 举报
    exemption from the cap, which no caller can claim by naming the source — and its number is the
    inspection's source_ref."""
    require(
        actor.has_role(*CREATOR_ROLES)
        and not actor.is_enterprise_user
        and in_scope(actor, enterprise.region_path, enterprise.id),
        "您无权对该企业创建检查",
    )
    data = dict(data or {})
    try:
        source = InspectionSource(data.get("source") or "")
    except ValueError:
        raise invalid("source", "请选择检查任务来源") from None
    try:
        mode = InspectionMode(data.get("mode") or InspectionMode.ROUTINE)
    except ValueError:
        raise invalid("mode", "请选择检查方式") from None
    planned_on = _date(data.get("planned_on"), "planned_on")
    assert planned_on is not None
    due_on = _date(data.get("due_on"), "due_on", required=False)
    if due_on is not None and due_on < planned_on:
        raise invalid("due_on", "应完成日期不能早于计划检查日期")
    lead_id = _int(data.get("lead_officer_id"), "lead_officer_id", "请选择主办执法人员")
    member_ids = _ids(data.get("member_ids"), "member_ids")
    team = check_team(enterprise, lead_id, member_ids, planned_on)
    checklist_code = (data.get("checklist_code") or "").strip() or None
    if checklist_code is not None:
        from app.inspections import checklists

        if checklists.find(checklist_code) is None:
            raise invalid("checklist_code", "检查表不存在")
    source_ref = _text(data, "source_ref", "来源编号", required=False, max_length=120)
    if source in ORIGIN_SOURCES or origin is not None:
        source_ref = _origin_ref(source, origin, enterprise)
    reason = _text(data, "over_cap_reason", "超出上限检查的理由", required=False)

    from app.inspections.caps import budget, locked_budget

    cap_year = planned_on.year
    counts = source not in CAP_EXEMPT_SOURCES
    # a counted inspection reads the count under the class row's lock: two created at once cannot both take
    # the enterprise's last place under its cap
    if locked is not None and locked.enterprise_id == enterprise.id and locked.year == cap_year:
        b = locked  # read under the class row's lock earlier in this transaction: the lock is still held
    else:
        b = locked_budget(enterprise, cap_year) if counts else budget(enterprise, cap_year)
    over = counts and b.remaining <= 0
    now = clock.now()
    pending = False
    if over:
        if approved_over_cap_by is not None:
            require(
                approved_over_cap_by.has_role(Role.LEADER)
                and in_scope(approved_over_cap_by, enterprise.region_path, enterprise.id),
                "超出年度检查上限须经本辖区负责人批准",
            )
        elif not reason:
            raise invalid(
                "over_cap_reason",
                f"{enterprise.name}{cap_year}年度检查已达上限（{b.cap}次，已检查{b.used}次），"
                "须填写超出上限检查的理由，报负责人审批",
            )
        else:
            pending = True

    insp = Inspection(
        code=f"JC-{clock.now().timestamp()}-{actor.id}",  # replaced by JC{year}{id:06d} once the id is known
        source=source,
        source_ref=source_ref,
        mode=mode,
        enterprise_id=enterprise.id,
        region_path=enterprise.region_path,
        agency_id=_agency_of(actor).id,
        created_by_id=actor.id,
        lead_officer_id=lead_id,
        planned_on=planned_on,
        due_on=due_on,
        status=InspectionStatus.PLANNED,  # the workflow's first step sets it (app.inspections.status)
        checklist_code=checklist_code,
        cap_year=cap_year,
        counts_against_cap=counts,
        over_cap=over,
        over_cap_reason=reason if over else None,
    )
    if over and approved_over_cap_by is not None:
        insp.over_cap_reason = reason or f"来源事项（{source}）经负责人批准超出年度检查上限"
        insp.over_cap_decided_by_id = approved_over_cap_by.id
        insp.over_cap_decided_at = now
        insp.over_cap_opinion = "同意（来源事项审批）"
    insp.enterprise = enterprise
    for u in team:
        insp.members.append(
            InspectionMember(user_id=u.id, role="主办" if u.id == lead_id else "组员", cert_no=u.cert_no)
        )
    db.session.add(insp)
    db.session.flush()
    insp.code = f"JC{cap_year}{insp.id:06d}"
    workflow.start(
        PROCESS,
        subject=insp,
        title=f"{enterprise.name}：监督检查（{insp.code}）",
        region_path=insp.region_path,
        enterprise_id=enterprise.id,
        data={
            "inspection_id": insp.id,
            "over_cap_pending": pending,
            "needs_scheme": source in SCHEME_SOURCES,
            "is_random": source == InspectionSource.RANDOM,
            "lead_officer_id": lead_id,
            "result_publish_due": None,
        },
        actor=actor,
    )
    budget_note = (
        "不计入年度检查上限（投诉举报）"
        if not counts
        else f"计入{cap_year}年度检查上限（上限{b.cap}次，此前已计{b.used}次）"
    )
    if over:
        budget_note += "，超出上限：" + ("已经负责人批准" if not pending else "待负责人审批")
    audit.record(
        actor,
        "inspection.created",
        insp,
        summary=f"创建监督检查{insp.code}（{source}），{budget_note}",
        data={
            "source": str(source),
            "source_ref": source_ref,
            "planned_on": planned_on,
            "members": [u.id for u in team],
            "cap": b.cap,
            "used": b.used,
            "over_cap": over,
            "over_cap_reason": insp.over_cap_reason,
            "approved_over_cap_by": approved_over_cap_by.id if approved_over_cap_by else None,
        },
    )
    return insp


def decide_over_cap(inspection: Inspection, data: dict, *, actor: User, task=None) -> None:
    """The leader decides an over-cap inspection: approve → 待检查 (the scheme or the visit next), refuse
    (opinion required) → 已取消."""
    task = ready_task(inspection, "approve_over_cap", task)
    require(
        actor.has_role(Role.LEADER) and is_staff_in_scope(actor, inspection),
        "超出年度检查上限的检查须由负责人审批",
    )
    decision = (data or {}).get("decision")
    if decision not in ("approve", "refuse"):
        raise invalid("decision", "请选择批准或不予批准")
    opinion = _text(data, "opinion", "审批意见", required=decision == "refuse")
    inspection.over_cap_decided_by_id = actor.id
    inspection.over_cap_decided_at = clock.now()
    inspection.over_cap_opinion = opinion or "同意"
    if decision == "refuse":
        inspection.cancelled_reason = f"超出年度检查上限，负责人不予批准：{opinion}"
    changes = step(inspection, task, {"over_cap_decision": decision}, actor=actor)
    audit.record(
        actor,
        "inspection.over_cap_approved" if decision == "approve" else "inspection.over_cap_refused",
        inspection,
        summary=(
            f"负责人批准超出年度检查上限的检查{inspection.code}"
            if decision == "approve"
            else f"负责人不予批准超出年度检查上限的检查{inspection.code}，检查取消：{opinion}"
        ),
        changes=changes,
        data={"decision": decision, "opinion": opinion},
    )


def cancel_inspection(inspection: Inspection, data: dict, *, actor: User) -> None:
    """取消 before the team started (the enterprise closed, a duplicate): a section head or leader of the
    jurisdiction, with a reason. The workflow is cancelled; a cancelled inspection no longer counts."""
    require(
        actor.has_role(Role.SECTION_HEAD, Role.LEADER) and is_staff_in_scope(actor, inspection),
        "只有科室负责人或负责人可以取消检查",
    )
    if inspection.status not in (InspectionStatus.PENDING_APPROVAL, InspectionStatus.PLANNED):
        raise InvalidState(f"检查已处于“{inspection.status}”阶段，不能取消")
    reason = _text(data or {}, "reason", "取消理由")
    lock(inspection)
    if inspection.started_at is not None:
        raise InvalidState("检查组已开始现场检查，不能取消")
    inspection.cancelled_reason = reason
    inst = instance_of(inspection)
    if inst is not None and inst.status == "running":
        workflow.cancel(inst, actor=actor, reason=reason)
    from app.inspections import status

    status.finished(inspection, actor=actor)
    audit.record(
        actor,
        "inspection.cancelled",
        inspection,
        summary=f"取消检查{inspection.code}：{reason}",
        data={"reason": reason},
    )


# ---- 人员变更 (回避替换) ------------------------------------------------------------------------------------

# the workflow's user tasks assigned to the inspection's lead (workflows/inspection.bpmn: assignee lead_officer_id)
LEAD_TASKS = ("prepare_scheme", "onsite_record", "await_outcomes")


def follow_lead(inspection: Inspection) -> None:
    """The READY lead tasks go to the inspection's current lead (after the team changed before or at the
    visit): the one who left the lead's place keeps nothing in their inbox. Later tasks follow the workflow
    data, which `step` keeps on the current lead."""
    inst = instance_of(inspection)
    if inst is None:
        return
    lead = db.session.get(User, inspection.lead_officer_id)  # the id just set, whatever the relationship holds
    assert lead is not None
    for t in workflow.ready_tasks(inst):
        if t.bpmn_id in LEAD_TASKS and t.assignee_id != lead.id:
            workflow.direct(t, lead)


def replace_member(inspection: Inspection, out_id: int, in_id: int, *, actor: User, reason: str) -> None:
    """回避替换 (or a member who can no longer take part) before the visit: `in_id` takes `out_id`'s place and
    role on the team (主办 included: the lead's tasks follow). Only while the inspection has not started
    (待审批/待检查) — on site, 回避 is the start step's. The new team is checked as at creation (≥ the
    minimum, each a staff member of the jurisdiction with a 执法证 valid on the planned day, no declared
    回避 relation with the enterprise); the actor is a section head or leader of the jurisdiction (the
    approver of the recusal). Audited with the team before and after."""
    require(
        not actor.is_enterprise_user
        and actor.has_role(Role.SECTION_HEAD, Role.LEADER)
        and is_staff_in_scope(actor, inspection),
        "检查人员的调整须由本辖区科室负责人或负责人批准",
    )
    reason = _text({"reason": reason}, "reason", "调整理由", max_length=500) or ""
    lock(inspection)
    if (
        inspection.status not in (InspectionStatus.PENDING_APPROVAL, InspectionStatus.PLANNED)
        or inspection.started_at is not None
    ):
        raise InvalidState(f"该检查已{inspection.status}，不能再调整检查人员")
    members = [m.user_id for m in inspection.members]
    if out_id not in members:
        raise invalid("out_id", "该人员不在本次检查的检查组中")
    if in_id in members:
        raise invalid("in_id", "替换人员已在本次检查的检查组中")
    team_ids = [in_id if uid == out_id else uid for uid in members]
    lead_id = in_id if inspection.lead_officer_id == out_id else inspection.lead_officer_id
    team = check_team(inspection.enterprise, lead_id, team_ids, inspection.planned_on)
    by_id = {u.id: u for u in team}
    before = sorted(members)
    for m in inspection.members:
        if m.user_id == out_id:
            m.user_id, m.user, m.cert_no = in_id, by_id[in_id], by_id[in_id].cert_no
    inspection.lead_officer_id = lead_id
    for m in inspection.members:
        m.role = "主办" if m.user_id == lead_id else "组员"
    inspection.members.sort(key=lambda m: 0 if m.user_id == lead_id else 1)
    db.session.flush()
    follow_lead(inspection)
    out_user = db.session.get(User, out_id)
    audit.record(
        actor,
        "inspection.member_replaced",
        inspection,
        summary=f"检查{inspection.code}的检查人员由{out_user.name if out_user else out_id}"
        f"调整为{by_id[in_id].name}：{reason}",
        changes={"members": [before, sorted(team_ids)]},
        data={"out": out_id, "in": in_id, "lead_officer_id": lead_id, "reason": reason},
    )


# ---- 检查方案 -----------------------------------------------------------------------------------------------


def _team_rows(inspection: Inspection) -> list[dict]:
    from app.inspections.documents import team_users

    users = team_users(inspection)  # the members' users without their roles: one statement at most
    return [{"name": users[m.user_id].name, "role": m.role, "cert_no": m.cert_no} for m in inspection.members]


def _party(inspection: Inspection) -> dict:
    e = inspection.enterprise
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "address": e.address,
        "legal_rep": e.legal_rep,
        "main_person": e.main_person,
        "phone": e.phone,
    }


def prepare_scheme(inspection: Inspection, data: dict, *, actor: User, task=None) -> None:
    """The lead officer issues the 检查方案 (检方): basis, content (the checklist), method, team and division
    of work, time. Numbered and locked; the checklist chosen is the one the team answers on site."""
    task = ready_task(inspection, "prepare_scheme", task)
    require(
        actor.id == inspection.lead_officer_id and is_staff_in_scope(actor, inspection),
        "检查方案由主办执法人员制定",
    )
    from app.inspections import checklists, documents

    data = dict(data or {})
    basis = _text(data, "basis", "检查依据")
    code = (data.get("checklist_code") or "").strip()
    checklist = checklists.find(code)
    if checklist is None:
        raise invalid("checklist_code", "请选择检查表")
    content = _text(data, "content", "检查重点", required=False)
    method = _text(data, "method", "检查方式", max_length=1000)
    division = _text(data, "division", "人员分工", max_length=1000)
    scheduled_on = _date(data.get("scheduled_on"), "scheduled_on")
    assert scheduled_on is not None
    if scheduled_on < clock.today():
        raise invalid("scheduled_on", "检查时间不能早于今天")
    if inspection.due_on is not None and scheduled_on > inspection.due_on:
        raise invalid("scheduled_on", f"检查时间不能晚于应完成日期{inspection.due_on:%Y年%m月%d日}")
    scheme = {
        "basis": basis,
        "checklist_code": checklist.code,
        "checklist_name": checklist.name,
        "checklist_version": checklist.version,
        "content": content,
        "method": method,
        "division": division,
        "scheduled_on": scheduled_on.isoformat(),
    }
    doc = documents.issue(
        inspection,
        documents.SCHEME,
        {**scheme, "items": [{"code": i.code, "text": i.text} for i in checklist.items]},
        actor=actor,
    )
    # set with the document's id, after the document's reads: one UPDATE of the inspection, not two
    inspection.scheme = scheme
    inspection.checklist_code = checklist.code
    inspection.scheme_document_id = doc.id
    changes = step(inspection, task, {"scheme_document_id": doc.id}, actor=actor)
    audit.record(
        actor,
        "inspection.scheme_issued",
        inspection,
        summary=f"制定检查方案{doc.number.text}（{checklist.label}，{scheduled_on:%Y年%m月%d日}）",
        changes=changes,
        data={"document_id": doc.id, "checklist": checklist.code},
    )


# ---- on site ----------------------------------------------------------------------------------------------

RECUSAL_ANSWERS = ("不申请回避", "申请回避")


def _require_on_site(inspection: Inspection, actor: User, *, started: bool = True) -> None:
    require_team(actor, inspection)
    ready_task(inspection, "onsite_record")
    if inspection.record_document_id is not None:
        raise InvalidState("现场检查记录已制发并锁定，不能修改")
    if started and inspection.started_at is None:
        raise InvalidState("请先开始现场检查（出示执法证件、告知回避）")


def _started_by(inspection: Inspection) -> str:
    """Who started the visit (the 全过程记录 names them): the second of two officers starting at once is told."""
    events = [e for e in audit.history(inspection) if e.action == "inspection.started"]
    return events[-1].actor_name if events else "检查组"


def start_onsite(inspection: Inspection, data: dict, *, actor: User) -> None:
    """On arrival: ≥ min_inspectors team members present with 执法证 valid today show their credentials and
    explain the right to ask for recusal (each time recorded); the enterprise's answer is recorded. A member
    the enterprise asks to recuse, or who is absent, leaves the team (the rest must still be enough)."""
    lock(inspection)
    _require_on_site(inspection, actor, started=False)
    if inspection.started_at is not None:
        raise Conflict(
            f"现场检查已由{_started_by(inspection)}于{_local(inspection.started_at):%Y年%m月%d日 %H:%M}开始"
        )
    data = dict(data or {})
    today = clock.today()
    place = _text(data, "place", "检查场所", max_length=300)
    present_person = _text(data, "present_person", "被检查单位现场负责人", max_length=50)
    present_role = _text(data, "present_person_role", "现场负责人职务", required=False, max_length=50)
    if not data.get("credentials_shown"):
        raise invalid("credentials_shown", "检查前须向被检查单位出示执法证件")
    if not data.get("recusal_explained"):
        raise invalid("recusal_explained", "检查前须告知被检查单位有申请回避的权利")
    answer = data.get("recusal_answer")
    if answer not in RECUSAL_ANSWERS:
        raise invalid("recusal_answer", "请记录被检查单位对回避的答复")
    team_ids = inspection.officer_ids
    present = _ids(data.get("present_member_ids"), "present_member_ids") or list(team_ids)
    if any(i not in team_ids for i in present):
        raise invalid("present_member_ids", "在场执法人员须为本次检查的检查组成员")
    recused = _ids(data.get("recusal_of"), "recusal_of") if answer == "申请回避" else []
    if answer == "申请回避" and not recused:
        raise invalid("recusal_of", "请选择被申请回避的执法人员")
    if any(i not in team_ids for i in recused):
        raise invalid("recusal_of", "被申请回避的人员须为检查组成员")
    acting = [i for i in present if i not in recused]
    members = {m.user_id: m for m in inspection.members}
    expired = [members[i].user.name for i in acting if not members[i].user.cert_valid_on(today)]
    if expired:
        raise invalid("present_member_ids", f"{'、'.join(expired)}的执法证今日无效，不能从事检查")
    minimum = pack_for(inspection, today).min_inspectors
    if len(acting) < minimum:
        raise invalid(
            "recusal_of" if recused else "present_member_ids",
            f"在场且无须回避的执法人员不足{minimum}人，不能开始检查；请报负责人调整检查组",
        )
    if actor.id not in acting:
        raise invalid("present_member_ids", "开始检查的执法人员须在场且无须回避")
    left = [m for uid, m in members.items() if uid not in acting]
    for m in left:
        inspection.members.remove(m)
    if inspection.lead_officer_id not in acting:
        inspection.lead_officer_id = actor.id
        members[actor.id].role = "主办"
        follow_lead(inspection)  # the record's task leaves the recused lead's inbox
    checklist_code = (data.get("checklist_code") or "").strip() or inspection.checklist_code
    from app.inspections import checklists

    if checklists.find(checklist_code) is None:
        raise invalid("checklist_code", "请选择本次检查使用的检查表")
    inspection.checklist_code = checklist_code
    now = clock.now()
    shown_at = _moment(data.get("credentials_shown_at"), "credentials_shown_at", now)
    explained_at = _moment(data.get("recusal_explained_at"), "recusal_explained_at", now)
    if explained_at < shown_at:
        raise invalid("recusal_explained_at", "告知回避的时间不能早于出示执法证件的时间")
    inspection.place = place
    inspection.present_person = present_person
    inspection.present_person_role = present_role
    inspection.credentials_shown_at = shown_at
    inspection.recusal_explained_at = explained_at
    names = "、".join(members[i].user.name for i in recused)
    inspection.recusal_answer = answer if not recused else f"申请{names}回避"
    inspection.started_at = shown_at  # the visit starts with the credentials shown
    from app.inspections import status

    status.refresh(inspection, actor=actor)
    audit.record(
        actor,
        "inspection.started",
        inspection,
        summary=(
            f"开始现场检查（{place}），出示执法证件并告知申请回避的权利，"
            f"被检查单位答复：{inspection.recusal_answer}"
            + (f"；离开检查组：{'、'.join(m.user.name for m in left)}" if left else "")
        ),
        data={
            "present": acting,
            "recused": recused,
            "absent": [m.user_id for m in left if m.user_id not in recused],
            "present_person": present_person,
        },
    )


def _checklist_item(inspection: Inspection, code: str, field: str = "item_code"):
    from app.inspections import checklists

    checklist = checklists.find(inspection.checklist_code)
    item = checklist.item(code) if checklist is not None and code else None
    if item is None:
        raise invalid(field, "检查项不存在")
    return item


def _unsign(inspection: Inspection, why: str, *, actor: User) -> None:
    """The record changed after the 负责人 signed (or refused): the signature no longer covers it."""
    if inspection.signed_at is None and not inspection.refusal_note:
        return
    inspection.signature_attachment_id = None
    inspection.signed_at = None
    inspection.refusal_note = None
    inspection.refusal_witness = None
    audit.record(
        actor,
        "inspection.signature_cleared",
        inspection,
        summary=f"{why}，原签字（拒签记录）失效，须重新确认",
    )


def results_of(inspection: Inspection) -> dict[str, ChecklistResult]:
    rows = db.session.scalars(select(ChecklistResult).where(ChecklistResult.inspection_id == inspection.id))
    return {r.item_code: r for r in rows}


def findings_of(inspection: Inspection) -> list[Finding]:
    return list(
        db.session.scalars(
            select(Finding).where(Finding.inspection_id == inspection.id).order_by(Finding.seq, Finding.id)
        )
    )


def record_item(inspection: Inspection, data: dict, *, actor: User) -> ChecklistResult:
    """One checklist item: 符合 / 不符合 / 不涉及 (a 不符合 then gets its finding)."""
    lock(inspection)
    _require_on_site(inspection, actor)
    data = dict(data or {})
    item = _checklist_item(inspection, (data.get("item_code") or "").strip())
    try:
        result = ItemResult(data.get("result") or "")
    except ValueError:
        raise invalid("result", "请选择符合、不符合或不涉及") from None
    note = _text(data, "note", "说明", required=False)
    row = results_of(inspection).get(item.code)
    if row is not None and row.result == ItemResult.NONCOMPLIANT and result != ItemResult.NONCOMPLIANT:
        if any(f.item_code == item.code for f in findings_of(inspection)):
            raise invalid("result", "该项已登记问题，请先删除问题再改为符合或不涉及")
    old = row.result if row is not None else None
    if row is None:
        row = ChecklistResult(
            inspection_id=inspection.id,
            item_code=item.code,
            item_text=item.text,
            basis=item.basis,
            result=result,
            recorded_by_id=actor.id,
        )
        db.session.add(row)
    row.result, row.note, row.recorded_by_id, row.recorded_at = result, note, actor.id, clock.now()
    if old != result:
        _unsign(inspection, f"检查项{item.code}结果变更", actor=actor)
    db.session.flush()
    audit.record(
        actor,
        "inspection.item_recorded",
        inspection,
        summary=f"检查项{item.code}：{result}" + (f"（原为{old}）" if old and old != result else ""),
        changes={"result": [old, str(result)]} if old != result else None,
        data={"item_code": item.code, "note": note},
    )
    return row


LEVELS = ("一般", "重大")


def save_finding(inspection: Inspection, data: dict, *, actor: User) -> Finding:
    """A problem found on site (new, or `finding_id` edited before the record is issued): location,
    description, photos, the provision breached (prefilled from the item's basis), level (重大 with its
    判定标准 criterion), corrected on the spot or a deadline, and whether it is a 违法行为."""
    lock(inspection)
    _require_on_site(inspection, actor)
    data = dict(data or {})
    finding: Finding | None = None
    if data.get("finding_id") not in (None, ""):
        finding = db.session.get(Finding, _int(data.get("finding_id"), "finding_id", "问题不存在"))
        if finding is None or finding.inspection_id != inspection.id:
            raise invalid("finding_id", "问题不存在")
    code = (data.get("item_code") or "").strip() or None
    item = _checklist_item(inspection, code) if code else None
    location = _text(data, "location", "部位/场所", max_length=200)
    description = _text(data, "description", "问题描述", max_length=2000)
    provision = _text(data, "provision", "违反条款", required=item is None, max_length=300) or (
        item.provision if item else None
    )
    level = data.get("level") or "一般"
    if level not in LEVELS:
        raise invalid("level", "隐患等级应为一般或重大")
    criterion = (data.get("criterion_code") or "").strip() or None
    if level == "重大":
        from app.hazards import criteria

        criterion = criterion or (item.criterion if item else None)
        if criteria.get(criterion) is None:
            raise invalid("criterion_code", "重大事故隐患须选择判定标准条款")
    else:
        criterion = None
    corrected = bool(data.get("corrected_on_site"))
    deadline = _date(data.get("deadline"), "deadline", required=not corrected)
    if deadline is not None and deadline < clock.today():
        raise invalid("deadline", "整改期限不能早于今天")
    if corrected:
        deadline = None
    photo_ids = _ids(data.get("photo_ids"), "photo_ids")
    from app import attachments

    found = {a.id for a in attachments.get_many(photo_ids)}
    if set(photo_ids) - found:
        raise invalid("photo_ids", "照片不存在，请重新上传")
    is_violation = bool(data.get("is_violation"))
    assert location is not None and description is not None and provision is not None
    new = finding is None
    if finding is None:
        seq = max((f.seq for f in findings_of(inspection)), default=0) + 1
        finding = Finding(inspection_id=inspection.id, seq=seq, recorded_by_id=actor.id)
        db.session.add(finding)
    finding.item_code = code
    finding.location, finding.description, finding.provision = location, description, provision
    finding.level, finding.criterion_code = level, criterion
    finding.corrected_on_site, finding.deadline = corrected, deadline
    finding.is_violation = is_violation
    finding.outcome = FindingOutcome.PENDING if is_violation else None
    old_photos = list(finding.photo_ids or [])
    finding.photo_ids = photo_ids
    db.session.flush()
    if set(photo_ids) - set(old_photos):
        attachments.link_all([i for i in photo_ids if i not in old_photos], finding, "photos")
    if item is not None:
        row = results_of(inspection).get(item.code)
        if row is None or row.result != ItemResult.NONCOMPLIANT:
            record_item(inspection, {"item_code": item.code, "result": ItemResult.NONCOMPLIANT}, actor=actor)
    _unsign(inspection, "检查发现的问题有变化", actor=actor)
    audit.record(
        actor,
        "inspection.finding_recorded" if new else "inspection.finding_changed",
        inspection,
        summary=f"{'登记' if new else '修改'}问题{finding.seq}：{location}，{description[:60]}（{level}）"
        + ("，违法行为" if is_violation else ""),
        data={"finding_id": finding.id, "item_code": code, "photos": photo_ids, "level": level},
    )
    return finding


def remove_finding(inspection: Inspection, finding_id: Any, *, actor: User) -> None:
    lock(inspection)
    _require_on_site(inspection, actor)
    finding = db.session.get(Finding, _int(finding_id, "finding_id", "问题不存在"))
    if finding is None or finding.inspection_id != inspection.id:
        raise invalid("finding_id", "问题不存在")
    seq, text = finding.seq, finding.description
    db.session.delete(finding)
    db.session.flush()
    _unsign(inspection, "删除了检查发现的问题", actor=actor)
    audit.record(actor, "inspection.finding_removed", inspection, summary=f"删除问题{seq}：{text[:60]}")


def missing_for_record(
    inspection: Inspection,
    *,
    results: dict[str, ChecklistResult] | None = None,
    findings: list[Finding] | None = None,
) -> list[str]:
    """What the record still lacks before the 负责人 signs it (each a sentence). `results` / `findings`: the
    inspection's rows when the caller has just read them (results_of / findings_of), not read again."""
    from app.inspections import checklists

    out = []
    checklist = checklists.find(inspection.checklist_code)
    if results is None:
        results = results_of(inspection)
    if checklist is not None:
        open_items = [i.code for i in checklist.items if i.code not in results]
        if open_items:
            out.append(
                f"尚有{len(open_items)}个检查项未检查（{'、'.join(open_items[:5])}{'等' if len(open_items) > 5 else ''}）"
            )
    with_finding = {f.item_code for f in (findings if findings is not None else findings_of(inspection))}
    bare = [c for c, r in results.items() if r.result == ItemResult.NONCOMPLIANT and c not in with_finding]
    if bare:
        out.append(f"不符合项{'、'.join(sorted(bare))}尚未登记问题")
    return out


def sign_record(inspection: Inspection, data: dict, *, actor: User) -> None:
    """The 负责人 signs on the screen: the canvas PNG, uploaded as an attachment, becomes the record's
    signature (安全生产法第六十八条). Only a complete record is signed."""
    lock(inspection)
    _require_on_site(inspection, actor)
    missing = missing_for_record(inspection)
    if missing:
        raise InvalidState("；".join(missing) + "，请先完成后再请被检查单位负责人签字")
    data = dict(data or {})
    att_id = _int(data.get("signature_attachment_id"), "signature", "请被检查单位负责人在签字区签字")
    from app import attachments

    att = next(iter(attachments.get_many([att_id])), None)
    if att is None or att.mime != "image/png":
        raise invalid("signature", "签字图像无效，请重新签字")
    signer = _text(data, "signer", "签字人", required=False, max_length=50)
    if signer:
        inspection.present_person = signer
    inspection.signature_attachment_id = att.id
    inspection.signed_at = clock.now()
    inspection.refusal_note = None
    inspection.refusal_witness = None
    attachments.link(att, inspection, "signature")
    audit.record(
        actor,
        "inspection.signed",
        inspection,
        summary=f"被检查单位负责人{inspection.present_person}在现场检查记录上签字",
        data={"attachment_id": att.id, "sha256": att.sha256},
    )


def refuse_signature(inspection: Inspection, data: dict, *, actor: User) -> None:
    """The 负责人 refuses to sign: the refusal is recorded with a witness (安全生产法第六十八条)."""
    lock(inspection)
    _require_on_site(inspection, actor)
    missing = missing_for_record(inspection)
    if missing:
        raise InvalidState("；".join(missing) + "，请先完成现场检查记录")
    data = dict(data or {})
    note = _text(data, "refusal_note", "拒绝签字情况")
    witness = _text(data, "refusal_witness", "见证人", max_length=100)
    inspection.refusal_note = note
    inspection.refusal_witness = witness
    inspection.signature_attachment_id = None
    inspection.signed_at = None
    audit.record(
        actor,
        "inspection.signature_refused",
        inspection,
        summary=f"被检查单位负责人拒绝签字：{note}（见证人：{witness}）",
        data={"witness": witness},
    )


def _issued_by(inspection: Inspection) -> str:
    """Who issued the record and when (the loser of two officers issuing it at once is told)."""
    from app.documents.models import OfficialDocument

    doc = db.session.get(OfficialDocument, inspection.record_document_id)
    who = db.session.get(User, doc.issued_by_id) if doc is not None and doc.issued_by_id else None
    when = f"{_local(doc.issued_at):%Y年%m月%d日 %H:%M}" if doc is not None and doc.issued_at else ""
    return (
        f"现场检查记录已由{who.name if who else '他人'}于{when}制发（{inspection.record_no}），无需重复制发"
    )


def issue_record(inspection: Inspection, data: dict, *, actor: User, task=None) -> None:
    """制发现场检查记录 (检记): numbered and locked, with the time to the minute, the place, the team with
    their certificate numbers, the statement on credentials and recusal, each item's result, the problems and
    the signature or the refusal note. For a 双随机 inspection the result's publication is due
    result_publish_period (20 working days) after the day the inspection ended."""
    lock(inspection)
    require_team(actor, inspection)
    if inspection.record_document_id is not None:
        raise Conflict(_issued_by(inspection))
    task = ready_task(inspection, "onsite_record", task)
    if inspection.started_at is None:
        raise InvalidState("尚未开始现场检查（出示执法证件、告知回避）")
    results = results_of(inspection)
    findings = findings_of(inspection)
    missing = missing_for_record(inspection, results=results, findings=findings)
    if missing:
        raise InvalidState("；".join(missing))
    if inspection.signed_at is None and not inspection.refusal_note:
        raise InvalidState("被检查单位负责人尚未签字，拒绝签字的应记录拒签情况和见证人")
    summary = _text(dict(data or {}), "summary", "检查情况", max_length=5000)
    from app.inspections import checklists, documents

    now = clock.now()
    checklist = checklists.find(inspection.checklist_code)
    content = {
        "party": _party(inspection),
        "code": inspection.code,
        "source": inspection.source,
        "source_ref": inspection.source_ref,
        "place": inspection.place,
        "started_at": _local(inspection.started_at).strftime("%Y年%m月%d日%H时%M分"),
        "ended_at": _local(now).strftime("%Y年%m月%d日%H时%M分"),
        "team": _team_rows(inspection),
        "present_person": inspection.present_person,
        "present_person_role": inspection.present_person_role,
        "credentials_shown_at": _local(inspection.credentials_shown_at or now).strftime("%H时%M分"),
        "recusal_explained_at": _local(inspection.recusal_explained_at or now).strftime("%H时%M分"),
        "recusal_answer": inspection.recusal_answer,
        "checklist": {"code": checklist.code, "name": checklist.name, "version": checklist.version}
        if checklist
        else None,
        "items": [
            {"code": r.item_code, "text": r.item_text, "basis": r.basis, "result": r.result, "note": r.note}
            for r in sorted(results.values(), key=lambda r: r.item_code)
        ],
        "findings": [
            {
                "seq": f.seq,
                "item_code": f.item_code,
                "location": f.location,
                "description": f.description,
                "provision": f.provision,
                "level": f.level,
                "criterion_code": f.criterion_code,
                "corrected_on_site": f.corrected_on_site,
                "deadline": f.deadline.isoformat() if f.deadline else None,
                "photo_ids": list(f.photo_ids or []),
                "is_violation": f.is_violation,
            }
            for f in findings
        ],
        "summary": summary,
        "signature_attachment_id": inspection.signature_attachment_id,
        "signed_at": _local(inspection.signed_at).strftime("%Y年%m月%d日%H时%M分")
        if inspection.signed_at
        else None,
        "refusal_note": inspection.refusal_note,
        "refusal_witness": inspection.refusal_witness,
    }
    doc = documents.issue(inspection, documents.RECORD, content, actor=actor)
    due = None
    if inspection.source == InspectionSource.RANDOM:
        due = pack_for(inspection, clock.today()).end_of("result_publish_period", clock.today())
    changes = step(
        inspection,
        task,
        {"record_document_id": doc.id, "result_publish_due": due.isoformat() if due else None},
        actor=actor,
    )
    # set after the document's reads and the workflow step (neither reads them): written with the status the
    # step sets, one UPDATE of the inspection instead of two
    inspection.summary = summary
    inspection.ended_at = now
    inspection.record_document_id = doc.id
    inspection.record_no = doc.number.text
    if due is not None:
        inspection.result_publish_due = due
    audit.record(
        actor,
        "inspection.record_issued",
        inspection,
        summary=f"制发现场检查记录{doc.number.text}（检查项{len(results)}项，发现问题{len(findings)}个）"
        + (f"，抽查结果应于{due:%Y年%m月%d日}前公示" if due else ""),
        changes=changes,
        data={"document_id": doc.id, "findings": len(findings), "result_publish_due": due},
    )
