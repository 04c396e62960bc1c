"""Rows of the 隐患排查治理台账 (§10.1) and the 重大事故隐患挂牌督办台账 (§10.2).

Memory stays flat for 100k rows: hazards are read in keyset-paginated chunks of plain column tuples
(no ORM identity map growth), and each chunk's related rows (整改, 复查, photos, referral, 督办, 方案,
进展) are fetched with one IN query per table. The row set is exactly `queries.filtered(user, filters)`,
the query behind the list page. `SOURCE` registers both ledgers and the hazard part of /ledgers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from flask import render_template
from sqlalchemy import func, select

from app.attachments.models import AttachmentLink
from app.auth.models import User
from app.extensions import db
from app.hazards import permissions as perm
from app.hazards import queries
from app.hazards.models import (
    REVIEW_DECISION_LABELS,
    GovernancePlan,
    Hazard,
    HazardLevel,
    HazardReview,
    HazardSource,
    HazardStatus,
    PenaltyReferral,
    ProgressReport,
    Rectification,
    RectificationOrder,
    Supervision,
)
from app.ledgers import Extract, LedgerSource, definitions
from app.ledgers.export import Link
from app.org.models import Enterprise, Region

CHUNK = 1000


class _Names:
    """Small caches shared by all chunks: user names, region names."""

    def __init__(self):
        self.users: dict[int, str] = {}
        self.regions: dict[str, str] = dict(db.session.execute(select(Region.code, Region.name)).all())

    def user(self, user_id: int | None) -> str:
        if not user_id:
            return ""
        if user_id not in self.users:
            self.users[user_id] = db.session.scalar(select(User.name).where(User.id == user_id)) or ""
        return self.users[user_id]

    def locality(self, region_path: str) -> str:
        """区县 + 乡镇/街道 from a region path /34/3413/341322/341322100/…"""
        codes = [c for c in region_path.strip("/").split("/") if c]
        names = [self.regions.get(c, "") for c in codes[2:4]]  # county, town
        return "".join(n for n in names if n)


def _chunks(user: User, f: queries.HazardFilters, *, major_only: bool) -> Iterator[list]:
    ids = queries.filtered(user, f).with_only_columns(Hazard.id).order_by(None)
    if major_only:
        ids = ids.where(Hazard.level == "重大")
    cols = (
        Hazard.id,
        Hazard.code,
        Hazard.found_on,
        Hazard.source,
        Hazard.found_by_id,
        Hazard.location,
        Hazard.description,
        Hazard.category,
        Hazard.level,
        Hazard.criterion_citation,
        Hazard.provision,
        Hazard.deadline,
        Hazard.status,
        Hazard.is_overdue,
        Hazard.overdue_at,
        Hazard.suspension_scope,
        Hazard.completed_on,
        Hazard.closed_on,
        Hazard.discovered_year,
        Hazard.remarks,
        Hazard.region_path,
        Hazard.failed_rounds,
        Enterprise.name.label("ent_name"),
        Enterprise.credit_code,
        Enterprise.industry,
        Enterprise.sub_sector,
        Enterprise.address,
        Enterprise.main_person,
        Enterprise.main_person_phone,
        Enterprise.phone,
        RectificationOrder.doc_number.label("order_no"),
        RectificationOrder.co_officer_id,
    )
    last = 0
    while True:
        stmt = (
            select(*cols)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
            .join(RectificationOrder, RectificationOrder.id == Hazard.order_id)
            .where(Hazard.id.in_(ids), Hazard.id > last)
            .order_by(Hazard.id)
            .limit(CHUNK)
        )
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id
        if len(rows) < CHUNK:
            return


def _related(ids: list[int]) -> dict:
    """Everything the ledger needs about a chunk of hazards, one query per table."""
    rel: dict = {
        "rect": {},
        "rect_all": defaultdict(list),
        "reviews": defaultdict(list),
        "photos": defaultdict(list),
        "after": defaultdict(list),
        "referral": {},
        "sup": {},
        "plan": {},
        "progress": defaultdict(list),
    }
    for r in db.session.execute(
        select(
            Rectification.id,
            Rectification.hazard_id,
            Rectification.measures,
            Rectification.responsible_dept,
            Rectification.responsible_person,
            Rectification.funds,
            Rectification.emergency_measures,
            Rectification.planned_date,
            Rectification.evaluation_org,
            Rectification.evaluation_date,
            Rectification.submitted_at,
            Rectification.resumption_requested,
        )
        .where(Rectification.hazard_id.in_(ids))
        .order_by(Rectification.id)
    ):
        rel["rect"][r.hazard_id] = r
        rel["rect_all"][r.hazard_id].append(r.id)
    for r in db.session.execute(
        select(
            HazardReview.hazard_id,
            HazardReview.reviewed_on,
            HazardReview.reviewer_id,
            HazardReview.co_reviewer_id,
            HazardReview.result,
            HazardReview.decision,
            HazardReview.doc_number,
            HazardReview.kind,
        )
        .where(HazardReview.hazard_id.in_(ids))
        .order_by(HazardReview.id)
    ):
        rel["reviews"][r.hazard_id].append(r)
    rect_to_hazard = {rid: hid for hid, rids in rel["rect_all"].items() for rid in rids}
    for link in db.session.execute(
        select(
            AttachmentLink.subject_type,
            AttachmentLink.subject_id,
            AttachmentLink.attachment_id,
            AttachmentLink.field,
        )
        .where(
            (
                (AttachmentLink.subject_type == "hazards")
                & AttachmentLink.subject_id.in_(ids)
                & (AttachmentLink.field == "photos")
            )
            | (
                (AttachmentLink.subject_type == "hazard_rectifications")
                & AttachmentLink.subject_id.in_(list(rect_to_hazard) or [0])
                & (AttachmentLink.field == "after_photos")
            )
        )
        .order_by(AttachmentLink.id)
    ):
        if link.subject_type == "hazards":
            rel["photos"][link.subject_id].append(link.attachment_id)
        else:
            rel["after"][rect_to_hazard[link.subject_id]].append(link.attachment_id)
    for r in db.session.execute(
        select(
            PenaltyReferral.hazard_id,
            PenaltyReferral.referred_at,
            PenaltyReferral.status,
            PenaltyReferral.case_number,
        ).where(PenaltyReferral.hazard_id.in_(ids))
    ):
        rel["referral"][r.hazard_id] = r
    for r in db.session.execute(select(Supervision).where(Supervision.hazard_id.in_(ids))).scalars():
        rel["sup"][r.hazard_id] = r
    for r in db.session.execute(
        select(GovernancePlan).where(GovernancePlan.hazard_id.in_(ids)).order_by(GovernancePlan.id)
    ).scalars():
        rel["plan"][r.hazard_id] = r
    for r in db.session.execute(
        select(
            ProgressReport.hazard_id,
            ProgressReport.reported_on,
            ProgressReport.percent,
            ProgressReport.content,
        )
        .where(ProgressReport.hazard_id.in_(ids))
        .order_by(ProgressReport.id)
    ):
        rel["progress"][r.hazard_id].append(r)
    return rel


def _links(base: str, ids: list[int]) -> Link:
    return Link([f"{base}{i}" for i in dict.fromkeys(ids)])


def _stock(year: int, today: date) -> str:
    return f"{'存量' if year < today.year else '增量'}（{year}）"


def _review_text(review) -> str:
    if review is None:
        return ""
    return f"{review.result}，{REVIEW_DECISION_LABELS.get(review.decision, review.decision)}"


def hazard_rows(user: User, f: queries.HazardFilters, *, attachment_base: str, today: date) -> Iterator[dict]:
    """Rows of the 隐患排查治理台账, in hazard id order."""
    names = _Names()
    for chunk in _chunks(user, f, major_only=False):
        rel = _related([r.id for r in chunk])
        for h in chunk:
            rect = rel["rect"].get(h.id)
            reviews = rel["reviews"].get(h.id, [])
            last_review = reviews[-1] if reviews else None
            ref = rel["referral"].get(h.id)
            sup = rel["sup"].get(h.id)
            plan = rel["plan"].get(h.id)
            docs = [f"责改：{h.order_no}"] if h.order_no else []
            if sup is not None and sup.doc_number:
                docs.append(f"督办：{sup.doc_number}")
            docs += [f"复查：{n}" for n in dict.fromkeys(r.doc_number for r in reviews if r.doc_number)]
            inspectors = "、".join(n for n in (names.user(h.found_by_id), names.user(h.co_officer_id)) if n)
            yield {
                "code": h.code,
                "enterprise": h.ent_name,
                "credit_code": h.credit_code,
                "industry": h.industry + (f"/{h.sub_sector}" if h.sub_sector else ""),
                "locality": names.locality(h.region_path),
                "found_on": h.found_on,
                "source": h.source,
                "inspectors": inspectors,
                "location": h.location,
                "description": h.description,
                "category": h.category,
                "level": h.level,
                "criterion": h.criterion_citation or "",
                "provision": h.provision,
                "measures": rect.measures if rect else "",
                "responsible_dept": (rect.responsible_dept or "") if rect else "",
                "responsible_person": rect.responsible_person if rect else "",
                "funds": rect.funds if rect else None,
                "deadline": h.deadline,
                "status": h.status,
                "overdue": "是" if h.is_overdue else ("曾逾期" if h.overdue_at else "否"),
                "emergency_measures": rect.emergency_measures if rect else "",
                "suspended": h.suspension_scope
                if h.suspension_scope and h.suspension_scope != "无"
                else "否",
                "reported": (
                    f"职代会 {plan.reported_to_staff_on.isoformat()}"
                    if plan and plan.reported_to_staff_on
                    else ("已报部门" if h.level == "重大" else "")
                ),
                "completed_on": h.completed_on,
                "photos_before": _links(attachment_base, rel["photos"].get(h.id, [])),
                "photos_after": _links(attachment_base, rel["after"].get(h.id, [])),
                "reviewer": "、".join(
                    n
                    for n in (names.user(last_review.reviewer_id), names.user(last_review.co_reviewer_id))
                    if n
                )
                if last_review
                else "",
                "reviewed_on": last_review.reviewed_on if last_review else None,
                "review_result": _review_text(last_review),
                "closed_on": h.closed_on,
                "documents": "\n".join(docs),
                "penalty": (
                    f"已移送立案（{ref.referred_at.date().isoformat()}）{ref.case_number or ''}"
                    if ref
                    else "否"
                ),
                "stock": _stock(h.discovered_year, today),
                "remarks": h.remarks or "",
            }


def major_rows(user: User, f: queries.HazardFilters, *, attachment_base: str, today: date) -> Iterator[dict]:
    """Rows of the 重大事故隐患挂牌督办台账 (重大 hazards only)."""
    for chunk in _chunks(user, f, major_only=True):
        rel = _related([r.id for r in chunk])
        for h in chunk:
            sup = rel["sup"].get(h.id)
            plan = rel["plan"].get(h.id)
            rect = rel["rect"].get(h.id)
            reviews = rel["reviews"].get(h.id, [])
            last_review = reviews[-1] if reviews else None
            ref = rel["referral"].get(h.id)
            progress = rel["progress"].get(h.id, [])
            enforcement = []
            if h.is_overdue or h.overdue_at:
                enforcement.append("逾期")
            if ref:
                enforcement.append(f"移送立案{(' ' + ref.case_number) if ref.case_number else ''}")
            yield {
                "supervision_code": sup.code if sup else "",
                "supervision_level": (sup.level if sup and sup.listed else ("未挂牌" if sup else "待决定")),
                "notice_no": (sup.doc_number or "") if sup else "",
                "listed_on": sup.listed_on if sup else None,
                "enterprise": h.ent_name,
                "credit_code": h.credit_code,
                "industry": h.industry,
                "address": h.address or "",
                "main_person": " ".join(x for x in (h.main_person, h.main_person_phone or h.phone) if x),
                "description": f"{h.location}：{h.description}",
                "criterion": h.criterion_citation or "",
                "source": h.source,
                "plan_submitted_on": plan.submitted_at.date() if plan else None,
                "responsible_person": plan.responsible_person
                if plan
                else (rect.responsible_person if rect else ""),
                "measures": plan.methods if plan else (rect.measures if rect else ""),
                "funds": plan.funds if plan else (rect.funds if rect else None),
                "time_limit": plan.time_limit if plan else None,
                "safety_measures": plan.safety_measures if plan else "",
                "suspension_scope": (plan.suspension_scope if plan else (h.suspension_scope or "")),
                "supervising_unit": (sup.supervising_unit or "") if sup else "",
                "responsible_unit": " ".join(
                    x for x in ((sup.responsible_unit or ""), (sup.contact or "")) if x
                )
                if sup
                else "",
                "deadline": h.deadline,
                "progress": "\n".join(
                    f"{p.reported_on.isoformat()} 完成{p.percent}%：{p.content}" for p in progress[-6:]
                ),
                "media": (sup.media_published or "") if sup else "",
                "evaluation": (
                    f"{rect.evaluation_org} {rect.evaluation_date.isoformat()}"
                    if rect and rect.evaluation_org and rect.evaluation_date
                    else ""
                ),
                "resumption_applied_on": rect.submitted_at.date()
                if rect and rect.resumption_requested
                else None,
                "reviewed_on": last_review.reviewed_on if last_review else None,
                "review_result": _review_text(last_review),
                "closed_on": h.closed_on,
                "delisting_notice": (
                    sup.delisting_notice or (f"{sup.delisted_on.isoformat()} 摘牌" if sup.delisted_on else "")
                )
                if sup
                else "",
                "enforcement": "、".join(enforcement),
                "status": h.status,
                "overdue": "是" if h.is_overdue else "否",
                "photos_before": _links(attachment_base, rel["photos"].get(h.id, [])),
                "photos_after": _links(attachment_base, rel["after"].get(h.id, [])),
                "remarks": h.remarks or "",
            }


ROW_BUILDERS = {"hazard_ledger": hazard_rows, "major_hazard_ledger": major_rows}


def filter_words(f: queries.HazardFilters) -> str:
    """筛选条件 in words, for the ledger's header rows."""
    parts = []
    if f.enterprise_id:
        e = db.session.get(Enterprise, f.enterprise_id)
        parts.append(f"企业：{e.name if e else f.enterprise_id}")
    if f.town:
        code = f.town.strip("/").split("/")[-1]
        r = db.session.scalar(select(Region).where(Region.code == code))
        parts.append(f"乡镇/街道：{r.name if r else code}")
    for label, value in (("行业", f.industry), ("等级", f.level), ("来源", f.source), ("关键词", f.q)):
        if value:
            parts.append(f"{label}：{value}")
    if f.status:
        parts.append(
            f"状态：{queries.STATUS_GROUPS[f.status][0] if f.status in queries.STATUS_GROUPS else f.status}"
        )
    if f.overdue:
        parts.append("逾期：" + ("当前逾期" if f.overdue == "1" else "曾经逾期"))
    return "；".join(parts) or "无（辖区内全部隐患）"


def section(user: User, args) -> str:
    """The hazard part of /ledgers: the list page's filters, the row count, one card per ledger."""
    f = queries.HazardFilters.from_args(args)
    total = db.session.scalar(select(func.count()).select_from(queries.filtered(user, f).order_by(None).subquery()))
    return render_template(
        "hazards/ledgers.html",
        f=f,
        ledgers=[definitions.get(name) for name in ROW_BUILDERS],
        total=total or 0,
        towns=queries.towns_for(user),
        enterprises=queries.enterprises_for(user, 500),
        industries=queries.industries(),
        statuses=[s for s in HazardStatus if s != HazardStatus.DRAFT],
        status_groups=queries.STATUS_GROUPS,
        sources=list(HazardSource),
        levels=list(HazardLevel),
        words=filter_words(f),
    )


def extract(name: str, user: User, args, *, attachment_base: str, today: date) -> Extract:
    f = queries.HazardFilters.from_args(args)
    return Extract(
        rows=ROW_BUILDERS[name](user, f, attachment_base=attachment_base, today=today),
        filters=filter_words(f),
        period=f.period_label(),
        filter_args=f.filter_args(),
    )


SOURCE = LedgerSource(
    key="hazards",
    ledgers=tuple(ROW_BUILDERS),
    can_export=perm.can_export,
    section=section,
    rows=extract,
)
