"""What an inspection leads to (journey 13; domain spec §1.6, §2.3, §3.3, §5.1).

    issue_order_from_findings  every finding not corrected on the spot becomes a hazard of ONE 责令限期整改指令书,
                               through the hazard loop's own verbs (register_hazard, issue_order); all or nothing
    issue_measure / lift_measure
                               现场处理措施决定书 (现决): 立即改正 / 责令暂时停产停业 / 停止使用相关设施设备 /
                               撤出作业人员, numbered and locked; an open item until lifted after 复查 (立即改正:
                               the team's officer; the others: a section head or leader)
    refer_violations           every finding tagged 违法行为 becomes a 案件线索 (source 检查发现) through the
                               penalty-case domain's register_proposal; its end (proposal_closed signal) is read
                               back into the finding's outcome (on_proposal_closed)
    finish_handling            user task handle_results: refused while a finding is neither corrected on the spot
                               nor ordered, or a violation has no case lead
    publish_result             user task publish_result (双随机 only): 抽查结果 on the public pages (kind
                               random_check_result), due 20 working days after the inspection (the pack's
                               result_publish_period, app.calendar)
    complete_inspection        user task await_outcomes: refused while a violation finding has no outcome (no
                               以责代罚, §1.6); completed by the receiver when the last outcome arrives

Task data set for the inspection workflow (workflows/inspection.bpmn, owned by the on-site part):
    handle_results -> is_random, result_publish_due (ISO date or ""), result_publish_due_at (ISO datetime: the
                      moment the due day has passed), outcomes_pending
    publish_result -> outcomes_pending
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app import audit, clock, notifications, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.documents import issue_document
from app.errors import FieldErrors, InvalidState, ValidationFailed, invalid, require
from app.extensions import db
from app.inspections.models import (
    Finding,
    FindingOutcome,
    Inspection,
    InspectionSource,
    InspectionStatus,
    MeasureKind,
    MeasureStatus,
    OnSiteMeasure,
)
from app.inspections.operations.inspection import lock
from app.ui import cn_date

PROCESS = "inspection"
MEASURE_DOC = "onsite_measures"  # 现场处理措施决定书, 代字 现决 (a platform doc type)
RESULT_KIND = "random_check_result"  # 双随机抽查结果 on the public pages

# the hazard loop's 排查来源 for an inspection's source (app.hazards.models.HazardSource values)
HAZARD_SOURCES = {
    InspectionSource.RANDOM: "双随机",
    InspectionSource.COVERT: "暗访",
    InspectionSource.REPORT: "举报",
    InspectionSource.CAMPAIGN: "专项行动",
}
DEFAULT_HAZARD_SOURCE = "执法检查"
HAZARD_CATEGORIES = ("人", "物", "管理", "环境")

# 安全生产法 (2021) 第六十五条第一款: (二) 违法行为当场予以纠正或者要求限期改正; (三) 重大事故隐患排除前或者排除过程中
# 无法保证安全的，责令从危险区域内撤出作业人员，责令暂时停产停业或者停止使用相关设施、设备
MEASURE_BASIS = {
    MeasureKind.CORRECT_NOW: "《中华人民共和国安全生产法》第六十五条第一款第（二）项、第（三）项",
    MeasureKind.SUSPEND: "《中华人民共和国安全生产法》第六十五条第一款第（三）项",
    MeasureKind.STOP_USE: "《中华人民共和国安全生产法》第六十五条第一款第（三）项",
    MeasureKind.WITHDRAW: "《中华人民共和国安全生产法》第六十五条第一款第（三）项",
}
# measures that stop production or use: the scope (场所/设备/区域) is required, lifting needs a section head/leader
SCOPED_MEASURES = frozenset({MeasureKind.SUSPEND, MeasureKind.STOP_USE, MeasureKind.WITHDRAW})
REMEDY_DAYS = 60  # 行政复议 (days) [M:high]
LITIGATION_MONTHS = 6  # 行政诉讼 (months) [M:high]

# 抽查结果 as published (检查结果 column)
RESULT_NONE = "未发现问题"
RESULT_ORDERED = "发现问题已责令整改"
RESULT_CORRECTED = "发现问题已当场整改"
RESULT_CASE = "发现违法行为，已依法处理"
RESULT_CHOICES = (RESULT_NONE, RESULT_CORRECTED, RESULT_ORDERED, RESULT_CASE)

# a case lead's end (app.cases.models.ProposalStatus values) -> the finding's outcome
OUTCOME_OF = {
    "已立案": FindingOutcome.FILED,
    "已简易处罚": FindingOutcome.SIMPLE,
    "不予处罚": FindingOutcome.NO_PENALTY,
    "不予立案": FindingOutcome.DECLINED,
    "已移送": FindingOutcome.TRANSFERRED,
}
ENDED = frozenset(OUTCOME_OF.values())

OPEN_FOR_RESULTS = (InspectionStatus.ON_SITE, InspectionStatus.HANDLING)


# ---- who may ------------------------------------------------------------------------------------------


def is_staff_in_scope(user: User, inspection: Inspection) -> bool:
    return (not user.is_enterprise_user) and in_scope(user, inspection.region_path, inspection.enterprise_id)


def can_handle(user: User, inspection: Inspection) -> bool:
    """The team's officers, or a section head of the jurisdiction (orders, measures, referrals, 结果处理)."""
    if not is_staff_in_scope(user, inspection):
        return False
    if user.has_role(Role.SECTION_HEAD):
        return True
    return user.has_role(Role.OFFICER) and user.id in inspection.officer_ids


HANDLE_DENIED = "只有本次检查的执法人员或辖区承办机构负责人可以处理检查结果"


def can_lift(user: User, measure: OnSiteMeasure) -> bool:
    """立即改正: the team's officer confirms the correction; 停产停业/停止使用/撤出作业人员: resumed only after review
    and approval (§2.3) — a section head or leader of the jurisdiction."""
    inspection = measure.inspection
    if not is_staff_in_scope(user, inspection):
        return False
    if user.has_role(Role.SECTION_HEAD, Role.LEADER):
        return True
    return measure.kind == MeasureKind.CORRECT_NOW and can_handle(user, inspection)


def lift_denied_message(measure: OnSiteMeasure) -> str:
    if measure.kind == MeasureKind.CORRECT_NOW:
        return "只有本次检查的执法人员或辖区承办机构负责人、负责人可以确认立即改正并解除"
    return f"{measure.kind}须经复查，由辖区承办机构负责人或负责人批准后方可解除"


# ---- small readings ------------------------------------------------------------------------------------


def inspected_on(inspection: Inspection) -> date:
    """The day of the visit: when the team started on site (China time), else the planned day."""
    if inspection.started_at is not None:
        return inspection.started_at.astimezone(clock.TZ).date()
    return inspection.planned_on


def hazard_source(inspection: Inspection) -> str:
    return HAZARD_SOURCES.get(inspection.source, DEFAULT_HAZARD_SOURCE)  # type: ignore[call-overload]


def findings_of(inspection: Inspection) -> list[Finding]:
    return list(
        db.session.scalars(
            select(Finding).where(Finding.inspection_id == inspection.id).order_by(Finding.seq, Finding.id)
        )
    )


def measures_of(inspection: Inspection) -> list[OnSiteMeasure]:
    return list(
        db.session.scalars(
            select(OnSiteMeasure)
            .where(OnSiteMeasure.inspection_id == inspection.id)
            .order_by(OnSiteMeasure.id)
        )
    )


def has_outcome(finding: Finding) -> bool:
    return finding.outcome in ENDED


def pending_violations(inspection: Inspection, findings: list[Finding] | None = None) -> list[Finding]:
    """Findings tagged 违法行为 that have not ended in 立案 / 简易程序 / 不予处罚 / 不予立案 (with reason) / 移送."""
    rows = findings if findings is not None else findings_of(inspection)
    return [f for f in rows if f.is_violation and not has_outcome(f)]


def to_order(findings: list[Finding]) -> list[Finding]:
    """Findings not corrected on the spot and not ordered yet."""
    return [f for f in findings if not f.corrected_on_site and f.hazard_id is None]


def to_refer(findings: list[Finding]) -> list[Finding]:
    """Violation findings without a case lead yet."""
    return [f for f in findings if f.is_violation and f.case_proposal_id is None]


def result_due(inspection: Inspection) -> date:
    """双随机 results are published within the pack's result_publish_period (20 working days, §5.1) of the visit."""
    from app.inspections.rules import inspection_pack

    day = inspected_on(inspection)
    return inspection_pack(inspection.region_path, day).end_of("result_publish_period", day)


def result_overdue(inspection: Inspection, today: date | None = None) -> bool:
    due = inspection.result_publish_due
    return due is not None and inspection.result_published_on is None and (today or clock.today()) > due


@dataclass(frozen=True)
class PublicResultState:
    """Where a 双随机 inspection's result publication stands, for the public pages (no name of anyone)."""

    state: str  # "published" | "overdue" | "pending" | "cancelled"
    label: str  # 已公示 / 逾期未公示 / 未到期 / 检查已取消
    due: date | None  # 结果公示期限 (known once the 现场检查记录 is issued)
    published_on: date | None
    publication_id: int | None  # the 双随机抽查结果 entry on the public pages
    late: bool  # published after the due day


def public_result_states(
    inspections: list[Inspection], today: date | None = None
) -> dict[int, PublicResultState]:
    """inspection id → its result publication state (one statement for the public entries): 已公示 on a date
    with its entry, 逾期未公示 (result_overdue), 未到期 (due day not passed, or the visit not made: due 20
    working days after it, result_due), 检查已取消."""
    from app.publication.models import Publication, PublicationStatus

    today = today or clock.today()
    ids = [i.id for i in inspections]
    entries: dict[int, int] = {}
    if ids:
        rows = db.session.execute(
            select(Publication.subject_id, Publication.id).where(
                Publication.subject_type == Inspection.__tablename__,
                Publication.subject_id.in_(ids),
                Publication.kind == RESULT_KIND,
                Publication.status == PublicationStatus.PUBLISHED,
            )
        )
        entries = {int(sid): pid for sid, pid in rows}
    out: dict[int, PublicResultState] = {}
    for i in inspections:
        due = i.result_publish_due
        if i.result_published_on is not None:
            late = due is not None and i.result_published_on > due
            out[i.id] = PublicResultState(
                "published", "已公示", due, i.result_published_on, entries.get(i.id), late
            )
        elif i.status == InspectionStatus.CANCELLED:
            out[i.id] = PublicResultState("cancelled", "检查已取消", due, None, None, False)
        elif result_overdue(i, today):
            out[i.id] = PublicResultState("overdue", "逾期未公示", due, None, None, False)
        else:
            out[i.id] = PublicResultState("pending", "未到期", due, None, None, False)
    return out


def _end_of(d: date) -> str:
    """The moment day d has passed (00:00 China time the next day): what a BPMN timer reads."""
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=clock.TZ).isoformat()


def _require_open(inspection: Inspection, statuses=OPEN_FOR_RESULTS) -> None:
    if inspection.status not in statuses:
        raise InvalidState(f"检查{inspection.code}当前状态为“{inspection.status}”，不能办理该事项")


def _require_record(inspection: Inspection) -> str:
    if not inspection.record_no:
        raise InvalidState("现场检查记录尚未制发：请先完成现场检查记录（签字或记录拒签）")
    return inspection.record_no


def _ready_task(inspection: Inspection, bpmn_id: str, task=None):
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != inspection.id:
            raise InvalidState("任务与检查不匹配")
        return task
    inst = workflow.instance_for(inspection)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"检查{inspection.code}当前状态为“{inspection.status}”，不能办理该事项")


def _ready_ids(inspection: Inspection) -> list[str]:
    inst = workflow.instance_for(inspection)
    return workflow.ready_task_names(inst) if inst is not None else []


def _parse_date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise invalid(field, "日期格式应为 年-月-日") from None


def _item(data: dict, finding: Finding, key: str):
    """A per-finding value: data["items"][<finding id>][key], or the flat form field "<key>-<finding id>"."""
    items = data.get("items") or {}
    per = items.get(finding.id) or items.get(str(finding.id)) or {}
    if key in per:
        return per[key]
    return data.get(f"{key}-{finding.id}")


def _per_finding(exc: ValidationFailed, finding: Finding) -> ValidationFailed:
    """The hazard layer's field error, moved next to the finding's own field ("deadline" -> "deadline-12")."""
    fields = {f"{k}-{finding.id}": v for k, v in (exc.field_errors or {}).items()}
    message = f"问题{finding.seq}（{finding.location}）：{exc.message}"
    return ValidationFailed(message, field_errors=fields or {f"finding-{finding.id}": exc.message})


# ---- 责令限期整改指令书 -------------------------------------------------------------------------------------


def _co_officer(inspection: Inspection, data: dict, actor: User) -> User:
    """The 指令书's second officer: the one named (another member of the team), else the first other active
    member — read with roles and jurisdiction in one statement (User.load_active), as the hazard layer reads it."""
    others = [m.user_id for m in inspection.members if m.user_id != actor.id]
    wanted = data.get("co_officer_id")
    if wanted in (None, ""):
        for uid in others:
            if (user := User.load_active(uid)) is not None:
                return user
        raise invalid("co_officer_id", "请选择检查组中的另一名执法人员")
    try:
        wanted_id = int(wanted)
    except (TypeError, ValueError):
        raise invalid("co_officer_id", "请选择检查组中的另一名执法人员") from None
    user = User.load_active(wanted_id) if wanted_id in others else None
    if user is None:
        raise invalid("co_officer_id", "第二名执法人员应为本次检查组中的另一名执法人员")
    return user


def issue_order_from_findings(inspection: Inspection, data: dict, *, actor: User):
    """Every finding not corrected on the spot becomes a hazard of ONE 责令限期整改指令书, issued through the
    hazard loop (register_hazard, issue_order: its workflows start, the enterprise is told and finds the items in
    its inbox). data: co_officer_id (another team member; default the first), interim_measures, and per finding
    (items[<id>] or "<key>-<id>" fields) category (人/物/管理/环境), requirement, deadline (default the finding's).
    All or nothing in the caller's transaction: if the hazard layer refuses one item, the step fails (the caller
    rolls back what the earlier items wrote, as every route does for a refused step) and the message names the
    item's field ("deadline-<finding id>")."""
    from app.hazards import operations as hazard_ops

    require(can_handle(actor, inspection), HANDLE_DENIED)
    lock(inspection)
    _require_open(inspection, (InspectionStatus.HANDLING,))
    record_no = _require_record(inspection)
    if inspection.order_id is not None:
        raise InvalidState("本次检查已下达责令限期整改指令书，不能重复下达")
    findings = to_order(findings_of(inspection))
    if not findings:
        raise InvalidState("没有需要责令限期整改的问题（均已当场整改或已下达）")
    co = _co_officer(inspection, data, actor)
    found_on = inspected_on(inspection)
    source = hazard_source(inspection)
    prepared = []
    missing = FieldErrors()
    for f in findings:  # the officer's answers first: every missing one is named before anything is written
        category = _item(data, f, "category")
        if category not in HAZARD_CATEGORIES:
            missing.add(f"category-{f.id}", f"问题{f.seq}：请选择隐患类别（人/物/管理/环境）")
        deadline = None
        with missing.field():
            deadline = _parse_date(_item(data, f, "deadline"), f"deadline-{f.id}") or f.deadline
            if deadline is None:
                missing.add(f"deadline-{f.id}", f"问题{f.seq}：请填写整改期限")
        prepared.append((f, category, deadline, (_item(data, f, "requirement") or "").strip() or None))
    missing.raise_any()
    # the hazard layer refuses one item: the step fails, and the caller's transaction, rolled back for every
    # refused step (app.errors, the results routes), takes back what the earlier items wrote
    hazards = []
    for f, category, deadline, requirement in prepared:
        try:
            hazard = hazard_ops.register_hazard(
                {
                    "enterprise_id": inspection.enterprise_id,
                    "source": source,
                    "found_on": found_on,
                    "location": f.location,
                    "description": f.description,
                    "category": category,
                    "level": f.level,
                    "criterion_code": f.criterion_code,
                    "provision": f.provision,
                    "requirement": requirement,
                    "deadline": deadline,
                    "photos": list(f.photo_ids or []),
                },
                actor=actor,
            )
        except ValidationFailed as exc:
            raise _per_finding(exc, f) from None
        hazards.append((f, hazard))
    order = hazards[0][1].order
    if len(order.hazards) > len(hazards):  # register_hazard added them to the officer's open draft
        raise InvalidState(
            "您对该企业还有一份未签发的指令书草稿，请先签发或删除其中的隐患，再下达本次检查的指令书"
        )
    try:
        hazard_ops.issue_order(
            order,
            {
                "co_officer_id": co.id,
                "inspection_record_no": record_no,
                "interim_measures": (data.get("interim_measures") or "").strip() or None,
            },
            actor=actor,
        )
    except InvalidState as exc:  # an item's deadline has passed
        raise invalid("findings", exc.message) from None
    for f, hazard in hazards:
        f.hazard_id = hazard.id
    inspection.order_id = order.id
    db.session.flush()
    # chained with the hazard layer's events at the commit, in one append (one chain-head lock, one INSERT)
    audit.record(
        actor,
        "inspection.order_issued",
        inspection,
        summary=f"{actor.name}就检查{inspection.code}发现的{len(hazards)}项问题下达责令限期整改指令书"
        f"{order.doc_number}",
        data={
            "order_id": order.id,
            "doc_number": order.doc_number,
            "findings": {f.id: h.id for f, h in hazards},
            "co_officer_id": co.id,
        },
    )
    return order


# ---- 现场处理措施决定书 ---------------------------------------------------------------------------------------


def _officer(u: User | None) -> dict | None:
    return None if u is None else {"id": u.id, "name": u.name, "cert_no": u.cert_no}


def _remedies(inspection: Inspection) -> str:
    government = f"{inspection.agency.region.name}人民政府" if inspection.agency.region else "本级人民政府"
    return (
        f"如不服本决定，可以自收到本决定书之日起{REMEDY_DAYS}日内依法向{government}申请行政复议，"
        f"或者在{LITIGATION_MONTHS}个月内依法向人民法院提起行政诉讼，但本决定不停止执行，法律另有规定的除外。"
    )


def measure_content(measure: OnSiteMeasure, findings: list[Finding], actor: User) -> dict:
    inspection = measure.inspection
    e = inspection.enterprise
    members = [m.user for m in inspection.members]
    return {
        "title": "现场处理措施决定书",
        "agency": inspection.agency.name,
        "enterprise": {
            "name": e.name,
            "credit_code": e.credit_code,
            "address": e.address,
            "legal_rep": e.legal_rep,
            "main_person": e.main_person,
            "phone": e.phone,
        },
        "inspection_code": inspection.code,
        "record_no": inspection.record_no,
        "inspected_on_cn": cn_date(inspected_on(inspection)),
        "kind": measure.kind,
        "facts": measure.facts,
        "basis": measure.basis,
        "scope": measure.scope,
        "until": measure.until.isoformat() if measure.until else None,
        "until_cn": cn_date(measure.until) if measure.until else None,
        "findings": [{"seq": f.seq, "location": f.location, "description": f.description} for f in findings],
        "resume_rule": (
            "你单位应当立即改正上述问题，改正情况由执法人员现场确认。"
            if measure.kind == MeasureKind.CORRECT_NOW
            else "在上述措施解除前，你单位不得擅自恢复生产经营或使用；隐患排除后，应当向本机关提出复查申请，"
            "经复查合格、本机关审查同意后，方可恢复。"
        ),
        "remedies": _remedies(inspection),
        "officers": [_officer(u) for u in members],
        "issued_by": _officer(actor),
        "issued_on": clock.today().isoformat(),
        "issued_on_cn": cn_date(clock.today()),
    }


def issue_measure(inspection: Inspection, data: dict, *, actor: User) -> OnSiteMeasure:
    """现场处理措施决定书 (§2.3, 安全生产法第六十五条): kind, facts, basis (defaults by kind), scope (required for
    停产停业/停止使用/撤出作业人员), until (optional), finding_ids (findings of this inspection). Numbered (现决),
    A4, locked; in force until lifted (lift_measure); the enterprise is told."""
    require(can_handle(actor, inspection), HANDLE_DENIED)
    _require_open(inspection)
    kind = data.get("kind")
    if kind not in {k.value for k in MeasureKind}:
        raise invalid(
            "kind", "请选择现场处理措施（立即改正/责令暂时停产停业/停止使用相关设施设备/撤出作业人员）"
        )
    kind = MeasureKind(kind)
    facts = (data.get("facts") or "").strip()
    if not facts:
        raise invalid("facts", "请写明检查发现的事实")
    basis = (data.get("basis") or "").strip() or MEASURE_BASIS[kind]
    if len(basis) > 300:
        raise invalid("basis", "法律依据不超过300字")
    scope = (data.get("scope") or "").strip() or None
    if kind in SCOPED_MEASURES and not scope:
        raise invalid("scope", f"请写明{kind}的范围（场所、区域或设施设备）")
    if scope and len(scope) > 300:
        raise invalid("scope", "范围不超过300字")
    until = _parse_date(data.get("until"), "until")
    if until is not None and until < clock.today():
        raise invalid("until", "期限不能早于今天")
    own = {f.id: f for f in findings_of(inspection)}
    try:
        finding_ids = [int(i) for i in dict.fromkeys(data.get("finding_ids") or [])]
    except (TypeError, ValueError):
        raise invalid("finding_ids", "请选择本次检查发现的问题") from None
    if any(i not in own for i in finding_ids):
        raise invalid("finding_ids", "只能选择本次检查发现的问题")
    measure = OnSiteMeasure(
        inspection=inspection,
        kind=kind.value,
        facts=facts,
        basis=basis,
        scope=scope,
        until=until,
        finding_ids=finding_ids,
        status=MeasureStatus.IN_FORCE.value,
        issued_by_id=actor.id,
        issued_at=clock.now(),
    )
    db.session.add(measure)
    db.session.flush()
    doc = issue_document(
        MEASURE_DOC,
        agency=inspection.agency,
        subject=measure,
        content=measure_content(measure, [own[i] for i in finding_ids], actor),
        actor=actor,
        title="现场处理措施决定书",
    )
    measure.doc_number = doc.number.text
    measure.document_id = doc.id
    audit.record(
        actor,
        "inspection.measure_issued",
        inspection,
        summary=f"{actor.name}作出现场处理措施决定（{kind.value}）{measure.doc_number}",
        data={
            "measure_id": measure.id,
            "kind": kind.value,
            "scope": scope,
            "until": until,
            "findings": finding_ids,
        },
    )
    notifications.notify(
        users_with_role(Role.ENTERPRISE, enterprise_id=inspection.enterprise_id),
        inspection,
        kind="measure_issued",
        key=f"measure_issued:{measure.id}",
        title=f"收到现场处理措施决定书{measure.doc_number}（{kind.value}）",
        body=f"{inspection.agency.name}对你单位作出现场处理措施决定：{kind.value}"
        + (f"（范围：{scope}）" if scope else "")
        + f"。事实：{facts}",
        level="warning",
    )
    return measure


def lift_measure(measure: OnSiteMeasure, data: dict, *, actor: User) -> OnSiteMeasure:
    """解除 a measure after 复查: review (复查情况及解除理由) required. 立即改正: the team's officer confirms the
    correction; 停产停业/停止使用/撤出作业人员: a section head or leader of the jurisdiction approves."""
    require(can_lift(actor, measure), lift_denied_message(measure))
    if measure.status != MeasureStatus.IN_FORCE:
        when = f"于{measure.lifted_on:%Y年%m月%d日}" if measure.lifted_on else ""
        raise InvalidState(f"该措施已{when}解除")
    review = (data.get("review") or "").strip()
    if not review:
        raise invalid("review", "请填写复查情况及解除理由")
    old = measure.status
    measure.status = MeasureStatus.LIFTED.value
    measure.lifted_on = clock.today()
    measure.lifted_by_id = actor.id
    measure.lift_review = review
    db.session.flush()
    inspection = measure.inspection
    audit.record(
        actor,
        "inspection.measure_lifted",
        inspection,
        summary=f"{actor.name}解除现场处理措施（{measure.kind}）{measure.doc_number or ''}：{review}",
        changes={"status": [old, measure.status]},
        data={"measure_id": measure.id},
    )
    notifications.notify(
        users_with_role(Role.ENTERPRISE, enterprise_id=inspection.enterprise_id),
        inspection,
        kind="measure_lifted",
        key=f"measure_lifted:{measure.id}",
        title=f"现场处理措施已解除：{measure.doc_number or measure.kind}",
        body=f"经复查，{inspection.agency.name}解除{measure.kind}措施。复查情况：{review}",
    )
    return measure


# ---- 违法行为 → 案件线索 ---------------------------------------------------------------------------------------


def _evidence(inspection: Inspection, finding: Finding, record_no: str) -> str:
    lines = [f"现场检查记录 {record_no}（检查编号 {inspection.code}，{cn_date(inspected_on(inspection))}）"]
    if finding.photo_ids:
        lines.append(
            f"现场照片{len(finding.photo_ids)}张（附件编号：{'、'.join(map(str, finding.photo_ids))}）"
        )
    if finding.hazard_id is not None:
        lines.append("已责令限期整改")
    return "\n".join(lines)


def refer_violations(inspection: Inspection, data: dict | None = None, *, actor: User) -> list:
    """Every finding tagged 违法行为 without a lead becomes a 案件线索 (检查发现) in the penalty-case domain, one per
    finding: facts, provisions, act date (the visit), evidence (the record and photos). Its end is read back
    through the proposal_closed signal (on_proposal_closed)."""
    from app.cases.models import ProposalSource
    from app.cases.operations import register_proposal

    require(can_handle(actor, inspection), HANDLE_DENIED)
    lock(inspection)
    _require_open(inspection, (InspectionStatus.HANDLING,))
    record_no = _require_record(inspection)
    findings = to_refer(findings_of(inspection))
    if not findings:
        raise InvalidState("没有需要移送立案的违法行为（均已登记案件线索）")
    act_date = inspected_on(inspection)
    proposals = []
    with db.session.begin_nested():
        for f in findings:
            try:
                proposal = register_proposal(
                    {
                        "enterprise_id": inspection.enterprise_id,
                        "source": ProposalSource.INSPECTION.value,
                        "source_ref": f"现场检查记录 {record_no}",
                        "facts": f"{cn_date(act_date)}，执法人员在{inspection.enterprise.name}检查发现："
                        f"{f.location}，{f.description}",
                        "provisions": f.provision,
                        "act_date": act_date,
                        "evidence": _evidence(inspection, f, record_no),
                    },
                    actor=actor,
                )
            except ValidationFailed as exc:
                raise _per_finding(exc, f) from None
            f.case_proposal_id = proposal.id
            f.outcome = FindingOutcome.PENDING.value
            proposals.append((f, proposal))
        db.session.flush()
    audit.record(
        actor,
        "inspection.violations_referred",
        inspection,
        summary=f"{actor.name}将检查{inspection.code}发现的{len(proposals)}项违法行为登记为案件线索",
        data={"proposals": {f.id: p.id for f, p in proposals}},
    )
    return [p for _, p in proposals]


def on_proposal_closed(proposal, case_no: str | None = None, **_: object) -> None:
    """The penalty-case domain ended a lead (its proposal_closed signal): the finding's outcome and reason.
    A 不予立案 counts only with its reason. When the last violation of an inspection waiting at await_outcomes has
    its outcome, the wait ends (by whoever closed the lead). Runs in the sender's transaction; flushes only."""
    finding = db.session.scalar(select(Finding).where(Finding.case_proposal_id == proposal.id))
    if finding is None:
        return
    outcome = OUTCOME_OF.get(proposal.status)
    if outcome is None:
        return
    reason = (proposal.reason or "").strip()
    actor = db.session.get(User, proposal.handled_by_id) if proposal.handled_by_id else None
    inspection = finding.inspection
    if outcome == FindingOutcome.DECLINED and not reason:
        audit.record(
            actor,
            "inspection.finding_outcome",
            inspection,
            summary=f"问题{finding.seq}的案件线索不予立案但未说明理由，不计为处理结果（仍为待处理）",
            data={"finding_id": finding.id, "proposal_id": proposal.id},
        )
        return
    if outcome in (FindingOutcome.FILED, FindingOutcome.SIMPLE) and case_no:
        reason = f"{'立案号' if outcome == FindingOutcome.FILED else '当场处罚决定书'}{case_no}" + (
            f"；{reason}" if reason else ""
        )
    old = finding.outcome
    finding.outcome = outcome.value
    finding.outcome_reason = reason or None
    db.session.flush()
    audit.record(
        actor,
        "inspection.finding_outcome",
        inspection,
        summary=f"问题{finding.seq}（{finding.location}）的违法行为处理结果：{outcome.value}"
        + (f"（{reason}）" if reason else ""),
        changes={"outcome": [old, finding.outcome]},
        data={"finding_id": finding.id, "proposal_id": proposal.id},
    )
    if not pending_violations(inspection) and "await_outcomes" in _ready_ids(inspection):
        _complete_wait(inspection, actor, None)


# ---- the workflow's steps --------------------------------------------------------------------------------


def finish_handling(inspection: Inspection, data: dict, *, actor: User, task=None) -> None:
    """结果处理完毕 (task handle_results): refused while a finding is neither corrected on the spot nor ordered, or a
    violation has no case lead. Then the workflow publishes the result (双随机) and waits for the outcomes."""
    require(can_handle(actor, inspection), HANDLE_DENIED)
    task = _ready_task(inspection, "handle_results", task)
    findings = findings_of(inspection)
    unordered = to_order(findings)
    if unordered:
        seqs = "、".join(str(f.seq) for f in unordered)
        raise invalid("findings", f"问题{seqs}未当场整改，也未下达责令限期整改指令书，请先下达指令书")
    unreferred = to_refer(findings)
    if unreferred:
        seqs = "、".join(str(f.seq) for f in unreferred)
        raise invalid(
            "findings", f"问题{seqs}为违法行为，尚未移送立案（登记案件线索），不得以责令整改代替处罚"
        )
    is_random = inspection.source == InspectionSource.RANDOM
    due = None
    if is_random:
        due = inspection.result_publish_due or result_due(inspection)
        inspection.result_publish_due = due
    pending = pending_violations(inspection, findings)
    step = {
        "is_random": is_random,
        "outcomes_pending": bool(pending),
        "note": (data.get("note") or "").strip(),
    }
    if due is not None:  # the publish_result task's dueDate and its timer
        step.update(result_publish_due=due.isoformat(), result_publish_due_at=_end_of(due))
    workflow.complete_task(task, step, actor=actor)
    parts = [f"发现问题{len(findings)}项"]
    if inspection.order_id:
        parts.append("已下达责令限期整改指令书")
    if pending:
        parts.append(f"{len(pending)}项违法行为待处理结果")
    if due:
        parts.append(f"结果公示期限{due.isoformat()}")
    audit.record(
        actor,
        "inspection.results_handled",
        inspection,
        summary=f"{actor.name}完成检查结果处理：" + "，".join(parts),
        data={"outcomes_pending": [f.id for f in pending], "result_publish_due": due},
    )


def suggested_result(inspection: Inspection, findings: list[Finding] | None = None) -> str:
    rows = findings if findings is not None else findings_of(inspection)
    if not rows:
        return RESULT_NONE
    if any(f.is_violation for f in rows):
        return RESULT_CASE
    if any(not f.corrected_on_site for f in rows):
        return RESULT_ORDERED
    return RESULT_CORRECTED


def default_check_items(inspection: Inspection) -> str:
    """抽查事项 as first offered: the checklist the team used, else the source (the batch)."""
    scheme = inspection.scheme if isinstance(inspection.scheme, dict) else {}
    return str(
        scheme.get("content") or inspection.checklist_code or inspection.source_ref or "安全生产监督检查"
    )


def result_fields(inspection: Inspection, result: str, check_items: str) -> dict[str, object]:
    e = inspection.enterprise
    return {
        "企业名称": e.name,
        "统一社会信用代码": e.credit_code,
        "抽查事项": check_items,
        "检查日期": inspected_on(inspection).isoformat(),
        "检查结果": result,
        "检查机关": inspection.agency.name,
    }


def publish_result(inspection: Inspection, data: dict, *, actor: User, task=None):
    """结果公示 (task publish_result, 双随机 only): the 抽查结果 on the public pages (kind random_check_result),
    due 20 working days after the visit; late publication is recorded as such. data: result (one of
    RESULT_CHOICES; must agree with the findings), check_items (抽查事项; default default_check_items)."""
    from app import publication

    require(can_handle(actor, inspection), HANDLE_DENIED)
    if inspection.source != InspectionSource.RANDOM:
        raise InvalidState("只有双随机抽查的结果需要在此公示")
    task = _ready_task(inspection, "publish_result", task)
    findings = findings_of(inspection)
    result = data.get("result") or suggested_result(inspection, findings)
    if result not in RESULT_CHOICES:
        raise invalid("result", "请选择检查结果")
    if findings and result == RESULT_NONE:
        raise invalid("result", f"本次检查发现{len(findings)}项问题，不能公示为“未发现问题”")
    if not findings and result != RESULT_NONE:
        raise invalid("result", "本次检查未发现问题，请选择“未发现问题”")
    if result == RESULT_CORRECTED and any(not f.corrected_on_site for f in findings):
        raise invalid("result", "有问题未当场整改，请选择“发现问题已责令整改”")
    if result == RESULT_ORDERED and all(f.corrected_on_site for f in findings):
        raise invalid("result", "发现的问题均已当场整改，请选择“发现问题已当场整改”")
    if result == RESULT_CASE and not any(f.is_violation for f in findings):
        raise invalid("result", "本次检查未发现违法行为，请按整改情况选择检查结果")
    check_items = (data.get("check_items") or "").strip() or default_check_items(inspection)
    if len(check_items) > 300:
        raise invalid("check_items", "抽查事项不超过300字")
    due = inspection.result_publish_due or result_due(inspection)
    entry = publication.publish(
        inspection,
        RESULT_KIND,
        result_fields(inspection, result, check_items),
        region_path=inspection.region_path,
        agency=inspection.agency,
        decided_on=inspected_on(inspection),
        due_on=due,
        actor=actor,
    )
    inspection.result_publish_due = due
    inspection.result_published_on = entry.published_on
    workflow.complete_task(
        task, {"outcomes_pending": bool(pending_violations(inspection, findings))}, actor=actor
    )
    return entry


def _complete_wait(inspection: Inspection, actor, task) -> None:
    task = _ready_task(inspection, "await_outcomes", task)
    workflow.complete_task(task, {"outcomes_pending": False}, actor=actor)
    audit.record(
        actor,
        "inspection.outcomes_complete",
        inspection,
        summary=f"检查{inspection.code}发现的违法行为均已有处理结果（立案/简易程序/不予处罚/不予立案/移送）",
    )


def complete_inspection(inspection: Inspection, data: dict, *, actor: User, task=None) -> None:
    """办结 (task await_outcomes): refused while a violation finding has no outcome — no 以责代罚 (§1.6)."""
    require(can_handle(actor, inspection), HANDLE_DENIED)
    task = _ready_task(inspection, "await_outcomes", task)
    pending = pending_violations(inspection)
    if pending:
        seqs = "、".join(str(f.seq) for f in pending)
        raise invalid(
            "findings",
            f"问题{seqs}为违法行为，尚无立案、简易程序、不予处罚（附理由）或移送的处理结果，检查不能办结",
        )
    _complete_wait(inspection, actor, task)


__all__ = [
    "HAZARD_CATEGORIES",
    "MEASURE_BASIS",
    "RESULT_CHOICES",
    "RESULT_KIND",
    "can_handle",
    "can_lift",
    "complete_inspection",
    "finish_handling",
    "hazard_source",
    "issue_measure",
    "issue_order_from_findings",
    "lift_measure",
    "on_proposal_closed",
    "pending_violations",
    "publish_result",
    "refer_violations",
    "result_due",
    "result_overdue",
    "suggested_result",
]
