"""Verbs of the hazard closed loop. Each takes an explicit `actor`, checks permission and state, writes
the domain rows, moves the workflow one step, records one audit event, and flushes (never commits).

一般隐患 (process hazard_rectification):
    register_hazard → issue_order → submit_rectification | request_extension → decide_extension
    → review_hazards (复查) → close / return / refer / exception → decide_exception
重大隐患 (process major_hazard_supervision): see app.hazards.major (re-exported here).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from sqlalchemy import select

from app import attachments, audit, clock, workflow
from app.auth.models import User
from app.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.hazards import documents as hazard_docs
from app.hazards import permissions as perm
from app.hazards import settings
from app.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardLevel,
    HazardReview,
    HazardStatus,
    PenaltyReferral,
    Rectification,
    RectificationOrder,
    ReviewDecision,
    ReviewResult,
)
from app.org.models import Enterprise

GENERAL_PROCESS = "hazard_rectification"
MAJOR_PROCESS = "major_hazard_supervision"


# --- helpers -----------------------------------------------------------------------------------------


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise PermissionDenied(message)


def _invalid(field: str, message: str):
    return ValidationFailed(message, field_errors={field: message})


def instance_of(hazard: Hazard):
    return workflow.instance_for(hazard)


def ready_task(hazard: Hazard, bpmn_id: str, task=None):
    """The READY HumanTask `bpmn_id` of the hazard's workflow (or the given one, re-checked)."""
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != hazard.id:
            raise InvalidState("任务与隐患不匹配")
        return task
    inst = instance_of(hazard)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"隐患{hazard.code}当前状态为“{hazard.status}”，不能办理该事项")


def ready_bpmn_ids(hazard: Hazard) -> list[str]:
    inst = instance_of(hazard)
    return workflow.ready_task_names(inst) if inst is not None else []


def _link(ids, obj, field: str) -> None:
    for att_id in ids or ():
        attachments.link(int(att_id), obj, field)


def _status(hazard: Hazard, status: str) -> list[str]:
    old = hazard.status
    hazard.status = status
    return [old, status]


def _clear_overdue_title(hazard: Hazard) -> None:
    from app.hazards.workflow_handlers import set_overdue_title

    set_overdue_title(instance_of(hazard), False)


def _d(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


# --- registration and the 责令限期整改指令书 ------------------------------------------------------------


def _draft_order(enterprise: Enterprise, data: dict, actor: User) -> RectificationOrder:
    """The officer's open draft 指令书 for this enterprise (one visit), or a new one."""
    order = db.session.scalar(
        select(RectificationOrder)
        .where(
            RectificationOrder.enterprise_id == enterprise.id,
            RectificationOrder.created_by_id == actor.id,
            RectificationOrder.status == "draft",
        )
        .order_by(RectificationOrder.id.desc())
        .limit(1)
    )
    if order is not None:
        return order
    if actor.department is None:
        raise PermissionDenied("您未归属执法机构，不能登记隐患")
    order = RectificationOrder(
        enterprise=enterprise,
        region_path=enterprise.region_path,
        agency_id=actor.department.agency.id,
        created_by_id=actor.id,
        source=data["source"],
        inspected_on=data["found_on"],
        status="draft",
    )
    db.session.add(order)
    db.session.flush()
    return order


def register_hazard(data: dict, *, actor: User) -> Hazard:
    """登记隐患 into the officer's draft 指令书 for that enterprise (issued later by issue_order)."""
    enterprise = db.session.get(Enterprise, int(data["enterprise_id"]))
    if enterprise is None:
        raise NotFound("企业不存在")
    _require(perm.can_register_for(actor, enterprise), "只有辖区执法人员可以登记该企业的隐患")
    level = data["level"]
    criterion = None
    if level == HazardLevel.MAJOR:
        from app.hazards import criteria

        criterion = criteria.get(data.get("criterion_code"))
        if criterion is None:
            raise _invalid("criterion_code", "重大事故隐患必须选择判定标准条款")
    deadline = data["deadline"]
    if deadline < clock.today():
        raise _invalid("deadline", "整改期限不能早于今天")
    order = _draft_order(enterprise, data, actor)
    hazard = Hazard(
        code=f"tmp-{uuid4().hex[:24]}",
        order=order,
        seq=len(order.hazards) + 1,
        enterprise=enterprise,
        region_path=enterprise.region_path,
        source=data["source"],
        found_on=data["found_on"],
        found_by_id=actor.id,
        location=data["location"],
        description=data["description"],
        category=data["category"],
        level=level,
        criterion_code=criterion.code if criterion else None,
        criterion_citation=criterion.citation if criterion else None,
        criterion_text=criterion.text if criterion else None,
        provision=data["provision"],
        requirement=data.get("requirement") or None,
        original_deadline=deadline,
        deadline=deadline,
        status=HazardStatus.DRAFT,
        discovered_year=data["found_on"].year,
    )
    db.session.add(hazard)
    db.session.flush()
    hazard.code = f"YH{hazard.found_on.year}{hazard.id:06d}"
    _link(data.get("photos"), hazard, "photos")
    audit.record(
        actor,
        "hazard.registered",
        hazard,
        summary=f"{actor.name}登记{level}事故隐患：{enterprise.name} {hazard.location}",
        data={
            "order_id": order.id,
            "level": level,
            "deadline": deadline.isoformat(),
            "criterion": hazard.criterion_code,
            "photos": list(data.get("photos") or []),
        },
    )
    return hazard


def remove_draft_hazard(hazard: Hazard, *, actor: User) -> None:
    """Delete a hazard from a draft 指令书 (before issue only; issued hazards are records)."""
    _require(perm.can_edit_draft(actor, hazard.order), "只能删除尚未签发的隐患")
    if hazard.status != HazardStatus.DRAFT:
        raise InvalidState("已签发的隐患不能删除")
    order = hazard.order
    audit.record(
        actor,
        "hazard.draft_removed",
        order,
        summary=f"{actor.name}删除待签发隐患{hazard.code}",
        data={"hazard_id": hazard.id, "location": hazard.location, "description": hazard.description},
    )
    order.hazards.remove(hazard)
    db.session.delete(hazard)
    for i, h in enumerate(order.hazards, start=1):
        h.seq = i
    db.session.flush()


def issue_order(order: RectificationOrder, data: dict, *, actor: User) -> RectificationOrder:
    """签发责令限期整改指令书: number it, then start one workflow per hazard."""
    _require(perm.can_edit_draft(actor, order), "只有辖区执法人员可以签发该指令书")
    if not order.is_draft:
        raise InvalidState(f"该指令书已于签发（{order.doc_number}），不能重复签发")
    if not order.hazards:
        raise InvalidState("指令书中没有隐患，请先登记隐患")
    co = db.session.get(User, int(data["co_officer_id"])) if data.get("co_officer_id") else None
    if co is None or co.id == actor.id or not perm.can_review(co, order.hazards[0]):
        raise _invalid("co_officer_id", "请选择另一名辖区内的持证执法人员")
    order.co_officer_id = co.id
    order.inspection_record_no = data.get("inspection_record_no") or None
    order.interim_measures = data.get("interim_measures") or None
    today = clock.today()
    for h in order.hazards:
        if h.deadline < today:
            raise InvalidState(f"隐患{h.code}的整改期限{h.deadline}已过，请删除后重新登记")
    doc = hazard_docs.issue_order_document(order, actor=actor)
    order.status = "issued"
    order.issued_at = clock.now()
    order.issued_by_id = actor.id
    order.doc_number = doc.number
    order.document_id = doc.id
    db.session.flush()
    for h in order.hazards:
        _start_workflow(h, actor)
    audit.record(
        actor,
        "hazard.order_issued",
        order,
        summary=f"{actor.name}签发责令限期整改指令书 {order.doc_number}（{len(order.hazards)}项隐患）",
        data={
            "doc_number": order.doc_number,
            "hazards": [h.id for h in order.hazards],
            "co_officer_id": co.id,
        },
    )
    return order


def _start_workflow(hazard: Hazard, actor: User) -> None:
    common = {
        "hazard_id": hazard.id,
        "failed_rounds": 0,
        "max_rounds": int(settings.get("HAZARD_MAX_ROUNDS")),
        "exception_used": False,
        "exception_approved": False,
        "action": "",
        "decision": "",
        **settings.deadline_vars(hazard.deadline),
    }
    if hazard.is_major:
        old = _status(hazard, HazardStatus.SUPERVISION_PENDING)
        common["decision_due"] = settings.working_due(clock.today(), "HAZARD_DECISION_DAYS")
        process = MAJOR_PROCESS
    else:
        old = _status(hazard, HazardStatus.RECTIFYING)
        process = GENERAL_PROCESS
    workflow.start(
        process,
        subject=hazard,
        title=f"{hazard.enterprise.name}：{hazard.location}（{hazard.code}）",
        region_path=hazard.region_path,
        enterprise_id=hazard.enterprise_id,
        data=common,
        actor=actor,
    )
    audit.record(
        actor,
        "hazard.issued",
        hazard,
        summary=f"隐患{hazard.code}随指令书{hazard.order.doc_number}下达，"
        f"整改期限{hazard.deadline.isoformat()}",
        changes={"status": old},
    )


# --- enterprise: rectification report / extension request --------------------------------------------


def submit_rectification(hazard: Hazard, data: dict, *, actor: User, task=None) -> Rectification:
    """企业报告整改完成 (五落实 + after-photos): the hazard goes to 复查."""
    _require(perm.is_own_enterprise_manager(actor, hazard), "只有本企业的安全管理人员可以报告整改情况")
    task = ready_task(hazard, "submit_rectification", task)
    if not data.get("after_photos"):
        raise _invalid("after_photos", "请上传整改后照片")
    today = clock.today()
    rect = Rectification(
        hazard=hazard,
        round=hazard.failed_rounds + 1,
        responsible_dept=data.get("responsible_dept") or None,
        responsible_person=data["responsible_person"],
        measures=data["measures"],
        funds=Decimal(data.get("funds") or 0),
        planned_date=data.get("planned_date"),
        emergency_measures=data["emergency_measures"],
        completed_on=data.get("completed_on") or today,
        remarks=data.get("remarks") or None,
        submitted_by_id=actor.id,
        submitted_at=clock.now(),
    )
    db.session.add(rect)
    db.session.flush()
    _link(data.get("after_photos"), rect, "after_photos")
    _link(data.get("documents"), rect, "documents")
    hazard.completed_on = rect.completed_on
    changes = {"status": _status(hazard, HazardStatus.REVIEWING)}
    workflow.complete_task(task, {"action": "rectified", **settings.review_vars(today)}, actor=actor)
    audit.record(
        actor,
        "hazard.rectification_submitted",
        hazard,
        summary=f"{actor.name}报告隐患{hazard.code}整改完成，申请复查",
        changes=changes,
        data={
            "rectification_id": rect.id,
            "responsible_person": rect.responsible_person,
            "funds": str(rect.funds),
            "completed_on": rect.completed_on.isoformat(),
            "after_photos": list(data.get("after_photos") or []),
        },
    )
    return rect


def request_extension(hazard: Hazard, data: dict, *, actor: User, task=None) -> ExtensionRequest:
    """延期申请, before the deadline; the deadline moves only when an officer approves."""
    _require(perm.is_own_enterprise_manager(actor, hazard), "只有本企业的安全管理人员可以申请延期")
    task = ready_task(hazard, "submit_rectification", task)
    today = clock.today()
    if today > hazard.deadline:
        raise InvalidState("整改期限已过，不能再申请延期")
    if len(hazard.extensions) >= int(settings.get("HAZARD_MAX_EXTENSIONS")):  # bounds the BPMN loop too
        raise InvalidState(f"该隐患已申请延期{len(hazard.extensions)}次，不能再申请延期")
    requested = data["ext_deadline"]
    if requested <= hazard.deadline:
        raise _invalid("ext_deadline", f"申请的期限须晚于现行整改期限（{hazard.deadline.isoformat()}）")
    ext = ExtensionRequest(
        hazard=hazard,
        reason=data["ext_reason"],
        old_deadline=hazard.deadline,
        requested_deadline=requested,
        interim_measures=data.get("ext_interim_measures") or None,
        requested_by_id=actor.id,
        requested_at=clock.now(),
        status="pending",
    )
    db.session.add(ext)
    db.session.flush()
    _link(data.get("ext_files"), ext, "files")
    changes = {"status": _status(hazard, HazardStatus.EXTENSION_PENDING)}
    workflow.complete_task(
        task,
        {"action": "extension", "extension_due": settings.working_due(today, "HAZARD_EXTENSION_REVIEW_DAYS")},
        actor=actor,
    )
    audit.record(
        actor,
        "hazard.extension_requested",
        hazard,
        summary=f"{actor.name}申请将隐患{hazard.code}整改期限延至{requested.isoformat()}",
        changes=changes,
        data={"extension_id": ext.id, "reason": ext.reason, "requested_deadline": requested.isoformat()},
    )
    return ext


def decide_extension(hazard: Hazard, data: dict, *, actor: User, task=None) -> ExtensionRequest:
    """Officer approves (deadline moves; approver recorded) or rejects (deadline unchanged)."""
    _require(perm.can_review(actor, hazard), "只有辖区执法人员可以审批延期申请")
    task = ready_task(hazard, "review_extension", task)
    ext = hazard.pending_extension
    if ext is None:
        raise InvalidState("没有待审批的延期申请")
    approved = data["approved"] == "yes"
    ext.decided_by_id = actor.id
    ext.decided_at = clock.now()
    ext.opinion = data["opinion"]
    changes: dict = {}
    if approved:
        new_deadline = data.get("approved_deadline") or ext.requested_deadline
        if new_deadline <= ext.old_deadline:
            raise _invalid("approved_deadline", "批准的期限须晚于原整改期限")
        ext.status = "approved"
        ext.approved_deadline = new_deadline
        changes["deadline"] = [hazard.deadline.isoformat(), new_deadline.isoformat()]
        hazard.deadline = new_deadline
        hazard.extension_count += 1
    else:
        ext.status = "rejected"
    changes["status"] = _status(hazard, HazardStatus.RECTIFYING)
    workflow.complete_task(
        task, {"extension_approved": approved, **settings.deadline_vars(hazard.deadline)}, actor=actor
    )
    audit.record(
        actor,
        "hazard.extension_approved" if approved else "hazard.extension_rejected",
        hazard,
        summary=(
            f"{actor.name}批准延期至{hazard.deadline.isoformat()}"
            if approved
            else f"{actor.name}不予批准延期，整改期限仍为{hazard.deadline.isoformat()}"
        ),
        changes=changes,
        data={"extension_id": ext.id, "opinion": ext.opinion},
    )
    return ext


# --- officer: 复查 ---------------------------------------------------------------------------------------


def _check_decision(hazard: Hazard, result: str, decision: str, data: dict) -> int:
    """Validate the decision against the result and the round cap; returns the new failed-round count."""
    if result not in tuple(ReviewResult):
        raise _invalid("result", "复查结果无效")
    passed = result == ReviewResult.DONE
    if passed != (decision == ReviewDecision.CLOSE):
        raise _invalid("decision", "复查结果为“已整改”时应予销号；未整改到位的不能销号")
    if passed:
        return hazard.failed_rounds
    failed = hazard.failed_rounds + 1
    max_rounds = int(settings.get("HAZARD_MAX_ROUNDS"))
    if decision == ReviewDecision.RETURN and failed >= max_rounds:
        raise _invalid("decision", f"已{failed}轮复查不合格，只能移送立案或报请负责人批准再次限期整改")
    if decision == ReviewDecision.EXCEPTION:
        if failed < max_rounds:
            raise _invalid("decision", f"未满{max_rounds}轮复查不合格，可直接责令重新限期整改，无需报请特批")
        if hazard.exception_granted:
            raise _invalid("decision", "负责人已特批过一次再次整改，只能移送立案")
    if decision in (ReviewDecision.RETURN, ReviewDecision.EXCEPTION):
        nd = data.get("new_deadline")
        if nd is None or nd <= clock.today():
            raise _invalid("new_deadline", "请确定晚于今天的整改期限")
    if decision == ReviewDecision.REFER and not (data.get("facts") or "").strip():
        raise _invalid("facts", "请填写移送的违法事实")
    return failed


def review_hazards(
    items: list[tuple[Hazard, dict]], *, actor: User, kind: str = "复查", tasks: dict | None = None
) -> list[HazardReview]:
    """复查 (or 重大隐患 验收) of one or more hazards of one 指令书 → one 整改复查意见书.

    items: [(hazard, {result, decision, opinion, reviewed_on, co_reviewer_id, new_deadline, facts,
    evidence})]. Each hazard's own workflow moves on according to its decision.
    """
    if not items:
        raise ValidationFailed("没有需要复查的隐患")
    orders = {h.order_id for h, _ in items}
    if len(orders) != 1:
        raise ValidationFailed("一份整改复查意见书只能针对同一份指令书")
    bpmn_id = "acceptance_review" if kind == "验收" else "review_rectification"
    prepared = []
    for hazard, data in items:
        _require(perm.can_review(actor, hazard), "只有辖区执法人员可以复查该隐患")
        task = ready_task(hazard, bpmn_id, (tasks or {}).get(hazard.id))
        failed = _check_decision(hazard, data["result"], data["decision"], data)
        co = db.session.get(User, int(data["co_reviewer_id"])) if data.get("co_reviewer_id") else None
        if co is not None and (co.id == actor.id or not perm.can_review(co, hazard)):
            raise _invalid("co_reviewer_id", "共同复查人须为另一名辖区执法人员")
        prepared.append((hazard, data, task, failed, co))
    reviews = []
    for hazard, data, _task, _failed, co in prepared:
        review = HazardReview(
            hazard=hazard,
            kind=kind,
            round=hazard.failed_rounds + 1,
            reviewed_on=data.get("reviewed_on") or clock.today(),
            reviewer_id=actor.id,
            co_reviewer_id=co.id if co else None,
            result=data["result"],
            passed=data["decision"] == ReviewDecision.CLOSE,
            opinion=data["opinion"],
            decision=data["decision"],
            new_deadline=data.get("new_deadline") if data["decision"] in ("return", "exception") else None,
            was_overdue=hazard.is_overdue,
        )
        db.session.add(review)
        reviews.append(review)
    db.session.flush()
    doc = hazard_docs.issue_review_document(reviews, actor=actor)
    for review in reviews:
        review.doc_number = doc.number
        review.document_id = doc.id
    for (hazard, data, task, failed, _co), review in zip(prepared, reviews, strict=True):
        _link(data.get("evidence"), review, "evidence")
        _apply_review(hazard, review, data, task, failed, actor)
    return reviews


def _apply_review(hazard: Hazard, review: HazardReview, data: dict, task, failed: int, actor: User) -> None:
    decision = review.decision
    old_status = hazard.status
    changes: dict = {}
    wf_data: dict = {"decision": decision, "failed_rounds": failed}
    if decision == ReviewDecision.CLOSE:
        changes["status"] = _status(hazard, HazardStatus.CLOSED)
        hazard.closed_on = review.reviewed_on
        hazard.closed_by_id = actor.id
        hazard.is_overdue = False
        if hazard.is_major and hazard.supervision is not None:
            hazard.supervision.delisted_on = review.reviewed_on
        action, summary = "hazard.closed", f"{actor.name}{review.kind}合格，隐患{hazard.code}销号"
        if hazard.is_major:
            summary += "、摘牌，同意恢复生产"
    else:
        hazard.failed_rounds = failed
        changes["failed_rounds"] = [failed - 1, failed]
        if decision == ReviewDecision.RETURN:
            changes["deadline"] = [hazard.deadline.isoformat(), review.new_deadline.isoformat()]
            hazard.deadline = review.new_deadline
            hazard.is_overdue = False
            _clear_overdue_title(hazard)
            changes["status"] = _status(
                hazard, HazardStatus.GOVERNING if hazard.is_major else HazardStatus.RECTIFYING
            )
            wf_data.update(settings.deadline_vars(hazard.deadline))
            action = "hazard.review_failed"
            summary = f"{actor.name}{review.kind}不合格（第{failed}轮），责令于{hazard.deadline.isoformat()}前重新整改"
        elif decision == ReviewDecision.EXCEPTION:
            changes["status"] = _status(hazard, HazardStatus.EXCEPTION_PENDING)
            wf_data["exception_due"] = settings.working_due(clock.today(), "HAZARD_EXCEPTION_DAYS")
            action = "hazard.exception_requested"
            summary = f"{actor.name}{review.kind}不合格（第{failed}轮），报请负责人批准再次限期整改"
        else:
            _refer(hazard, data.get("facts") or review.opinion, actor)
            changes["status"] = [old_status, hazard.status]
            action = "hazard.referred"
            summary = f"{actor.name}{review.kind}不合格（第{failed}轮），移送立案处罚"
    workflow.complete_task(task, wf_data, actor=actor)
    audit.record(
        actor,
        action,
        hazard,
        summary=summary,
        changes=changes,
        data={
            "review_id": review.id,
            "result": review.result,
            "decision": decision,
            "doc_number": review.doc_number,
            "opinion": review.opinion,
            "evidence": list(data.get("evidence") or []),
        },
    )


def _refer(hazard: Hazard, facts: str, actor: User) -> PenaltyReferral:
    if hazard.referral is not None:
        return hazard.referral
    evidence = [f"责令限期整改指令书 {hazard.order.doc_number}"]
    evidence += [
        f"{r.kind}意见书 {r.doc_number}（{r.reviewed_on.isoformat()}，{r.result}）"
        for r in hazard.reviews
        if r.doc_number
    ]
    photos = attachments.attachments_for(hazard, "photos")
    if photos:
        evidence.append("隐患照片：" + "、".join(f"附件{a.id}" for a in photos))
    referral = PenaltyReferral(
        hazard=hazard,
        enterprise_id=hazard.enterprise_id,
        region_path=hazard.region_path,
        facts=facts,
        evidence="\n".join(evidence),
        provisions=hazard.provision,
        referred_by_id=actor.id,
        referred_at=clock.now(),
        status="待立案",
    )
    db.session.add(referral)
    hazard.status = HazardStatus.REFERRED
    hazard.referred_on = clock.today()
    db.session.flush()
    return referral


def decide_exception(hazard: Hazard, data: dict, *, actor: User, task=None) -> None:
    """Leader: approve one more rectification period, or refuse (→ referral)."""
    _require(perm.can_lead(actor, hazard), "只有辖区负责人可以审批")
    task = ready_task(hazard, "approve_exception", task)
    approved = data["approved"] == "yes"
    review = hazard.latest_review
    changes: dict = {}
    if approved:
        nd = data.get("new_deadline") or (review.new_deadline if review else None)
        if nd is None or nd <= clock.today():
            raise _invalid("new_deadline", "请确定晚于今天的整改期限")
        changes["deadline"] = [hazard.deadline.isoformat(), nd.isoformat()]
        hazard.deadline = nd
        hazard.exception_granted = True
        hazard.is_overdue = False
        _clear_overdue_title(hazard)
        changes["status"] = _status(
            hazard, HazardStatus.GOVERNING if hazard.is_major else HazardStatus.RECTIFYING
        )
        wf = {"exception_approved": True, "exception_used": True, **settings.deadline_vars(nd)}
    else:
        old = hazard.status
        facts = (review.opinion if review else "") + f"\n负责人意见：{data['opinion']}"
        _refer(hazard, facts.strip(), actor)
        changes["status"] = [old, hazard.status]
        wf = {"exception_approved": False, "exception_used": True}
    workflow.complete_task(task, wf, actor=actor)
    audit.record(
        actor,
        "hazard.exception_approved" if approved else "hazard.exception_rejected",
        hazard,
        summary=(
            f"{actor.name}批准再次限期整改至{hazard.deadline.isoformat()}"
            if approved
            else f"{actor.name}不批准再次整改，移送立案"
        ),
        changes=changes,
        data={"opinion": data["opinion"]},
    )


# 重大隐患 verbs live in their own module; importing them here gives one place to look.
from app.hazards.major import (  # noqa: E402
    acceptance_review,
    decide_supervision,
    report_progress,
    submit_acceptance,
    submit_governance_plan,
)

__all__ = [
    "acceptance_review",
    "decide_exception",
    "decide_extension",
    "decide_supervision",
    "issue_order",
    "ready_bpmn_ids",
    "ready_task",
    "register_hazard",
    "remove_draft_hazard",
    "report_progress",
    "request_extension",
    "review_hazards",
    "submit_acceptance",
    "submit_governance_plan",
    "submit_rectification",
]
