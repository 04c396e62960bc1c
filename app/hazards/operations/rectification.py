"""The enterprise answers the 指令书: 报告整改完成, or 申请延期 before the deadline; the officer decides the
extension."""

from __future__ import annotations

from decimal import Decimal

from app import audit, clock
from app.auth.models import User
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.hazards import notices, settings
from app.hazards import permissions as perm
from app.hazards.models import ExtensionRequest, Hazard, Rectification
from app.hazards.operations.common import link, ready_task, step


def submit_rectification(hazard: Hazard, data: dict, *, actor: User, task=None) -> Rectification:
    """企业报告整改完成 (五落实 + after-photos): the hazard goes to 复查."""
    require(perm.is_own_enterprise_manager(actor, hazard), "只有本企业的安全管理人员可以报告整改情况")
    task = ready_task(hazard, "submit_rectification", task)
    if not data.get("after_photos"):
        raise invalid("after_photos", "请上传整改后照片")
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
    link(data.get("after_photos"), rect, "after_photos")
    link(data.get("documents"), rect, "documents")
    hazard.completed_on = rect.completed_on  # after the flush: written with the status the step gives
    changes = step(hazard, task, {"action": "rectified", **settings.review_vars(today)}, actor=actor)
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
    require(perm.is_own_enterprise_manager(actor, hazard), "只有本企业的安全管理人员可以申请延期")
    task = ready_task(hazard, "submit_rectification", task)
    today = clock.today()
    if today > hazard.deadline:
        raise InvalidState("整改期限已过，不能再申请延期")
    if len(hazard.extensions) >= int(settings.get("HAZARD_MAX_EXTENSIONS")):  # bounds the BPMN loop too
        raise InvalidState(f"该隐患已申请延期{len(hazard.extensions)}次，不能再申请延期")
    requested = data["ext_deadline"]
    if requested <= hazard.deadline:
        raise invalid("ext_deadline", f"申请的期限须晚于现行整改期限（{hazard.deadline.isoformat()}）")
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
    link(data.get("ext_files"), ext, "files")
    changes = step(
        hazard,
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
    require(perm.can_review(actor, hazard), "只有辖区执法人员可以审批延期申请")
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
            raise invalid("approved_deadline", "批准的期限须晚于原整改期限")
        ext.status = "approved"
        ext.approved_deadline = new_deadline
        changes["deadline"] = [hazard.deadline.isoformat(), new_deadline.isoformat()]
        hazard.deadline = new_deadline
        hazard.extension_count += 1
    else:
        ext.status = "rejected"
    changes.update(
        step(hazard, task, {"extension_approved": approved, **settings.deadline_vars(hazard.deadline)}, actor=actor)
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
    notices.extension_decided(hazard, ext)
    return ext
