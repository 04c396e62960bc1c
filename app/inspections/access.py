"""Who may open an inspection's 文书 and files (docs/adding-a-domain.md step 7): staff of its jurisdiction;
the inspected enterprise only its own inspection once the team is on site (never a planned or cancelled one,
never before — 四不两直), and of its documents only the 现场检查记录 (not the 检查方案); of the files the
signature and the photos of its own inspection's findings."""

from __future__ import annotations

from typing import Any

from app.auth.models import User
from app.auth.permissions import in_scope
from app.extensions import db
from app.inspections.models import Finding, Inspection, InspectionStatus

HIDDEN_FROM_ENTERPRISE = (
    InspectionStatus.PENDING_APPROVAL,
    InspectionStatus.PLANNED,
    InspectionStatus.CANCELLED,
)


def can_view(user: User, inspection: Inspection | None) -> bool:
    if inspection is None or not in_scope(user, inspection.region_path, inspection.enterprise_id):
        return False
    if user.is_enterprise_user:
        return inspection.status not in HIDDEN_FROM_ENTERPRISE
    return True


def _inspection_check(user: Any, inspection_id: int) -> bool:
    return can_view(user, db.session.get(Inspection, inspection_id))


def _document_check(user: Any, document: Any) -> bool:
    if not user.is_enterprise_user:
        return True
    return document.doc_type == "inspection_record" and not document.voided


def _finding_check(user: Any, finding_id: int) -> bool:
    finding = db.session.get(Finding, finding_id)
    return finding is not None and can_view(user, finding.inspection)


def register() -> None:
    from app import attachments, documents

    documents.register_access("inspections", _inspection_check, document_check=_document_check)
    attachments.register_access("inspections", _inspection_check)
    attachments.register_access("inspection_findings", _finding_check)
