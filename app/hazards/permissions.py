"""Who may see and do what with hazards. Routes call these before an operation; operations call them
again (the generic task page and timers reach operations without our routes)."""

from __future__ import annotations

from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.hazards.models import Hazard, RectificationOrder


def can_view(user: User, hazard: Hazard | RectificationOrder) -> bool:
    return in_scope(user, hazard.region_path, hazard.enterprise_id)


def can_register(user: User) -> bool:
    return user.has_role(Role.OFFICER) and not user.is_enterprise_user


def can_register_for(user: User, enterprise) -> bool:
    return can_register(user) and in_scope(user, enterprise.region_path, enterprise.id)


def can_edit_draft(user: User, order: RectificationOrder) -> bool:
    """Who may add to, delete from and 签发 a draft 指令书: the officer who drafted it, the co-signing officer
    once named, or a section head (科室负责人) whose jurisdiction covers it; never another officer's draft."""
    return (
        order.is_draft
        and can_register(user)
        and in_scope(user, order.region_path, order.enterprise_id)
        and (user.id in (order.created_by_id, order.co_officer_id) or user.has_role(Role.SECTION_HEAD))
    )


DRAFT_DENIED = "只有登记该指令书的执法人员、第二名执法人员或辖区科室负责人可以修改、签发该指令书"


def is_own_enterprise_manager(user: User, hazard: Hazard) -> bool:
    """Only the hazard's own enterprise safety manager may respond for the enterprise."""
    return (
        user.has_role(Role.ENTERPRISE)
        and user.enterprise_id is not None
        and user.enterprise_id == hazard.enterprise_id
    )


def can_review(user: User, hazard: Hazard) -> bool:
    """Officers whose jurisdiction covers the enterprise (复查, 验收, 延期审批)."""
    return (
        user.has_role(Role.OFFICER)
        and not user.is_enterprise_user
        and in_scope(user, hazard.region_path, hazard.enterprise_id)
    )


def can_lead(user: User, hazard: Hazard) -> bool:
    """Leaders in jurisdiction (挂牌督办决定, 特批再次整改)."""
    return (
        user.has_role(Role.LEADER)
        and not user.is_enterprise_user
        and in_scope(user, hazard.region_path, hazard.enterprise_id)
    )


def can_export(user: User) -> bool:
    return (
        user.has_role(Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN, Role.OFFICER)
        and not user.is_enterprise_user
    )


def is_staff(user: User) -> bool:
    return not user.is_enterprise_user and user.scope_path is not None
