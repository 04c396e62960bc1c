"""The inspection itself (监督检查, issue #12 journeys 11–12): created from any source, counted against the
enterprise's yearly cap (国办发〔2024〕54号), approved by the leader when over it, prepared (检查方案), done on
site (出示证件、告知回避, the checklist, the findings, the 负责人's signature or the refusal with a witness,
安全生产法第六十五条、第六十八条) and recorded (现场检查记录, 检记). The `inspection` workflow
(workflows/inspection.bpmn) orders the steps; each step here is checked whoever calls it (page, task page,
API), and the status follows from where the workflow stands (app.inspections.status).

    create_inspection(enterprise, data, *, actor, approved_over_cap_by=None) -> Inspection
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

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy import text as sql_text

from app import audit, clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.inspections.models import (
    CAP_EXEMPT_SOURCES,
    Inspection,
    InspectionMember,
    InspectionMode,
    InspectionSource,
    InspectionStatus,
)
from app.org.models import Department, Enterprise

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
    workflow.complete_task(task, data, actor=actor)
    return {"status": [str(old), str(inspection.status)]} if inspection.status != old else {}


_TOUCH = sql_text("UPDATE inspections SET id = id WHERE id = :id")


def lock(inspection: Inspection) -> None:
    """One writer per inspection for the on-site steps no workflow task serialises (an item, a finding, the
    signature): a row lock (PostgreSQL) / the write lock (SQLite), then the row read again."""
    db.session.flush()
    db.session.execute(_TOUCH, {"id": inspection.id})
    db.session.refresh(inspection)


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


def _int(value: Any, field: str, message: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(field, message) from None


def _text(data: dict, field: str, label: str, *, required: bool = True, max_length: int = 2000) -> str | None:
    value = (data.get(field) or "").strip() if isinstance(data.get(field) or "", str) else None
    if value is None:
        raise invalid(field, f"{label}格式不正确")
    if not value:
        if required:
            raise invalid(field, f"请填写{label}")
        return None
    if len(value) > max_length:
        raise invalid(field, f"{label}不能超过{max_length}字")
    return value


def _ids(value: Any, field: str) -> list[int]:
    if value in (None, ""):
        return []
    if isinstance(value, (str, int)):
        value = [v for v in str(value).replace("，", ",").split(",") if v.strip()]
    out: list[int] = []
    for v in value:
        i = _int(v, field, "人员编号不正确")
        if i not in out:
            out.append(i)
    return out


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
    users = list(db.session.scalars(select(User).where(User.id.in_(member_ids))))
    by_id = {u.id: u for u in users}
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


def create_inspection(
    enterprise: Enterprise, data: dict, *, actor: User, approved_over_cap_by: User | None = None
) -> Inspection:
    """One inspection of `enterprise`, from any source, counted against its yearly cap; starts the
    `inspection` workflow. Over the cap it needs a reason and waits for the leader (待审批), unless a leader
    already approved it at the source (`approved_over_cap_by`: a plan, a 暗访 a leader created)."""
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
    reason = _text(data, "over_cap_reason", "超出上限检查的理由", required=False)

    from app.inspections.caps import budget  # helper "classify"

    cap_year = planned_on.year
    counts = source not in CAP_EXEMPT_SOURCES
    b = budget(enterprise, cap_year)
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
