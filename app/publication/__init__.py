"""行政执法公示 (public disclosure of enforcement decisions and results): a platform package, used by any
domain that must publish what it decided (国办发〔2018〕118号; 行政处罚法 Art.48).

    from app import publication
    publication.register_kind(publication.PublicationKind(
        code="…", name="…", fields=("行政相对人名称", "法定代表人", …), mask={"身份证号"}, term_days=365))
    entry = publication.publish(obj, "…", {"行政相对人名称": "…", …}, region_path=obj.region_path,
                                agency=unit, decided_on=…, due_on=add_days(decided_on, 7, "working"),
                                actor=user)
    publication.withdraw(entry, "决定已撤销", actor=user, due_on=add_days(revoked_on, 3, "working"))

Public pages without sign-in: /gongshi/ (app/publication/public.py); the staff list: /publications/.
"""

from app.publication.kinds import PublicationKind, find_kind, get_kind, register_kind, registered_kinds
from app.publication.masking import mask_fields, mask_text
from app.publication.models import Publication, PublicationStatus
from app.publication.operations import (
    current_for,
    history_for,
    is_late,
    is_withdrawal_late,
    publish,
    withdraw,
)
from app.publication.queries import public_fields

__all__ = [
    "Publication",
    "PublicationKind",
    "PublicationStatus",
    "current_for",
    "find_kind",
    "get_kind",
    "history_for",
    "is_late",
    "is_withdrawal_late",
    "mask_fields",
    "mask_text",
    "public_fields",
    "publish",
    "register_kind",
    "registered_kinds",
    "withdraw",
]
