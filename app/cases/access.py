"""Who may open the case domain's attachments and numbered documents."""

from __future__ import annotations

from app import attachments, documents
from app.cases import permissions as perm
from app.cases.documents import PARTY_DOCUMENTS
from app.cases.models import CaseEvidence, CaseStatement, PenaltyCase
from app.extensions import db


def _case(user, case_id: int) -> bool:
    case = db.session.get(PenaltyCase, case_id)
    return case is not None and perm.can_view(user, case)


def _party_document(user, document) -> bool:
    return not user.is_enterprise_user or document.doc_type in PARTY_DOCUMENTS


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
