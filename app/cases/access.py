"""Who may open the case domain's attachments and numbered documents."""

from __future__ import annotations

from app import attachments, documents
from app.cases import permissions as perm
from app.cases.documents import party_may_open
from app.cases.models import CaseEvidence, CaseService, CaseStatement, PenaltyCase
from app.extensions import db


def served_document_ids(case_id: int) -> set[int]:
    """The case documents served on the party (a 送达回执 recorded for them)."""
    return set(db.session.scalars(db.select(CaseService.document_id).where(CaseService.case_id == case_id)))


def _case(user, case_id: int) -> bool:
    case = db.session.get(PenaltyCase, case_id)
    return case is not None and perm.can_view(user, case)


def _party_document(user, document) -> bool:
    if not user.is_enterprise_user:
        return True
    return party_may_open(document.doc_type, document.id, served_document_ids(document.subject_id))


def _evidence(user, evidence_id: int) -> bool:
    item = db.session.get(CaseEvidence, evidence_id)
    return item is not None and not user.is_enterprise_user and _case(user, item.case_id)


def _statement(user, statement_id: int) -> bool:
    item = db.session.get(CaseStatement, statement_id)
    return item is not None and _case(user, item.case_id)


def register() -> None:
    documents.register_access("penalty_cases", _case, document_check=_party_document)
    attachments.register_access("case_evidence", _evidence)
    attachments.register_access("case_statements", _statement)
