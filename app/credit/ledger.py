"""Rows of the 严重失信主体名单台账 (domain spec §10.5; reports/credit_listings.json).

The row set is exactly `queries.filtered(user, filters)`, the query behind the list page (the same
ListingFilters, the same data scope), in the order listings were proposed (id order). The listings are read a
batch of CHUNK at a time, with their related rows (statements, measures, pushes, remedies, repairs) loaded by
one statement per table and batch (selectinload), and their documents, publications, the penalty decisions and
accidents they rest on by one statement each per batch: the number of statements does not grow with the rows
within a batch.

Persons' ID numbers appear in full: the ledger is an internal record for the agency's staff (the public
公示 masks them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date

from flask import render_template
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app import clock, paging
from app.auth.models import User
from app.credit import queries
from app.credit.models import Accident, CreditListing, ListingEnd, RepairStatus
from app.documents.models import DocumentNumber, OfficialDocument
from app.errors import ValidationFailed
from app.extensions import db
from app.ledgers import Extract, LedgerSource, definitions
from app.ledgers.words import place_words
from app.publication.models import Publication

LEDGER = "credit_listings"
CHUNK = 500
SUBJECT = "credit_listings"
CASE_SUBJECT = "penalty_cases"
PUBLICATION_KIND = "credit_listing"
PUBLIC_PLATFORM = "信用中国（本部门门户网站）"
DOC_NOTICE = "credit_notice"
DOC_DECISION = "credit_decision"
DOC_REPAIR = "credit_repair_decision"
DOC_REVOKE = "credit_revoke"
CASE_DECISION_DOCS = ("penalty_decision", "simple_decision")


def _ids(user: User, f: queries.ListingFilters) -> Select:
    return queries.filtered(user, f).with_only_columns(CreditListing.id).order_by(None)


def _local(moment) -> date | None:
    """A UTC timestamp's local (China) day: the day a document was issued, a statement made, a push sent."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(clock.TZ).date()


def _d(day) -> str:
    return day.isoformat() if day else ""


def _docs(subject_type: str, ids: list[int], types) -> dict[int, dict[str, list[tuple[str, date | None]]]]:
    """subject id -> doc type -> [(number, issued day)] (valid documents, in issue order)."""
    out: dict[int, dict[str, list]] = {}
    if not ids:
        return out
    rows = db.session.execute(
        select(
            OfficialDocument.subject_id,
            OfficialDocument.doc_type,
            DocumentNumber.text,
            OfficialDocument.issued_at,
        )
        .join(DocumentNumber, DocumentNumber.id == OfficialDocument.number_id)
        .where(
            OfficialDocument.subject_type == subject_type,
            OfficialDocument.subject_id.in_(ids),
            OfficialDocument.voided == False,  # noqa: E712
            OfficialDocument.doc_type.in_(types),
        )
        .order_by(OfficialDocument.subject_id, OfficialDocument.id)
    )
    for sid, doc_type, number, created in rows:
        out.setdefault(sid, {}).setdefault(doc_type, []).append((number, _local(created)))
    return out


def _publications(ids: list[int]) -> dict[int, list[Publication]]:
    out: dict[int, list[Publication]] = {}
    if not ids:
        return out
    for p in db.session.scalars(
        select(Publication)
        .where(
            Publication.subject_type == SUBJECT,
            Publication.subject_id.in_(ids),
            Publication.kind == PUBLICATION_KIND,
        )
        .order_by(Publication.subject_id, Publication.id)
    ):
        out.setdefault(p.subject_id, []).append(p)
    return out


def _batches(user: User, f: queries.ListingFilters) -> Iterator[list[CreditListing]]:
    ids = list(db.session.scalars(_ids(user, f).order_by(CreditListing.id)))
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        yield list(
            db.session.scalars(
                select(CreditListing)
                .where(CreditListing.id.in_(part))
                .options(
                    selectinload(CreditListing.enterprise),
                    selectinload(CreditListing.agency),
                    selectinload(CreditListing.statements),
                    selectinload(CreditListing.measures),
                    selectinload(CreditListing.pushes),
                    selectinload(CreditListing.remedies),
                    selectinload(CreditListing.repairs),
                )
                .order_by(CreditListing.id)
            )
        )


def _first(docs: dict, doc_type: str) -> tuple[str, date | None] | None:
    found = docs.get(doc_type) or []
    return found[-1] if found else None


def listing_rows(user: User, f: queries.ListingFilters, *, today: date) -> Iterator[dict]:
    seq = 0
    for batch in _batches(user, f):
        ids = [lst.id for lst in batch]
        docs = _docs(SUBJECT, ids, (DOC_NOTICE, DOC_DECISION, DOC_REPAIR, DOC_REVOKE))
        case_ids = [lst.case_id for lst in batch if lst.case_id]
        case_docs = _docs(CASE_SUBJECT, case_ids, CASE_DECISION_DOCS)
        pubs = _publications(ids)
        accident_ids = {int(a) for lst in batch for a in (lst.accident_ids or [])}
        accidents = (
            {a.id: a for a in db.session.scalars(select(Accident).where(Accident.id.in_(accident_ids)))}
            if accident_ids
            else {}
        )
        for lst in batch:
            seq += 1
            yield _row(
                seq,
                lst,
                docs.get(lst.id, {}),
                case_docs.get(lst.case_id or 0, {}),
                pubs.get(lst.id, []),
                accidents,
            )


def _row(seq: int, lst: CreditListing, docs: dict, case_docs: dict, pubs: list, accidents: dict) -> dict:
    ent = lst.enterprise
    kinds = [str(lst.subject_kind)] + (["个人"] if lst.person_name else [])
    names = [ent.name] + (
        [f"{lst.person_name}（{lst.person_role}）" if lst.person_role else lst.person_name]
        if lst.person_name
        else []
    )
    numbers = [ent.credit_code or ""] + ([lst.person_id_no or ""] if lst.person_name else [])
    case_decision = ""
    for doc_type in CASE_DECISION_DOCS:
        found = _first(case_docs, doc_type)
        if found:
            case_decision = f"{found[0]} / {_d(found[1])}"
    notice = _first(docs, DOC_NOTICE)
    decision = _first(docs, DOC_DECISION)
    repair_docs = docs.get(DOC_REPAIR) or []
    revoke_docs = docs.get(DOC_REVOKE) or []
    statements = "；".join(f"{s.kind}（{s.channel}，{_d(_local(s.submitted_at))}）" for s in lst.statements)
    if lst.notice_served_on and not lst.statements and lst.verification:
        statements = "期限内未陈述申辩"
    if lst.verification:
        statements = (statements + "；" if statements else "") + f"核查：{lst.verification}"
    granted = [r for r in lst.repairs if r.status in (RepairStatus.GRANTED, RepairStatus.REVOKED)]
    revoked = [r for r in lst.repairs if r.status == RepairStatus.REVOKED]
    repair_decision = "；".join(
        f"{(repair_docs[i][0] if i < len(repair_docs) else '')} / {_d(r.decided_on)}".strip(" /")
        for i, r in enumerate(x for x in lst.repairs if x.decided_on)
    )
    remarks = [f"状态：{lst.status}"]
    if lst.declined_reason:
        remarks.append(f"不予列入：{lst.declined_reason}")
    if lst.end_kind == ListingEnd.OVERTURNED:
        remarks.append(f"撤销列入 {_d(lst.ended_on)}" + (f"：{lst.end_reason}" if lst.end_reason else ""))
    elif lst.end_kind == ListingEnd.REPAIRED:
        remarks.append(f"提前移出 {_d(lst.ended_on)}")
    return {
        "seq": seq,
        "subject_kind": "、".join(kinds),
        "name": "；".join(names),
        "id_number": "；".join(numbers),
        "head": "；".join(x for x in (ent.legal_rep or "", lst.person_name or "") if x),
        "industry": ent.industry or "",
        "criterion": f"应急管理部令第11号 第{lst.criterion}项：{lst.criterion_text}",
        "case_decision": case_decision,
        "accidents": "；".join(
            f"{a.name}/{a.level}/{_d(a.occurred_on)}"
            for a in (accidents.get(int(i)) for i in (lst.accident_ids or []))
            if a is not None
        ),
        "notice": f"{notice[0]} / {_d(lst.notice_served_on)}" if notice else "",
        "statement": statements,
        "decision_no": decision[0] if decision else "",
        "decided_on": lst.decided_on,
        "agency": lst.agency.name if lst.agency else "",
        "publication": "；".join(
            f"{_d(p.published_on)} {PUBLIC_PLATFORM}" + ("（已撤回）" if p.withdrawn_at else "") for p in pubs
        ),
        "pushed": "；".join(f"{p.action} {_d(_local(p.pushed_at))}" for p in lst.pushes),
        "measures": "；".join(f"{m.name}（{m.department}，{m.status}）" for m in lst.measures),
        "term": f"{_d(lst.term_start)} 至 {_d(lst.term_end)}" if lst.term_start else "",
        "repair_applied": "；".join(_d(r.applied_on) for r in lst.repairs),
        "repair_checks": "；".join(
            "、".join(
                f"{c.get('label')}：{'符合' if c.get('passed') is True else '不符合' if c.get('passed') is False else '待核实'}"
                for c in (r.checks or [])
            )
            for r in lst.repairs
            if r.checks
        ),
        "repair_decision": repair_decision if granted or lst.repairs else "",
        "expired_on": lst.ended_on if lst.end_kind == ListingEnd.EXPIRED else None,
        "revoked": "；".join(
            f"{(revoke_docs[i][0] if i < len(revoke_docs) else '')} {_d(r.revoked_on)} 恢复列入".strip()
            for i, r in enumerate(revoked)
        ),
        "remedies": "；".join(
            f"{r.kind} {r.body} {_d(r.filed_on)}" + (f" {r.outcome}" if r.outcome else "")
            for r in lst.remedies
        ),
        "remarks": "；".join(remarks),
    }


def filter_words(f: queries.ListingFilters) -> str:
    """筛选条件 in words, for the ledger's header rows."""
    parts = place_words(f.enterprise_id, f.town, enterprise_label="列入主体")
    for label, value in (
        ("状态", f.status),
        ("列入情形", f"第{f.criterion}项" if f.criterion else ""),
        ("关键词", f.q),
    ):
        if value:
            parts.append(f"{label}：{value}")
    return "；".join(parts) or "无（辖区内全部列入记录）"


def period_label(today: date) -> str:
    return f"全部（截至 {today.isoformat()}）"


def count(user: User, f: queries.ListingFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(_ids(user, f).subquery())) or 0


def can_export(user) -> bool:
    from app.auth.roles import Role

    return queries.is_staff(user) and user.has_role(
        Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN, Role.OFFICER, Role.LEGAL_REVIEWER
    )


def extract(name: str, user: User, args, *, attachment_base: str, today: date) -> Extract:
    f = queries.ListingFilters.from_args(args)
    queries.check_scope(user, f)  # before the filter is put in words: never the name of another's party
    return Extract(
        rows=listing_rows(user, f, today=today),
        filters=filter_words(f),
        period=period_label(today),
        filter_args=f.filter_args(),
        total=lambda: count(user, f),
    )


def section(user, args) -> str:
    """The credit part of /ledgers: the ledger card; the filters are the list's (its export button carries
    them); a value that is not a listing filter is ignored here."""
    try:
        f = queries.ListingFilters.from_args(args)
        queries.check_scope(user, f)
    except ValidationFailed:
        f = queries.ListingFilters()
    return render_template(
        "credit/ledgers.html",
        f=f,
        ledger=definitions.get(LEDGER),
        total=paging.count_label(paging.capped_count(queries.filtered(user, f))),
        words=filter_words(f),
        period=period_label(clock.today()),
    )


SOURCE = LedgerSource(
    key="credit",
    ledgers=(LEDGER,),
    can_export=can_export,
    section=section,
    rows=extract,
    order=120,
)
