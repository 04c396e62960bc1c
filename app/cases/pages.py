"""What the case pages and the case API show: the detail page's context (in the reader's terms: an
enterprise account gets its progress and the documents served on it, never the internal record), who may
use which case-page form, and the choices of those forms."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app import attachments, audit, clock, forms, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.cases import availability, casefile, linked, money
from app.cases.access import served_document_ids
from app.cases.documents import PARTY_DOCUMENTS, party_may_open
from app.cases.models import PenaltyCase
from app.cases.operations.common import is_staff_in_scope, officer_ids
from app.cases.operations.execution import balance
from app.cases.view import outsider_progress
from app.documents import OfficialDocument, documents_for
from app.errors import invalid
from app.extensions import db
from app.inbox import queries as inbox_queries

# the case-page forms (forms/<name>.json) and the field their POST route answers on
ACTION_FORMS = (
    "case_evidence",
    "case_pause_start",
    "case_pause_end",
    "case_service",
    "case_payment",
    "case_limitation",
)
SERVICE_EXCLUDED = {"service_receipt"}  # a 送达回执 is not itself served


def is_case_officer(user: User, case: PenaltyCase) -> bool:
    """承办人员 of the case or the jurisdiction's 承办机构负责人 (the operations' require_case_officer)."""
    return is_staff_in_scope(user, case) and (
        user.id in officer_ids(case) or user.has_role(Role.SECTION_HEAD)
    )


def can_set_limitation(user: User, case: PenaltyCase) -> bool:
    return user.has_role(Role.LEGAL_REVIEWER) and is_staff_in_scope(user, case)


def outward_documents(
    case: PenaltyCase, docs: list[OfficialDocument] | None = None
) -> list[OfficialDocument]:
    """The case's valid documents served on the party (what 送达 applies to)."""
    return [
        d
        for d in (documents_for(case, include_voided=False) if docs is None else docs)
        if d.doc_type in PARTY_DOCUMENTS and d.doc_type not in SERVICE_EXCLUDED
    ]


def visible_documents(
    case: PenaltyCase, user: User, docs: list[OfficialDocument] | None = None
) -> list[OfficialDocument]:
    if docs is None:
        docs = documents_for(case, include_voided=False)
    if user.is_enterprise_user:
        served = served_document_ids(case.id)
        return [d for d in docs if party_may_open(d.doc_type, d.id, served)]
    return docs


def _case_of(context) -> PenaltyCase | None:
    case = (context or {}).get("case")
    return case if isinstance(case, PenaltyCase) else None


def _doc_label(value) -> str | None:
    doc = db.session.get(OfficialDocument, int(value)) if str(value).isdigit() else None
    return f"{doc.title} {doc.number.text}" if doc is not None else None


@forms.register_choices("cases.outward_documents", label=_doc_label)
def outward_document_choices(actor, context) -> list[tuple[int, str]]:
    """送达: the case's outward documents (any document served on the party)."""
    case = _case_of(context)
    if case is None or actor is None or actor.is_enterprise_user:
        return []
    served: dict[int, int] = {}
    for s in case.services:
        served[s.document_id] = served.get(s.document_id, 0) + 1
    return [
        (d.id, f"{d.title} {d.number.text}" + (f"（已送达{served[d.id]}次）" if d.id in served else ""))
        for d in outward_documents(case, context.get("documents"))  # the page's documents, read once
    ]


@dataclass
class LineView:
    line: Any

    def amount(self, stage: str) -> tuple[str, str] | None:
        value = getattr(self.line, f"{stage}_fine")
        if value is None:
            return None
        return money.yuan(value), money.capital(value)

    def kinds(self, stage: str, fined: bool = False) -> str:
        """The penalty kinds; with `fined` the 罚款 is left to the amount shown under it (no “罚款罚款”)."""
        kinds = getattr(self.line, f"{stage}_kinds") or []
        return "、".join(k for k in kinds if not (fined and k == "罚款"))

    def continuing(self, stage: str) -> dict | None:
        """The unit line's Art.112 按日连续处罚 at `stage` (app.cases.linked), in figures and 大写, with the
        line's total (fine + the part) — None on every other line and before the stage gives the line its
        penalty."""
        part = linked.continuing_content(self.line, stage)
        if part is None:
            return None
        amount, total = linked.continuing_amount(self.line, stage), linked.line_total(self.line, stage)
        return {
            "amount": money.yuan(amount),
            "capital": money.capital(amount),
            "original_fine": money.yuan(Decimal(part["original_fine"])),
            "days": part["days"],
            "total": money.yuan(total),
            "total_capital": money.capital(total),
        }


def detail_context(
    case: PenaltyCase, user: User, values: dict | None = None, errors: dict | None = None
) -> dict:
    """The case page: `values` / `errors` are keyed by form name (a rejected form re-rendered as typed)."""
    today = clock.today()
    outsider = inbox_queries.is_outsider(user)
    inst = workflow.instance_for(case)
    ready = workflow.ready_tasks(inst) if inst is not None else []
    visible = [t for t in ready if inbox_queries.can_view(user, t)]
    mine = [t for t in visible if t.form_name and inbox_queries.can_act(user, t)]
    docs = documents_for(case, include_voided=False)  # once per page: the list, the file, what can be served
    ctx: dict[str, Any] = {
        "case": case,
        "today": today,
        "outsider": outsider,
        "tasks": visible,
        "my_tasks": mine,
        "documents": visible_documents(case, user, docs),
        "lines": [LineView(ln) for ln in case.lines],
        "payments": case.payments,
        "balance": balance(case, today) if case.decided_on else None,
        "values": values or {},
        "errors": errors or {},
    }
    if case.decision_due is not None:
        ctx["days_left"] = (case.decision_due - today).days
    from app.cases import execution_pages  # the 执行 / 办案期限 forms (the party's 延期/分期 application too)

    ctx.update(execution_pages.context(case, user, ctx["balance"]))
    if outsider:
        ctx["progress"] = outsider_progress(case)
        return ctx
    officer = is_case_officer(user, case)
    files = attachments.attachments_for_many(case.evidence_items, "files")
    open_pause = next((p for p in case.pauses if p.ended_on is None), None)
    ctx.update(
        {
            "officers": case.officers,
            "evidence": [(e, files.get(e.id, [])) for e in case.evidence_items],
            "pauses": case.pauses,
            "open_pause": open_pause,
            "notices": case.notices,
            "statements": case.statements,
            "hearings": case.hearings,
            "reviews": case.reviews,
            "discussions": case.discussions,
            "services": case.services,
            "remedies": case.remedies,
            "contents": casefile.contents(case, docs),
            "missing": casefile.missing(case, docs) if case.outcome else [],
            "events": audit.history(case),
            "forms": {name: forms.get_form(name) for name in ACTION_FORMS},
            "can_add_evidence": officer and availability.before_decision(case),
            "can_pause": officer and availability.before_decision(case),
            "can_serve": officer and bool(outward_documents(case, docs)),
            "can_pay": officer and availability.payable(case, ctx["balance"]),
            "can_set_limitation": can_set_limitation(user, case),
        }
    )
    return ctx


def serve(case: PenaltyCase, data: dict, *, actor: User):
    """送达 one of the case's documents (the case page's and the API's one operation)."""
    from app.cases.operations import record_service

    doc = db.session.get(OfficialDocument, int(data["document_id"]))
    if doc is None:
        raise invalid("document_id", "请选择本案有效的文书")
    return record_service(case, doc, data, actor=actor)
