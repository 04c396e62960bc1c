"""Rows of the 隐患排查治理台账 (§10.1) and the 重大事故隐患挂牌督办台账 (§10.2).

Memory stays flat for 100k rows, and the work grows linearly with them: the hazards are read by one
statement as plain column tuples (no ORM identity map), a batch of CHUNK rows at a time (yield_per), and
each related table (整改, 复查, photos, referral, 督办, 方案, 进展) by one statement of its own in hazard id
order, read alongside, so a batch comes with its related rows. The row set is exactly
`queries.filtered(user, filters)`, the query behind the list page. `SOURCE` registers both ledgers and the
hazard part of /ledgers.

Two costs this avoids (measured at 100,000 hazards): a keyset loop re-running `id IN (<filtered ids>)` for
every chunk of 1000 (SQLite builds the whole id list again each time: ~5 s, growing with the square of the
rows), and attribute access on SQLAlchemy's Row (~0.8 µs each, ~45 a row: ~3 s); rows are read as named
tuples instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from flask import render_template
from sqlalchemy import Select, func, select

from app import paging
from app.attachments.models import AttachmentLink
from app.auth.models import User
from app.extensions import db
from app.hazards import permissions as perm
from app.hazards import queries
from app.hazards.choices import category_names
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
from app.ledgers.streams import side_by_side
from app.ledgers.words import place_words
from app.org.models import Enterprise, Region
from app.org.queries import town_options

CHUNK = 1000  # hazards a batch: their related rows are gathered, then their ledger rows built


class _Names:
    """Caches shared by all batches: user names, locality names by region path, and the joined names of
    a (user, co-user) pair, so that a row looks each up once in a dict."""

    def __init__(self):
        self.users: dict[int | None, str] = {}
        self.regions: dict[str, str] = dict(db.session.execute(select(Region.code, Region.name)).all())
        self.localities: dict[str, str] = {}
        self.pairs: dict[tuple[int | None, int | None], str] = {}

    def user(self, user_id: int | None) -> str:
        name = self.users.get(user_id)
        if name is None:
            found = db.session.scalar(select(User.name).where(User.id == user_id)) if user_id else None
            name = self.users[user_id] = found or ""
        return name

    def pair(self, user_id: int | None, co_user_id: int | None) -> str:
        """The two users' names, 、-separated (either may be missing)."""
        key = (user_id, co_user_id)
        names = self.pairs.get(key)
        if names is None:
            names = self.pairs[key] = "、".join(n for n in (self.user(user_id), self.user(co_user_id)) if n)
        return names

    def locality(self, region_path: str) -> str:
        """区县 + 乡镇/街道 from a region path /34/3413/341322/341322100/…"""
        found = self.localities.get(region_path)
        if found is None:
            codes = [c for c in region_path.strip("/").split("/") if c]
            names = [self.regions.get(c, "") for c in codes[2:4]]  # county, town
            found = self.localities[region_path] = "".join(n for n in names if n)
        return found


def _related_statements(ids: Select, *, progress: bool) -> dict[str, Select]:
    """One statement per related table for all the exported hazards (`ids`), each in hazard id order (then
    in the order rows were added) with the hazard id first."""
    stmts = {
        "rect": select(
            Rectification.hazard_id,
            Rectification.id,
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
        .order_by(Rectification.hazard_id, Rectification.id),
        "reviews": select(
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
        .order_by(HazardReview.hazard_id, HazardReview.id),
        "photos": select(AttachmentLink.subject_id.label("hazard_id"), AttachmentLink.attachment_id)
        .where(
            AttachmentLink.subject_type == "hazards",
            AttachmentLink.field == "photos",
            AttachmentLink.subject_id.in_(ids),
        )
        .order_by(AttachmentLink.subject_id, AttachmentLink.id),
        "after": select(Rectification.hazard_id, AttachmentLink.attachment_id)
        .join(Rectification, Rectification.id == AttachmentLink.subject_id)
        .where(
            AttachmentLink.subject_type == "hazard_rectifications",
            AttachmentLink.field == "after_photos",
            Rectification.hazard_id.in_(ids),
        )
        .order_by(Rectification.hazard_id, AttachmentLink.id),
        "referral": select(  # one a hazard
            PenaltyReferral.hazard_id,
            PenaltyReferral.referred_at,
            PenaltyReferral.status,
            PenaltyReferral.case_number,
        )
        .where(PenaltyReferral.hazard_id.in_(ids))
        .order_by(PenaltyReferral.hazard_id),
        "sup": select(  # one a hazard
            Supervision.hazard_id,
            Supervision.code,
            Supervision.listed,
            Supervision.level,
            Supervision.doc_number,
            Supervision.listed_on,
            Supervision.supervising_unit,
            Supervision.responsible_unit,
            Supervision.contact,
            Supervision.media_published,
            Supervision.delisted_on,
            Supervision.delisting_notice,
        )
        .where(Supervision.hazard_id.in_(ids))
        .order_by(Supervision.hazard_id),
        "plan": select(
            GovernancePlan.hazard_id,
            GovernancePlan.id,
            GovernancePlan.submitted_at,
            GovernancePlan.responsible_person,
            GovernancePlan.methods,
            GovernancePlan.funds,
            GovernancePlan.time_limit,
            GovernancePlan.safety_measures,
            GovernancePlan.suspension_scope,
            GovernancePlan.reported_to_staff_on,
        )
        .where(GovernancePlan.hazard_id.in_(ids))
        .order_by(GovernancePlan.hazard_id, GovernancePlan.id),
    }
    if progress:
        stmts["progress"] = (
            select(
                ProgressReport.hazard_id,
                ProgressReport.reported_on,
                ProgressReport.percent,
                ProgressReport.content,
            )
            .where(ProgressReport.hazard_id.in_(ids))
            .order_by(ProgressReport.hazard_id, ProgressReport.id)
        )
    return stmts


def statements(user: User, f: queries.HazardFilters, *, major_only: bool) -> tuple[Select, dict[str, Select]]:
    """The export's SQL: the hazards of `queries.filtered(user, f)` (重大 only for the 挂牌督办台账) joined
    with their enterprise and 指令书, in id order, and one statement per related table for the same hazards
    (bench/bench_ledger.py's baseline runs exactly these)."""
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
    hazards = (
        select(*cols)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .join(RectificationOrder, RectificationOrder.id == Hazard.order_id)
        .where(Hazard.id.in_(ids))
        .order_by(Hazard.id)
    )
    return hazards, _related_statements(ids, progress=major_only)


def _batches(user: User, f: queries.HazardFilters, *, major_only: bool) -> Iterator[tuple[list, dict]]:
    """The exported hazards in id order, CHUNK at a time, each batch with its related rows by table and
    hazard id. Each table is read by one statement for the whole export (the hazards' and the related
    tables' statements stay open side by side), so the number of statements does not grow with the rows."""
    main, others = statements(user, f, major_only=major_only)
    yield from side_by_side(main, others, CHUNK)



def _links(base: str, ids: list[int]) -> Link:
    return Link([f"{base}{i}" for i in dict.fromkeys(ids)] if ids else [])


def _stock(year: int, today: date) -> str:
    return f"{'存量' if year < today.year else '增量'}（{year}）"


def _total_funds(rects) -> Decimal | None:
    """整改资金 of all the rounds of a hazard's rectification (each round reports what it spent), or None
    when no round reported any."""
    amounts = [r.funds for r in rects if r.funds is not None]
    return sum(amounts, Decimal(0)) if amounts else None


def _review_text(review) -> str:
    if review is None:
        return ""
    return f"{review.result}，{REVIEW_DECISION_LABELS.get(review.decision, review.decision)}"


def hazard_rows(user: User, f: queries.HazardFilters, *, attachment_base: str, today: date) -> Iterator[dict]:
    """Rows of the 隐患排查治理台账, in hazard id order."""
    names = _Names()
    categories = category_names()
    stock: dict[int, str] = {}  # discovered year -> its 存量/增量 words
    for batch, rel in _batches(user, f, major_only=False):
        rects, reviews_of, refs = rel["rect"], rel["reviews"], rel["referral"]
        sups, plans, photos, after = rel["sup"], rel["plan"], rel["photos"], rel["after"]
        for h in batch:
            hid = h.id
            rounds = rects.get(hid, ())
            rect = rounds[-1] if rounds else None
            reviews = reviews_of.get(hid, ())
            last_review = reviews[-1] if reviews else None
            ref = refs[hid][-1] if hid in refs else None
            sup = sups[hid][-1] if hid in sups else None
            plan = plans[hid][-1] if hid in plans else None
            docs = [f"责改：{h.order_no}"] if h.order_no else []
            if sup is not None and sup.doc_number:
                docs.append(f"督办：{sup.doc_number}")
            if reviews:
                docs += [f"复查：{n}" for n in dict.fromkeys(r.doc_number for r in reviews if r.doc_number)]
            year = h.discovered_year
            if year not in stock:
                stock[year] = _stock(year, today)
            yield {
                "code": h.code,
                "enterprise": h.ent_name,
                "credit_code": h.credit_code,
                "industry": h.industry + (f"/{h.sub_sector}" if h.sub_sector else ""),
                "locality": names.locality(h.region_path),
                "found_on": h.found_on,
                "source": h.source,
                "inspectors": names.pair(h.found_by_id, h.co_officer_id),
                "location": h.location,
                "description": h.description,
                "category": categories.get(h.category, h.category),
                "level": h.level,
                "criterion": h.criterion_citation or "",
                "provision": h.provision,
                "measures": rect.measures if rect else "",
                "responsible_dept": (rect.responsible_dept or "") if rect else "",
                "responsible_person": rect.responsible_person if rect else "",
                "funds": _total_funds(rounds),
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
                "photos_before": _links(attachment_base, [p.attachment_id for p in photos.get(hid, ())]),
                "photos_after": _links(attachment_base, [p.attachment_id for p in after.get(hid, ())]),
                "reviewer": (
                    names.pair(last_review.reviewer_id, last_review.co_reviewer_id) if last_review else ""
                ),
                "reviewed_on": last_review.reviewed_on if last_review else None,
                "review_result": _review_text(last_review),
                "closed_on": h.closed_on,
                "documents": "\n".join(docs),
                "penalty": (
                    f"已移送立案（{ref.referred_at.date().isoformat()}）{ref.case_number or ''}"
                    if ref
                    else "否"
                ),
                "stock": stock[year],
                "remarks": h.remarks or "",
            }


def major_rows(user: User, f: queries.HazardFilters, *, attachment_base: str, today: date) -> Iterator[dict]:
    """Rows of the 重大事故隐患挂牌督办台账 (重大 hazards only)."""
    for batch, rel in _batches(user, f, major_only=True):
        rects, reviews_of, refs, progress_of = rel["rect"], rel["reviews"], rel["referral"], rel["progress"]
        sups, plans, photos, after = rel["sup"], rel["plan"], rel["photos"], rel["after"]
        for h in batch:
            hid = h.id
            sup = sups[hid][-1] if hid in sups else None
            plan = plans[hid][-1] if hid in plans else None
            rounds = rects.get(hid, ())
            rect = rounds[-1] if rounds else None
            reviews = reviews_of.get(hid, ())
            last_review = reviews[-1] if reviews else None
            ref = refs[hid][-1] if hid in refs else None
            progress = progress_of.get(hid, ())
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
                # 五落实 资金: the governance plan's; without a plan, what the rounds of rectification spent
                "funds": plan.funds if plan else _total_funds(rounds),
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
                "photos_before": _links(attachment_base, [p.attachment_id for p in photos.get(hid, ())]),
                "photos_after": _links(attachment_base, [p.attachment_id for p in after.get(hid, ())]),
                "remarks": h.remarks or "",
            }


ROW_BUILDERS = {"hazard_ledger": hazard_rows, "major_hazard_ledger": major_rows}


def filter_words(f: queries.HazardFilters) -> str:
    """筛选条件 in words, for the ledger's header rows."""
    parts = place_words(f.enterprise_id, f.town)
    for label, value in (("行业", f.industry), ("等级", f.level), ("来源", f.source), ("关键词", f.q)):
        if value:
            parts.append(f"{label}：{value}")
    if f.status:
        parts.append(
            f"状态：{queries.STATUS_GROUPS[f.status][0] if f.status in queries.STATUS_GROUPS else f.status}"
        )
    if f.overdue:
        parts.append(f"逾期：{queries.OVERDUE_FILTERS[f.overdue]}")
    return "；".join(parts) or "无（辖区内全部隐患）"


def section(user: User, args) -> str:
    """The hazard part of /ledgers: the list page's filters, the row count, one card per ledger."""
    from app.hazards.totals import list_total

    f = queries.HazardFilters.from_args(args)
    known = list_total(user, f)  # the summary's or the index's count, else counted up to the list's cap
    total = None if known is None else known[0] if known[1] else paging.count_label(known[0])
    return render_template(
        "hazards/ledgers.html",
        f=f,
        ledgers=[definitions.get(name) for name in ROW_BUILDERS],
        total=paging.count_label(paging.capped_count(queries.filtered(user, f))) if total is None else total,
        towns=town_options(user),
        industries=queries.industries(),
        statuses=[s for s in HazardStatus if s != HazardStatus.DRAFT],
        status_groups=queries.STATUS_GROUPS,
        sources=list(HazardSource),
        levels=list(HazardLevel),
        words=filter_words(f),
    )


def _count(user: User, f: queries.HazardFilters, *, major_only: bool) -> int:
    """How many rows the ledger will have (the export's progress), one count on the list's index."""
    ids = queries.filtered(user, f).with_only_columns(Hazard.id).order_by(None)
    if major_only:
        ids = ids.where(Hazard.level == "重大")
    return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def extract(name: str, user: User, args, *, attachment_base: str, today: date) -> Extract:
    f = queries.HazardFilters.from_args(args)
    queries.check_scope(user, f)  # before the filter is put in words: never the name of another's enterprise
    return Extract(
        rows=ROW_BUILDERS[name](user, f, attachment_base=attachment_base, today=today),
        filters=filter_words(f),
        period=f.period_label(),
        filter_args=f.filter_args(),
        total=lambda: _count(user, f, major_only=name == "major_hazard_ledger"),
    )


SOURCE = LedgerSource(
    key="hazards",
    ledgers=tuple(ROW_BUILDERS),
    can_export=perm.can_export,
    section=section,
    rows=extract,
)
