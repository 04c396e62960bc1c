"""Read-side helpers for the registry: scoped enterprise lists, regions and departments a user may pick."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import selectinload

from app import params
from app.auth.models import User
from app.auth.permissions import in_scope, path_prefix, scope_clause
from app.errors import NotFound
from app.extensions import db
from app.org.models import CATEGORIES, Department, Enterprise, EnterpriseStatus, Region, RiskGrade
from app.org.text import normalize_text

PER_PAGE = 50


class EnterpriseListArgsSchema(params.QuerySchema):
    """The filters of 企业名录 (/enterprises) and its page."""

    q = params.text("关键词：企业名称或统一社会信用代码中的文字", max_length=100)
    industry = params.text("行业（监管类别）", max_length=30)
    town = params.integer("乡镇/街道（区划ID）", minimum=1)
    risk_grade = params.one_of("风险等级", [g.value for g in RiskGrade])
    category = params.one_of("分类分级", CATEGORIES)
    status = params.one_of("经营状态", [s.value for s in EnterpriseStatus])
    page = params.integer(params.PAGE_DESCRIPTION, minimum=1, default=1)


class LookupArgsSchema(params.QuerySchema):
    """The enterprise picker's search (/enterprises/lookup)."""

    q = params.text("关键词：企业名称、统一社会信用代码或乡镇/街道", max_length=100)
    limit = params.integer("最多返回几家（超过 50 按 50）", minimum=1)


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
        """The filters of a query string, validated by EnterpriseListArgsSchema (422 when bad)."""
        v = params.check(EnterpriseListArgsSchema, args)
        return cls(
            q=normalize_text(v.get("q") or "", prose=True),  # as the registry stores text (NFKC)
            industry=(v.get("industry") or "").strip(),
            town_id=v.get("town"),
            risk_grade=v.get("risk_grade", ""),
            category=v.get("category", ""),
            status=v.get("status", ""),
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
                Enterprise.credit_code.contains(normalize_text(f.q).upper(), autoescape=True),
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


LOOKUP_LIMIT = 20  # a picker shows this many matches; typing more narrows them
LOOKUP_MAX_TOWNS = 20  # towns whose name matches the term, at most


def search_enterprises(user: User, term: str, limit: int = LOOKUP_LIMIT) -> tuple[list[Enterprise], bool]:
    """The enterprise picker's search: enterprises in the user's data scope whose name or 统一社会信用代码
    contains `term`, or whose 乡镇/街道 name does; names starting with the term first, then by name.
    Returns (at most `limit` enterprises, whether there are more). The term is normalised as the registry
    stores text (NFKC) and matched literally: % and _ are escaped, never wildcards."""
    term = normalize_text(term or "", prose=True)[:100]
    stmt = scoped_enterprises(user).options(selectinload(Enterprise.region).selectinload(Region.parent))
    if term:
        matches = [
            Enterprise.name.contains(term, autoescape=True),
            Enterprise.credit_code.contains(normalize_text(term).upper(), autoescape=True),
        ]
        town_paths = db.session.scalars(
            _scope_regions(user, ("town",)).with_only_columns(Region.path)
            .where(Region.name.contains(term, autoescape=True)).order_by(Region.path).limit(LOOKUP_MAX_TOWNS)
        ).all()
        matches += [Enterprise.region_path.startswith(path, autoescape=True) for path in town_paths]
        stmt = stmt.where(or_(*matches)).order_by(
            case((Enterprise.name.startswith(term, autoescape=True), 0), else_=1), Enterprise.name, Enterprise.id
        )
    else:
        stmt = stmt.order_by(Enterprise.name, Enterprise.id)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def enterprise_label(user: User, enterprise_id) -> str | None:
    """The name of a picked enterprise, to show it again (a form re-rendered, a filter kept in the
    address); None outside the user's scope, so an id in an address never reveals a name."""
    try:
        enterprise = db.session.get(Enterprise, int(enterprise_id)) if enterprise_id not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if enterprise is None or not in_scope(user, enterprise.region_path, enterprise.id):
        return None
    return enterprise.name


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


def town_options(user: User) -> list:
    """The 乡镇/街道 of the user's jurisdiction for a filter's drop-down: light rows (id, path, name) in code
    order, not Region objects (a city has a hundred towns, on every list page). None for an enterprise user."""
    if user.is_enterprise_user or user.scope_path is None:
        return []
    stmt = select(Region.id, Region.path, Region.name).where(Region.level == "town")
    if user.scope_path:
        stmt = stmt.where(path_prefix(Region.path, user.scope_path))
    return list(db.session.execute(stmt.order_by(Region.code)))


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
