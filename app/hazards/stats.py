"""统计分析 panel of the hazard loop: totals, by town, by industry and by month for the scoped, filtered hazards
(the same filters as the list page and the ledgers), with a server-rendered SVG chart (no CDN). Every number
links to the filtered hazard list and is exactly the count that list shows.

Two ways to the same numbers. `build()` answers from the precomputed `hazard_summary` (app/hazards/summary.py:
two grouped reads of a few hundred rows) when the request maps onto its keys exactly, and otherwise from the
live aggregates over the scoped query (`build_live()`, also the benchmark's baseline). It maps exactly when:
  - the user is staff with a jurisdiction at or above 乡镇/街道 (a county, a town, the whole city, an admin):
    a town's hazards are then all in scope or all out, so the scope is a prefix of `town_path`;
  - the town filter is a path that does not reach below a town (the form offers towns);
  - 行业 and 等级 filters (keys);
  - 排查日期 from the first of a month, to the last of a month (or to a day after which no hazard is found in
    that month, so nothing registered later can be cut off), either side open.
Everything else falls back to the live query: an enterprise user, a search term, an enterprise, status,
source or overdue filter, a 销号日期 range (the summary keeps the 销号 month as counts, not as a key), a
day-granularity range, a jurisdiction below a town.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote_plus, urlencode

from flask import render_template, url_for
from sqlalchemy import and_, case, func, or_, select

from app import clock
from app.auth.models import User
from app.auth.permissions import path_prefix
from app.extensions import db
from app.hazards import queries, summary
from app.hazards.models import Hazard, HazardLevel, HazardStatus
from app.org.models import Enterprise, Region, RegionLevel
from app.org.queries import town_options

MONTHS_SHOWN = 24
URL_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query string
SUMMARY_FILTERS = frozenset({"town", "industry", "level", "date_from", "date_to"})  # what hazard_summary keys answer


@dataclass
class Counts:
    found: int = 0
    closed: int = 0
    overdue: int = 0  # currently overdue
    closed_on_time: int = 0
    major: int = 0
    referred: int = 0

    def add(self, other: Counts) -> None:
        for k in ("found", "closed", "overdue", "closed_on_time", "major", "referred"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def rate(self) -> float | None:
        """整改率: closed / found."""
        return self.closed / self.found if self.found else None

    @property
    def on_time_rate(self) -> float | None:
        """按期整改率: closed without ever being overdue / closed."""
        return self.closed_on_time / self.closed if self.closed else None


@dataclass
class Dashboard:
    total: Counts
    by_town: list[tuple[Region | None, str, Counts]] = field(default_factory=list)  # (town, path, counts)
    by_industry: list[tuple[str, Counts]] = field(default_factory=list)
    months: list[tuple[date, int, int]] = field(default_factory=list)  # (first day, found, closed)
    source: str = "summary"  # "summary" or "live": which way the numbers were computed


def _all_towns() -> dict[str, Region]:
    return {t.path: t for t in db.session.scalars(select(Region).where(Region.level == RegionLevel.TOWN))}


def _assemble(towns: dict[str, Region], by_town_industry, by_month, source: str) -> Dashboard:
    """The dashboard from (town path, industry, Counts) and (found month, closed month, found, closed) rows."""
    total = Counts()
    per_town: dict[str, Counts] = defaultdict(Counts)
    per_industry: dict[str, Counts] = defaultdict(Counts)
    for town_path, industry, c in by_town_industry:
        total.add(c)
        per_town[town_path].add(c)
        per_industry[industry].add(c)
    found: dict[int, int] = defaultdict(int)
    closed: dict[int, int] = defaultdict(int)
    for found_month, closed_month, n, n_closed in by_month:
        found[found_month] += n
        if closed_month and n_closed:
            closed[closed_month] += n_closed
    by_town = sorted(((towns.get(p), p, c) for p, c in per_town.items() if c.found),
                     key=lambda x: (-x[2].found, x[1]))
    by_industry = sorted(((i, c) for i, c in per_industry.items() if c.found), key=lambda x: (-x[1].found, x[0]))
    keys = sorted(k for k in set(found) | set(closed) if found.get(k) or closed.get(k))
    months = []
    if keys:
        y, m = divmod(keys[0], 100)
        while y * 100 + m <= keys[-1]:
            months.append((date(y, m, 1), found.get(y * 100 + m, 0), closed.get(y * 100 + m, 0)))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return Dashboard(total=total, by_town=by_town, by_industry=by_industry, months=months[-MONTHS_SHOWN:],
                     source=source)


# --- from the summary --------------------------------------------------------------------------------------


def _ends_month(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1


def _below_a_town(path: str, towns: dict[str, Region]) -> bool:
    return any(path.startswith(t) and path != t for t in towns)


@dataclass
class SummaryQuery:
    """The request in the summary's terms: conditions on its keys, and the 排查 months wanted (inclusive,
    yyyymm, None = open)."""

    where: list
    first: int | None
    last: int | None

    def months(self):
        """The month rows of the range (not the year rows)."""
        t = summary.HazardSummary
        return and_(t.found_month % 100 != 0, t.found_month >= (self.first or 1), *(
            [t.found_month <= self.last] if self.last else []))

    def months_and_years(self):
        """The same hazards, whole years read from their year rows (yyyy00) and only partial years by month."""
        t = summary.HazardSummary
        first_year = None if self.first is None else self.first // 100 + (self.first % 100 != 1)
        last_year = None if self.last is None else self.last // 100 - (self.last % 100 != 12)
        if first_year is not None and last_year is not None and first_year > last_year:
            return self.months()
        years = [t.found_month % 100 == 0]
        parts = []
        if first_year is not None:
            years.append(t.found_month >= first_year * 100)
            if self.first is not None and self.first < first_year * 100:  # the first year's later months
                parts.append(and_(t.found_month % 100 != 0, t.found_month >= self.first,
                                  t.found_month < first_year * 100))
        if last_year is not None:
            years.append(t.found_month <= last_year * 100)
            if self.last is not None and self.last > last_year * 100 + 12:  # the last year's first months
                parts.append(and_(t.found_month % 100 != 0, t.found_month > (last_year + 1) * 100,
                                  t.found_month <= self.last))
        return or_(and_(*years), *parts)


def summary_conditions(user: User, f: queries.HazardFilters, towns: dict[str, Region]) -> SummaryQuery | None:
    """The conditions on hazard_summary that select exactly the hazards behind `filtered(user, f)`, or None
    when the request does not map onto the summary's keys (module docstring)."""
    if user.is_enterprise_user or user.scope_path is None:
        return None
    if not set(f.filter_args()) <= SUMMARY_FILTERS:  # any other filter, including one added to the list later
        return None
    t = summary.HazardSummary
    where: list = []
    for prefix in (user.scope_path, f.town):
        if prefix:
            if _below_a_town(prefix, towns):
                return None
            where.append(path_prefix(t.town_path, prefix))  # a bound pattern: an index range
    if f.industry:
        where.append(t.industry == f.industry)
    if f.level:
        where.append(t.level == f.level)
    if f.date_from and f.date_from.day != 1:
        return None
    if f.date_to and not _ends_month(f.date_to) and db.session.scalar(  # an index probe, any scope: found
        select(Hazard.id).where(Hazard.found_on > f.date_to, Hazard.found_on <= month_end(f.date_to)).limit(1)
    ) is not None:  # later that month?
        return None
    return SummaryQuery(where, summary.month_of(f.date_from) or None, summary.month_of(f.date_to) or None)


def build_from_summary(towns: dict[str, Region], q: SummaryQuery) -> Dashboard:
    t = summary.HazardSummary
    s = func.sum
    rows = db.session.execute(
        select(t.town_path, t.industry, s(t.n), s(t.closed), s(t.overdue), s(t.on_time),
               s(case((t.level == HazardLevel.MAJOR, t.n), else_=0)), s(t.referred))
        .where(*q.where, q.months_and_years()).group_by(t.town_path, t.industry)
    ).all()
    # per month: the month rows, grouped in the primary key's order (found_month first: no sort); the few
    # hazards closed more than three months on are keyed by their 销号 month
    within = [s(summary.TABLE.c[f"c{k}"]) for k in range(summary.CLOSED_WITHIN)]
    by_month = db.session.execute(
        select(t.found_month, s(t.n), *within).where(*q.where, q.months()).group_by(t.found_month)
    ).all()
    late = db.session.execute(
        select(t.found_month, t.closed_month, s(t.closed))
        .where(*q.where, q.months(), t.closed_month > 0).group_by(t.found_month, t.closed_month)
    ).all()
    months = []  # (found month, closed month, found, closed) as build_live gives them
    for found_month, n, *within_counts in by_month:
        months.append((found_month, 0, int(n), 0))
        months += [(found_month, summary.add_months(found_month, k), 0, int(c))
                   for k, c in enumerate(within_counts) if c]
    months += [(found_month, closed_month, 0, int(c)) for found_month, closed_month, c in late]
    return _assemble(towns, [(r[0], r[1], _counts(r[2:])) for r in rows], months, "summary")


def build(user: User, f: queries.HazardFilters) -> Dashboard:
    queries.check_scope(user, f)
    towns = _all_towns()
    q = summary_conditions(user, f, towns)
    if q is None:
        return build_live(user, f, towns)
    return build_from_summary(towns, q)


# --- live, over the scoped query -----------------------------------------------------------------------


def _count_columns():
    closed = Hazard.status == HazardStatus.CLOSED
    return (
        func.count(Hazard.id),
        func.sum(case((closed, 1), else_=0)),
        func.sum(case((Hazard.is_overdue.is_(True), 1), else_=0)),
        func.sum(case((and_(closed, Hazard.overdue_at.is_(None)), 1), else_=0)),
        func.sum(case((Hazard.level == HazardLevel.MAJOR, 1), else_=0)),
        func.sum(case((Hazard.status == HazardStatus.REFERRED, 1), else_=0)),
    )


def _counts(row) -> Counts:
    return Counts(*(int(v or 0) for v in row))


def build_live(user: User, f: queries.HazardFilters, towns: dict[str, Region] | None = None) -> Dashboard:
    """The same dashboard aggregated from the hazards themselves (any filter; the fallback and the baseline)."""
    towns = _all_towns() if towns is None else towns
    ids = queries.filtered(user, f).with_only_columns(Hazard.id).order_by(None)
    per_path = db.session.execute(
        select(Hazard.region_path, Enterprise.industry, *_count_columns())
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.id.in_(ids)).group_by(Hazard.region_path, Enterprise.industry)
    ).all()
    town_of = summary.town_paths(db.session(), {r[0] for r in per_path})
    closed = Hazard.status == HazardStatus.CLOSED
    found_month, closed_month = summary.month_sql(Hazard.found_on), summary.month_sql(Hazard.closed_on)
    by_month = db.session.execute(
        select(found_month, closed_month, func.count(), func.sum(case((closed, 1), else_=0)))
        .where(Hazard.id.in_(ids)).group_by(found_month, closed_month)
    ).all()
    return _assemble(
        towns, [(town_of[r[0]], r[1], _counts(r[2:])) for r in per_path], [tuple(int(v) for v in r) for r in by_month],
        "live",
    )


def month_end(d: date) -> date:
    nxt = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
    return nxt - timedelta(days=1)


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    value: int
    href: str
    title: str


def chart(months: list[tuple[date, int, int]], link) -> dict:
    """Geometry of a grouped bar chart (found vs closed per month) for an inline SVG."""
    width, height, pad_l, pad_b, pad_t = 760, 260, 40, 40, 20
    n = max(len(months), 1)
    slot = (width - pad_l - 10) / n
    bar_w = max(min(slot / 2.6, 28), 3)
    top = max([max(f, c) for _, f, c in months] or [1]) or 1
    scale = (height - pad_b - pad_t) / top
    bars, labels = [], []
    for i, (first, f, c) in enumerate(months):
        x0 = pad_l + i * slot + (slot - 2 * bar_w) / 2
        for j, (value, kind) in enumerate(((f, "found"), (c, "closed"))):
            h = value * scale
            bars.append(
                (
                    kind,
                    Bar(
                        x=x0 + j * bar_w,
                        y=height - pad_b - h,
                        w=bar_w - 1,
                        h=h,
                        value=value,
                        href=link(kind, first),
                        title=f"{first:%Y年%m月} {'发现' if kind == 'found' else '销号'} {value}",
                    ),
                )
            )
        labels.append(
            (
                pad_l + i * slot + slot / 2,
                f"{first.month}月" if first.month != 1 or i == 0 else f"{first.year}年1月",
            )
        )
    ticks = [(height - pad_b - v * scale, v) for v in sorted({0, top // 2, top})]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "pad_l": pad_l,
        "base": height - pad_b,
    }


def render_panel(user: User, args) -> str:
    """The hazard panel of /dashboard: this year by default; every figure links to the filtered list."""
    args = args.to_dict() if hasattr(args, "to_dict") else dict(args)
    if "date_from" not in args and "date_to" not in args:
        args["date_from"] = date(clock.today().year, 1, 1).isoformat()
    f = queries.HazardFilters.from_args(args)
    f.page = 1
    board = build(user, f)
    base = f.filter_args()

    index = url_for("hazards.index")

    def link(**kw) -> str:
        # the query string as url_for writes it (same order and quoting), without its routing work per link:
        # a city's panel has ~500 links, url_for cost ~30 ms of them
        args = {**base, **{k: v for k, v in kw.items() if v is not None}}
        return index + ("?" + urlencode(args, safe=URL_SAFE, quote_via=quote_plus) if args else "")

    def month_link(kind: str, first: date) -> str:
        last = month_end(first)
        if kind == "found":
            return link(date_from=first.isoformat(), date_to=last.isoformat())
        return link(status="closed", closed_from=first.isoformat(), closed_to=last.isoformat())

    return render_template(
        "hazards/dashboard.html",
        f=f,
        board=board,
        link=link,
        chart=chart(board.months, month_link),
        towns=town_options(user),
        industries=queries.industries(),
        today=clock.today(),
    )
