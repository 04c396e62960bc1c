"""Rows of the 严重失信主体名单台账 (domain spec §10.5; reports/credit_listings.json).

The row set is exactly `queries.filtered(user, filters)`, the query behind the list page (the same
ListingFilters, the same data scope), in the order listings were proposed (id order).

Read as the hazard ledger reads (app/hazards/ledger.py, app/ledgers/streams.py): only the columns the ledger
writes, as plain tuples (no ORM objects), by a fixed set of statements — `statements(user, f)`: the listings
joined with their enterprise and 决定机关, and one statement per related table (陈述申辩, 惩戒措施, 推送,
复议诉讼, 信用修复, the listings' documents, the penalty decisions' documents, 公示), each in listing id order
and read alongside the listings a batch at a time; the accidents the rows name by two more (their ids, then
the accidents). The number of statements does not grow with the rows.

Persons' ID numbers appear in full: the ledger is an internal record for the agency's staff (the public
公示 masks them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date

from flask import render_template
from sqlalchemy import Select, func, select

from app import clock, paging
from app.auth.models import User
from app.credit import queries
from app.credit.criteria import item_of
from app.credit.models import (
    Accident,
    CreditListing,
    CreditPush,
    ListingEnd,
    ListingMeasure,
    ListingRemedy,
    ListingStatement,
    ListingStatus,
    RepairApplication,
    RepairStatus,
)
from app.documents.models import DocumentNumber, OfficialDocument
from app.errors import ValidationFailed
from app.extensions import db
from app.ledgers import Extract, LedgerSource, definitions
from app.ledgers.streams import side_by_side
from app.ledgers.words import place_words
from app.org.models import Department, Enterprise
from app.publication.models import Publication

LEDGER = "credit_listings"
CHUNK = 1000  # listings a batch: their related rows are gathered, then their ledger rows built
ACCIDENT_CHUNK = 5000  # accident ids an IN list (a city's register holds a few thousand: one statement)
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


def _documents(ids: Select, *, case: bool) -> Select:
    """(listing id, doc type, number, issued at) of the valid documents of the listings (`case`: of the
    penalty cases they rest on), in listing id then issue order."""
    cols = (OfficialDocument.doc_type, DocumentNumber.text.label("number"), OfficialDocument.issued_at)
    stmt: Select
    if case:
        stmt = (
            select(CreditListing.id.label("listing_id"), *cols)
            .join(CreditListing, CreditListing.case_id == OfficialDocument.subject_id)
            .where(
                OfficialDocument.subject_type == CASE_SUBJECT,
                OfficialDocument.doc_type.in_(CASE_DECISION_DOCS),
                CreditListing.id.in_(ids),
            )
            .order_by(CreditListing.id, OfficialDocument.id)
        )
    else:
        stmt = (
            select(OfficialDocument.subject_id.label("listing_id"), *cols)
            .where(
                OfficialDocument.subject_type == SUBJECT,
                OfficialDocument.doc_type.in_((DOC_NOTICE, DOC_DECISION, DOC_REPAIR, DOC_REVOKE)),
                OfficialDocument.subject_id.in_(ids),
            )
            .order_by(OfficialDocument.subject_id, OfficialDocument.id)
        )
    return stmt.join(DocumentNumber, DocumentNumber.id == OfficialDocument.number_id).where(
        OfficialDocument.voided == False  # noqa: E712
    )


def _related_statements(ids: Select) -> dict[str, Select]:
    """One statement per related table for all the exported listings (`ids`), each in listing id order (then
    in the order rows were added, as the listing's relationships order them) with the listing id first."""
    return {
        "statements": select(
            ListingStatement.listing_id,
            ListingStatement.kind,
            ListingStatement.channel,
            ListingStatement.submitted_at,
        )
        .where(ListingStatement.listing_id.in_(ids))
        .order_by(ListingStatement.listing_id, ListingStatement.id),
        "measures": select(
            ListingMeasure.listing_id, ListingMeasure.name, ListingMeasure.department, ListingMeasure.status
        )
        .where(ListingMeasure.listing_id.in_(ids))
        .order_by(ListingMeasure.listing_id, ListingMeasure.id),
        "pushes": select(CreditPush.listing_id, CreditPush.action, CreditPush.pushed_at)
        .where(CreditPush.listing_id.in_(ids))
        .order_by(CreditPush.listing_id, CreditPush.id),
        "remedies": select(
            ListingRemedy.listing_id,
            ListingRemedy.kind,
            ListingRemedy.body,
            ListingRemedy.filed_on,
            ListingRemedy.outcome,
        )
        .where(ListingRemedy.listing_id.in_(ids))
        .order_by(ListingRemedy.listing_id, ListingRemedy.id),
        "repairs": select(
            RepairApplication.listing_id,
            RepairApplication.applied_on,
            RepairApplication.checks,
            RepairApplication.status,
            RepairApplication.decided_on,
            RepairApplication.revoked_on,
        )
        .where(RepairApplication.listing_id.in_(ids))
        .order_by(RepairApplication.listing_id, RepairApplication.id),
        "docs": _documents(ids, case=False),
        "case_docs": _documents(ids, case=True),
        "publications": select(
            Publication.subject_id.label("listing_id"), Publication.published_on, Publication.withdrawn_at
        )
        .where(
            Publication.subject_type == SUBJECT,
            Publication.kind == PUBLICATION_KIND,
            Publication.subject_id.in_(ids),
        )
        .order_by(Publication.subject_id, Publication.id),
    }


def statements(user: User, f: queries.ListingFilters) -> tuple[Select, dict[str, Select]]:
    """The export's SQL: the listings of `queries.filtered(user, f)` joined with their enterprise and
    决定机关, in id order, and one statement per related table for the same listings."""
    ids = _ids(user, f)
    listings = (
        select(
            CreditListing.id,
            CreditListing.subject_kind,
            CreditListing.person_name,
            CreditListing.person_role,
            CreditListing.person_id_no,
            CreditListing.criterion,
            CreditListing.criterion_text,
            CreditListing.accident_ids,
            CreditListing.status,
            CreditListing.notice_served_on,
            CreditListing.verification,
            CreditListing.decided_on,
            CreditListing.declined_reason,
            CreditListing.term_start,
            CreditListing.term_end,
            CreditListing.ended_on,
            CreditListing.end_kind,
            CreditListing.end_reason,
            Enterprise.name.label("ent_name"),
            Enterprise.credit_code,
            Enterprise.legal_rep,
            Enterprise.industry,
            Department.name.label("agency_name"),
        )
        .join(Enterprise, Enterprise.id == CreditListing.enterprise_id)
        .outerjoin(Department, Department.id == CreditListing.agency_id)
        .where(CreditListing.id.in_(ids))
        .order_by(CreditListing.id)
    )
    return listings, _related_statements(ids)


def _accidents(ids: Select) -> dict[int, tuple]:
    """id -> (name, level, occurred on) of the accidents the exported listings name: their ids by one
    statement, the accidents by one more (one per ACCIDENT_CHUNK ids)."""
    wanted = sorted(
        {
            int(a)
            for (found,) in db.session.execute(
                select(CreditListing.accident_ids).where(CreditListing.id.in_(ids))
            )
            for a in (found or [])
        }
    )
    out: dict[int, tuple] = {}
    for i in range(0, len(wanted), ACCIDENT_CHUNK):
        for aid, name, level, occurred_on in db.session.execute(
            select(Accident.id, Accident.name, Accident.level, Accident.occurred_on).where(
                Accident.id.in_(wanted[i : i + ACCIDENT_CHUNK])
            )
        ):
            out[aid] = (name, level, occurred_on)
    return out


def _batches(user: User, f: queries.ListingFilters) -> Iterator[tuple[list, dict[str, dict[int, list]]]]:
    """The exported listings in id order, CHUNK at a time, each batch with its related rows by table and
    listing id. Each table is read by one statement for the whole export (side by side with the listings'),
    so the number of statements does not grow with the rows."""
    main, others = statements(user, f)
    yield from side_by_side(main, others, CHUNK)


def _by_type(docs) -> dict[str, list[tuple[str, date | None]]]:
    """doc type -> [(number, issued day)] (in issue order)."""
    out: dict[str, list] = {}
    for d in docs:
        out.setdefault(d.doc_type, []).append((d.number, _local(d.issued_at)))
    return out


def _first(docs: dict, doc_type: str) -> tuple[str, date | None] | None:
    found = docs.get(doc_type) or []
    return found[-1] if found else None


def listing_rows(user: User, f: queries.ListingFilters, *, today: date) -> Iterator[dict]:
    accidents = _accidents(_ids(user, f))
    seq = 0
    for batch, rel in _batches(user, f):
        for lst in batch:
            seq += 1
            lid = lst.id
            yield _row(
                seq,
                lst,
                {name: rows.get(lid, ()) for name, rows in rel.items()},
                accidents,
            )


def _row(seq: int, lst, rel: dict, accidents: dict[int, tuple]) -> dict:
    docs, case_docs = _by_type(rel["docs"]), _by_type(rel["case_docs"])
    stmts, repairs = rel["statements"], rel["repairs"]
    kinds = [str(lst.subject_kind)] + (["个人"] if lst.person_name else [])
    names = [lst.ent_name] + (
        [f"{lst.person_name}（{lst.person_role}）" if lst.person_role else lst.person_name]
        if lst.person_name
        else []
    )
    numbers = [lst.credit_code or ""] + ([lst.person_id_no or ""] if lst.person_name else [])
    case_decision = ""
    for doc_type in CASE_DECISION_DOCS:
        found = _first(case_docs, doc_type)
        if found:
            case_decision = f"{found[0]} / {_d(found[1])}"
    notice = _first(docs, DOC_NOTICE)
    decision = _first(docs, DOC_DECISION)
    repair_docs = docs.get(DOC_REPAIR) or []
    revoke_docs = docs.get(DOC_REVOKE) or []
    statements = "；".join(f"{s.kind}（{s.channel}，{_d(_local(s.submitted_at))}）" for s in stmts)
    if lst.notice_served_on and not stmts and lst.verification:
        statements = "期限内未陈述申辩"
    if lst.verification:
        statements = (statements + "；" if statements else "") + f"核查：{lst.verification}"
    granted = [r for r in repairs if r.status in (RepairStatus.GRANTED, RepairStatus.REVOKED)]
    revoked = [r for r in repairs if r.status == RepairStatus.REVOKED]
    repair_decision = "；".join(
        f"{(repair_docs[i][0] if i < len(repair_docs) else '')} / {_d(r.decided_on)}".strip(" /")
        for i, r in enumerate(x for x in repairs if x.decided_on)
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
        "head": "；".join(x for x in (lst.legal_rep or "", lst.person_name or "") if x),
        "industry": lst.industry or "",
        "criterion": f"应急管理部令第11号{item_of(lst.criterion)}：{lst.criterion_text}",
        "case_decision": case_decision,
        "accidents": "；".join(
            f"{a[0]}/{a[1]}/{_d(a[2])}"
            for a in (accidents.get(int(i)) for i in (lst.accident_ids or []))
            if a is not None
        ),
        "notice": f"{notice[0]} / {_d(lst.notice_served_on)}" if notice else "",
        "statement": statements,
        "decision_no": decision[0] if decision else "",
        "decided_on": lst.decided_on,
        "agency": lst.agency_name or "",
        "publication": "；".join(
            f"{_d(p.published_on)} {PUBLIC_PLATFORM}" + ("（已撤回）" if p.withdrawn_at else "")
            for p in rel["publications"]
        ),
        "pushed": "；".join(f"{p.action} {_d(_local(p.pushed_at))}" for p in rel["pushes"]),
        "measures": "；".join(f"{m.name}（{m.department}，{m.status}）" for m in rel["measures"]),
        "term": f"{_d(lst.term_start)} 至 {_d(lst.term_end)}" if lst.term_start else "",
        "repair_applied": "；".join(_d(r.applied_on) for r in repairs),
        "repair_checks": "；".join(
            "、".join(
                f"{c.get('label')}：{'符合' if c.get('passed') is True else '不符合' if c.get('passed') is False else '待核实'}"
                for c in (r.checks or [])
            )
            for r in repairs
            if r.checks
        ),
        "repair_decision": repair_decision if granted or repairs else "",
        "expired_on": lst.ended_on if lst.end_kind == ListingEnd.EXPIRED else None,
        "revoked": "；".join(
            f"{(revoke_docs[i][0] if i < len(revoke_docs) else '')} {_d(r.revoked_on)} 恢复列入".strip()
            for i, r in enumerate(revoked)
        ),
        "remedies": "；".join(
            f"{r.kind} {r.body} {_d(r.filed_on)}" + (f" {r.outcome}" if r.outcome else "")
            for r in rel["remedies"]
        ),
        "remarks": "；".join(remarks),
    }


def filter_words(f: queries.ListingFilters) -> str:
    """筛选条件 in words, for the ledger's header rows."""
    parts = place_words(f.enterprise_id, f.town, enterprise_label="列入主体")
    for label, value in (
        ("状态", f.status),
        ("列入情形", item_of(f.criterion)),
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


# --- the penalty-case ledger's 是否列入严重失信 column (app.cases.ledger.register_answered_column) -------------


def case_listing_statement(case_ids: Select) -> Select:
    """The listings resting on the cases `case_ids` selects, case id first, in case order."""
    return (
        select(
            CreditListing.case_id,
            CreditListing.id,
            CreditListing.status,
            CreditListing.criterion,
            CreditListing.decided_on,
            CreditListing.term_end,
            CreditListing.end_kind,
            CreditListing.ended_on,
        )
        .where(CreditListing.case_id.in_(case_ids))
        .order_by(CreditListing.case_id, CreditListing.id)
    )


def case_listing_words(rows) -> str:
    """One case's cell: 否 when no listing rests on it, else each listing's state in the ledger's words."""
    if not rows:
        return "否"
    words = []
    for r in rows:
        item = item_of(r.criterion)
        if r.status == ListingStatus.LISTED:
            words.append(f"是（{_d(r.decided_on)}列入，{item}，管理期限至{_d(r.term_end)}）")
        elif r.status == ListingStatus.DECLINED:
            words.append(f"否（不予列入，{item}）")
        elif r.status in (ListingStatus.REMOVED, ListingStatus.REVOKED):
            words.append(f"曾列入，{r.end_kind or r.status}（{_d(r.ended_on)}，{item}）")
        else:
            words.append(f"列入程序中（{r.status}，{item}）")
    return "\n".join(words)
