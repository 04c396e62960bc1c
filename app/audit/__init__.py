"""执法全过程记录 (audit trail): append-only, hash-chained events written in the caller's transaction.

    from app import audit
    audit.record(actor, "<domain>.<verb>", obj, summary="提交整改情况",
                 changes={"status": ["整改中", "待复查"]})
    audit.history(obj)         # oldest first
    audit.verify()             # VerifyResult(ok, checked, first_bad_id, message)
"""

from app.audit.models import AuditChainHead, AuditEvent, AuditImmutableError
from app.audit.service import (
    ACTION_LABELS,
    AuditedMixin,
    VerifyResult,
    action_label,
    changes_of,
    diff,
    history,
    last_verification,
    record,
    record_verification,
    register_action_labels,
    verify,
)

__all__ = [
    "ACTION_LABELS",
    "AuditChainHead",
    "AuditEvent",
    "AuditImmutableError",
    "AuditedMixin",
    "VerifyResult",
    "action_label",
    "changes_of",
    "diff",
    "history",
    "last_verification",
    "record",
    "record_verification",
    "register_action_labels",
    "verify",
]
