"""重大事故隐患 verbs (process major_hazard_supervision):

decide_supervision (负责人: 挂牌督办 level/unit/deadline → 挂牌督办通知书)
→ submit_governance_plan (企业: 治理方案六要素 + 停产停业范围)
→ report_progress (企业, every 15 days; a BPMN cycle timer reminds) ...
→ submit_acceptance (企业: 评估报告 + 恢复生产申请)
→ acceptance_review (执法人员 现场审查 ≤10日: 合格 → 销号 + 摘牌; 不合格 → 继续治理 / 移送 / 特批)
"""

from __future__ import annotations

from decimal import Decimal

from app import audit, clock
from app.auth.models import User
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.hazards import documents as hazard_docs
from app.hazards import notices, settings
from app.hazards import permissions as perm
from app.hazards.models import (
    GovernancePlan,
    Hazard,
    HazardReview,
    HazardStatus,
    ProgressReport,
    Rectification,
    Supervision,
)
from app.hazards.operations.common import link, ready_task, step
from app.hazards.operations.review import review_hazards


def decide_supervision(hazard: Hazard, data: dict, *, actor: User, task=None) -> Supervision:
    """负责人决定挂牌督办 (or follow-up without listing); sets the governance deadline."""
    require(perm.can_lead(actor, hazard), "只有辖区负责人可以决定挂牌督办")
    task = ready_task(hazard, "decide_supervision", task)
    listed = data["listed"] == "yes"
    deadline = data["deadline"]
    today = clock.today()
    if deadline <= today:
        raise invalid("deadline", "督办期限须晚于今天")
    if listed and not (data.get("level") and data.get("supervising_unit")):
        raise invalid("supervising_unit", "挂牌督办须明确督办级别和督办单位")
    sup = Supervision(
        hazard_id=hazard.id,  # not hazard=: the one-to-one backref would first load hazard.supervision (none)
        code=f"tmp-{hazard.id}",
        listed=listed,
        level=data.get("level") if listed else None,
        supervising_unit=data.get("supervising_unit") if listed else None,
        responsible_unit=data.get("responsible_unit") or None,
        contact=data.get("contact") or None,
        deadline=deadline,
        listed_on=today if listed else None,
        decided_by_id=actor.id,
        opinion=data.get("opinion") or None,
    )
    db.session.add(sup)
    db.session.flush()
    sup.code = f"DB{today.year}{sup.id:05d}"
    changes = {"deadline": [hazard.deadline.isoformat(), deadline.isoformat()]}
    hazard.deadline = deadline
    if listed:
        doc = hazard_docs.issue_supervision_notice(sup, actor=actor)
        sup.doc_number = doc.number
        sup.document_id = doc.id
    plan_days = int(data.get("plan_days") or 7)
    plan_due = min(settings.add_days(today, plan_days, "calendar"), deadline)
    changes.update(
        step(
            hazard,
            task,
            {"listed": listed, "plan_due": plan_due.isoformat(), **settings.deadline_vars(deadline)},
            actor=actor,
        )
    )
    audit.record(
        actor,
        "hazard.supervision_listed" if listed else "hazard.supervision_declined",
        hazard,
        summary=(
            f"{actor.name}决定{sup.level}挂牌督办（{sup.supervising_unit}），督办通知书{sup.doc_number}，"
            f"期限{deadline.isoformat()}"
            if listed
            else f"{actor.name}决定不挂牌督办，由执法人员跟踪督促，期限{deadline.isoformat()}"
        ),
        changes=changes,
        data={"supervision_id": sup.id, "level": sup.level, "unit": sup.supervising_unit},
    )
    notices.supervision_decided(hazard, sup, plan_due=plan_due)
    return sup


def submit_governance_plan(hazard: Hazard, data: dict, *, actor: User, task=None) -> GovernancePlan:
    require(perm.is_own_enterprise_manager(actor, hazard), "只有本企业的安全管理人员可以报送治理方案")
    task = ready_task(hazard, "submit_governance_plan", task)
    if not data.get("plan_files"):
        raise invalid("plan_files", "请上传治理方案文本")
    plan = GovernancePlan(
        hazard=hazard,
        objective=data["objective"],
        methods=data["methods"],
        funds=Decimal(data["funds"]),
        materials=data["materials"],
        organization=data["organization"],
        responsible_person=data["responsible_person"],
        time_limit=data["time_limit"],
        time_requirements=data.get("time_requirements") or None,
        safety_measures=data["safety_measures"],
        suspension_scope=data["suspension_scope"],
        suspension_detail=data.get("suspension_detail") or None,
        reported_to_staff_on=data.get("reported_to_staff_on"),
        submitted_by_id=actor.id,
        submitted_at=clock.now(),
    )
    db.session.add(plan)
    db.session.flush()
    link(data.get("plan_files"), plan, "plan_files")
    hazard.suspension_scope = plan.suspension_scope
    changes = step(hazard, task, {"progress_cycle": settings.progress_cycle(clock.today())}, actor=actor)
    audit.record(
        actor,
        "hazard.plan_submitted",
        hazard,
        summary=f"{actor.name}报送重大事故隐患治理方案（{plan.suspension_scope}，经费{plan.funds}万元）",
        changes=changes,
        data={
            "plan_id": plan.id,
            "time_limit": plan.time_limit.isoformat(),
            "responsible_person": plan.responsible_person,
        },
    )
    return plan


def report_progress(hazard: Hazard, data: dict, *, actor: User) -> ProgressReport:
    """治理进展报告 (not a workflow step: the cycle timer only reminds when one is missing)."""
    require(perm.is_own_enterprise_manager(actor, hazard), "只有本企业的安全管理人员可以报送治理进展")
    if not hazard.is_major or hazard.status not in (HazardStatus.GOVERNING, HazardStatus.PLAN_PENDING):
        raise InvalidState("该隐患当前不在治理阶段，无需报送进展")
    report = ProgressReport(
        hazard=hazard,
        reported_on=data.get("reported_on") or clock.today(),
        percent=int(data["percent"]),
        content=data["content"],
        problems=data.get("problems") or None,
        reported_by_id=actor.id,
    )
    db.session.add(report)
    db.session.flush()
    link(data.get("files"), report, "files")
    audit.record(
        actor,
        "hazard.progress_reported",
        hazard,
        summary=f"{actor.name}报送治理进展（完成{report.percent}%）",
        data={"progress_id": report.id, "percent": report.percent},
    )
    return report


def submit_acceptance(hazard: Hazard, data: dict, *, actor: User, task=None) -> Rectification:
    """评估报告 + 恢复生产申请 → 现场审查 within 10 days."""
    require(perm.is_own_enterprise_manager(actor, hazard), "只有本企业的安全管理人员可以申请验收")
    task = ready_task(hazard, "submit_acceptance", task)
    if not data.get("evaluation_report"):
        raise invalid("evaluation_report", "请上传评估报告")
    today = clock.today()
    plan = hazard.plans[-1] if hazard.plans else None
    rect = Rectification(
        hazard=hazard,
        round=hazard.failed_rounds + 1,
        responsible_person=data["responsible_person"],
        measures=data["measures"],
        funds=Decimal(data.get("funds") or 0),
        planned_date=plan.time_limit if plan else None,
        emergency_measures=data["emergency_measures"],
        completed_on=data.get("completed_on") or today,
        evaluation_org=data["evaluation_org"],
        evaluation_date=data["evaluation_date"],
        evaluation_conclusion=data["evaluation_conclusion"],
        resumption_requested=bool(data.get("resumption_requested")),
        submitted_by_id=actor.id,
        submitted_at=clock.now(),
    )
    db.session.add(rect)
    db.session.flush()
    link(data.get("evaluation_report"), rect, "evaluation_report")
    link(data.get("after_photos"), rect, "after_photos")
    hazard.completed_on = rect.completed_on
    changes = step(hazard, task, settings.review_vars(today), actor=actor)
    audit.record(
        actor,
        "hazard.acceptance_requested",
        hazard,
        summary=f"{actor.name}报送评估报告（{rect.evaluation_org}）并申请验收"
        + ("、恢复生产" if rect.resumption_requested else ""),
        changes=changes,
        data={"rectification_id": rect.id},
    )
    return rect


def acceptance_review(hazard: Hazard, data: dict, *, actor: User, task=None) -> HazardReview:
    """现场审查验收 of one 重大 hazard (a 整改复查意见书 is issued, as for 复查)."""
    tasks = {hazard.id: task} if task is not None else None
    return review_hazards([(hazard, data)], actor=actor, kind="验收", tasks=tasks)[0]
