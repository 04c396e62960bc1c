"""The three official documents of the hazard loop, issued through app.documents (numbered, locked,
content snapshot stored as JSON) and printed from templates/hazards/docs/*.html on the A4 base.

    责令限期整改指令书   代字 责改   one per RectificationOrder (all items of the visit)
    整改复查意见书       代字 复查   one per visit (复查 or 重大隐患 验收), per item results (record_reviews)
    重大事故隐患挂牌督办通知书 代字 督办
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import aliased

from app import audit, clock, subjects
from app.audit.service import jsonable
from app.auth.models import User
from app.documents import DOC_TYPES, OfficialDocument, issue_document, register_doc_type
from app.extensions import db
from app.hazards.models import Hazard, HazardReview, RectificationOrder, Supervision
from app.ui import cn_date
from app.workflow.models import HumanTask, TaskStatus, WorkflowInstance

ORDER_DOC = "rectification_order"  # 责令限期整改指令书, 代字 责改
REVIEW_DOC = "rectification_review"  # 整改复查意见书, 代字 复查
SUPERVISION_DOC = "supervision_notice"  # (重大事故隐患)挂牌督办通知书, 代字 督办
TEMPLATES = {
    ORDER_DOC: "hazards/docs/order.html",
    REVIEW_DOC: "hazards/docs/review.html",
    SUPERVISION_DOC: "hazards/docs/supervision.html",
}

REMEDY_DAYS = 60  # 行政复议 (days) [M:high]
LITIGATION_MONTHS = 6  # 行政诉讼 (months) [M:high]


def government_of(agency) -> str:
    """本级人民政府 of the issuing agency (2023 行政复议法: review by the same-level government)."""
    region = agency.region
    return f"{region.name}人民政府"


def remedies_text(agency) -> str:
    return (
        f"如不服本决定，可以自收到本文书之日起{REMEDY_DAYS}日内依法向{government_of(agency)}申请行政复议，"
        f"或者在{LITIGATION_MONTHS}个月内依法向人民法院提起行政诉讼，但本文书不停止执行，法律另有规定的除外。"
    )


def _enterprise(e) -> dict:
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "address": e.address,
        "legal_rep": e.legal_rep,
        "main_person": e.main_person,
        "phone": e.phone,
    }


def _officer(u: User | None) -> dict | None:
    if u is None:
        return None
    return {"id": u.id, "name": u.name, "cert_no": u.cert_no}


@dataclass(frozen=True)
class Issued:
    id: int
    number: str  # 文号 text
    # the document itself, for the caller's transaction (record_reviews' open 意见书: close_if_complete)
    document: OfficialDocument | None = field(default=None, compare=False, repr=False)


def register_doc_types() -> None:
    """Print our three documents with the hazard templates (they extend documents/_a4.html)."""
    for code, template in TEMPLATES.items():
        current = DOC_TYPES.get(code)
        if current is not None and current.template != template:
            register_doc_type(replace(current, template=template))


def _issue(doc_type: str, *, agency, subject, content: dict, actor: User) -> Issued:
    register_doc_types()
    doc = issue_document(doc_type, agency=agency, subject=subject, content=content, actor=actor)
    return Issued(id=doc.id, number=doc.number.text)


def order_content(order: RectificationOrder) -> dict:
    agency = order.agency
    return {
        "title": "责令限期整改指令书",
        "agency": agency.name,
        "enterprise": _enterprise(order.enterprise),
        "inspected_on": order.inspected_on.isoformat(),
        "inspected_on_cn": cn_date(order.inspected_on),
        "inspection_record_no": order.inspection_record_no,
        "source": order.source,
        "items": [
            {
                "seq": h.seq,
                "code": h.code,
                "location": h.location,
                "description": h.description,
                "level": h.level,
                "criterion": h.criterion_citation,
                "provision": h.provision,
                "requirement": h.requirement,
                "deadline": h.deadline.isoformat(),
                "deadline_cn": cn_date(h.deadline),
            }
            for h in order.hazards
        ],
        "interim_measures": order.interim_measures,
        "report_duty": (
            "你单位应当在上述整改期限内完成整改，于整改完成后及时通过本系统（或书面）向本机关报告整改情况、"
            "申请复查；重大事故隐患应当同时向本单位职工大会或者职工代表大会报告。确因客观原因不能按期完成整改的，"
            "应当在期限届满前书面申请延期。逾期未整改或者整改不合格的，本机关将依法予以处罚。"
        ),
        "remedies": remedies_text(agency),
        "officers": [_officer(order.created_by), _officer(order.co_officer)],
        "issued_on": clock.today().isoformat(),
        "issued_on_cn": cn_date(clock.today()),
    }


def issue_order_document(order: RectificationOrder, *, actor: User):
    return _issue(ORDER_DOC, agency=order.agency, subject=order, content=order_content(order), actor=actor)


def review_item(r: HazardReview) -> dict:
    """One row of the 意见书, as the item stood when it was reviewed (its deadline before any new one)."""
    h = r.hazard
    return {
        "seq": h.seq,
        "code": h.code,
        "review_id": r.id,
        "location": h.location,
        "description": h.description,
        "deadline": h.deadline.isoformat(),
        "result": r.result,
        "opinion": r.opinion,
        "decision": r.decision,
        "decision_label": r.decision_label,
        "new_deadline": r.new_deadline.isoformat() if r.new_deadline else None,
        "new_deadline_cn": cn_date(r.new_deadline) if r.new_deadline else None,
    }


def review_content(reviews: list[HazardReview], earlier_items: list[dict] | None = None) -> dict:
    """The 意见书 of one visit: `earlier_items` (rows already on it) plus the rows of `reviews`."""
    first = reviews[0]
    order = first.hazard.order
    kind = first.kind
    items = sorted([*(earlier_items or []), *map(review_item, reviews)], key=lambda it: it["seq"])
    all_passed = all(it["decision"] == "close" for it in items)
    if all_passed:
        conclusion = (
            "经复查，上述隐患已整改合格，予以销号。"
            if kind == "复查"
            else "经现场审查，该重大事故隐患已治理合格，予以核销（销号）并摘牌，同意恢复生产经营。"
        )
    else:
        conclusion = (
            "经复查，部分隐患未整改到位，处理意见见上表。逾期未整改或者整改不合格的，本机关将依法立案处罚。"
        )
    reviewer = first.reviewer
    return {
        "title": "整改复查意见书",
        "kind": kind,
        "agency": order.agency.name,
        "enterprise": _enterprise(order.enterprise),
        "order_doc_number": order.doc_number,
        "order_issued_on": order.issued_at.astimezone(clock.TZ).date().isoformat()
        if order.issued_at
        else None,
        "order_issued_on_cn": cn_date(order.issued_at) if order.issued_at else None,
        "reviewed_on": first.reviewed_on.isoformat(),
        "reviewed_on_cn": cn_date(first.reviewed_on),
        "items": items,
        "conclusion": conclusion,
        "remedies": remedies_text(order.agency),
        "officers": [_officer(reviewer), _officer(first.co_reviewer)],
        "issued_on_cn": cn_date(clock.today()),
    }


def _local_day(moment) -> date:
    return moment.astimezone(clock.TZ).date()


def _visit(review: HazardReview) -> tuple:
    """What makes one visit (one 意见书): the 指令书, 复查 or 验收, the two officers and the review date."""
    return (
        review.hazard.order_id,
        review.kind,
        review.reviewer_id,
        review.co_reviewer_id,
        review.reviewed_on,
    )


def reviews_on(document_id: int) -> list[HazardReview]:
    """The items of one 整改复查意见书, in the 指令书's order."""
    rows = db.session.scalars(select(HazardReview).where(HazardReview.document_id == document_id)).all()
    return sorted(rows, key=lambda r: (r.hazard.seq, r.id))


def open_review_document(order: RectificationOrder) -> OfficialDocument | None:
    """The order's 意见书 still collecting the items of its visit (at most one: a new visit closes it)."""
    return db.session.scalar(
        select(OfficialDocument).where(
            OfficialDocument.doc_type == REVIEW_DOC,
            OfficialDocument.subject_type == subjects.type_of(RectificationOrder),
            OfficialDocument.subject_id == order.id,
            OfficialDocument.locked.is_(False),
            OfficialDocument.voided.is_(False),
        )
    )


def finalize_review_document(doc: OfficialDocument, *, actor: User | None, reason: str) -> None:
    """定稿: the 意见书 takes no more items; from now on it is locked like every issued document."""
    if doc.locked:
        return
    doc.locked = True  # goes out with the transaction's next flush (the document has its id already)
    audit.record(
        actor,
        "hazard.review_document_finalized",
        doc,
        summary=f"整改复查意见书{doc.number.text}定稿（{reason}），共{len(doc.content.get('items') or [])}项",
        data={"number": doc.number.text, "reason": reason},
    )


def record_reviews(reviews: list[HazardReview], *, actor: User) -> Issued:
    """Put the reviews of one visit on its 整改复查意见书 (domain spec §3.3: per-item results).

    The rule: reviews of hazards of the same 指令书, of the same kind (复查/验收), by the same officer and
    co-reviewer, for the same review date, recorded on one day, each item once, are one visit and go on
    ONE 意见书 with ONE number, whether they are submitted together (the batch page) or one task at a time.
    The first review of a visit issues the 意见书 (numbered then, so numbers stay gap-free) and leaves it
    open; later reviews of the same visit are added to it as rows. It is finalized (locked) when no item of
    the order awaits this review any more (`close_if_complete`), when a review of the order that is not of
    this visit comes (a new visit), or when the officer finalizes it from the order page.
    """
    first = reviews[0]
    order = first.hazard.order
    _lock_order(order)
    doc = open_review_document(order)
    if doc is not None:
        items = reviews_on(doc.id)
        on_it = {r.hazard_id for r in items}
        same_visit = (
            bool(items)
            and _visit(items[0]) == _visit(first)
            and not any(r.hazard_id in on_it for r in reviews)  # an item is reviewed once per visit
        )
        if not same_visit or _local_day(doc.issued_at) != clock.today():
            finalize_review_document(doc, actor=actor, reason="同一指令书开始新的一次复查")
            doc = None
    if doc is None:
        register_doc_types()
        doc = issue_document(
            REVIEW_DOC,
            agency=order.agency,
            subject=order,
            content=review_content(reviews),
            actor=actor,
            locked=False,
        )
    else:
        doc.content = jsonable(review_content(reviews, list(doc.content.get("items") or [])))
        audit.record(
            actor,
            "hazard.review_document_extended",
            doc,
            summary=f"整改复查意见书{doc.number.text}增列同次复查的"
            + "、".join(f"第{r.hazard.seq}项（{r.hazard.code}）" for r in reviews),
            data={"number": doc.number.text, "reviews": [r.id for r in reviews]},
        )
    for r in reviews:  # written with the step's flush (the reviews' own INSERT went out before)
        r.doc_number = doc.number.text
        r.document_id = doc.id
    return Issued(id=doc.id, number=doc.number.text, document=doc)


def _lock_order(order: RectificationOrder) -> None:
    """One writer per order: two reviews of one visit never open two 意见书. A PostgreSQL row lock; SQLite
    has no row locks (FOR UPDATE is not emitted there, the statement was a plain read) and the transaction
    already holds the database's write lock (the reviews are inserted before the 意见书 is looked for)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return
    db.session.execute(
        select(RectificationOrder.id).where(RectificationOrder.id == order.id).with_for_update()
    )


def close_if_complete(
    order: RectificationOrder, bpmn_id: str, *, actor: User, document: OfficialDocument | None = None
) -> None:
    """After the reviews' workflow steps: finalize the open 意见书 when no item of the order awaits
    `bpmn_id` (复查 / 验收) any more: the visit has covered everything there was to review.

    `document`: the open 意见书 when the caller has it (record_reviews' in this transaction, with the
    order locked), so it is not looked up again."""
    doc = document if document is not None and not document.locked else open_review_document(order)
    if doc is None or _awaits(order, bpmn_id):
        return
    finalize_review_document(doc, actor=actor, reason="本指令书待复查的隐患均已复查")


def _awaits(order: RectificationOrder, bpmn_id: str) -> bool:
    """Whether a hazard of the order has a READY `bpmn_id` task in its latest workflow instance (as
    workflow.instance_for + ready_task_names per hazard), asked in one statement."""
    return db.session.scalar(_awaits_statement(), {"bpmn_id": bpmn_id, "order_id": order.id}) is not None


@cache
def _awaits_statement() -> Select:
    """Built once (with bound parameters): comparing aliased columns cost more than running it."""
    inst = aliased(WorkflowInstance)
    later = aliased(WorkflowInstance)
    newer = exists().where(
        later.subject_type == inst.subject_type, later.subject_id == inst.subject_id, later.id > inst.id
    )
    return (
        select(HumanTask.id)
        .join(inst, inst.id == HumanTask.instance_id)
        .where(
            HumanTask.bpmn_id == bindparam("bpmn_id"),
            HumanTask.status == TaskStatus.READY,
            inst.subject_type == subjects.type_of(Hazard),
            inst.subject_id.in_(select(Hazard.id).where(Hazard.order_id == bindparam("order_id"))),
            ~newer,
        )
        .limit(1)
    )


def supervision_content(sup: Supervision) -> dict:
    h = sup.hazard
    return {
        "title": "重大事故隐患挂牌督办通知书",
        "agency": h.order.agency.name,
        "supervision_code": sup.code,
        "level": sup.level,
        "supervising_unit": sup.supervising_unit,
        "responsible_unit": sup.responsible_unit,
        "contact": sup.contact,
        "enterprise": _enterprise(h.enterprise),
        "hazard": {
            "code": h.code,
            "location": h.location,
            "description": h.description,
            "criterion": h.criterion_citation,
            "criterion_text": h.criterion_text,
            "provision": h.provision,
        },
        "order_doc_number": h.order.doc_number,
        "deadline": sup.deadline.isoformat(),
        "deadline_cn": cn_date(sup.deadline),
        "requirements": sup.opinion,
        "duties": (
            "请你单位主要负责人组织制定并实施重大事故隐患治理方案（明确治理的目标和任务、采取的方法和措施、经费和物资的落实、"
            "负责治理的机构和人员、治理的时限和要求、安全措施和应急预案），治理方案报送本机关；治理期间采取有效防范措施，"
            "不能保证安全的，应当从危险区域内撤出作业人员并疏散可能危及的其他人员，设置警示标志，暂时停产停业或者停止使用；"
            "每15日报送一次治理进展；治理结束后进行评估，报送评估报告和恢复生产的书面申请，经审查同意后方可恢复生产经营。"
        ),
        "remedies": remedies_text(h.order.agency),
        "issued_on_cn": cn_date(clock.today()),
    }


def issue_supervision_notice(sup: Supervision, *, actor: User):
    return _issue(
        SUPERVISION_DOC,
        agency=sup.hazard.order.agency,
        subject=sup.hazard,
        content=supervision_content(sup),
        actor=actor,
    )
