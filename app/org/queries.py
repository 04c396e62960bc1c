"""Read-side helpers for the registry: scoped enterprise lists, regions and departments a user may pick."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import in_scope, scope_clause
from app.errors import NotFound
from app.extensions import db
from app.org.models import Department, Enterprise, Region

PER_PAGE = 50


@dataclass
class EnterpriseFilters:
    q: str = ""
    industry: str = ""
    town_id: int | None = None
    risk_grade: str = ""
    category: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args) -> EnterpriseFilters:
        town = args.get("town", "")
        return cls(
            q=(args.get("q") or "").strip()[:100],
            industry=(args.get("industry") or "").strip(),
            town_id=int(town) if str(town).isdigit() else None,
            risk_grade=(args.get("risk_grade") or "").strip(),
            category=(args.get("category") or "").strip(),
            status=(args.get("status") or "").strip(),
        )

    def as_args(self) -> dict[str, str]:
        """Non-empty filters as query arguments (for pagination links)."""
        raw = {
            "q": self.q, "industry": self.industry, "town": self.town_id or "", "risk_grade": self.risk_grade,
            "category": self.category, "status": self.status,
        }
        return {k: str(v) for k, v in raw.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


def scoped_enterprises(user: User) -> Select:
    return select(Enterprise).where(scope_clause(user, Enterprise.region_path, Enterprise.id))


def enterprise_list_query(user: User, f: EnterpriseFilters) -> Select:
    stmt = scoped_enterprises(user).options(selectinload(Enterprise.region).selectinload(Region.parent))
    if f.q:
        stmt = stmt.where(
            or_(
                Enterprise.name.contains(f.q, autoescape=True),
                Enterprise.credit_code.contains(f.q.upper(), autoescape=True),
            )
        )
    if f.industry:
        stmt = stmt.where(Enterprise.industry == f.industry)
    if f.town_id:
        town = db.session.get(Region, f.town_id)
        stmt = stmt.where(Enterprise.region_path.startswith(town.path, autoescape=True)) if town else stmt.where(
            Enterprise.id.is_(None)
        )
    if f.risk_grade:
        stmt = stmt.where(Enterprise.risk_grade == f.risk_grade)
    if f.category:
        stmt = stmt.where(Enterprise.category == f.category)
    if f.status:
        stmt = stmt.where(Enterprise.status == f.status)
    return stmt.order_by(Enterprise.region_path, Enterprise.name, Enterprise.id)


def enterprise_for(user: User, enterprise_id: int) -> Enterprise:
    """The enterprise if `user` may see it; otherwise 404, so existence outside the scope is not leaked."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or not in_scope(user, enterprise.region_path, enterprise.id):
        raise NotFound("您要找的企业不存在，或不在您的管辖范围内")
    return enterprise


def _scope_regions(user: User, levels: tuple[str, ...]) -> Select:
    prefix = user.scope_path
    stmt = select(Region).where(Region.level.in_(levels))
    if prefix is None:
        return stmt.where(Region.id.is_(None))
    if prefix:
        stmt = stmt.where(Region.path.startswith(prefix, autoescape=True))
    return stmt


def towns_in_scope(user: User) -> list[Region]:
    """乡镇/街道 inside the user's jurisdiction (filter drop-downs, import lookups)."""
    return list(db.session.scalars(_scope_regions(user, ("town",)).order_by(Region.path)))


def enterprise_region_choices(user: User) -> list[tuple[Region, list[Region]]]:
    """Towns in scope with their villages: the 属地 choices when creating or editing an enterprise."""
    regions = list(db.session.scalars(_scope_regions(user, ("town", "village")).order_by(Region.path)))
    towns = [r for r in regions if r.level == "town"]
    villages: dict[int, list[Region]] = {}
    for r in regions:
        if r.level == "village" and r.parent_id is not None:
            villages.setdefault(r.parent_id, []).append(r)
    return [(t, villages.get(t.id, [])) for t in towns]


def jurisdiction_choices(user: User) -> list[Region]:
    """Regions a department may be given as jurisdiction (county and below, in the actor's scope)."""
    stmt = _scope_regions(user, ("province", "city", "county", "town"))
    return list(db.session.scalars(stmt.order_by(Region.path)))


def departments_in_scope(user: User, *, active_only: bool = False) -> list[Department]:
    stmt = select(Department).join(Department.region).options(selectinload(Department.region))
    prefix = user.scope_path
    if prefix is None:
        return []
    if prefix:
        stmt = stmt.where(Region.path.startswith(prefix, autoescape=True))
    if active_only:
        stmt = stmt.where(Department.is_active.is_(True))
    departments = list(db.session.scalars(stmt))
    return sorted(departments, key=department_sort_key)


def department_sort_key(d: Department) -> tuple:
    """Agency first, then its units, grouped by jurisdiction."""
    chain: list[int] = []
    node: Department | None = d
    while node is not None and len(chain) < 10:
        chain.append(node.id)
        node = node.parent
    return (d.region.path if d.region else "", list(reversed(chain)))


def users_bound_to(enterprise: Enterprise) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.enterprise_id == enterprise.id).order_by(User.username))
    )


def enterprises_for_binding(user: User) -> list[Enterprise]:
    """Enterprises an admin may bind an enterprise account to."""
    return list(db.session.scalars(scoped_enterprises(user).order_by(Enterprise.region_path, Enterprise.name)))
