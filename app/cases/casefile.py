"""The 执法案卷 (首页 and 卷内目录), assembled from the case's documents in the order of the procedure, and the
documents an outcome requires: closure is blocked while one is missing (domain spec §3.3). The fines counted
and printed on the 首页 are the lines' totals: the unit's Art.112 按日连续处罚 with its fine (app.cases.linked)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.cases import linked
from app.cases.models import HearingStatus, Outcome, PenaltyCase, Procedure
from app.documents import OfficialDocument, documents_for
from app.documents.doc_types import get_doc_type

# the order of a case file (卷内目录): the procedure's order
ORDER = [
    "case_filing",
    "inquiry_notice",
    "investigation_report",
    "penalty_notice",
    "hearing_notice",
    "hearing_meeting_notice",
    "hearing_record",
    "hearing_report",
    "case_decision_form",
    "legal_review",
    "discussion_record",
    "penalty_decision",
    "no_penalty_decision",
    "payment_reminder",
    "payment_arrangement",
    "enforcement_application",
    "transfer_approval",
    "crime_transfer",
    "service_receipt",
    "case_closing",
]


@dataclass(frozen=True)
class Entry:
    no: int
    document: OfficialDocument

    @property
    def name(self) -> str:
        return self.document.title


def contents(case: PenaltyCase, docs: list[OfficialDocument] | None = None) -> list[Entry]:
    """卷内目录: every valid document of the case (or the given ones), in procedure order, then by issue time;
    a 送达回执 files right after the document it served (告知书, its 回执, …, 决定书, its 回执)."""
    docs = list(documents_for(case, include_voided=False) if docs is None else docs)
    rank = {code: i for i, code in enumerate(ORDER)}
    by_id = {d.id: d for d in docs}
    served = {s.receipt_document_id: by_id.get(s.document_id) for s in case.services if s.receipt_document_id}

    def own(d: OfficialDocument) -> tuple:
        return (rank.get(d.doc_type, len(ORDER)), d.issued_at, d.id)

    def key(d: OfficialDocument) -> tuple:
        target = served.get(d.id)
        return (*own(target), 1, *own(d)) if target is not None else (*own(d), 0, *own(d))

    docs.sort(key=key)
    return [Entry(i, d) for i, d in enumerate(docs, 1)]


def required(case: PenaltyCase) -> list[str]:
    """The document types this case's outcome and path require in its file. A 简易程序 case has no 立案,
    调查终结 nor 告知: its file is the 当场处罚决定书 (its page listed the ordinary procedure's documents as
    missing)."""
    if case.procedure == Procedure.SIMPLE:
        return ["simple_decision"]
    need = ["case_filing", "investigation_report"]
    if case.outcome == Outcome.TRANSFER:
        return need + ["transfer_approval", "crime_transfer"]
    if case.outcome == Outcome.PENALTY:
        need.append("case_decision_form")
    if case.review_required:
        need.append("legal_review")
    if case.discussion_required:
        need.append("discussion_record")
    if case.outcome == Outcome.PENALTY:
        need.append("hearing_notice" if case.hearing_right else "penalty_notice")
        if any(h.status == HearingStatus.HELD for h in case.hearings):
            need += ["hearing_meeting_notice", "hearing_record", "hearing_report"]
        need.append("penalty_decision")
    elif case.outcome in (Outcome.NO_PENALTY, Outcome.NOT_ESTABLISHED):
        need.append("no_penalty_decision")
    return need


def missing(case: PenaltyCase, docs: list[OfficialDocument] | None = None) -> list[str]:
    """Names of the required documents the file lacks, plus the 送达回执 of each served document (`docs`: the
    case's valid documents when the caller has them)."""
    if docs is None:
        docs = documents_for(case, include_voided=False)
    have = {d.doc_type for d in docs}
    names = [get_doc_type(code).name for code in required(case) if code not in have]
    served = {s.document_id for s in case.services}
    for d in docs:
        if (
            d.doc_type in ("penalty_notice", "hearing_notice", "penalty_decision", "no_penalty_decision")
            and d.id not in served
        ):
            names.append(f"{d.title}的送达回执")
    if case.outcome == Outcome.PENALTY and case.closing_reason not in ("终结执行", "决定撤销"):
        total = sum((linked.line_total(ln) for ln in case.lines), Decimal(0))
        if total and case.paid_on is None:
            names.append("罚款缴纳凭证（缴款登记）")
    return names


def performance(case: PenaltyCase) -> dict:
    """履行情况 for the 结案审批表."""
    return {
        "payments": [
            {
                "kind": p.kind,
                "paid_on": p.paid_on.isoformat(),
                "amount": str(p.amount),
                "receipt_no": p.receipt_no,
            }
            for p in case.payments
        ],
        "remedies": [{"kind": r.kind, "outcome": r.outcome} for r in case.remedies],
        "closing_reason": case.closing_reason,
    }


# retention of a penalty case file (档案保管期限), by outcome; a local archive rule may differ [M:low]
RETENTION = {"penalty": "长期", "transfer": "永久", "no_penalty": "长期", "not_established": "长期"}


@dataclass(frozen=True)
class Cover:
    """首页 of the 执法案卷: what the cover of the printed file shows."""

    case_name: str
    case_no: str | None
    cause: str  # 案由: the violation, or the suspected articles
    party: str
    result: str  # 处理结果
    filed_on: object
    closed_on: object
    lead_officer: str
    officers: str
    archive_no: str | None
    retention: str
    agency: str
    pages: int  # documents in the file (卷内文件数)


def _fines_of(line) -> str:
    """张三罚款30000.00元; the unit with a 按日连续处罚: 罚款…元、按日连续处罚…元，合计…元."""
    part = linked.continuing_amount(line)
    parts = [f"罚款{line.decided_fine}元"] if line.decided_fine else []
    if part:
        parts.append(f"按日连续处罚{part}元")
    total = f"，合计{linked.line_total(line)}元" if len(parts) > 1 else ""
    return f"{line.party_name}{'、'.join(parts)}{total}"


def cover(case: PenaltyCase, entries: list[Entry] | None = None) -> Cover:
    """The 首页 of the case file: case name, cause, result, 立案/结案 dates, officer in charge, 归档号, retention."""
    from app.cases import discretion
    from app.cases.models import OUTCOME_LABELS

    cause = case.provisions
    if case.violation_code:
        try:
            cause = discretion.entry(case.violation_code, case.violation_version).violation
        except Exception:  # noqa: BLE001 - an unloadable library version still prints the articles
            cause = case.provisions
    result = OUTCOME_LABELS[Outcome(case.outcome)] if case.outcome else "尚未作出处理决定"
    fines = [_fines_of(ln) for ln in case.lines if linked.line_total(ln)]
    if fines:
        result += "（" + "；".join(fines) + "）"
    if case.closing_reason:
        result += f"，{case.closing_reason}"
    lead = next((o for o in case.officers if o.lead), case.officers[0] if case.officers else None)
    return Cover(
        case_name=case.name,
        case_no=case.case_no,
        cause=cause,
        party=case.enterprise.name,
        result=result,
        filed_on=case.filed_on,
        closed_on=case.closed_on,
        lead_officer=lead.user.name if lead else "",
        officers="、".join(o.user.name for o in case.officers),
        archive_no=case.archive_no,
        retention=RETENTION.get(case.outcome or "", "长期"),
        agency=case.agency.agency.name if case.agency else "",
        pages=len(entries if entries is not None else contents(case))
        + len(case.evidence_items)
        + len(case.payments),
    )
