"""登记隐患 into a draft 责令限期整改指令书, remove a draft item, and 签发 the 指令书 (which starts one
workflow per hazard: 一般 → hazard_rectification, 重大 → major_hazard_supervision)."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select

from app import audit, clock, workflow
from app.auth.models import User
from app.errors import InvalidState, NotFound, PermissionDenied, invalid, require
from app.extensions import db
from app.hazards import criteria, notices, settings
from app.hazards import documents as hazard_docs
from app.hazards import permissions as perm
from app.hazards.models import Hazard, HazardLevel, HazardStatus, RectificationOrder
from app.hazards.operations.common import GENERAL_PROCESS, MAJOR_PROCESS, link, other_officer
from app.org.models import Enterprise


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
    # INSERTed with its first hazard, in one flush; while pending it has no hazards to load
    db.session.add(order)
    return order


def register_hazard(data: dict, *, actor: User) -> Hazard:
    """登记隐患 into the officer's draft 指令书 for that enterprise (issued later by issue_order)."""
    enterprise = db.session.get(Enterprise, int(data["enterprise_id"]))
    if enterprise is None:
        raise NotFound("企业不存在")
    require(perm.can_register_for(actor, enterprise), "只有辖区执法人员可以登记该企业的隐患")
    level = data["level"]
    criterion = None
    if level == HazardLevel.MAJOR:
        criterion = criteria.get(data.get("criterion_code"))
        if criterion is None:
            raise invalid("criterion_code", "重大事故隐患必须选择判定标准条款")
    deadline = data["deadline"]
    if deadline < clock.today():
        raise invalid("deadline", "整改期限不能早于今天")
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
    link(data.get("photos"), hazard, "photos")
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
    require(perm.can_edit_draft(actor, hazard.order), perm.DRAFT_DENIED)
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
    with db.session.no_autoflush:  # deleting loads the hazard's relationships: never flush it orphaned first
        db.session.delete(hazard)
        order.hazards.remove(hazard)
    for i, h in enumerate(order.hazards, start=1):
        h.seq = i
    db.session.flush()


def issue_order(order: RectificationOrder, data: dict, *, actor: User) -> RectificationOrder:
    """签发责令限期整改指令书: number it, then start one workflow per hazard."""
    require(perm.can_edit_draft(actor, order), perm.DRAFT_DENIED)
    if not order.is_draft:
        raise InvalidState(f"该指令书已于签发（{order.doc_number}），不能重复签发")
    if not order.hazards:
        raise InvalidState("指令书中没有隐患，请先登记隐患")
    co = other_officer(data.get("co_officer_id"))
    if co is None or co.id == actor.id or not perm.can_review(co, order.hazards[0]):
        raise invalid("co_officer_id", "请选择另一名辖区内的持证执法人员")
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
    for h in order.hazards:  # the order's changes go out with the first workflow's INSERT (one flush)
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
    notices.order_issued(order)
    return order


def _start_workflow(hazard: Hazard, actor: User) -> None:
    common = {
        "hazard_id": hazard.id,
        "exception_approved": False,
        "action": "",
        "decision": "",
        **settings.deadline_vars(hazard.deadline),
    }
    if hazard.is_major:
        common["decision_due"] = settings.working_due(clock.today(), "HAZARD_DECISION_DAYS")
        process = MAJOR_PROCESS
    else:
        process = GENERAL_PROCESS
    old = hazard.status
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
        changes={"status": [old, hazard.status]},
    )
