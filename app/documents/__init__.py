"""Numbered official documents (执法文书).

    from app.documents import numbering, issue_document, documents_for
    number = numbering.next_number(unit, "责改")            # （萧）应急责改〔2026〕1号
    doc = issue_document("rectification_order", agency=unit, subject=obj, content={...}, actor=user)
"""

from app.documents import numbering
from app.documents.access import can_view, register_access
from app.documents.doc_types import DOC_TYPES, DocType, get_doc_type, register_doc_type
from app.documents.models import (
    DocumentCounter,
    DocumentLocked,
    DocumentNumber,
    NumberStatus,
    OfficialDocument,
)
from app.documents.operations import documents_for, issue_document, void_document

__all__ = [
    "DOC_TYPES",
    "DocType",
    "DocumentCounter",
    "DocumentLocked",
    "DocumentNumber",
    "NumberStatus",
    "OfficialDocument",
    "can_view",
    "documents_for",
    "get_doc_type",
    "issue_document",
    "numbering",
    "register_access",
    "register_doc_type",
    "void_document",
]
