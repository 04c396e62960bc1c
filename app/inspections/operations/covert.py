"""随机暗访 (四不两直, issue #12 journeys 7–9, domain spec §6): the verbs of a sealed visit and its governance.

    create_visit(data, *, actor) -> CovertVisit                 # leader / section head: targets, team, window
    cancel_visit(visit, data, *, actor)                          # its creator, while sealed
    start_visit(visit, data, *, actor, task=None)                # the team lead, within the window
    add_sheet_row(visit, data, *, actor) -> CovertSheetRow       # a line of the 暗查暗访检查情况表 + evidence
    finish_sheet(visit, data, *, actor, task=None)               # the 情况表 issued (暗查), locked
    issue_assignment(visit, data, *, actor, task=None)           # 交办函 (交办) with its deadline
    record_return_visit(visit, data, *, actor, task=None)        # 回头看; unfixed → 督办单 (督单), new deadline
    issue_bulletin(data, *, actor) -> Bulletin                   # 通报 of a period's problems

Sealing (app.inspections.sealed): until the start nothing names a target outside this domain's rows. The
workflow instance carries no region and no enterprise (its tasks are assigned to the team lead, so no inbox,
count or audit scope shows them to anyone else) and its title is the visit's number only; the audit events
are about the visit (scoped by sealed.py) and never list enterprises; only the team is notified; no cap is
read or written (`caps.class_of` stores a class: not before the start). The start creates the Inspections
through `create_inspection` (source 暗访, mode 四不两直) and gives the workflow the agency's region."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from app import audit, clock, notifications, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.calendar import legal_calendar
from app.documents import issue_document
from app.documents.numbering import next_number
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.inspections import sealed
from app.inspections.models.covert import (
    Assignment,
    AssignmentStatus,
    Bulletin,
    CovertEvidence,
    CovertMember,
    CovertSheetRow,
    CovertStatus,
    CovertTarget,
    CovertVisit,
    ReturnVisit,
    SupervisionSheet,
)
from app.inspections.operations.inputs import ids as _ids
from app.inspections.operations.inputs import text as _text
from app.org.models import Department, Enterprise, Region

PROCESS = "covert_visit"
SUBJECT_TYPE = "covert_visits"
CREATOR_ROLES = (Role.LEADER, Role.SECTION_HEAD)
GOVERNANCE_ROLES = (Role.LEADER, Role.SECTION_HEAD)
MAX_TARGETS = 20
NUMBER_WORD = "暗访"  # （萧）应急暗访〔2026〕N号
FIXED, UNFIXED = "fixed", "unfixed"
RESULT_WORDS = {FIXED: "整改到位", UNFIXED: "未整改到位"}


# ---- shared -------------------------------------------------------------------------------------------


def _local(value: datetime) -> datetime:
    return value.astimezone(clock.TZ)


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
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise invalid(field, "日期格式不正确（应为YYYY-MM-DD）") from None


def _when(value: Any, field: str, *, required: bool = True) -> datetime | None:
    """A form's datetime (naive = China time) as an aware instant."""
    if value in (None, ""):
        if required:
            raise invalid(field, "请填写时间")
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            raise invalid(field, "时间格式不正确") from None
    return clock.to_utc(value)


def _pack(region_path: str, on: date):
    from app.inspections.rules import inspection_pack  # helper "classify"

    return inspection_pack(region_path, on)


def instance_of(visit: CovertVisit):
    return workflow.instance_for(visit, PROCESS)


def ready_ids(visit: CovertVisit) -> list[str]:
    inst = instance_of(visit)
    return workflow.ready_task_names(inst) if inst is not None else []


def ready_task(visit: CovertVisit, bpmn_id: str, task=None):
    """The READY task `bpmn_id` of the visit's workflow (or the given one, re-checked)."""
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != visit.id or task.subject_type != SUBJECT_TYPE:
            raise InvalidState("任务与暗访任务不匹配")
        return task
    inst = instance_of(visit)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"该暗访任务当前为“{visit.status}”，不能办理该事项")


def _step(visit: CovertVisit, task, data: dict, *, actor) -> dict:
    old = visit.status
    workflow.complete_task(task, data, actor=actor)
    return {"status": [str(old), str(visit.status)]} if visit.status != old else {}


def _require_seen(actor: User, visit: CovertVisit) -> None:
    require(sealed.can_see(actor, visit), "您无权办理该暗访任务")


def _require_lead(actor: User, visit: CovertVisit) -> None:
    lead = visit.lead
    require(lead is not None and actor.id == lead.id, "只有暗访组组长可以办理")


def _require_member(actor: User, visit: CovertVisit) -> None:
    require(actor.id in visit.member_ids, "只有暗访组成员可以填报情况表")


def _require_governance(actor: User, visit: CovertVisit) -> None:
    require(
        actor.has_role(*GOVERNANCE_ROLES)
        and not actor.is_enterprise_user
        and (sealed.is_team(actor, visit) or in_scope(actor, visit.region_path)),
        "交办、督办须由本机关负责人或科室负责人办理",
    )


def _notify_team(visit: CovertVisit, *, key: str, title: str, body: str, skip: User | None = None) -> None:
    users = [u for u in sealed.team_users(visit) if skip is None or u.id != skip.id]
    notifications.notify(users, visit, kind="covert", key=f"{key}:{visit.id}", title=title, body=body)


# ---- create / cancel (sealed) -------------------------------------------------------------------------


def check_team(
    data: dict,
    agency: Department,
    region_path: str,
    window_from: date,
    window_to: date,
    enterprise_ids: list[int],
) -> tuple[int, list[int], dict[int, User]]:
    """The team of a visit: a lead and members (≥ min_inspectors with the lead), active officers of the agency
    holding a 执法证 valid over the whole window, none with a declared 回避 relation with a target. Returns
    (lead id, member ids with the lead first, {id: User})."""
    try:
        lead_id = int(data.get("lead_id") or 0)
    except (TypeError, ValueError):
        lead_id = 0
    if not lead_id:
        raise invalid("lead_id", "请选择组长")
    member_ids = _ids(data.get("member_ids"), "member_ids")
    if lead_id not in member_ids:
        member_ids = [lead_id, *member_ids]
    minimum = _pack(region_path, window_from).min_inspectors
    if len(member_ids) < minimum:
        raise invalid("member_ids", f"暗访组执法人员不得少于{minimum}人（安全生产法第六十五条）")
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(member_ids)))}
    for uid in member_ids:
        u = users.get(uid)
        field = "lead_id" if uid == lead_id else "member_ids"
        if (
            u is None
            or u.is_enterprise_user
            or not u.is_active_flag
            or u.department is None
            or u.department.agency.id != agency.id
        ):
            raise invalid(field, "暗访组成员须为本机关的执法人员")
        if not u.has_role(Role.OFFICER, Role.SECTION_HEAD, Role.LEADER):
            raise invalid(field, f"{u.name}不是执法人员")
        if not (u.cert_valid_on(window_from) and u.cert_valid_on(window_to)):
            raise invalid(field, f"{u.name}的执法证在暗访时间窗口内无效，不能参加暗访")
    _refuse_local_officers(member_ids, users, lead_id, agency, enterprise_ids)
    from app.inspections.conflicts import conflicted  # helper "draw" (read only)

    for eid in enterprise_ids:
        clash = conflicted(member_ids, eid)
        if clash:
            names = "、".join(users[i].name for i in member_ids if i in clash)
            raise invalid("member_ids", f"{names}与暗访对象之一存在已申报的回避关系，请调整检查组")
    return lead_id, member_ids, users


def _refuse_local_officers(
    member_ids: list[int], users: dict[int, User], lead_id: int, agency: Department, enterprise_ids: list[int]
) -> None:
    """Sealing: the officers of a unit whose jurisdiction is narrower than the agency's (a town's 安监站) and
    covers a target's place are the people who must learn nothing of the visit — none joins its team."""
    agency_path = agency.region.path if agency.region is not None else ""
    paths = list(db.session.scalars(select(Enterprise.region_path).where(Enterprise.id.in_(enterprise_ids))))
    for uid in member_ids:
        dept = users[uid].department
        if dept is None:
            continue
        region = dept.region
        if region is None or region.path == agency_path or not region.path.startswith(agency_path):
            continue  # the agency's own jurisdiction (or none narrower)
        if any(p.startswith(region.path) for p in paths):
            raise invalid(
                "lead_id" if uid == lead_id else "member_ids",
                f"{users[uid].name}属于{dept.name}，该单位管辖暗访对象所在的{region.name}，"
                "属地人员不得参加暗访（暗访须对属地保密），请调整检查组",
            )


def create_visit(data: dict, *, actor: User) -> CovertVisit:
    """A sealed 暗访: targets in the creator's jurisdiction, a team of ≥ min_inspectors officers holding a
    执法证 valid over the window (one the lead), a window starting today or later. Nothing about a target
    leaves this domain's rows: no Inspection, no cap, no audit event naming an enterprise."""
    require(
        actor.has_role(*CREATOR_ROLES) and not actor.is_enterprise_user, "只有负责人或科室负责人可以部署暗访"
    )
    agency = _agency_of(actor)
    purpose = _text(data, "purpose", "暗访目的与重点")
    today = clock.today()
    window_from = _date(data.get("window_from"), "window_from")
    window_to = _date(data.get("window_to"), "window_to")
    assert window_from is not None and window_to is not None
    if window_from < today:
        raise invalid("window_from", "时间窗口不能早于今天")
    if window_to < window_from:
        raise invalid("window_to", "时间窗口止日不能早于起日")
    if (window_to - window_from).days > 92:
        raise invalid("window_to", "时间窗口不得超过3个月")

    enterprise_ids = _ids(data.get("enterprise_ids"), "enterprise_ids", "企业编号不正确")
    if not enterprise_ids:
        raise invalid("enterprise_ids", "请至少选择1个暗访对象")
    if len(enterprise_ids) > MAX_TARGETS:
        raise invalid("enterprise_ids", f"一次暗访的对象不得超过{MAX_TARGETS}个")
    enterprises = {
        e.id: e for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(enterprise_ids)))
    }
    for eid in enterprise_ids:
        e = enterprises.get(eid)
        if e is None or not in_scope(actor, e.region_path, e.id):
            raise invalid("enterprise_ids", "暗访对象须为本辖区的企业")

    region_path = agency.region.path if agency.region is not None else ""
    lead_id, member_ids, users = check_team(data, agency, region_path, window_from, window_to, enterprise_ids)

    number = next_number(agency, NUMBER_WORD, year=window_from.year)
    visit = CovertVisit(
        code=number.text,
        agency_id=agency.id,
        region_path=region_path,
        created_by_id=actor.id,
        purpose=purpose,
        window_from=window_from,
        window_to=window_to,
        status=CovertStatus.SEALED,
    )
    visit.created_by = actor
    for eid in enterprise_ids:
        visit.targets.append(CovertTarget(enterprise_id=eid))
    for uid in member_ids:
        visit.members.append(
            CovertMember(user_id=uid, is_lead=uid == lead_id, cert_no=users[uid].cert_no, user=users[uid])
        )
    db.session.add(visit)
    db.session.flush()
    workflow.start(
        PROCESS,
        subject=visit,
        title=f"暗访任务 {visit.code}",  # never a target's name: the inbox shows it to the lead
        region_path=None,  # no jurisdiction until the start: no scope query reaches it
        enterprise_id=None,
        data={"visit_id": visit.id, "lead_id": lead_id, "window_to": window_to.isoformat()},
        actor=actor,
    )
    audit.record(
        actor,
        "covert.created",
        visit,
        # the trail's whole-scope readers (an admin verifying the chain) read every event: the summary names
        # neither a target nor the team nor the window; the visit's page (sealed) shows them to the team
        summary=f"部署暗访任务 {visit.code}（密封）",
    )
    _notify_team(
        visit,
        key="created",
        title=f"暗访任务 {visit.code}",
        body=f"您被编入暗访检查组（{window_from:%m月%d日}至{window_to:%m月%d日}），任务内容仅检查组可见，请严格保密。",
        skip=actor,
    )
    return visit


def cancel_visit(visit: CovertVisit, data: dict, *, actor: User) -> None:
    """Its creator cancels a sealed visit (with a reason); it stays sealed for good."""
    require(actor.id == visit.created_by_id, "只有暗访任务的部署人可以取消")
    if visit.status != CovertStatus.SEALED:
        raise InvalidState(f"暗访任务当前为“{visit.status}”，不能取消")
    reason = _text(data, "reason", "取消理由", max_length=500)
    inst = instance_of(visit)
    if inst is not None:
        workflow.cancel(inst, actor=actor, reason=reason)
    visit.status = CovertStatus.CANCELLED
    visit.cancelled_at = clock.now()
    visit.cancelled_reason = reason
    audit.record(
        actor,
        "covert.cancelled",
        visit,
        summary=f"取消暗访任务 {visit.code}：{reason}",
        changes={"status": [str(CovertStatus.SEALED), str(CovertStatus.CANCELLED)]},
    )
    _notify_team(visit, key="cancelled", title=f"暗访任务 {visit.code} 已取消", body=reason or "", skip=actor)


def change_team(visit: CovertVisit, data: dict, *, actor: User) -> None:
    """Its creator changes the team (or its lead) while the visit is sealed: the start task follows the new lead;
    everyone added or removed is told (they know of it, nobody else learns of it)."""
    require(actor.id == visit.created_by_id, "只有暗访任务的部署人可以调整检查组")
    if visit.status != CovertStatus.SEALED:
        raise InvalidState(f"暗访任务当前为“{visit.status}”，不能调整检查组")
    lead_id, member_ids, users = check_team(
        data,
        visit.agency,
        visit.region_path,
        visit.window_from,
        visit.window_to,
        [t.enterprise_id for t in visit.targets],
    )
    before = sorted(visit.member_ids)
    removed = [m.user for m in visit.members if m.user_id not in member_ids]
    old_lead = visit.lead.id if visit.lead else None
    kept = {m.user_id: m for m in visit.members}
    visit.members = [
        kept.get(uid) or CovertMember(user_id=uid, cert_no=users[uid].cert_no, user=users[uid])
        for uid in member_ids
    ]
    for m in visit.members:
        m.is_lead = m.user_id == lead_id
    db.session.flush()
    task = ready_task(visit, "start_visit")
    workflow.direct(task, users[lead_id])  # the seal keeps the task off every queue: it follows the lead
    audit.record(
        actor,
        "covert.team_changed",
        visit,
        summary=f"调整暗访任务 {visit.code} 的检查组",
        changes={"covert_team": [before, sorted(member_ids)], "covert_lead": [old_lead, lead_id]},
    )
    _notify_team(
        visit,
        key=f"team:{clock.now().timestamp():.0f}",
        title=f"暗访任务 {visit.code}",
        body="检查组已调整，任务内容仅检查组可见，请严格保密。",
        skip=actor,
    )
    if removed:
        notifications.notify(
            removed,
            visit,
            kind="covert",
            key=f"removed:{visit.id}:{clock.now().timestamp():.0f}",
            title=f"您已不再参加暗访任务 {visit.code}",
            body="请对已知悉的任务内容继续保密。",
        )


def window_passed(visit: CovertVisit) -> None:
    """The window ended unstarted (the workflow's timer): cancelled, still sealed."""
    if visit.status != CovertStatus.SEALED:
        return
    visit.status = CovertStatus.CANCELLED
    visit.cancelled_at = clock.now()
    visit.cancelled_reason = "时间窗口届满未启动"
    audit.record(
        None,
        "covert.window_passed",
        visit,
        summary=f"暗访任务 {visit.code} 时间窗口届满未启动，自动取消",
        changes={"status": [str(CovertStatus.SEALED), str(CovertStatus.CANCELLED)]},
    )
    _notify_team(
        visit, key="window_passed", title=f"暗访任务 {visit.code} 未在时间窗口内启动，已取消", body=""
    )


# ---- start --------------------------------------------------------------------------------------------


def start_visit(visit: CovertVisit, data: dict, *, actor: User, task=None) -> list:
    """The team lead starts the visit on site, within the window: one Inspection per target (source 暗访, mode
    四不两直, counted against the cap from now on; a leader who created the visit approved an over-cap
    visit), and the visit leaves the seal: the normal jurisdiction scope applies from here on."""
    _require_lead(actor, visit)
    if visit.status != CovertStatus.SEALED:
        raise InvalidState(f"暗访任务当前为“{visit.status}”，不能启动")
    today = clock.today()
    if not (visit.window_from <= today <= visit.window_to):
        raise invalid(
            "started", f"只能在时间窗口内（{visit.window_from:%Y-%m-%d}至{visit.window_to:%Y-%m-%d}）启动暗访"
        )
    task = ready_task(visit, "start_visit", task)
    reason = _text(data, "over_cap_reason", "超出上限检查的理由", required=False)
    from app.inspections.models import InspectionMode, InspectionSource
    from app.inspections.operations.inspection import create_inspection  # helper "onsite"

    approver = visit.created_by if visit.created_by.has_role(Role.LEADER) else None
    created = []
    for target in visit.targets:
        inspection = create_inspection(
            target.enterprise,
            {
                "source": InspectionSource.COVERT,
                "source_ref": visit.code,
                "mode": InspectionMode.COVERT,
                "planned_on": today,
                "lead_officer_id": visit.lead.id if visit.lead else actor.id,
                "member_ids": visit.member_ids,
                "over_cap_reason": reason,
            },
            actor=actor,
            approved_over_cap_by=approver,
            origin=target,
        )
        target.inspection_id = inspection.id
        created.append(inspection)
    visit.started_at = clock.now()
    visit.started_by_id = actor.id
    inst = instance_of(visit)
    if inst is not None:  # the seal is lifted: tasks from here on are in the agency's jurisdiction
        workflow.rescope(inst, region_path=visit.region_path, enterprise_id=None)
    changes = _step(
        visit, task, {"started": True, "lead_id": visit.lead.id if visit.lead else actor.id}, actor=actor
    )
    audit.record(
        actor,
        "covert.started",
        visit,
        summary=f"启动暗访 {visit.code}：建立监督检查{len(created)}项（四不两直）",
        changes=changes or None,
        data={"inspection_ids": [i.id for i in created]},
    )
    _notify_team(
        visit,
        key="started",
        title=f"暗访 {visit.code} 已启动",
        body="请在现场填报暗查暗访检查情况表",
        skip=actor,
    )
    return created


# ---- the 暗查暗访检查情况表 ------------------------------------------------------------------------------


def _capture(att, given: datetime | None) -> tuple[datetime | None, str]:
    if given is not None:
        return given, "填报"
    if att.mime == "image/jpeg":
        from app.attachments.storage import blob_path
        from app.inspections.exif import capture_time

        try:
            with open(blob_path(att.sha256), "rb") as fh:
                found = capture_time(fh.read(256 * 1024))
        except OSError:
            found = None
        if found is not None:
            return clock.to_utc(found), "EXIF"
    return None, "未知"


def add_sheet_row(visit: CovertVisit, data: dict, *, actor: User) -> CovertSheetRow:
    """A line of the 情况表: time, place, unit, problems; photos and video with their SHA-256 (computed on upload)
    and capture time (the form's, else the photo's EXIF)."""
    _require_member(actor, visit)
    ready_task(visit, "record_sheet")
    observed_at = _when(data.get("observed_at"), "observed_at")
    assert observed_at is not None
    if visit.started_at is not None and observed_at.date() < visit.window_from:
        raise invalid("observed_at", "检查时间不能早于暗访时间窗口")
    if observed_at > clock.now():
        raise invalid("observed_at", "检查时间不能晚于当前时间")
    target_id = data.get("target_id")
    target = None
    if target_id not in (None, ""):
        target = next((t for t in visit.targets if t.id == int(target_id)), None)
        if target is None:
            raise invalid("target_id", "所选单位不是本次暗访对象")
    unit = _text(data, "unit", "被检查单位", required=target is None, max_length=200) or (
        target.enterprise.name if target is not None else ""
    )
    row = CovertSheetRow(
        visit=visit,
        target=target,
        observed_at=observed_at,
        place=_text(data, "place", "检查地点", max_length=300) or "",
        unit=unit,
        problems=_text(data, "problems", "发现的问题", max_length=4000) or "",
        recorded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    captured_given = _when(data.get("captured_at"), "captured_at", required=False)
    from app import attachments

    for att in attachments.get_many(data.get("evidence") or []):
        kind = "视频" if att.mime.startswith("video/") else "照片"
        when, source = _capture(att, captured_given)
        row.evidence.append(
            CovertEvidence(
                attachment_id=att.id, kind=kind, sha256=att.sha256, captured_at=when, captured_source=source
            )
        )
        attachments.link(att, visit, "sheet")
    db.session.flush()
    audit.record(
        actor,
        "covert.sheet_row_added",
        visit,
        summary=f"暗访 {visit.code} 记录检查情况：{row.unit}（证据{len(row.evidence)}项）",
        data={"row_id": row.id, "evidence": [e.sha256 for e in row.evidence]},
    )
    return row


def open_procedures(visit: CovertVisit) -> list[CovertTarget]:
    """Targets with problems recorded whose inspection has no 现场检查记录 yet: 暗访 evidence alone is not a
    full procedure, the findings go through the inspection's on-site record (检记)."""
    with_problems = {r.target_id for r in visit.sheet_rows if r.target_id is not None}
    out = []
    for t in visit.targets:
        if t.id in with_problems:
            insp = t.inspection
            if insp is None or (insp.record_no is None and insp.status != "已取消"):
                out.append(t)
    return out


def finish_sheet(visit: CovertVisit, data: dict, *, actor: User, task=None) -> None:
    """The lead closes the 情况表: issued as a numbered, locked document (暗查) with each evidence's hash. The
    problems of a target must have entered its inspection's on-site record first."""
    _require_lead(actor, visit)
    task = ready_task(visit, "record_sheet", task)
    if not visit.sheet_rows:
        raise invalid("conclusion", "请先记录至少1条检查情况（未发现问题的也应记录检查时间、地点和单位）")
    missing = open_procedures(visit)
    if missing:
        names = "、".join(t.enterprise.name for t in missing)
        raise invalid(
            "conclusion",
            f"{names}发现的问题尚未制作现场检查记录：暗访证据须经现场检查记录等法定程序固定后方可办结情况表",
        )
    conclusion = _text(data, "conclusion", "暗访总体情况", max_length=4000)
    needs_assignment = bool(data.get("needs_assignment"))
    document = issue_document(
        "covert_sheet",
        agency=visit.agency,
        subject=visit,
        actor=actor,
        content=sheet_content(visit, conclusion),
    )
    visit.sheet_document_id = document.id
    visit.sheet_recorded_at = clock.now()
    visit.conclusion = conclusion
    changes = _step(visit, task, {"needs_assignment": needs_assignment}, actor=actor)
    audit.record(
        actor,
        "covert.sheet_issued",
        visit,
        summary=f"暗访 {visit.code} 情况表制发 {document.number.text}"
        + ("，拟交办" if needs_assignment else ""),
        changes=changes or None,
    )


def sheet_content(visit: CovertVisit, conclusion: str | None) -> dict:
    return {
        "code": visit.code,
        "agency": visit.agency.name,
        "window": f"{visit.window_from:%Y年%m月%d日}至{visit.window_to:%Y年%m月%d日}",
        "members": [
            {"name": m.user.name, "cert_no": m.cert_no or "", "lead": m.is_lead} for m in visit.members
        ],
        "rows": [
            {
                "observed_at": _local(r.observed_at).strftime("%Y-%m-%d %H:%M"),
                "place": r.place,
                "unit": r.unit,
                "problems": r.problems,
                "record_no": (r.target.inspection.record_no if r.target and r.target.inspection else None)
                or "",
                "evidence": [
                    {
                        "kind": e.kind,
                        "name": e.attachment.original_name if e.attachment is not None else "",
                        "sha256": e.sha256,
                        "captured_at": _local(e.captured_at).strftime("%Y-%m-%d %H:%M:%S")
                        if e.captured_at
                        else "",
                        "captured_source": e.captured_source,
                    }
                    for e in r.evidence
                ],
            }
            for r in visit.sheet_rows
        ],
        "conclusion": conclusion or "",
    }


# ---- governance: 交办 → 回头看 / 督办 → 通报 ------------------------------------------------------------


def assignment_deadline(visit: CovertVisit, on: date) -> date:
    period = _pack(visit.region_path, on).assignment_period
    return legal_calendar.add_days(on, period.n, kind=period.kind)


def _region_of(value: Any, visit: CovertVisit) -> str | None:
    if value in (None, ""):
        return None
    try:
        region = db.session.get(Region, int(value))
    except (TypeError, ValueError):
        region = None
    if region is None or not (region.path or "").startswith(visit.region_path):
        raise invalid("to_region_id", "承办单位属地须在本机关辖区内")
    return region.path


def issue_assignment(visit: CovertVisit, data: dict, *, actor: User, task=None) -> Assignment:
    """交办函: the problems referred to a town government or a department, numbered (交办), with a deadline
    (default: the pack's assignment_period from today)."""
    _require_governance(actor, visit)
    task = ready_task(visit, "assign", task)
    today = clock.today()
    deadline = _date(data.get("deadline"), "deadline", required=False) or assignment_deadline(visit, today)
    if deadline <= today:
        raise invalid("deadline", "办理期限应晚于今天")
    to_name = _text(data, "to_name", "承办单位", max_length=100) or ""
    problems = _text(data, "problems", "交办问题", max_length=4000) or ""
    to_region = _region_of(data.get("to_region_id"), visit)
    document = issue_document(
        "assignment_letter",
        agency=visit.agency,
        subject=visit,
        actor=actor,
        content={
            "code": visit.code,
            "to_name": to_name,
            "problems": problems,
            "deadline": f"{deadline:%Y年%m月%d日}",
            "agency": visit.agency.name,
            "issued_on": f"{today:%Y年%m月%d日}",
        },
    )
    assignment = Assignment(
        visit=visit,
        number=document.number.text,
        document_id=document.id,
        to_name=to_name,
        to_region_path=to_region,
        problems=problems,
        deadline=deadline,
        status=AssignmentStatus.WAITING,
        issued_on=today,
        issued_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    _step(
        visit,
        task,
        {"assignment_id": assignment.id, "assignment_deadline": deadline.isoformat()},
        actor=actor,
    )
    audit.record(
        actor,
        "covert.assigned",
        visit,
        summary=f"暗访 {visit.code} 交办 {to_name}（{document.number.text}，期限{deadline:%Y-%m-%d}）",
        data={"assignment_id": assignment.id},
    )
    return assignment


def record_return_visit(visit: CovertVisit, data: dict, *, actor: User, task=None) -> ReturnVisit:
    """回头看 of the open 交办: its reply and what the return visit found. Fixed: the 交办 ends (办结) and the
    visit with it. Not fixed: the 科室负责人 (or 负责人) issues the 督办单 next (issue_supervision) — a numbered
    document in the agency's name, which the team lead (an officer) does not issue — then another 回头看."""
    require(actor.id in visit.member_ids or sealed.is_team(actor, visit), "只有暗访组成员可以记录回头看")
    task = ready_task(visit, "return_visit", task)
    assignment = _open_assignment(visit)
    today = clock.today()
    visited_on = _date(data.get("visited_on"), "visited_on") or today
    if visited_on > today or visited_on < assignment.issued_on:
        raise invalid("visited_on", "回头看日期应在交办之后、今天之前")
    result = data.get("result")
    if result not in RESULT_WORDS:
        raise invalid("result", "请选择回头看结论")
    note = _text(data, "note", "回头看情况", max_length=4000) or ""
    reply = _text(data, "reply", "承办单位回复", required=False, max_length=4000)
    if reply:
        assignment.reply = reply
        assignment.replied_on = today
    rv = ReturnVisit(
        assignment=assignment,
        visited_on=visited_on,
        result=RESULT_WORDS[result],
        note=note,
        recorded_by_id=actor.id,
    )
    db.session.add(rv)
    if result == FIXED:
        assignment.status = AssignmentStatus.CLOSED
        assignment.closed_on = today
        visit.completed_on = today
    db.session.flush()
    changes = _step(visit, task, {"fixed": result == FIXED}, actor=actor)
    audit.record(
        actor,
        "covert.return_visit",
        visit,
        summary=f"暗访 {visit.code} 回头看（{assignment.to_name}）：{RESULT_WORDS[result]}"
        + ("" if result == FIXED else "，报科室负责人督办"),
        changes=changes or None,
        data={"assignment_id": assignment.id},
    )
    return rv


def _open_assignment(visit: CovertVisit) -> Assignment:
    assignment = next((a for a in reversed(visit.assignments) if a.status != AssignmentStatus.CLOSED), None)
    if assignment is None:
        raise InvalidState("没有待回头看的交办事项")
    return assignment


def issue_supervision(visit: CovertVisit, data: dict, *, actor: User, task=None) -> SupervisionSheet:
    """督办单 (督单) after a 回头看 found the 交办 not fixed: the 科室负责人 or 负责人 of the agency issues it with
    the requirements and a new deadline; the team lead's next 回头看 falls due then."""
    _require_governance(actor, visit)
    task = ready_task(visit, "supervise", task)
    assignment = _open_assignment(visit)
    today = clock.today()
    new_deadline = _date(data.get("new_deadline"), "new_deadline")
    assert new_deadline is not None
    if new_deadline <= today:
        raise invalid("new_deadline", "督办期限应晚于今天")
    requirements = _text(data, "requirements", "督办要求", max_length=4000) or ""
    found = assignment.return_visits[-1].note if assignment.return_visits else ""
    document = issue_document(
        "supervision_sheet",
        agency=visit.agency,
        subject=visit,
        actor=actor,
        content={
            "code": visit.code,
            "assignment_number": assignment.number,
            "to_name": assignment.to_name,
            "problems": assignment.problems,
            "found": found,
            "requirements": requirements,
            "deadline": f"{new_deadline:%Y年%m月%d日}",
            "agency": visit.agency.name,
            "issued_on": f"{today:%Y年%m月%d日}",
        },
    )
    sheet = SupervisionSheet(
        number=document.number.text,
        document_id=document.id,
        requirements=requirements,
        deadline=new_deadline,
        issued_on=today,
        issued_by_id=actor.id,
    )
    assignment.supervisions.append(sheet)
    assignment.status = AssignmentStatus.SUPERVISED
    db.session.flush()
    changes = _step(visit, task, {"assignment_deadline": new_deadline.isoformat()}, actor=actor)
    audit.record(
        actor,
        "covert.supervised",
        visit,
        summary=f"暗访 {visit.code} 交办（{assignment.to_name}）未整改到位，制发督办单 {sheet.number}，"
        f"期限{new_deadline:%Y年%m月%d日}",
        changes=changes or None,
        data={"assignment_id": assignment.id, "document_id": document.id},
    )
    _notify_team(
        visit,
        key=f"supervised:{sheet.number}",
        title=f"暗访 {visit.code} 已督办",
        body=f"督办期限{new_deadline:%Y年%m月%d日}，期满请回头看",
        skip=actor,
    )
    return sheet


def bulletin_problems(actor: User, period_from: date, period_to: date) -> list[dict]:
    """The problems the started visits (in the actor's sight, never a sealed one) found in the period."""
    rows = db.session.scalars(
        select(CovertSheetRow)
        .join(CovertVisit, CovertVisit.id == CovertSheetRow.visit_id)
        .where(
            CovertVisit.started_at.is_not(None),
            sealed.visible_clause(actor),
            CovertVisit.agency_id == _agency_of(actor).id,
        )
        .order_by(CovertSheetRow.observed_at, CovertSheetRow.id)
    )
    out = []
    for r in rows:
        day = _local(r.observed_at).date()
        if period_from <= day <= period_to:
            out.append(
                {
                    "visit_id": r.visit_id,
                    "code": r.visit.code,
                    "unit": r.unit,
                    "place": r.place,
                    "observed_on": day.isoformat(),
                    "problems": r.problems,
                }
            )
    return out


def issue_bulletin(data: dict, *, actor: User) -> Bulletin:
    """通报: a numbered bulletin (通报) of the problems the started visits found in a period (e.g. a month),
    published inside the agency's jurisdiction."""
    require(
        actor.has_role(*GOVERNANCE_ROLES) and not actor.is_enterprise_user,
        "只有负责人或科室负责人可以签发通报",
    )
    agency = _agency_of(actor)
    period_from = _date(data.get("period_from"), "period_from")
    period_to = _date(data.get("period_to"), "period_to")
    assert period_from is not None and period_to is not None
    today = clock.today()
    if period_to < period_from:
        raise invalid("period_to", "通报期间止日不能早于起日")
    if period_to > today:
        raise invalid("period_to", "通报期间不能晚于今天")
    problems = bulletin_problems(actor, period_from, period_to)
    if not problems:
        raise invalid("period_from", "该期间没有已启动暗访发现的问题，无可通报事项")
    title = _text(data, "title", "通报标题", max_length=200) or ""
    requirements = _text(data, "requirements", "工作要求", required=False, max_length=4000)
    region_path = agency.region.path if agency.region is not None else ""
    bulletin = Bulletin(
        agency_id=agency.id,
        region_path=region_path,
        period_from=period_from,
        period_to=period_to,
        title=title,
        problems=problems,
        requirements=requirements,
        published_on=today,
        issued_by_id=actor.id,
    )
    bulletin.agency = agency
    db.session.add(bulletin)
    db.session.flush()
    document = issue_document(
        "bulletin",
        agency=agency,
        subject=bulletin,
        actor=actor,
        title=title,
        content={
            "title": title,
            "agency": agency.name,
            "period": f"{period_from:%Y年%m月%d日}至{period_to:%Y年%m月%d日}",
            "problems": problems,
            "requirements": requirements or "",
            "issued_on": f"{today:%Y年%m月%d日}",
        },
    )
    bulletin.number = document.number.text
    bulletin.document_id = document.id
    audit.record(
        actor,
        "covert.bulletin_issued",
        bulletin,
        summary=f"印发暗访通报 {document.number.text}：{title}（问题{len(problems)}条）",
    )
    return bulletin
