"""Who holds a role for a piece of data: the recipients of notices, the candidates of a second signature.

One query, in SQL, with the meaning of `permissions.in_scope` for the role asked about: a staff role
covers the department's jurisdiction subtree (an admin without a department: everything), the enterprise
role covers the user's own enterprise.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, bindparam, exists, false, or_, select
from sqlalchemy.orm import lazyload

from app.auth.models import User, UserRole
from app.auth.roles import Role
from app.extensions import db
from app.org.models import Department, Region


def users_with_role(
    role: str | tuple[str, ...],
    *,
    region_path: str | None = None,
    enterprise_id: int | None = None,
    agency_id: int | None = None,
    exclude_id: int | None = None,
    order_by=User.id,
) -> list[User]:
    """Active users holding `role` whose scope in that role covers the region path / enterprise given
    (the enterprise role: their enterprise; a staff role: their department's jurisdiction). `role` may be
    several staff roles: the users holding any of them, each once.

    Neither given: every active holder of the role. `agency_id`: only the staff of that issuing agency (局)
    and its units (a user without a department is kept, as the scope test already decides for them).
    `exclude_id`: leave one user out (the actor).
    """
    scoped = region_path is not None or enterprise_id is not None
    roles = tuple(role) if isinstance(role, tuple) else (role,)
    enterprise_role = Role.ENTERPRISE in roles
    if enterprise_role and len(roles) > 1:
        raise ValueError("the enterprise role's scope differs from staff roles': ask for it alone")
    stmt = _statement(
        enterprise_role,
        scoped and not (enterprise_role and enterprise_id is None),
        scoped and enterprise_role and enterprise_id is None,
        agency_id is not None,
        exclude_id is not None,
        order_by,
    )
    params: dict = {"roles": list(roles)}
    if scoped:
        if enterprise_role:
            params["enterprise_id"] = enterprise_id
        else:
            # the department's region path is a prefix of the subject's. Region paths end with "/"
            # (/34/3413/…/), so that is: it is one of the subject path's "/"-ended prefixes (an index hit
            # on regions.path each)
            path = region_path or ""
            params["prefixes"] = [path[: n + 1] for n, ch in enumerate(path) if ch == "/"]
    if agency_id is not None:
        params["agency_id"] = agency_id
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    return list(db.session.scalars(stmt, params))


# Each shape of the question is built once (with bound parameters): building the exists/CTE clauses and
# their cache key on every call cost more than running the statement.
_STATEMENTS: dict[tuple, Select] = {}


def _statement(
    enterprise_role: bool, covers: bool, covers_nothing: bool, by_agency: bool, excluding: bool, order_by
) -> Select:
    key = (enterprise_role, covers, covers_nothing, by_agency, excluding, order_by)
    stmt = _STATEMENTS.get(key)
    if stmt is not None:
        return stmt
    # the callers read names, ids, certificates: the roles (a selectin load per call) load if ever asked for
    stmt = (
        select(User)
        .options(lazyload(User.role_rows))
        .where(_has_any_role(bindparam("roles", expanding=True)), User.is_active_flag.is_(True))
        .order_by(order_by)
    )
    if covers_nothing:
        stmt = stmt.where(false())
    elif covers:
        stmt = stmt.where(_covers(enterprise_role))
    if by_agency:
        stmt = stmt.where(
            or_(User.department_id.is_(None), User.department_id.in_(_agency_units(bindparam("agency_id"))))
        )
    if excluding:
        stmt = stmt.where(User.id != bindparam("exclude_id"))
    _STATEMENTS[key] = stmt
    return stmt


def _has_role(role):
    return exists().where(UserRole.user_id == User.id, UserRole.role == role)


def _has_any_role(roles):
    return exists().where(UserRole.user_id == User.id, UserRole.role.in_(roles))


def _covers(enterprise_role: bool):
    """SQL twin of `in_scope` for the scope the role gives: the enterprise role covers the user's
    enterprise (:enterprise_id); a staff role covers the department's jurisdiction subtree (its region path
    is one of :prefixes, the subject path's "/"-ended prefixes), or everything for an admin without a
    department."""
    if enterprise_role:
        return User.enterprise_id == bindparam("enterprise_id")
    department_covers = exists().where(
        Department.id == User.department_id,
        Region.id == Department.region_id,
        Region.path.in_(bindparam("prefixes", expanding=True)),
    )
    return or_(department_covers, and_(User.department_id.is_(None), _has_role(Role.ADMIN.value)))


def _agency_units(agency_id):
    """Ids of the agency's department and of its units (`Department.agency` is the agency): the tree
    below it, not crossing into another 局."""
    units = select(Department.id).where(Department.id == agency_id).cte("agency_units", recursive=True)
    units = units.union_all(
        select(Department.id).where(Department.parent_id == units.c.id, Department.kind != "局")
    )
    return select(units.c.id)


__all__ = ["users_with_role"]
