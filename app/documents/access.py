"""Who may open a document: decided by the document's subject (a domain object: an inspection, a case …).

Each domain registers a check for its subject type (app.subjects: the table name) in its init_app:
    documents.register_access("<table>", lambda user, subject_id: <may user see that object>)
Documents whose subject type has no registered check are visible to nobody (404).
"""

from __future__ import annotations

from collections.abc import Callable

from app.auth.roles import Role

AccessCheck = Callable[[object, int], bool]
DocumentCheck = Callable[[object, object], bool]
_ACCESS: dict[str, AccessCheck] = {}
_DOCUMENT_CHECKS: dict[str, DocumentCheck] = {}


def register_access(
    subject_type: str, check: AccessCheck, *, document_check: DocumentCheck | None = None
) -> None:
    """`check(user, subject_id)`: may the user see the subject. `document_check(user, document)`, optional: may
    they see this document of it (a party sees the documents served on it, not the agency's internal ones)."""
    _ACCESS[subject_type] = check
    if document_check is not None:
        _DOCUMENT_CHECKS[subject_type] = document_check


def can_view(user, document) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if document.subject_type is None:
        # a document without subject: staff of the issuing agency
        if user.has_role(Role.ADMIN) and user.scope_path == "":
            return True
        dept = getattr(user, "department", None)
        return (not user.is_enterprise_user) and dept is not None and dept.agency.id == document.agency_id
    check = _ACCESS.get(document.subject_type)
    if not (check and check(user, document.subject_id)):
        return False
    document_check = _DOCUMENT_CHECKS.get(document.subject_type)
    return document_check is None or bool(document_check(user, document))


def _enterprise_check(user, enterprise_id: int) -> bool:
    from app.auth.permissions import can_view_enterprise
    from app.extensions import db
    from app.org.models import Enterprise

    enterprise = db.session.get(Enterprise, enterprise_id)
    return enterprise is not None and can_view_enterprise(user, enterprise)


register_access("enterprises", _enterprise_check)
