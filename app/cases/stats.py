"""统计分析 panel of the penalty cases (issue #13 journey 15): cases, fines, days from 立案 to 决定, overdue cases
(办案超期 and 逾期未缴), the 法制审核 workload, by 乡镇/街道 and by industry — for the viewer's scope and the
list's filters (乡镇/街道, 行业, 立案日期; this year by default). Every count links to the filtered case list.

Grouped reads, their number fixed whatever the number of cases, each bounded by the period and the scope:
  1. the cases filed in the period, grouped by (region path, enterprise): counts, decided, closed, overdue, the
     sum of days to decision — over ix_penalty_cases_scope (region_path, status, filed_on) / the list index;
     an industry filter is the industry's enterprise ids (no join to each case's enterprise row);
  2. the decided fines of those cases by (region path, enterprise) (penalty lines by case id): each line's
     total as app.cases.linked.line_total gives it — its decided fine and, on the case's first unit line
     once decided, the Art.112 按日连续处罚 stored with the case (`_line_total`, SQL on either database);
  3. the 法制审核 workload: the reviews of the cases in scope now waiting in 法制审核 (status on the scope
     index, then the reviews by case id) and the reviews completed of the period's cases.
Region paths are mapped to their 乡镇/街道 and enterprises to their industry in Python (one row a place and
party with cases in the period; their industries read by primary key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import quote_plus, urlencode

from flask import render_template, url_for
from sqlalchemy import Integer, Select, and_, case, cast, func, select, type_coerce
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth.models import User
from app.auth.permissions import path_prefix, scope_clause
from app.cases import permissions, queries
from app.cases.models import MONEY, CaseStatus, LegalReview, PenaltyCase, PenaltyLine, TargetKind
from app.db import likely
from app.errors import ValidationFailed
from app.extensions import db
from app.org.models import Enterprise, Region, RegionLevel
from app.org.queries import town_options

URL_SAFE = "!$'()*,/:;?@"
PANEL_FILTERS = ("town", "industry", "filed_from", "filed_to")  # the case filters this panel reads


@dataclass
class Figures:
    filed: int = 0
    decided: int = 0
    closed: int = 0
    overdue: int = 0  # 办案超期 now
    unpaid_overdue: int = 0  # payment deadline passed, fine not paid
    decision_days: int = 0  # sum of days from 立案 to 决定 (decided cases)
    fines: Decimal = field(default_factory=lambda: Decimal(0))

    def add(self, other: Figures) -> None:
        for k in ("filed", "decided", "closed", "overdue", "unpaid_overdue", "decision_days", "fines"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def avg_days(self) -> float | None:
        """Average days from 立案 to 决定 (calendar days) of the decided cases."""
        return self.decision_days / self.decided if self.decided else None


@dataclass
class Workload:
    pending: int = 0  # reviews waiting for an opinion
    pending_overdue: int = 0  # of which past their review deadline
    done: int = 0  # reviews completed (cases of the period)
    review_days: int = 0  # their total days from 送审 to opinion
    sent_back: int = 0  # completed with an opinion other than 同意

    @property
    def avg_days(self) -> float | None:
        return self.review_days / self.done if self.done else None


@dataclass
class Board:
    total: Figures
    by_town: list[tuple[str, str, Figures]]  # (town name, town path, figures)
    by_industry: list[tuple[str, Figures]]
    reviews: Workload


def _days(later, earlier):
    """Days between two DATE columns, in SQL, on either database."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def _line_total():
    """A joined penalty line's decided total in SQL, as app.cases.linked.line_total(line, "decided") computes
    it: the decided fine and, on the case's first unit line once its penalty is decided, the amount of the
    case's 按日连续处罚 (`continuing_fine` JSON: ``->> 'amount'`` / ``json_extract``; SQL NULL and JSON null
    alike give none). The CASE tests the cheap conditions first: the first-unit-line subquery (by case id)
    runs only for a unit line of a case with a 按日连续处罚."""
    part = cast(PenaltyCase.continuing_fine["amount"].as_string(), MONEY)
    other = aliased(PenaltyLine)
    first_unit = (
        select(func.min(other.id))
        .where(other.case_id == PenaltyLine.case_id, other.target == TargetKind.UNIT)
        .scalar_subquery()
    )
    continuing = case(
        (part.is_(None), 0),
        (PenaltyLine.target != TargetKind.UNIT, 0),
        (PenaltyLine.decided_kinds.is_(None), 0),
        (PenaltyLine.id == first_unit, part),
        else_=0,
    )
    return func.coalesce(PenaltyLine.decided_fine, 0) + continuing


def _cases(user: User, f: queries.CaseFilters) -> Select:
    """The period's filed cases in scope under the filters, as a statement over PenaltyCase (no columns
    chosen yet)."""
    stmt = select(PenaltyCase).where(
        scope_clause(user, PenaltyCase.region_path, PenaltyCase.enterprise_id),
        PenaltyCase.filed_on.is_not(None),
    )
    if f.filed_from:
        stmt = stmt.where(PenaltyCase.filed_on >= f.filed_from)
    if f.filed_to:
        stmt = stmt.where(PenaltyCase.filed_on <= f.filed_to)
    if f.town:
        stmt = stmt.where(path_prefix(PenaltyCase.region_path, f.town))
    if f.industry:  # the industry's enterprises by id: no join to every case's enterprise row
        stmt = stmt.where(
            likely(
                PenaltyCase.enterprise_id.in_(select(Enterprise.id).where(Enterprise.industry == f.industry))
            )
        )
    return stmt


def build(user: User, f: queries.CaseFilters, today: date | None = None) -> Board:
    today = today or clock.today()
    base = _cases(user, f)
    unpaid = and_(PenaltyCase.payment_due < today, PenaltyCase.paid_on.is_(None))
    rows = db.session.execute(
        base.with_only_columns(
            PenaltyCase.region_path,
            PenaltyCase.enterprise_id,
            func.count(),
            func.count(PenaltyCase.decided_on),
            func.count(PenaltyCase.closed_on),
            func.sum(case((PenaltyCase.is_overdue == True, 1), else_=0)),  # noqa: E712
            func.sum(case((unpaid, 1), else_=0)),
            func.sum(
                case(
                    (
                        PenaltyCase.decided_on.is_not(None),
                        _days(PenaltyCase.decided_on, PenaltyCase.filed_on),
                    ),
                    else_=0,
                )
            ),
        ).group_by(PenaltyCase.region_path, PenaltyCase.enterprise_id)
    ).all()
    fines = db.session.execute(
        base.join(PenaltyLine, PenaltyLine.case_id == PenaltyCase.id)
        .with_only_columns(
            PenaltyCase.region_path,
            PenaltyCase.enterprise_id,
            type_coerce(func.sum(_line_total()), MONEY),  # the fines with their 按日连续处罚
        )
        .where(PenaltyCase.decided_on.is_not(None))
        .group_by(PenaltyCase.region_path, PenaltyCase.enterprise_id)
    ).all()
    fine_of = {(p, e): Decimal(s or 0) for p, e, s in fines}
    industry_of = _industries({r[1] for r in rows})

    towns = _towns()
    total = Figures()
    by_town: dict[str, Figures] = {}
    by_industry: dict[str, Figures] = {}
    for path, ent_id, n, decided, closed, overdue, unpaid_n, days in rows:
        industry = industry_of.get(ent_id, "")
        fig = Figures(
            int(n),
            int(decided),
            int(closed),
            int(overdue or 0),
            int(unpaid_n or 0),
            int(days or 0),
            fine_of.get((path, ent_id), Decimal(0)),
        )
        total.add(fig)
        by_town.setdefault(_town_path(path, towns), Figures()).add(fig)
        by_industry.setdefault(industry, Figures()).add(fig)
    town_rows = sorted(
        ((towns[p].name if p in towns else "县（区）直属", p, fig) for p, fig in by_town.items()),
        key=lambda r: (-r[2].filed, r[1]),
    )
    return Board(
        total=total,
        by_town=town_rows,
        by_industry=sorted(by_industry.items(), key=lambda r: (-r[1].filed, r[0])),
        reviews=_workload(user, f, today),
    )


def _workload(user: User, f: queries.CaseFilters, today: date) -> Workload:
    """法制审核: what waits now (cases in 法制审核 in scope, whatever their 立案 date, under the town/industry
    filters) and what was done for the period's cases."""
    waiting = _cases(user, queries.CaseFilters(town=f.town, industry=f.industry)).where(
        PenaltyCase.status == CaseStatus.LEGAL_REVIEW
    )
    pending, pending_overdue = db.session.execute(
        select(func.count(), func.sum(case((LegalReview.due_on < today, 1), else_=0))).where(
            LegalReview.case_id.in_(waiting.with_only_columns(PenaltyCase.id)), LegalReview.opinion.is_(None)
        )
    ).one()
    period = _cases(user, f)
    done, days, sent_back = db.session.execute(
        select(
            func.count(),
            func.sum(_days(LegalReview.reviewed_on, LegalReview.submitted_on)),
            func.sum(case((LegalReview.opinion != "agree", 1), else_=0)),
        ).where(
            LegalReview.case_id.in_(period.with_only_columns(PenaltyCase.id)),
            LegalReview.opinion.is_not(None),
        )
    ).one()
    return Workload(
        int(pending or 0), int(pending_overdue or 0), int(done or 0), int(days or 0), int(sent_back or 0)
    )


def _industries(ids: set[int]) -> dict[int, str]:
    """The industry of each enterprise that has cases in the figures (by primary key, a batch at a time)."""
    found: dict[int, str] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), 500):
        part = ordered[i : i + 500]
        rows = db.session.execute(select(Enterprise.id, Enterprise.industry).where(Enterprise.id.in_(part)))
        found.update((ent_id, industry) for ent_id, industry in rows)
    return found


def _towns() -> dict[str, Region]:
    return {t.path: t for t in db.session.scalars(select(Region).where(Region.level == RegionLevel.TOWN))}


def _town_path(path: str, towns: dict[str, Region]) -> str:
    """The 乡镇/街道 a region path lies in (itself or an ancestor), else the path itself (a county's own)."""
    parts = path.strip("/").split("/")
    for n in range(len(parts), 0, -1):
        prefix = "/" + "/".join(parts[:n]) + "/"
        if prefix in towns:
            return prefix
    return path


def panel_filters(args) -> tuple[queries.CaseFilters, str | None]:
    """The panel's filters from the /dashboard query string (other panels' keys ignored); this year by
    default. A bad value falls back to the default with its message."""
    values = {k: args.get(k) for k in PANEL_FILTERS if args.get(k)}
    if "filed_from" not in values and "filed_to" not in values:
        values["filed_from"] = date(clock.today().year, 1, 1).isoformat()
    try:
        return queries.CaseFilters.from_args(MultiDict(values)), None
    except ValidationFailed as exc:
        return queries.CaseFilters(filed_from=date(clock.today().year, 1, 1)), exc.message


def render_panel(user: User, args) -> str:
    f, error = panel_filters(args)
    try:
        queries.check_scope(user, f)
    except ValidationFailed as exc:
        f, error = queries.CaseFilters(filed_from=date(clock.today().year, 1, 1)), exc.message
    board = build(user, f)
    base = f.filter_args()
    index = url_for("cases.index")

    def link(**kw) -> str:
        merged = {k: v for k, v in {**base, **kw}.items() if v is not None}  # None drops a filter
        return index + ("?" + urlencode(merged, safe=URL_SAFE, quote_via=quote_plus) if merged else "")

    return render_template(
        "cases/dashboard.html",
        f=f,
        board=board,
        link=link,
        error=error,
        towns=town_options(user),
        industries=queries.industries(),
        statuses=CaseStatus,
        today=clock.today(),
    )


def can_view(user) -> bool:
    return permissions.is_staff(user)
