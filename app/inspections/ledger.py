"""Rows of the 执法检查台账 (domain spec §10.4; reports/inspections.json), helper "web".

The row set is exactly `queries.filtered(user, filters)`, the query behind the list page /inspections/ (the
same InspectionFilters, the same data scope), in id order. Each row names its inspection by 检查编号 (the code
the list shows and searches) and its 现场检查记录 by 文号 (检记), when one was made.

Read as the hazard, case and credit ledgers read (app/ledgers/streams.py: side_by_side): only the columns
the ledger writes, as plain tuples, by a fixed set of statements — the inspections joined with their
enterprise, class of the year, 检查方案 number and 责令限期整改指令书; one statement per related table (the
team with certificate numbers, the findings counted by level, the on-site measures, the hazards' 复查, the
violation findings with their case numbers, the audio-visual records), each in inspection id order and read
alongside the inspections a batch at a time; the yearly counts against the cap and the localities by two
more. The number of statements does not grow with the rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date

from flask import render_template
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app import clock, paging
from app.attachments.models import Attachment, AttachmentLink
from app.auth.models import User
from app.documents.models import DocumentNumber, OfficialDocument
from app.errors import ValidationFailed
from app.extensions import db
from app.inspections import queries
from app.inspections.models import (
    EnterpriseClass,
    Finding,
    FindingOutcome,
    Inspection,
    InspectionMember,
    InspectionSource,
    InspectionStatus,
    MeasureKind,
    OnSiteMeasure,
)
from app.ledgers import Extract, LedgerSource, definitions
from app.ledgers.streams import side_by_side
from app.ledgers.words import place_words
from app.org.models import Enterprise, Region

LEDGER = "inspections"
CHUNK = 1000
SUBJECT = "inspections"
MAJOR = "重大"
SUSPENSIONS = (MeasureKind.SUSPEND, MeasureKind.STOP_USE)


def _ids(user: User, f: queries.InspectionFilters) -> Select:
    return queries.filtered(user, f).with_only_columns(Inspection.id).order_by(None)


def _local(moment) -> date | None:
    """A UTC timestamp's local (China) day."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(clock.TZ).date()


def _d(day) -> str:
    return day.isoformat() if day else ""


def statements(user: User, f: queries.InspectionFilters) -> tuple[Select, dict[str, Select]]:
    """The export's SQL: the inspections of `queries.filtered(user, f)` with their enterprise, class and
    documents, in id order, and one statement per related table for the same inspections."""
    from app.hazards.models import Hazard, HazardReview, RectificationOrder

    ids = _ids(user, f)
    scheme_no = aliased(DocumentNumber)
    scheme_doc = aliased(OfficialDocument)
    main = (
        select(
            Inspection.id,
            Inspection.code,
            Inspection.source,
            Inspection.source_ref,
            Inspection.mode,
            Inspection.status,
            Inspection.enterprise_id,
            Inspection.region_path,
            Inspection.planned_on,
            Inspection.started_at,
            Inspection.cap_year,
            Inspection.counts_against_cap,
            Inspection.over_cap,
            Inspection.over_cap_reason,
            Inspection.record_no,
            Inspection.result_publish_due,
            Inspection.result_published_on,
            Inspection.cancelled_reason,
            Enterprise.name.label("ent_name"),
            Enterprise.credit_code,
            Enterprise.industry,
            EnterpriseClass.klass,
            EnterpriseClass.max_inspections,
            scheme_no.text.label("scheme_no"),
            RectificationOrder.doc_number.label("order_no"),
        )
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .outerjoin(
            EnterpriseClass,
            and_(
                EnterpriseClass.enterprise_id == Inspection.enterprise_id,
                EnterpriseClass.year == Inspection.cap_year,
            ),
        )
        .outerjoin(scheme_doc, scheme_doc.id == Inspection.scheme_document_id)
        .outerjoin(scheme_no, scheme_no.id == scheme_doc.number_id)
        .outerjoin(RectificationOrder, RectificationOrder.id == Inspection.order_id)
        .where(Inspection.id.in_(ids))
        .order_by(Inspection.id)
    )
    violation = Finding.is_violation == True  # noqa: E712
    from app.cases.models import PenaltyCase

    related: dict[str, Select] = {
        "members": select(
            InspectionMember.inspection_id, User.name, InspectionMember.cert_no, InspectionMember.role
        )
        .join(User, User.id == InspectionMember.user_id)
        .where(InspectionMember.inspection_id.in_(ids))
        .order_by(InspectionMember.inspection_id, InspectionMember.id),
        "findings": select(
            Finding.inspection_id,
            func.sum(case((Finding.level == MAJOR, 0), else_=1)).label("general"),
            func.sum(case((Finding.level == MAJOR, 1), else_=0)).label("major"),
            func.max(Finding.deadline).label("deadline"),
        )
        .where(Finding.inspection_id.in_(ids))
        .group_by(Finding.inspection_id)
        .order_by(Finding.inspection_id),
        "measures": select(
            OnSiteMeasure.inspection_id,
            OnSiteMeasure.kind,
            OnSiteMeasure.doc_number,
            OnSiteMeasure.status,
            OnSiteMeasure.scope,
            OnSiteMeasure.lifted_on,
        )
        .where(OnSiteMeasure.inspection_id.in_(ids))
        .order_by(OnSiteMeasure.inspection_id, OnSiteMeasure.id),
        "reviews": select(
            Finding.inspection_id,
            HazardReview.reviewed_on,
            HazardReview.doc_number,
            HazardReview.result,
        )
        .join(Hazard, Hazard.id == Finding.hazard_id)
        .join(HazardReview, HazardReview.hazard_id == Hazard.id)
        .where(Finding.inspection_id.in_(ids))
        .order_by(Finding.inspection_id, HazardReview.id),
        "violations": select(Finding.inspection_id, Finding.seq, Finding.outcome, PenaltyCase.case_no)
        .outerjoin(
            PenaltyCase,
            and_(Finding.case_proposal_id.is_not(None), PenaltyCase.proposal_id == Finding.case_proposal_id),
        )
        .where(Finding.inspection_id.in_(ids), violation)
        .order_by(Finding.inspection_id, Finding.seq, Finding.id),
        "records": select(AttachmentLink.subject_id, Attachment.original_name, Attachment.sha256)
        .join(Attachment, Attachment.id == AttachmentLink.attachment_id)
        .where(
            AttachmentLink.subject_type == SUBJECT,
            AttachmentLink.subject_id.in_(ids),
            or_(Attachment.mime.like("video/%"), Attachment.mime.like("audio/%")),
        )
        .order_by(AttachmentLink.subject_id, AttachmentLink.id),
    }
    return main, related


def cap_counts(ids: Select) -> dict[tuple[int, int], int]:
    """(enterprise id, year) -> inspections counted against the yearly cap (any source, the cap-exempt
    举报 and the cancelled ones not), for the enterprises and years of the exported inspections — the
    counting rule of app.inspections.caps, in one statement for the whole export."""
    wanted = (
        select(Inspection.enterprise_id, Inspection.cap_year)
        .where(Inspection.id.in_(ids))
        .distinct()
        .subquery()
    )
    stmt = (
        select(Inspection.enterprise_id, Inspection.cap_year, func.count())
        .join(
            wanted,
            and_(
                wanted.c.enterprise_id == Inspection.enterprise_id, wanted.c.cap_year == Inspection.cap_year
            ),
        )
        .where(
            Inspection.counts_against_cap == True,  # noqa: E712
            Inspection.status != InspectionStatus.CANCELLED,
        )
        .group_by(Inspection.enterprise_id, Inspection.cap_year)
    )
    return {(e, y): n for e, y, n in db.session.execute(stmt)}


class _Localities:
    """区县 + 乡镇/街道 of a region path, from one read of the region names."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {c: n for c, n in db.session.execute(select(Region.code, Region.name))}
        self.found: dict[str, str] = {}

    def __call__(self, region_path: str) -> str:
        out = self.found.get(region_path)
        if out is None:
            codes = [c for c in (region_path or "").strip("/").split("/") if c]
            out = self.found[region_path] = "".join(self.names.get(c, "") for c in codes[2:4])
        return out


def inspection_rows(user: User, f: queries.InspectionFilters, *, today: date) -> Iterator[dict]:
    ids = _ids(user, f)
    counts = cap_counts(ids)
    locality = _Localities()
    main, related = statements(user, f)
    seq = 0
    for batch, rel in side_by_side(main, related, CHUNK):
        for insp in batch:
            seq += 1
            yield _row(
                seq, insp, {name: rows.get(insp.id, ()) for name, rows in rel.items()}, counts, locality
            )


def _row(seq: int, insp, rel: dict, counts: dict, locality) -> dict:
    findings = rel["findings"][0] if rel["findings"] else None
    source = str(insp.source) + (f"（{insp.source_ref}）" if insp.source_ref else "")
    used = counts.get((insp.enterprise_id, insp.cap_year), 0)
    if insp.max_inspections is not None:
        cap_usage = f"{used}/{insp.max_inspections}"
    else:
        cap_usage = f"{used}/未分类"
    if not insp.counts_against_cap:
        cap_usage += "（本次不计入）"
    measures = rel["measures"]
    order = ""
    if insp.order_no:
        deadline = findings.deadline if findings else None
        order = insp.order_no + (f" / 期限 {_d(deadline)}" if deadline else "")
    remarks = [f"状态：{insp.status}"]
    if insp.over_cap:
        remarks.append(
            "超出年度检查上限（经负责人批准）" + (f"：{insp.over_cap_reason}" if insp.over_cap_reason else "")
        )
    if insp.cancelled_reason:
        remarks.append(f"取消理由：{insp.cancelled_reason}")
    published = _d(insp.result_published_on)
    if not published and insp.source == InspectionSource.RANDOM and insp.result_publish_due:
        published = f"未公示（期限 {_d(insp.result_publish_due)}）"
    return {
        "seq": seq,
        "code": insp.code,  # 检查编号: the row's inspection (the list's 检查编号, its page)
        "source": source,
        "scheme_no": insp.scheme_no or "",
        "inspected_on": _local(insp.started_at) or insp.planned_on,
        "enterprise": insp.ent_name,
        "credit_code": insp.credit_code or "",
        "industry": insp.industry or "",
        "klass": insp.klass or "",
        "cap_usage": cap_usage,
        "locality": locality(insp.region_path),
        "officers": "、".join(f"{m.name}（{m.cert_no}）" if m.cert_no else m.name for m in rel["members"]),
        "mode": insp.mode,
        "record_no": insp.record_no or "",
        "general_count": int(findings.general or 0) if findings else 0,
        "major_count": int(findings.major or 0) if findings else 0,
        "measures": "；".join(
            f"{m.kind}"
            + (f"（{m.doc_number}）" if m.doc_number else "")
            + ("，已解除" if m.lifted_on else "")
            for m in measures
        ),
        "order": order,
        "recheck": "；".join(
            " / ".join(x for x in (_d(r.reviewed_on), r.doc_number or "", r.result or "") if x)
            for r in rel["reviews"]
        ),
        "suspension": "；".join(
            f"{m.kind}"
            + (f"（{m.scope}）" if m.scope else "")
            + (f"，{_d(m.lifted_on)} 解除" if m.lifted_on else "")
            for m in measures
            if m.kind in SUSPENSIONS
        ),
        "case": _case_words(rel["violations"]),
        "av_record": "；".join(f"{r.original_name}（SHA-256 {r.sha256[:12]}…）" for r in rel["records"]),
        "published_on": published,
        "remarks": "；".join(remarks),
    }


def _case_words(rows) -> str:
    """是否立案（立案号）: 是 with the case numbers when a violation was filed (立案); otherwise 否 with how each
    violation ended (简易程序 with its decision's number, 不予处罚, 移送, 不予立案) or that it is still open."""
    if not rows:
        return "否"
    filed = [r.case_no or "" for r in rows if r.outcome == FindingOutcome.FILED]
    if filed:
        return "是（" + "、".join(x for x in dict.fromkeys(filed) if x) + "）" if any(filed) else "是"
    ends = []
    for r in rows:
        word = r.outcome or FindingOutcome.PENDING.value
        if r.outcome == FindingOutcome.SIMPLE and r.case_no:
            word += f" {r.case_no}"
        ends.append(f"问题{r.seq}：{word}")
    return "否（" + "；".join(ends) + "）"


def filter_words(f: queries.InspectionFilters) -> str:
    """筛选条件 in words, for the ledger's header rows."""
    parts = place_words(f.enterprise_id, f.town, enterprise_label="被检查单位")
    for label, value in (
        ("任务来源", f.source),
        ("状态", "已完成或待处理" if f.status == queries.STATUS_DONE else f.status),
        ("检查方式", f.mode),
        ("行业", f.industry),
        ("分类分级", f.klass),
        ("关键词", f.q),
    ):
        if value:
            parts.append(f"{label}：{value}")
    if f.officer_id:
        officer = db.session.get(User, f.officer_id)
        parts.append(f"执法人员：{officer.name if officer else f.officer_id}")
    if f.over_cap:
        parts.append("超出年度检查上限的检查")
    if f.findings:
        parts.append("发现问题的检查")
    if f.plan:
        parts.append(f"年度监督检查计划（ID {f.plan}）的{f.kind + '检查' if f.kind else '检查'}")
    return "；".join(parts) or "无（辖区内全部检查）"


def period_label(f: queries.InspectionFilters, today: date) -> str:
    span = f.period()
    if span:
        return f"计划检查日期 {span[0].isoformat()} 至 {span[1].isoformat()}"
    return f"全部（截至 {today.isoformat()}）"


def count(user: User, f: queries.InspectionFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(_ids(user, f).subquery())) or 0


def can_export(user) -> bool:
    from app.auth.roles import Role

    return queries.is_staff(user) and user.has_role(
        Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN, Role.OFFICER, Role.LEGAL_REVIEWER
    )


def extract(name: str, user: User, args, *, attachment_base: str, today: date) -> Extract:
    f = queries.InspectionFilters.from_args(args)
    queries.check_scope(user, f)  # before the filter is put in words: never the name of another's party
    return Extract(
        rows=inspection_rows(user, f, today=today),
        filters=filter_words(f),
        period=period_label(f, today),
        filter_args=f.filter_args(),
        total=lambda: count(user, f),
    )


def section(user, args) -> str:
    """The inspection part of /ledgers: the ledger card; the filters are the list's (its export button carries
    them); a value that is not a list filter is ignored here."""
    try:
        f = queries.InspectionFilters.from_args(args)
        queries.check_scope(user, f)
    except ValidationFailed:
        f = queries.InspectionFilters()
    return render_template(
        "inspections/ledgers.html",
        f=f,
        ledger=definitions.get(LEDGER),
        total=paging.count_label(paging.capped_count(queries.filtered(user, f))),
        words=filter_words(f),
        period=period_label(f, clock.today()),
    )


SOURCE = LedgerSource(
    key="inspections",
    ledgers=(LEDGER,),
    can_export=can_export,
    section=section,
    rows=extract,
    order=115,
)
