"""统计分析 panel of the hazard loop: aggregations over the scoped hazard query (the same filters as the list
page and the ledgers), by town, industry and month, with a server-rendered SVG chart (no CDN). Every number
links to the filtered hazard list."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import render_template, url_for
from sqlalchemy import and_, case, extract, func, select

from app import clock
from app.auth.models import User
from app.extensions import db
from app.hazards import queries
from app.hazards.models import Hazard, HazardStatus
from app.org.models import Enterprise, Region


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


def _count_columns():
    closed = Hazard.status == HazardStatus.CLOSED
    return (
        func.count(Hazard.id),
        func.sum(case((closed, 1), else_=0)),
        func.sum(case((Hazard.is_overdue.is_(True), 1), else_=0)),
        func.sum(case((and_(closed, Hazard.overdue_at.is_(None)), 1), else_=0)),
        func.sum(case((Hazard.level == "重大", 1), else_=0)),
        func.sum(case((Hazard.status == HazardStatus.REFERRED, 1), else_=0)),
    )


def _counts(row) -> Counts:
    return Counts(*(int(v or 0) for v in row))


def build(user: User, f: queries.HazardFilters) -> Dashboard:
    ids = queries.filtered(user, f).with_only_columns(Hazard.id).order_by(None)
    cols = _count_columns()
    total = _counts(db.session.execute(select(*cols).where(Hazard.id.in_(ids))).one())

    # by town: group by the stored region path, roll paths up to their 乡镇/街道
    per_path = db.session.execute(
        select(Hazard.region_path, *cols).where(Hazard.id.in_(ids)).group_by(Hazard.region_path)
    ).all()
    towns = {t.path: t for t in db.session.scalars(select(Region).where(Region.level == "town"))}
    rolled: dict[str, Counts] = defaultdict(Counts)
    for row in per_path:
        parts = row[0].strip("/").split("/")
        town_path = next(
            (p for p in ("/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)) if p in towns),
            row[0],
        )
        rolled[town_path].add(_counts(row[1:]))
    by_town = sorted(((towns.get(p), p, c) for p, c in rolled.items()), key=lambda x: (-x[2].found, x[1]))

    by_industry = [
        (row[0], _counts(row[1:]))
        for row in db.session.execute(
            select(Enterprise.industry, *cols)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
            .where(Hazard.id.in_(ids))
            .group_by(Enterprise.industry)
            .order_by(func.count(Hazard.id).desc())
        )
    ]

    found = {
        (int(y), int(m)): int(n)
        for y, m, n in db.session.execute(
            select(extract("year", Hazard.found_on), extract("month", Hazard.found_on), func.count())
            .where(Hazard.id.in_(ids))
            .group_by(extract("year", Hazard.found_on), extract("month", Hazard.found_on))
        )
    }
    closed = {
        (int(y), int(m)): int(n)
        for y, m, n in db.session.execute(
            select(extract("year", Hazard.closed_on), extract("month", Hazard.closed_on), func.count())
            .where(Hazard.id.in_(ids), Hazard.closed_on.is_not(None))
            .group_by(extract("year", Hazard.closed_on), extract("month", Hazard.closed_on))
        )
    }
    keys = sorted(set(found) | set(closed))
    months = []
    if keys:
        y, m = keys[0]
        while (y, m) <= keys[-1]:
            months.append((date(y, m, 1), found.get((y, m), 0), closed.get((y, m), 0)))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return Dashboard(total=total, by_town=by_town, by_industry=by_industry, months=months[-24:])


def month_end(d: date) -> date:
    nxt = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
    from datetime import timedelta

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

    def link(**kw) -> str:
        return url_for("hazards.index", **{**base, **{k: v for k, v in kw.items() if v is not None}})

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
        towns=queries.towns_for(user),
        industries=queries.industries(),
        today=clock.today(),
    )
