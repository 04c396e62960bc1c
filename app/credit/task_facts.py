"""The facts at each decision of credit_listing, on the generic task page (/tasks/<id>), and the values its
form starts with (page and API alike). One template (credit/tasks/listing.html) shows, per task:

    prepare_notice / confirm_drop   the criterion (text, basis, whether the head is listed with the unit), the
                                    evidence, the person proposed, the drop reason
    serve_notice / serve_decision   the document to serve (number, issue date: the earliest service date)
    state_case                      the 告知 (reasons, criterion) and the window's last day
    verify                          the statements received (or that the window lapsed)
    decide                          the statements, the 核查意见 and every gate of the 列入决定 as passed/failing

Facts belong to the decision at hand: only READY tasks get them. Also registers the measure library's
choices for the decide form (`credit.measures`, the library's defaults preselected)."""

from __future__ import annotations

from app import documents as app_documents
from app import forms, workflow
from app.credit import documents, gates
from app.credit.models import CreditListing
from app.credit.operations.common import LISTING, SUBJECT_TYPE
from app.documents import documents_for
from app.errors import DomainError
from app.extensions import db

TEMPLATE = "credit/tasks/listing.html"


def _measure_choices(actor, context) -> list[tuple[object, str]]:
    from app.credit import measures

    return list(measures.library().choices())


def _measure_label(value) -> str:
    from app.credit import measures

    try:
        return measures.get(str(value)).name
    except LookupError:
        return str(value)


forms.register_choices("credit.measures", _measure_choices, label=_measure_label)


def _listing(task) -> CreditListing | None:
    if task.status != "ready" or not task.subject_id or task.subject_type != SUBJECT_TYPE:
        return None
    return db.session.get(CreditListing, task.subject_id)


def _gate(check) -> str | None:
    """None when the gate passes, else its message."""
    try:
        check()
    except DomainError as exc:
        return str(exc)
    return None


def _facts(task, actor) -> workflow.TaskFacts | None:
    listing = _listing(task)
    if listing is None:
        return None
    from app.credit import criteria

    crit = criteria.criterion(listing.criterion)
    docs = documents_for(listing, include_voided=False)
    # the listed enterprise's own task (state_case) in its terms: the 告知 it was served, never the agency's
    # internal record (the proposal's evidence, a drop reason, 核查意见) nor documents it may not open
    outsider = actor is not None and bool(actor.is_enterprise_user)
    context = {
        "listing": listing,
        "task_id": task.bpmn_id,
        "criterion": crit,
        "outsider": outsider,
        "documents": [d for d in docs if app_documents.can_view(actor, d)] if outsider else docs,
        "statements": list(listing.statements),
    }
    initial: dict = {}
    if task.bpmn_id == "prepare_notice":
        initial = {
            "reasons": listing.reasons or listing.evidence,
            "basis": crit.basis,
            "person_name": listing.person_name,
            "person_id_no": listing.person_id_no,
            "person_role": listing.person_role,
        }
    elif task.bpmn_id in ("serve_notice", "serve_decision"):
        code = documents.NOTICE if task.bpmn_id == "serve_notice" else documents.DECISION
        context["to_serve"] = next((d for d in reversed(docs) if d.doc_type == code), None)
        initial = {"recipient": listing.enterprise.name}
    elif task.bpmn_id == "decide":
        from app.credit import measures

        context["gates"] = [
            ("决定人", _gate(lambda: gates.require_decider(actor, listing))),
            ("陈述申辩期限届满或陈述申辩已核查", _gate(lambda: gates.require_window_closed(listing))),
            (
                "单位及其主要负责人一并列入",
                None
                if not crit.includes_head or listing.person_name
                else "该列入情形须将单位及其主要负责人一并列入，告知时未列明",
            ),
        ]
        initial = {"measure_codes": measures.library().defaults(crit.head_only), "reasons": listing.reasons}
    return workflow.TaskFacts(template=TEMPLATE, title="列入事项", context=context, initial=initial)


def _register(bpmn_id: str) -> None:
    def provide(task, *, actor) -> workflow.TaskFacts | None:
        return _facts(task, actor)

    provide.__name__ = provide.__qualname__ = f"facts__{bpmn_id}"
    provide.__module__ = __name__
    workflow.task_facts(LISTING, bpmn_id)(provide)


for _bpmn_id in (
    "prepare_notice",
    "confirm_drop",
    "serve_notice",
    "state_case",
    "verify",
    "decide",
    "serve_decision",
):
    _register(_bpmn_id)
