"""Who sees a 举报 and who sees its informant — the one place it is decided.

- `can_view(user, tipoff)`: staff of the jurisdiction (scope: the tip-off's region). Never an enterprise
  account — not even the enterprise it names (保护举报人: the reported unit must learn nothing of it).
- `may_see_informant(user, tipoff)`: the informant's identity (name, phone, ID number, address) — only the
  officer who recorded the tip-off (受理人) and the 负责人 (Role.LEADER) of the agency that received it (not a
  city leader whose scope covers the county); a tip-off the
  informant submitted online (no 受理人): the 负责人 only. Everyone else — the section head, the verifying
  officer, supervisors, admins — reads it masked.
- `informant(user, tipoff)` and `content(user, tipoff)`: what a page, the API or a task page shows; the
  content's phone and ID numbers are masked for those who may not see the informant (an informant often
  writes their own number into the text).

Every channel goes through these: the tip-off pages, the task pages (app.inspections.tipoff_tasks facts and
summary), the API, documents. Audit events, workflow data, notifications, documents and the inspection (its
source_ref is the tip-off's number) never carry the identity at all."""

from __future__ import annotations

from typing import Any

from app.auth.permissions import in_scope
from app.auth.roles import Role

HIDDEN = "（保密）"
ANONYMOUS = "匿名"


def can_view(user: Any, tipoff: Any) -> bool:
    """Staff of the tip-off's jurisdiction; never an enterprise account, nobody signed out."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_enterprise_user:
        return False
    return in_scope(user, tipoff.region_path)


def may_see_informant(user: Any, tipoff: Any) -> bool:
    """The informant's identity: the intake officer and the 负责人 of the jurisdiction, nobody else."""
    if not can_view(user, tipoff):
        return False
    if tipoff.received_by_id is not None and user.id == tipoff.received_by_id:
        return True
    # the 负责人 of the agency that received it — not a leader of a higher level whose scope merely covers it
    return user.has_role(Role.LEADER) and _agency_id(user) == tipoff.agency_id


def _agency_id(user: Any) -> int | None:
    department = getattr(user, "department", None)
    return department.agency.id if department is not None else None


def informant(user: Any, tipoff: Any) -> dict[str, Any]:
    """{name, phone, id_no, address, visible}: in full for those who may see it, else masked."""
    if tipoff.anonymous:
        return {"name": ANONYMOUS, "phone": "", "id_no": "", "address": "", "visible": True}
    if may_see_informant(user, tipoff):
        return {
            "name": tipoff.informant_name or "",
            "phone": tipoff.informant_phone or "",
            "id_no": tipoff.informant_id_no or "",
            "address": tipoff.informant_address or "",
            "visible": True,
        }

    def hide(value: str | None) -> str:
        return HIDDEN if value else ""

    return {
        "name": hide(tipoff.informant_name),
        "phone": hide(tipoff.informant_phone),
        "id_no": hide(tipoff.informant_id_no),
        "address": hide(tipoff.informant_address),
        "visible": False,
    }


def content(user: Any, tipoff: Any) -> str:
    """The tip-off's text: as written for those who may see the informant, with phone and ID numbers masked
    for everyone else."""
    if may_see_informant(user, tipoff):
        return tipoff.content or ""
    from app.publication.masking import mask_text

    text = mask_text(tipoff.content)
    if tipoff.informant_name and not tipoff.anonymous:
        text = text.replace(tipoff.informant_name, HIDDEN)
    return text


def _tipoff_visible(user: Any, tipoff_id: int) -> bool:
    from app.extensions import db
    from app.inspections.models.tipoff import TipOff

    row = db.session.get(TipOff, tipoff_id)
    return row is not None and can_view(user, row)


def register_access() -> None:
    """The 举报奖励决定 (subject tip_offs): staff of the jurisdiction only (it names no informant)."""
    from app import documents

    documents.register_access("tip_offs", _tipoff_visible)


__all__ = ["ANONYMOUS", "HIDDEN", "can_view", "content", "informant", "may_see_informant", "register_access"]
