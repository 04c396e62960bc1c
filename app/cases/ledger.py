"""Rows of the 行政处罚案件台账 (domain spec §10.3; reports/penalty_cases.json).

The row set is exactly `queries.filtered(user, filters)`, the query behind the case list (the same
CaseFilters, the same data scope): filed cases only, in 立案 order. Memory stays flat and the statements do
not grow with the rows: the cases are read by one statement as plain column tuples a batch of CHUNK at a
time (yield_per), and each related table (penalty lines, officers, 告知, statements, hearings, 法制审核,
集体讨论, the cases' documents, services, payments, arrangements, enforcement steps, remedies, transfers,
publications) by one statement of its own in case id order, read alongside (the hazard ledger's way, see
app/hazards/ledger.py). `statements()` returns that SQL; `SOURCE` registers the ledger and its part of
/ledgers.

单位罚款（元） is what the unit is to pay: its line's fine and, on a linked case, the Art.112 按日连续处罚 beside
it (app.cases.linked.line_total), read from the case row's `continuing_fine` — no statement of its own; 备注
shows the two parts (“单位罚款含罚款…元、按日连续处罚…元（原罚款数额…元×N日）”). 加处罚款 is reckoned on the
same principal as the case's balance (app.cases.operations.execution.principal_of).

Persons' ID numbers appear in full: the ledger is an internal record for the agency's staff (the public
公示 masks them, app.cases.publicity).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from flask import render_template
from sqlalchemy import Select, func, select

from app import paging
from app.auth.models import User
from app.cases import legal_time, linked, permissions, queries
from app.cases.models import (
    REVIEW_OPINION_LABELS,
    CaseDiscussion,
    CaseHearing,
    CaseNotice,
    CaseOfficer,
    CasePayment,
    CaseRemedy,
    CaseService,
    CaseStatement,
    CaseTransfer,
    EnforcementStep,
    LegalReview,
    PaymentArrangement,
    PaymentKind,
    PenaltyCase,
    PenaltyKind,
    PenaltyLine,
    StatementKind,
    TargetKind,
)
from app.cases.rules import RulePack, pack_for
from app.documents.models import DocumentNumber, OfficialDocument
from app.errors import ValidationFailed
from app.extensions import db
from app.ledgers import Extract, LedgerSource, definitions
from app.ledgers.streams import side_by_side
from app.ledgers.words import place_words
from app.org.models import Enterprise, Region

LEDGER = "penalty_cases"
CHUNK = 1000  # cases a batch
SUBJECT = "penalty_cases"  # OfficialDocument / Publication subject_type of a case
DECISION_DOCS = ("penalty_decision", "no_penalty_decision", "simple_decision")
NOTICE_DOCS = ("penalty_notice", "hearing_notice")
STATEMENT_WORDS = {
    StatementKind.STATED: "有陈述申辩",
    StatementKind.HEARING: "要求听证",
    StatementKind.WAIVED: "书面放弃",
}
SUSPENSION_KINDS = (PenaltyKind.SUSPEND, PenaltyKind.REVOKE, PenaltyKind.CLOSE, PenaltyKind.BAN)


def _ids(user: User, f: queries.CaseFilters) -> Select:
    return queries.filtered(user, f).with_only_columns(PenaltyCase.id).order_by(None)


@dataclass(frozen=True)
class AnsweredColumn:
    """A ledger column another domain answers for each case (是否列入严重失信: the credit domain, which keeps the
    list): `statement(ids)` selects its rows for the cases whose ids `ids` selects, case_id first, in case id
    order (streamed beside the others: one statement per export); `render(rows)` is the cell of one case."""

    key: str
    statement: Callable[[Select], Select]
    render: Callable[[Sequence], str]


_ANSWERED: dict[str, AnsweredColumn] = {}


def register_answered_column(column: AnsweredColumn) -> None:
    """Registered in the answering domain's init_app; the column's key must be one of reports/penalty_cases.json."""
    _ANSWERED[column.key] = column


def statements(user: User, f: queries.CaseFilters) -> tuple[Select, dict[str, Select]]:
    """The export's SQL: the cases of `queries.filtered(user, f)` joined with their party, in id order, and
    one statement per related table for the same cases (case id first, then in the order rows were added)."""
    ids = _ids(user, f)
    cases = (
        select(
            PenaltyCase.id,
            PenaltyCase.case_no,
            PenaltyCase.filed_on,
            PenaltyCase.source,
            PenaltyCase.name,
            PenaltyCase.facts,
            PenaltyCase.provisions,
            PenaltyCase.procedure,
            PenaltyCase.status,
            PenaltyCase.is_overdue,
            PenaltyCase.outcome,
            PenaltyCase.no_penalty_reason,
            PenaltyCase.violation_code,
            PenaltyCase.violation_version,
            PenaltyCase.hearing_right,
            PenaltyCase.decided_on,
            PenaltyCase.decision_served_on,
            PenaltyCase.payment_due,
            PenaltyCase.paid_on,
            PenaltyCase.closed_on,
            PenaltyCase.closing_reason,
            PenaltyCase.archive_no,
            PenaltyCase.region_path,
            PenaltyCase.continuing_fine,
            Enterprise.name.label("ent_name"),
            Enterprise.credit_code,
            Enterprise.legal_rep,
            Enterprise.industry,
            Enterprise.sub_sector,
        )
        .join(Enterprise, Enterprise.id == PenaltyCase.enterprise_id)
        .where(PenaltyCase.id.in_(ids))
        .order_by(PenaltyCase.id)
    )
    docs = (
        select(
            OfficialDocument.subject_id.label("case_id"),
            OfficialDocument.id,
            OfficialDocument.doc_type,
            DocumentNumber.text,
        )
        .join(DocumentNumber, DocumentNumber.id == OfficialDocument.number_id)
        .where(
            OfficialDocument.subject_type == SUBJECT,
            OfficialDocument.subject_id.in_(ids),
            OfficialDocument.voided == False,  # noqa: E712
            OfficialDocument.doc_type.in_(DECISION_DOCS + NOTICE_DOCS),
        )
        .order_by(OfficialDocument.subject_id, OfficialDocument.id)
    )

    def by_case(model, *cols) -> Select:
        return select(model.case_id, *cols).where(model.case_id.in_(ids)).order_by(model.case_id, model.id)

    related = {
        "lines": by_case(
            PenaltyLine,
            PenaltyLine.target,
            PenaltyLine.party_name,
            PenaltyLine.id_number,
            PenaltyLine.position,
            PenaltyLine.tier,
            PenaltyLine.proposed_kinds,
            PenaltyLine.proposed_fine,
            PenaltyLine.decided_kinds,
            PenaltyLine.decided_fine,
            PenaltyLine.confiscated,
        ),
        "officers": by_case(CaseOfficer, CaseOfficer.user_id, CaseOfficer.lead),
        "notices": by_case(
            CaseNotice, CaseNotice.document_id, CaseNotice.served_on, CaseNotice.hearing_right
        ),
        "statements": by_case(
            CaseStatement, CaseStatement.kind, CaseStatement.submitted_on, CaseStatement.review_result
        ),
        "hearings": by_case(CaseHearing, CaseHearing.status, CaseHearing.hearing_on, CaseHearing.held_on),
        "reviews": by_case(
            LegalReview, LegalReview.submitted_on, LegalReview.reviewed_on, LegalReview.opinion
        ),
        "discussions": by_case(CaseDiscussion, CaseDiscussion.held_on),
        "services": by_case(
            CaseService, CaseService.document_id, CaseService.effective_on, CaseService.method
        ),
        "payments": by_case(
            CasePayment, CasePayment.kind, CasePayment.paid_on, CasePayment.amount, CasePayment.receipt_no
        ),
        "arrangements": by_case(
            PaymentArrangement,
            PaymentArrangement.kind,
            PaymentArrangement.approved,
            PaymentArrangement.new_due,
        ),
        "enforcements": by_case(EnforcementStep, EnforcementStep.kind, EnforcementStep.done_on),
        "remedies": by_case(
            CaseRemedy, CaseRemedy.kind, CaseRemedy.filed_on, CaseRemedy.outcome, CaseRemedy.outcome_on
        ),
        "transfers": select(
            CaseTransfer.case_id,
            CaseTransfer.decision,
            CaseTransfer.transferred_at,
            CaseTransfer.receiving_organ,
        )
        .where(CaseTransfer.case_id.in_(ids))
        .order_by(CaseTransfer.case_id, CaseTransfer.id),
        "docs": docs,
        "publications": _publications(ids),
    }
    related.update({f"answered:{key}": column.statement(ids) for key, column in _ANSWERED.items()})
    return cases, related


def _publications(ids: Select) -> Select:
    from app.publication.models import Publication

    return (
        select(
            Publication.subject_id.label("case_id"),
            Publication.id,
            Publication.published_on,
            Publication.status,
        )
        .where(Publication.subject_type == SUBJECT, Publication.subject_id.in_(ids))
        .order_by(Publication.subject_id, Publication.id)
    )


def _batches(user: User, f: queries.CaseFilters) -> Iterator[tuple[list, dict[str, dict[int, list]]]]:
    main, others = statements(user, f)
    yield from side_by_side(main, others, CHUNK)


class _Names:
    """Caches shared by all batches: user names, locality names, the violation library's articles, packs."""

    def __init__(self):
        self.users: dict[int, str] = {}
        self.regions: dict[str, str] = {
            code: name for code, name in db.session.execute(select(Region.code, Region.name))
        }
        self.localities: dict[str, str] = {}
        self.basis: dict[tuple[str, str | None], str] = {}
        self.packs: dict[tuple[str, date], RulePack] = {}

    def user(self, user_id: int) -> str:
        name = self.users.get(user_id)
        if name is None:
            name = self.users[user_id] = db.session.scalar(select(User.name).where(User.id == user_id)) or ""
        return name

    def locality(self, region_path: str) -> str:
        found = self.localities.get(region_path)
        if found is None:
            codes = [c for c in region_path.strip("/").split("/") if c]
            found = self.localities[region_path] = "".join(self.regions.get(c, "") for c in codes[2:4])
        return found

    def penalty_article(self, code: str | None, version: str | None) -> str:
        if not code:
            return ""
        key = (code, version)
        found = self.basis.get(key)
        if found is None:
            from app.cases import discretion

            try:
                found = discretion.entry(code, version).penalty_article
            except (LookupError, ValueError, ValidationFailed):
                found = ""
            self.basis[key] = found
        return found

    def pack(self, region_path: str, on: date) -> RulePack:
        key = (region_path, on)
        found = self.packs.get(key)
        if found is None:
            found = self.packs[key] = pack_for(region_path, on)
        return found


def _d(day) -> str:
    return day.isoformat() if day else ""


def _yuan(amount) -> str:
    return f"{Decimal(amount or 0):,.2f}元"


def _kinds(line) -> list[str]:
    return list(line.decided_kinds if line.decided_kinds is not None else (line.proposed_kinds or []))


def _fine(line) -> Decimal:
    return Decimal(line.decided_fine if line.decided_fine is not None else (line.proposed_fine or 0))


def _continuing(c, unit: list, stage: str) -> Decimal:
    """The case's 按日连续处罚 on its (first) unit line at `stage`, as app.cases.linked.continuing_amount gives
    it: "decided" once the line's penalty is decided; "proposed" whenever the case has the unit line."""
    if not unit or (stage == "decided" and unit[0].decided_kinds is None):
        return Decimal(0)
    return linked.stored_amount(c.continuing_fine)


def _shown_stage(unit: list) -> str:
    """The stage the 台账 shows a unit line at: decided once decided, else proposed (as `_kinds`, `_fine`)."""
    return "decided" if unit and unit[0].decided_kinds is not None else "proposed"


def _continuing_words(c, unit: list) -> str:
    """备注: the two parts of 单位罚款 when it holds a 按日连续处罚."""
    part = _continuing(c, unit, _shown_stage(unit))
    if not part:
        return ""
    cf = c.continuing_fine or {}
    return (
        f"单位罚款含罚款{_yuan(_fine(unit[0]))}、按日连续处罚{_yuan(part)}"
        f"（原罚款数额{_yuan(cf.get('original_fine'))}×{cf.get('days')}日）"
    )


def _surcharge(c, lines, payments, remedies, names: _Names, today: date) -> str:
    unit = [ln for ln in lines if ln.target == TargetKind.UNIT]
    principal = sum((Decimal(ln.decided_fine or 0) for ln in lines), Decimal(0)) + _continuing(
        c, unit, "decided"
    )
    if c.payment_due is None or principal <= 0:
        return ""
    paid = sum((p.amount for p in payments if p.kind != PaymentKind.SURCHARGE), Decimal(0))
    fully_paid_on = c.paid_on if paid >= principal else None
    s = legal_time.surcharge(
        principal,
        c.payment_due,
        today,
        [(r.filed_on, r.outcome_on) for r in remedies],
        fully_paid_on,
        pack=names.pack(c.region_path, c.payment_due),
    )
    if s.days <= 0:
        return ""
    paid_surcharge = sum((p.amount for p in payments if p.kind == PaymentKind.SURCHARGE), Decimal(0))
    words = f"{_yuan(s.amount)}（{s.days}日{'，已达上限' if s.capped else ''}）"
    if paid_surcharge:
        words += f"，已缴{_yuan(paid_surcharge)}"
    elif fully_paid_on is None:
        words += "，仍在计算"
    return words


def _publication_url(base: str, pub_id: int) -> str:
    parts = urlsplit(base)
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return f"{root}/gongshi/{pub_id}"


def case_rows(user: User, f: queries.CaseFilters, *, attachment_base: str, today: date) -> Iterator[dict]:
    """Rows of the 行政处罚案件台账, in case id order (立案 order)."""
    names = _Names()
    for batch, rel in _batches(user, f):
        for c in batch:
            cid = c.id
            lines = rel["lines"].get(cid, ())
            docs = rel["docs"].get(cid, ())
            doc_no = {d.id: d.text for d in docs}
            decision = next((d for d in reversed(docs) if d.doc_type in DECISION_DOCS), None)
            services = {s.document_id: s for s in rel["services"].get(cid, ())}
            notices = rel["notices"].get(cid, ())
            statements_ = rel["statements"].get(cid, ())
            hearings = rel["hearings"].get(cid, ())
            reviews = [r for r in rel["reviews"].get(cid, ()) if r.opinion is not None]
            payments = rel["payments"].get(cid, ())
            remedies = rel["remedies"].get(cid, ())
            transfer = (rel["transfers"].get(cid) or [None])[-1]
            pubs = rel["publications"].get(cid, ())
            unit = [ln for ln in lines if ln.target == TargetKind.UNIT]
            persons = [ln for ln in lines if ln.target == TargetKind.PERSON]
            kinds = list(dict.fromkeys(k for ln in lines for k in _kinds(ln)))
            officers = sorted(rel["officers"].get(cid, ()), key=lambda o: not o.lead)
            decision_service = services.get(decision.id) if decision else None
            end = c.closed_on or today
            hearing_words = []
            if c.hearing_right or any(n.hearing_right for n in notices):
                hearing_words.append("已告知听证权利")
            for s in statements_:
                if s.kind == StatementKind.HEARING:
                    hearing_words.append(f"申请 {_d(s.submitted_on)}")
            for h in hearings:
                if h.held_on and h.status == "已举行":
                    hearing_words.append(f"举行 {_d(h.held_on)}")
                elif h.hearing_on:
                    hearing_words.append(f"定于 {_d(h.hearing_on)}（{h.status}）")
                else:
                    hearing_words.append(h.status)
            row = {
                "case_no": c.case_no or "",
                "filed_on": c.filed_on,
                "source": c.source,
                "name": c.name,
                "party": "\n".join(
                    [c.ent_name] + [f"{p.party_name}（{p.position or '个人'}）" for p in persons]
                ),
                "id_number": "\n".join([c.credit_code or ""] + [p.id_number or "" for p in persons]),
                "legal_rep": c.legal_rep or "",
                "industry": c.industry + (f"/{c.sub_sector}" if c.sub_sector else ""),
                "locality": names.locality(c.region_path),
                "facts": c.facts,
                "provisions": c.provisions,
                "basis": names.penalty_article(c.violation_code, c.violation_version),
                "discretion": "；".join(f"{c.violation_code}/{ln.tier}" for ln in lines if ln.tier)
                or (c.violation_code or ""),
                "procedure": c.procedure,
                "notice": "\n".join(
                    f"{doc_no.get(n.document_id, '')} / {_d(n.served_on) or '未送达'}" for n in notices
                ),
                "statement": (
                    "无"
                    if not statements_
                    else "；".join(
                        STATEMENT_WORDS.get(s.kind, s.kind)
                        + (f"（{s.review_result}）" if s.review_result else "")
                        for s in statements_
                    )
                )
                if notices
                else "",
                "hearing": "；".join(hearing_words),
                "legal_review": "\n".join(
                    f"{_d(r.reviewed_on)} {REVIEW_OPINION_LABELS.get(r.opinion, r.opinion)}" for r in reviews
                )
                or ("待审核" if rel["reviews"].get(cid) else ""),
                "discussion": "、".join(_d(x.held_on) for x in rel["discussions"].get(cid, ())),
                "decision_no": decision.text if decision else "",
                "decided_on": c.decided_on,
                "kinds": "、".join(kinds) if c.decided_on or kinds else "",
                "unit_fine": sum((_fine(ln) for ln in unit), _continuing(c, unit, _shown_stage(unit)))
                if unit
                else None,
                "person_fines": "\n".join(
                    f"{p.party_name}/{p.position or ''}/{_yuan(_fine(p))}" for p in persons
                ),
                "confiscated": sum((Decimal(ln.confiscated or 0) for ln in lines), Decimal(0)) or None,
                "suspension": "、".join(k for k in kinds if k in SUSPENSION_KINDS),
                "decision_service": (
                    f"{_d(decision_service.effective_on)} {decision_service.method}"
                    if decision_service
                    else ""
                ),
                "payment_due": c.payment_due,
                "payments": "\n".join(
                    f"{_d(p.paid_on)} {p.kind}{_yuan(p.amount)} 票据号{p.receipt_no}" for p in payments
                ),
                "surcharge": _surcharge(c, lines, payments, remedies, names, today),
                "arrangements": "\n".join(
                    f"{a.kind}："
                    + (
                        "待审批"
                        if a.approved is None
                        else ("批准至" + _d(a.new_due) if a.approved else "未批准")
                    )
                    for a in rel["arrangements"].get(cid, ())
                ),
                "enforcement": "\n".join(
                    f"{e.kind} {_d(e.done_on)}" for e in rel["enforcements"].get(cid, ())
                ),
                "remedies": "\n".join(
                    f"{r.kind}（{_d(r.filed_on)}）{r.outcome or '审理中'}" for r in remedies
                ),
                "publication": "\n".join(
                    f"{_d(p.published_on)} {_publication_url(attachment_base, p.id)}"
                    + ("" if p.status == "已公示" else f"（{p.status}）")
                    for p in pubs
                ),
                "credit": "",  # 严重失信主体名单: answered by the domain that keeps it (register_answered_column)
                "transfer": (
                    (
                        f"是（{transfer.transferred_at.date().isoformat()}，{transfer.receiving_organ}）"
                        if transfer.transferred_at
                        else f"移送审批中（{transfer.decision or '待决定'}）"
                    )
                    if transfer is not None and transfer.decision != "不移送"
                    else "否"
                ),
                "closed_on": c.closed_on,
                # highlights the row (app.ledgers.export): the decision deadline passed, or the fine is unpaid
                # after its payment deadline
                "overdue": "是"
                if c.is_overdue or (c.payment_due is not None and c.payment_due < today and c.paid_on is None)
                else "否",
                "days": (end - c.filed_on).days if c.filed_on else None,
                "officers": "、".join(names.user(o.user_id) for o in officers),
                "archive_no": c.archive_no or "",
                "remarks": "；".join(
                    x
                    for x in (
                        c.status,
                        "办案超期" if c.is_overdue else "",
                        _continuing_words(c, unit),
                        f"不予处罚（{c.no_penalty_reason}）" if c.no_penalty_reason else "",
                        # the closing reason, unless the 不予处罚 above says it already
                        c.closing_reason
                        if c.closed_on
                        and c.closing_reason
                        and not (c.no_penalty_reason and c.closing_reason == "不予处罚")
                        else "",
                    )
                    if x
                ),
            }
            for key, column in _ANSWERED.items():
                row[key] = column.render(rel[f"answered:{key}"].get(cid, ()))
            yield row


def filter_words(f: queries.CaseFilters) -> str:
    """筛选条件 in words, for the ledger's header rows."""
    parts = place_words(f.enterprise_id, f.town, enterprise_label="当事人")
    for label, value in (("行业", f.industry), ("状态", f.status), ("程序", f.procedure), ("关键词", f.q)):
        if value:
            parts.append(f"{label}：{value}")
    if f.overdue == "1":
        parts.append("办案超期")
    return "；".join(parts) or "无（辖区内全部已立案案件）"


def period_label(f: queries.CaseFilters, today: date) -> str:
    if f.filed_from or f.filed_to:
        a = f.filed_from.isoformat() if f.filed_from else "最早"
        b = f.filed_to.isoformat() if f.filed_to else today.isoformat()
        return f"立案日期 {a} 至 {b}"
    return f"全部（截至 {today.isoformat()}）"


def count(user: User, f: queries.CaseFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(_ids(user, f).subquery())) or 0


def extract(name: str, user: User, args, *, attachment_base: str, today: date) -> Extract:
    f = queries.CaseFilters.from_args(args)
    queries.check_scope(user, f)  # before the filter is put in words: never the name of another's party
    return Extract(
        rows=case_rows(user, f, attachment_base=attachment_base, today=today),
        filters=filter_words(f),
        period=period_label(f, today),
        filter_args=f.filter_args(),
        total=lambda: count(user, f),
    )


def section(user, args) -> str:
    """The case part of /ledgers: the ledger card; the filters are the case list's (its export button carries
    them). The /ledgers page's own query string belongs to the other ledgers: a value that is not a case
    filter is ignored here."""
    from app import clock

    try:
        f = queries.CaseFilters.from_args(args)
        queries.check_scope(user, f)
    except ValidationFailed:
        f = queries.CaseFilters()
    return render_template(
        "cases/ledgers.html",
        f=f,
        ledger=definitions.get(LEDGER),
        total=paging.count_label(paging.capped_count(queries.filtered(user, f))),
        words=filter_words(f),
        period=period_label(f, clock.today()),
    )


SOURCE = LedgerSource(
    key="cases",
    ledgers=(LEDGER,),
    can_export=permissions.can_export,  # type: ignore[arg-type]
    section=section,
    rows=extract,
    order=110,
)
