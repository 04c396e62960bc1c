"""Who may learn that a 暗访 exists (四不两直): the ONE rule every channel asks — the covert list and its counts,
the visit page and its documents and files, the API, the dashboard panel, the audit trail's scope, the
notifications (only the team is told) and the inbox (the tasks are assigned to the team lead and their
workflow carries no jurisdiction until the start, app.inspections.operations.covert).

- Before the start (`started_at` unset — a visit cancelled unstarted stays so for good): the creator and the
  team members, nobody else. Not another leader, section head, officer, supervisor or 法制审核 of the same
  agency, not the town's officers, never an enterprise account.
- After the start: additionally the staff whose jurisdiction covers the organising agency's region
  (`CovertVisit.region_path`, the agency's — never the target's town). An enterprise account never reads a
  暗访: it sees its own Inspection (source 暗访) through the inspection pages once that is on site.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, false, or_, select

from app.auth.permissions import in_scope, scope_clause


def _models():
    from app.inspections.models.covert import CovertMember, CovertVisit

    return CovertVisit, CovertMember


def visible_clause(user: Any):
    """SQL condition on CovertVisit: the visits `user` may know of."""
    CovertVisit, CovertMember = _models()
    if user is None or not getattr(user, "is_authenticated", True) or getattr(user, "id", None) is None:
        return false()
    if user.is_enterprise_user:
        return false()
    own = or_(
        CovertVisit.created_by_id == user.id,
        exists().where(CovertMember.visit_id == CovertVisit.id, CovertMember.user_id == user.id),
    )
    started = and_(CovertVisit.started_at.is_not(None), scope_clause(user, CovertVisit.region_path))
    return or_(own, started)


def visible_covert_ids(user: Any) -> Select:
    """SELECT of the ids of the visits `user` may know of (the audit trail's scope, documents, files)."""
    CovertVisit, _ = _models()
    return select(CovertVisit.id).where(visible_clause(user))


def is_team(user: Any, visit: Any) -> bool:
    """The creator or a member of the team (those who know a sealed visit)."""
    uid = getattr(user, "id", None)
    return uid is not None and (uid == visit.created_by_id or uid in visit.member_ids)


def can_see(user: Any, visit: Any) -> bool:
    """Python twin of visible_clause for one loaded visit."""
    if visit is None or user is None or getattr(user, "id", None) is None or user.is_enterprise_user:
        return False
    if is_team(user, visit):
        return True
    return visit.started_at is not None and in_scope(user, visit.region_path)


def can_see_id(user: Any, visit_id: int) -> bool:
    from app.extensions import db

    CovertVisit, _ = _models()
    return can_see(user, db.session.get(CovertVisit, visit_id))


def team_users(visit: Any) -> list:
    """Everyone who may be told about a sealed visit: the creator and the members."""
    return [visit.created_by, *(m.user for m in visit.members)]
