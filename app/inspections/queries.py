"""Scoped inspection queries (helper "web"). ONE filter object (InspectionFilters, read through
app.inspections.schemas.InspectionArgsSchema) serves the list page /inspections/, /api/v1/inspections, the
执法检查台账 export, the statistics and the dashboard panel's links, so an export holds exactly the rows
filtered on screen and a statistic's number is the total of the list it links to.

Scope: `scope_clause(user, region_path, enterprise_id)` as for the penalty cases — staff see their
jurisdiction; an enterprise account sees inspections of itself only, and only from 检查中 on (a planned
inspection is never announced to it: 四不两直, and a sealed 暗访 is no Inspection row until its team starts it).

The list is newest planned first (planned_on DESC, id DESC) on ix_inspections_list with keyset pages
(app.paging) and a capped count. The order is one partition; a year or month filter is a range on the index's
first column; the text filter (`q`) looks among the first TEXT_WINDOW inspections of the filtered list, never
a scan of every enterprise."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, false, or_, select, true
from sqlalchemy.orm import joinedload

from app import paging
from app.auth.models import User
from app.auth.permissions import path_prefix, scope_clause
from app.errors import ValidationFailed
from app.extensions import db
from app.inspections.models import (
    EnterpriseClass,
    Finding,
    Inspection,
    InspectionMember,
    InspectionStatus,
)
from app.inspections.schemas import PER_PAGE
from app.org.models import Enterprise
from app.params import ListFilters

TEXT_WINDOW = 5_000
NO_SUCH_ENTERPRISE = "不存在或不在您的管辖范围内"
NO_SUCH_OFFICER = "不存在或不在您的管辖范围内"
# what an enterprise account sees of inspections of itself: from the team's arrival on
OUTSIDER_STATUSES = (InspectionStatus.ON_SITE, InspectionStatus.HANDLING, InspectionStatus.DONE)
# status=done: the visit made and its record signed (待处理: its findings being followed up) or all handled
STATUS_DONE = "done"
DONE_GROUP = (InspectionStatus.DONE, InspectionStatus.HANDLING)


@dataclass
class InspectionFilters(ListFilters):
    q: str = ""
    source: str = ""
    status: str = ""
    mode: str = ""
    town: str = ""  # region path prefix (乡镇/街道)
    industry: str = ""
    enterprise_id: int | None = None
    year: int | None = None
    month: int | None = None
    klass: str = ""  # query parameter `class`
    officer_id: int | None = None
    over_cap: str = ""  # "1": inspections created over the yearly cap
    findings: str = ""  # "1": inspections that found problems
    # 年度监督检查计划: its inspections (app.inspections.operations.plan.plan_inspection_ids)
    plan: int | None = None
    kind: str = ""  # with plan: 重点 / 一般
    page: int = 1
    after: str = ""
    before: str = ""

    @classmethod
    def from_args(cls, args) -> InspectionFilters:
        """The filters of a query string (page, API, ledger, statistics): a bad value raises ValidationFailed
        (422)."""
        from app import params
        from app.inspections.schemas import InspectionArgsSchema

        v = params.check(InspectionArgsSchema, args)
        return cls(
            q=(v.get("q") or "").strip(),
            source=v.get("source", ""),
            status=v.get("status", ""),
            mode=v.get("mode", ""),
            town=(v.get("town") or "").strip(),
            industry=(v.get("industry") or "").strip(),
            enterprise_id=v.get("enterprise_id"),
            year=v.get("year"),
            month=v.get("month"),
            klass=v.get("klass", ""),
            officer_id=v.get("officer_id"),
            over_cap=v.get("over_cap", ""),
            findings=v.get("findings", ""),
            plan=v.get("plan"),
            kind=v.get("kind", ""),
            page=v["page"],
            after=v.get("after", ""),
            before=v.get("before", ""),
        )

    def as_args(self, **override) -> dict[str, str]:
        args = super().as_args(**override)
        if "klass" in args:
            args["class"] = args.pop("klass")
        return args

    def period(self) -> tuple[date, date] | None:
        """The planned_on range of the year / month filter (inclusive)."""
        if not self.year:
            return None
        if self.month:
            start = date(self.year, self.month, 1)
            nxt = date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return start, date.fromordinal(nxt.toordinal() - 1)
        return date(self.year, 1, 1), date(self.year, 12, 31)


def is_staff(user: User) -> bool:
    return not user.is_enterprise_user and user.scope_path is not None


def scoped(user: User) -> Select:
    """Inspections in the user's data scope; an enterprise account's own from 检查中 on."""
    clause = scope_clause(user, Inspection.region_path, Inspection.enterprise_id)
    stmt = select(Inspection).where(clause)
    if user.is_enterprise_user:
        stmt = stmt.where(Inspection.status.in_([str(s) for s in OUTSIDER_STATUSES]))
    return stmt


def _without_text(stmt: Select, f: InspectionFilters) -> Select:
    if f.source:
        stmt = stmt.where(Inspection.source == f.source)
    if f.status == STATUS_DONE:
        stmt = stmt.where(Inspection.status.in_([str(s) for s in DONE_GROUP]))
    elif f.status:
        stmt = stmt.where(Inspection.status == f.status)
    if f.plan:
        from app.inspections.operations.plan import plan_inspection_ids

        stmt = stmt.where(Inspection.id.in_(plan_inspection_ids(f.plan, f.kind or None)))
    if f.mode:
        stmt = stmt.where(Inspection.mode == f.mode)
    if f.town:
        stmt = stmt.where(path_prefix(Inspection.region_path, f.town))
    if f.enterprise_id:
        stmt = stmt.where(Inspection.enterprise_id == f.enterprise_id)
    span = f.period()
    if span:
        stmt = stmt.where(Inspection.planned_on >= span[0], Inspection.planned_on <= span[1])
    if (
        f.industry
    ):  # the industry's enterprises (ix_enterprises_industry), their inspections by ix_inspections_cap
        stmt = stmt.where(
            Inspection.enterprise_id.in_(select(Enterprise.id).where(Enterprise.industry == f.industry))
        )
    if f.klass:  # the enterprise's class in the year the inspection counts for
        stmt = stmt.where(
            exists().where(
                EnterpriseClass.enterprise_id == Inspection.enterprise_id,
                EnterpriseClass.year == Inspection.cap_year,
                EnterpriseClass.klass == f.klass,
            )
        )
    if f.officer_id:
        stmt = stmt.where(
            Inspection.id.in_(
                select(InspectionMember.inspection_id).where(InspectionMember.user_id == f.officer_id)
            )
        )
    if f.over_cap:
        stmt = stmt.where(Inspection.over_cap == True)  # noqa: E712
    if f.findings:
        stmt = stmt.where(exists().where(Finding.inspection_id == Inspection.id))
    return stmt


def apply_filters(stmt: Select, f: InspectionFilters) -> Select:
    stmt = _without_text(stmt, f)
    if f.q:
        window = (
            stmt.with_only_columns(Inspection.id)
            .order_by(Inspection.planned_on.desc(), Inspection.id.desc())
            .limit(TEXT_WINDOW)
            .subquery()
        )
        # the window's inspections joined to their enterprise by primary key: never a scan of every enterprise
        in_window = (
            select(Inspection.id)
            .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
            .where(
                Inspection.id.in_(select(window.c.id)),
                or_(
                    Enterprise.name.contains(f.q, autoescape=True),
                    Enterprise.credit_code == f.q.upper(),
                    Inspection.code == f.q.upper(),
                    Inspection.record_no.contains(f.q, autoescape=True),
                ),
            )
        )
        stmt = stmt.where(Inspection.id.in_(in_window))
    return stmt


def check_scope(user: User, f: InspectionFilters) -> None:
    """An enterprise or officer outside the user's scope is a bad filter value (422, as an unknown id)."""
    from app.org.queries import enterprise_label

    if f.enterprise_id is not None and enterprise_label(user, f.enterprise_id) is None:
        raise ValidationFailed(
            f"查询参数有误：被检查单位 {NO_SUCH_ENTERPRISE}",
            field_errors={"enterprise_id": NO_SUCH_ENTERPRISE},
        )
    if f.officer_id is not None and officer_label(user, f.officer_id) is None:
        raise ValidationFailed(
            f"查询参数有误：执法人员 {NO_SUCH_OFFICER}", field_errors={"officer_id": NO_SUCH_OFFICER}
        )


def officer_label(user: User, officer_id: int) -> str | None:
    """The officer's name when `user` may filter by them: staff of a department inside the user's scope."""
    from app.org.models import Department, Region

    if user.is_enterprise_user or user.scope_path is None:
        return None
    row = db.session.execute(
        select(User.name, Region.path)
        .join(Department, Department.id == User.department_id)
        .join(Region, Region.id == Department.region_id)
        .where(User.id == officer_id)
    ).first()
    if row is None:
        return None
    name, path = row
    scope, path = user.scope_path, path or ""
    if scope and not (path.startswith(scope) or scope.startswith(path)):
        return None  # another county's officer (the same line up or down is fine: joint teams)
    return str(name)


def filtered(user: User, f: InspectionFilters) -> Select:
    """The inspections `user` may see under the filters (list page, API, ledger, statistics)."""
    check_scope(user, f)
    if user.is_enterprise_user and f.status and f.status not in OUTSIDER_STATUSES:
        return scoped(user).where(false())  # an enterprise never learns of a planned inspection
    return apply_filters(scoped(user), f)


class _OnePartition(paging.Order):
    """The list's keyset order without a partition flag: every inspection is in the one partition `True`
    (cursors read `1.<planned_on>.<id>`), walked along ix_inspections_list."""

    def key_of(self, row) -> paging.Key:
        return paging.Key(True, row.planned_on, row.id)

    def _partition(self, stmt: Select, flag: bool) -> Select:
        if not flag:
            return stmt.where(false())
        return stmt.with_hint(Inspection, f"INDEXED BY {self.index}", "sqlite") if self.index else stmt


LIST_ORDER = _OnePartition(
    flag=true(), day=Inspection.planned_on, ident=Inspection.id, index="ix_inspections_list"
)
LIST_FLAGS: Sequence[bool] = (True,)
LIST_OPTIONS = (
    joinedload(Inspection.enterprise).load_only(Enterprise.id, Enterprise.name, Enterprise.industry),
    joinedload(Inspection.lead_officer).load_only(User.id, User.name),
)


def _counted(stmt: Select, f: InspectionFilters) -> Select:
    """The statement a count reads. SQLite counts a scope through ix_inspections_scope (region_path first);
    with a year or month, or a source or status over the whole scope, ix_inspections_list holds every column
    tested (planned_on first, then region_path, status, source): the count reads that index alone — a month's
    range, or the entries up to the cap — instead of a table row per entry of the scope (a source over a
    county's 200,000 inspections: 370 ms → a few ms). Narrower filters (an enterprise, an officer, an
    industry, a text) keep their own indexes."""
    if db.engine.dialect.name != "sqlite":
        return stmt
    narrow = f.enterprise_id or f.officer_id or f.industry or f.q or f.klass or f.findings
    if narrow or not (f.period() or f.source or f.status or f.mode):
        return stmt
    return stmt.with_hint(Inspection, f"INDEXED BY {LIST_ORDER.index}", "sqlite")


def count_filtered(user: User, f: InspectionFilters) -> int:
    """The list's total under `f`, counted up to app.paging.COUNT_CAP (what its page shows as 共 N 条)."""
    return paging.capped_count(_counted(filtered(user, f), f))


def inspection_page(
    user: User,
    f: InspectionFilters,
    per_page: int = PER_PAGE,
    *,
    after: str | None = None,
    before: str | None = None,
) -> paging.KeysetPage:
    """A page of the list (newest planned first); the total counted up to app.paging.COUNT_CAP. `after` /
    `before` override the filters' cursors."""
    stmt = filtered(user, f)
    total = paging.capped_count(_counted(stmt, f))
    page = paging.keyset_page(
        stmt,
        LIST_ORDER,
        per_page,
        after=after or f.after or None,
        before=before or f.before or None,
        page=f.page,
        flags=LIST_FLAGS,
        options=LIST_OPTIONS,
        total=total,
    )
    return dataclasses.replace(page, total_exact=False)  # counted up to the cap, not known exactly


def scoped_get(user: User, inspection_id: int) -> Inspection | None:
    """The inspection if the user may see it (None → 404: no existence leak across counties or enterprises)."""
    return db.session.scalar(scoped(user).where(Inspection.id == inspection_id))


def count(user: User, f: InspectionFilters | None = None) -> int:
    """The capped number of inspections of the list under `f` (what its page shows as 共 N 条)."""
    return count_filtered(user, f or InspectionFilters())


def industry_options() -> list[str]:
    from app.org.models import INDUSTRIES

    return list(INDUSTRIES)
