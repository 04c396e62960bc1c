"""Who holds a role for a piece of data: the recipients of notices, the candidates of a second signature.

One query, in SQL, with the meaning of `permissions.in_scope` for the role asked about: a staff role
covers the department's jurisdiction subtree (an admin without a department: everything), the enterprise
role covers the user's own enterprise.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from app.auth.models import User, UserRole
from app.auth.roles import Role
from app.extensions import db
from app.org.models import Department, Region


def users_with_role(
    role: str,
    *,
    region_path: str | None = None,
    enterprise_id: int | None = None,
    agency_id: int | None = None,
    exclude_id: int | None = None,
    order_by=User.id,
) -> list[User]:
    """Active users holding `role` whose scope in that role covers the region path / enterprise given
    (the enterprise role: their enterprise; a staff role: their department's jurisdiction).

    Neither given: every active holder of the role. `agency_id`: only the staff of that issuing agency (局)
    and its units (a user without a department is kept, as the scope test already decides for them).
    `exclude_id`: leave one user out (the actor).
    """
    stmt = select(User).where(_has_role(role), User.is_active_flag.is_(True)).order_by(order_by)
    if region_path is not None or enterprise_id is not None:
        stmt = stmt.where(_covers(role, region_path, enterprise_id))
    if agency_id is not None:
        stmt = stmt.where(or_(User.department_id.is_(None), User.department_id.in_(_agency_units(agency_id))))
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return list(db.session.scalars(stmt))


def _has_role(role: str):
    return exists().where(UserRole.user_id == User.id, UserRole.role == role)


def _covers(role: str, region_path: str | None, enterprise_id: int | None):
    """SQL twin of `in_scope` for the scope the role gives: the enterprise role covers the user's
    enterprise; a staff role covers the department's jurisdiction subtree, or everything for an admin
    without a department."""
    if role == Role.ENTERPRISE:
        return User.enterprise_id == enterprise_id if enterprise_id is not None else false()
    # the department's region path is a prefix of the subject's. Region paths end with "/" (/34/3413/…/), so
    # that is: it is one of the subject path's "/"-ended prefixes (an index hit on regions.path each)
    prefixes = [region_path[: n + 1] for n, ch in enumerate(region_path or "") if ch == "/"]
    department_covers = (
        exists().where(
            Department.id == User.department_id, Region.id == Department.region_id, Region.path.in_(prefixes)
        )
        if prefixes
        else false()
    )
    return or_(department_covers, and_(User.department_id.is_(None), _has_role(Role.ADMIN)))


def _agency_units(agency_id: int):
    """Ids of the agency's department and of its units (`Department.agency` is the agency): the tree
    below it, not crossing into another 局."""
    units = select(Department.id).where(Department.id == agency_id).cte("agency_units", recursive=True)
    units = units.union_all(
        select(Department.id).where(Department.parent_id == units.c.id, Department.kind != "局")
    )
    return select(units.c.id)


__all__ = ["users_with_role"]
