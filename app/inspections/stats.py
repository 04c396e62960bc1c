"""监督检查 statistics and dashboard panel (journey 14, helper "web"): for a year in the viewer's scope —
completion by month (inspections planned in the month and those 已完成), inspections per enterprise against
its yearly cap, and findings per inspection by 乡镇/街道 and by industry. Every number of inspections is the
total of the list it links to (/inspections/ with the same InspectionFilters: the test compares them);
every number of findings is the total of the 问题清单 it links to (/inspections/findings with the same
FindingFilters: app.inspections.finding_list), and the inspections that found them link to the list.

Each table is one grouped statement over the year's scoped inspections (`queries.filtered`), never a
statement per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from sqlalchemy import case, distinct, extract, func, select

from app import clock, paging, params
from app.auth.models import User
from app.extensions import db
from app.inspections import queries
from app.inspections.models import (
    EnterpriseClass,
    Finding,
    Inspection,
    InspectionStatus,
)
from app.org.models import Enterprise

MAJOR = "重大"
TOP_ENTERPRISES = 20


class YearArgsSchema(params.QuerySchema):
    year = params.integer("年度", minimum=2000, maximum=2100)


def year_arg(args) -> int:
    return int(params.check(YearArgsSchema, args).get("year") or clock.today().year)


@dataclass
class MonthRow:
    month: int
    planned: int = 0
    done: int = 0

    @property
    def rate(self) -> str:
        return f"{self.done * 100 // self.planned}%" if self.planned else "—"


@dataclass
class GroupRow:
    label: str
    args: dict  # the list filter of this row (town= or industry=)
    inspections: int = 0
    with_findings: int = 0
    findings: int = 0
    major: int = 0
    violations: int = 0

    @property
    def per_inspection(self) -> str:
        return f"{self.findings / self.inspections:.2f}" if self.inspections else "—"


@dataclass
class EnterpriseRow:
    enterprise_id: int
    name: str
    klass: str
    cap: int | None
    inspections: int  # every inspection of the year (the linked list)
    counted: int  # those counted against the cap (not 举报, not cancelled)

    @property
    def at_cap(self) -> bool:
        return self.cap is not None and self.counted >= self.cap


@dataclass
class Report:
    year: int
    months: list[MonthRow] = field(default_factory=list)
    total: int = 0
    done: int = 0
    over_cap: int = 0
    enterprises: list[EnterpriseRow] = field(default_factory=list)
    at_cap: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class -> inspections of that class's enterprises
    towns: list[GroupRow] = field(default_factory=list)
    industries: list[GroupRow] = field(default_factory=list)

    @property
    def rate(self) -> str:
        return f"{self.done * 100 // self.total}%" if self.total else "—"


def _year_ids(user: User, year: int):
    return (
        queries.filtered(user, queries.InspectionFilters(year=year))
        .with_only_columns(Inspection.id)
        .order_by(None)
    )


def build(user: User, year: int) -> Report:
    ids = _year_ids(user, year).subquery()
    report = Report(year=year)
    done = case((Inspection.status == InspectionStatus.DONE, 1), else_=0)
    month = extract("month", Inspection.planned_on)
    by_month = {
        int(m): (n, d or 0)
        for m, n, d in db.session.execute(
            select(month, func.count(), func.sum(done))
            .where(Inspection.id.in_(select(ids.c.id)))
            .group_by(month)
        )
    }
    report.months = [MonthRow(m, *by_month.get(m, (0, 0))) for m in range(1, 13)]
    report.total = sum(r.planned for r in report.months)
    report.done = sum(r.done for r in report.months)
    report.over_cap = (
        db.session.scalar(
            select(func.count()).where(Inspection.id.in_(select(ids.c.id)), Inspection.over_cap == True)  # noqa: E712
        )
        or 0
    )
    _enterprises(report, ids)
    _groups(report, ids, user)
    return report


def _enterprises(report: Report, ids) -> None:
    counted = case(
        (
            (Inspection.counts_against_cap == True) & (Inspection.status != InspectionStatus.CANCELLED),  # noqa: E712
            1,
        ),
        else_=0,
    )
    rows = db.session.execute(
        select(
            Inspection.enterprise_id,
            Enterprise.name,
            EnterpriseClass.klass,
            EnterpriseClass.max_inspections,
            func.count(),
            func.sum(counted),
        )
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .outerjoin(
            EnterpriseClass,
            (EnterpriseClass.enterprise_id == Inspection.enterprise_id)
            & (EnterpriseClass.year == report.year),
        )
        .where(Inspection.id.in_(select(ids.c.id)))
        .group_by(
            Inspection.enterprise_id, Enterprise.name, EnterpriseClass.klass, EnterpriseClass.max_inspections
        )
    ).all()
    all_rows = [EnterpriseRow(e, n, k or "", cap, int(c), int(u or 0)) for e, n, k, cap, c, u in rows]
    report.at_cap = sum(1 for r in all_rows if r.at_cap)
    for r in all_rows:
        if r.klass:
            report.classes[r.klass] = report.classes.get(r.klass, 0) + r.inspections
    all_rows.sort(key=lambda r: (-(r.counted - (r.cap or 0)) if r.cap else 0, -r.inspections, r.name))
    report.enterprises = all_rows[:TOP_ENTERPRISES]


def _findings_by(ids, key, *, enterprise: bool = False):
    """(key, inspections, inspections with findings, findings, major findings, 违法行为 findings) grouped by
    `key`."""
    per = (
        select(
            Finding.inspection_id.label("iid"),
            func.count().label("n"),
            func.sum(case((Finding.level == MAJOR, 1), else_=0)).label("major"),
            func.sum(case((Finding.is_violation == True, 1), else_=0)).label("violations"),  # noqa: E712
        )
        .group_by(Finding.inspection_id)
        .subquery()
    )
    stmt = (
        select(
            key,
            func.count(distinct(Inspection.id)),
            func.count(per.c.iid),
            func.coalesce(func.sum(per.c.n), 0),
            func.coalesce(func.sum(per.c.major), 0),
            func.coalesce(func.sum(per.c.violations), 0),
        )
        .select_from(Inspection)
        .outerjoin(per, per.c.iid == Inspection.id)
    )
    if enterprise:
        stmt = stmt.join(Enterprise, Enterprise.id == Inspection.enterprise_id)
    return db.session.execute(stmt.where(Inspection.id.in_(select(ids.c.id))).group_by(key)).all()


def _groups(report: Report, ids, user: User) -> None:
    from app.org.queries import town_options

    towns = {t.path: GroupRow(t.name, {"town": t.path}) for t in town_options(user)}
    other: GroupRow | None = None
    for path, n, with_f, f, major, violations in _findings_by(ids, Inspection.region_path):
        row = next((towns[p] for p in towns if (path or "").startswith(p)), None)
        if row is None:  # above the towns (a county-level site): counted in the total only, not linkable
            other = other or GroupRow("县级及其他", {})
            row = other
        row.inspections += n
        row.with_findings += with_f
        row.findings += int(f)
        row.major += int(major)
        row.violations += int(violations)
    report.towns = [r for r in towns.values() if r.inspections]
    if other:
        report.towns.append(other)
    for industry, n, with_f, f, major, violations in _findings_by(ids, Enterprise.industry, enterprise=True):
        label = industry or "未填行业"
        args = {"industry": industry} if industry else {}
        report.industries.append(GroupRow(label, args, n, with_f, int(f), int(major), int(violations)))
    report.industries.sort(key=lambda r: -r.inspections)


# --- the dashboard panel --------------------------------------------------------------------------------


@dataclass
class Board:
    year: int
    counts: dict[str, int]
    over_cap: int


PANEL_STATUSES = (
    InspectionStatus.PENDING_APPROVAL,
    InspectionStatus.PLANNED,
    InspectionStatus.ON_SITE,
    InspectionStatus.HANDLING,
    InspectionStatus.DONE,
)


def board(user: User, year: int | None = None) -> Board:
    year = year or clock.today().year
    counts = {
        str(s): paging.capped_count(
            queries.filtered(user, queries.InspectionFilters(year=year, status=str(s)))
        )
        for s in PANEL_STATUSES
    }
    over = paging.capped_count(queries.filtered(user, queries.InspectionFilters(year=year, over_cap="1")))
    return Board(year, counts, over)


def render_panel(user: Any, args: Any) -> str:
    return render_template("inspections/dashboard.html", board=board(user), label=paging.count_label)


def can_view(user) -> bool:
    return queries.is_staff(user)
