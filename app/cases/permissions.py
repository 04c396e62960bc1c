"""Who may see a case: staff whose jurisdiction covers it; the party's own enterprise account, which reads
its case in its own terms (app.cases.view.outsider_progress) and only the documents served on it."""

from __future__ import annotations

from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.cases.models import CaseProposal, PenaltyCase


def can_view(user: User, case: PenaltyCase | CaseProposal) -> bool:
    if isinstance(case, CaseProposal) and user.is_enterprise_user:
        return False  # a lead is internal until a case is filed
    if isinstance(case, PenaltyCase) and user.is_enterprise_user and case.filed_on is None:
        return False
    return in_scope(user, case.region_path, case.enterprise_id)


def is_staff(user: User) -> bool:
    return not user.is_enterprise_user and user.scope_path is not None


def can_register(user: User) -> bool:
    return user.has_role(Role.OFFICER, Role.SECTION_HEAD) and not user.is_enterprise_user


def can_export(user: User) -> bool:
    return is_staff(user) and user.has_role(
        Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN, Role.OFFICER, Role.LEGAL_REVIEWER
    )
