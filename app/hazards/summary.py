"""Precomputed hazard counts for 统计分析 (issue #15): `hazard_summary` holds, for every combination of the
dimensions the dashboard filters and groups on, how many issued hazards fall into it and how many of those
are closed, currently overdue, closed on time and referred. The dashboard sums a few hundred of its rows
instead of aggregating a million hazards (app/hazards/stats.py decides when it may).

The key: 排查月份 `found_month` (yyyymm), the hazard's 乡镇/街道 `town_path` (the town region above its
`region_path`, which may be a village; the path itself when no town is above it), the enterprise's
`industry`, the hazard's `level`, and `closed_month`. Drafts (待签发) are not counted, the list's default
rule. 重大 is the `level` key; the rest are counts on the row:
  n         发现 (every issued hazard)          closed    status 已销号
  overdue   is_overdue (currently overdue)     on_time   已销号 and overdue_at is null (never overdue)
  referred  status 已移送立案
  c0 … c3   已销号 with closed_on in the 排查月份 itself, one, two, three months later
The 销号 month is what the closed-per-month chart groups on. As a key it would split every cell by the
month its hazards were closed (2.7× the rows at 1,000,000 hazards); nearly all hazards close within three
months of being found, so those are counted in c0–c3 of the cell, and `closed_month` (yyyymm) is a key
only for a hazard closed later (or dated before it was found): 0 otherwise (never NULL: a NULL in a
unique key never conflicts, so the upsert could not find the row). At 1,000,000 hazards over five years
and 75 towns that is ~42,000 month rows.
Each cell is also summed per year, in a row with found_month yyyy00 (a year's month rows and its year row
are updated by the same upsert): a range of whole years (several years; this year, open-ended) reads
the year rows, ~900 a year for a city, and only a range's partial years read month rows.
A cell that empties keeps its row at zero until the next `flask hazards summary-rebuild`; readers skip
zero rows, and the comparison treats a missing row and a zero row alike.

Kept in the same transaction as every change: an `after_flush` listener on every Session reads the old
values from the attribute history (the key attributes are registered with active history, so a value set
on an expired object is loaded first) and the new values from the objects, nets the -1/+1 of each hazard
into per-key deltas, and applies what is not zero with one multi-row `INSERT … ON CONFLICT DO UPDATE SET
n = n + excluded.n` whose rows are in key order, so two transactions on PostgreSQL lock shared rows in the
same order and never deadlock. A step that moves no hazard between keys (整改中 → 待复查) writes nothing.
What moves one: status, is_overdue, overdue_at, closed_on, level, found_on, region_path, enterprise_id, a
new issued hazard or a deleted one; and an enterprise's industry (the admin's edit, the registry import):
its hazards are re-keyed by one grouped read of them in the same flush. (An enterprise's 属地 does not
matter: a hazard keeps the region_path it was registered with.)

Bulk statements bypass the unit of work, so an ORM-enabled `update(Hazard)` / `delete(Hazard)` that sets a
key column, or an `update(Enterprise)` of the industry, is refused (`SummaryBypassed`) rather than allowed
to leave the counts wrong; write through the objects. `flask hazards summary-rebuild` recomputes the
table from the hazards and reports every difference it fixed; `compare()` is the check the tests run after
every kind of step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import click
from sqlalchemy import Integer, String, Table, and_, case, delete, event, extract, func, inspect, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Precompiled, path_type
from app.extensions import Model, db
from app.hazards.cli import hazards_cli
from app.hazards.models import Hazard, HazardStatus
from app.org.models import Enterprise, Region, RegionLevel

MEASURES = ("n", "closed", "overdue", "on_time", "referred", "c0", "c1", "c2", "c3")
CLOSED_WITHIN = 4  # c0 … c3: closed within this many months of the 排查月份 (else `closed_month` is a key)
KEY = ("found_month", "town_path", "industry", "level", "closed_month")
# the hazard attributes a key or a count is computed from
HAZARD_ATTRS = ("status", "is_overdue", "overdue_at", "closed_on", "level", "found_on", "region_path", "enterprise_id")

Key = tuple[int, str, str, str, int]
Counts = tuple[int, ...]


class HazardSummary(Model):
    """隐患统计汇总: counts of issued hazards per 排查月份, 乡镇/街道, 行业, 等级 and 销号月份 (see the module)."""

    __tablename__ = "hazard_summary"
    # SQLite: the table is its primary key b-tree, so a dashboard's month range is one contiguous read
    __table_args__ = {"sqlite_with_rowid": False}

    found_month: Mapped[int] = mapped_column(Integer, primary_key=True, comment="排查月份（yyyymm）")
    town_path: Mapped[str] = mapped_column(path_type(), primary_key=True, comment="乡镇/街道区划路径")
    industry: Mapped[str] = mapped_column(String(30), primary_key=True, comment="行业/监管类别")
    level: Mapped[str] = mapped_column(String(10), primary_key=True, comment="隐患等级")
    closed_month: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="销号月份（yyyymm；0 = 未销号或排查后三个月内销号，计入 c0–c3）"
    )
    n: Mapped[int] = mapped_column(Integer, default=0, comment="发现隐患数")
    closed: Mapped[int] = mapped_column(Integer, default=0, comment="已销号")
    overdue: Mapped[int] = mapped_column(Integer, default=0, comment="当前逾期")
    on_time: Mapped[int] = mapped_column(Integer, default=0, comment="按期销号（未曾逾期）")
    referred: Mapped[int] = mapped_column(Integer, default=0, comment="已移送立案")
    c0: Mapped[int] = mapped_column(Integer, default=0, comment="排查当月销号")
    c1: Mapped[int] = mapped_column(Integer, default=0, comment="排查次月销号")
    c2: Mapped[int] = mapped_column(Integer, default=0, comment="排查后第2个月销号")
    c3: Mapped[int] = mapped_column(Integer, default=0, comment="排查后第3个月销号")


TABLE = cast(Table, HazardSummary.__table__)


class SummaryBypassed(RuntimeError):
    """A bulk statement would change hazards behind the summary's back."""


def month_of(d: date | None) -> int:
    return d.year * 100 + d.month if d is not None else 0


def month_sql(col):
    """yyyymm of a date column in SQL (0 for NULL), the same number as month_of()."""
    return func.coalesce(sql_cast(extract("year", col) * 100 + extract("month", col), Integer), 0)


def add_months(yyyymm: int, k: int) -> int:
    y, m = divmod(yyyymm, 100)
    y, m = divmod(y * 12 + m - 1 + k, 12)
    return y * 100 + m + 1


def _months_between(found: date, closed: date) -> int:
    return (closed.year - found.year) * 12 + closed.month - found.month


def closed_key(status: str | None, found_on: date, closed_on: date | None) -> tuple[int, int | None]:
    """(closed_month key, c-bucket): a closed hazard closed within CLOSED_WITHIN months of its 排查月份 is
    counted in c<k> of the row with closed_month 0; one closed later keys its own row by its 销号月份."""
    if status != HazardStatus.CLOSED or closed_on is None:
        return 0, None
    k = _months_between(found_on, closed_on)
    return (0, k) if 0 <= k < CLOSED_WITHIN else (month_of(closed_on), None)


# --- 乡镇/街道 of a region path --------------------------------------------------------------------------
# The town paths, read once per process: region paths are immutable codes, towns are few (a city: ~75). The
# set is read again when a region is written in this process (the admin, the seed, a test building its
# world) and when a path has no town above it (a town added by another process).
_towns: set[str] | None = None


def _prefixes(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def _town(path: str) -> str | None:
    assert _towns is not None
    return next((q for q in reversed(_prefixes(path)) if q in _towns), None)


def town_paths(session: Session, region_paths: Iterable[str]) -> dict[str, str]:
    """region_path -> the path of the town region at or above it (itself when there is none)."""
    global _towns
    wanted = {p for p in region_paths if p is not None}
    for attempt in range(2):
        if _towns is None or attempt:
            _towns = set(session.connection().scalars(select(Region.path).where(Region.level == RegionLevel.TOWN)))
        out = {p: _town(p) for p in wanted}
        if all(out.values()):
            break
    return {p: t or p for p, t in out.items()}


def forget_towns() -> None:
    global _towns
    _towns = None


# --- the maintenance -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """The values one hazard is counted from."""

    status: str | None
    is_overdue: bool | None
    overdue_at: Any
    closed_on: date | None
    level: str
    found_on: date
    region_path: str
    enterprise_id: int

    def counted(self) -> bool:
        return self.status not in (None, HazardStatus.DRAFT)

    def closed_key(self) -> tuple[int, int | None]:
        return closed_key(self.status, self.found_on, self.closed_on)

    def counts(self) -> Counts:
        closed = self.status == HazardStatus.CLOSED
        bucket = self.closed_key()[1]
        return (1, int(closed), int(bool(self.is_overdue)), int(closed and self.overdue_at is None),
                int(self.status == HazardStatus.REFERRED), *(int(bucket == k) for k in range(CLOSED_WITHIN)))


def _facts(obj: Hazard, *, old: bool) -> _Facts:
    state = inspect(obj)
    values = {}
    for name in HAZARD_ATTRS:
        if old:
            hist: Any = state.attrs[name].history
            if hist.deleted:
                values[name] = hist.deleted[0]
                continue
            if hist.unchanged:
                values[name] = hist.unchanged[0]
                continue
        values[name] = getattr(obj, name)
    return _Facts(**values)


def _industries_before(session: Session, enterprise_ids: set[int]) -> dict[int, str]:
    """Each enterprise's industry as it was before this flush (a re-key moves its hazards afterwards)."""
    out: dict[int, str] = {}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Enterprise) and obj.id in enterprise_ids:
            hist: Any = inspect(obj).attrs.industry.history
            out[obj.id] = hist.deleted[0] if hist.deleted else obj.industry
    rest = enterprise_ids - out.keys()
    if rest:
        out.update(session.connection().execute(
            select(Enterprise.id, Enterprise.industry).where(Enterprise.id.in_(sorted(rest)))
        ).tuples().all())
    return out


def _add(deltas: dict[Key, list[int]], key: Key, counts: Iterable[int], sign: int) -> None:
    """Count a hazard's values in its month row and in its year row (found_month yyyy00)."""
    counts = list(counts)
    for k in (key, (key[0] // 100 * 100, *key[1:])):
        row = deltas.setdefault(k, [0] * len(MEASURES))
        for i, v in enumerate(counts):
            row[i] += sign * v


def _after_flush(session: Session, _flush_context) -> None:
    if any(isinstance(o, Region) for o in (*session.new, *session.dirty, *session.deleted)):
        forget_towns()
    moves: list[tuple[_Facts, int]] = []  # (facts, +1 / -1)
    for obj in session.new:
        if isinstance(obj, Hazard):
            moves.append((_facts(obj, old=False), 1))
    for obj in session.dirty:
        if isinstance(obj, Hazard):
            state = inspect(obj)
            if any(state.attrs[a].history.has_changes() for a in HAZARD_ATTRS):
                moves.append((_facts(obj, old=True), -1))
                moves.append((_facts(obj, old=False), 1))
    for obj in session.deleted:
        if isinstance(obj, Hazard):
            moves.append((_facts(obj, old=True), -1))
    rekeyed = []
    for obj in session.dirty:
        if isinstance(obj, Enterprise):
            changed: Any = inspect(obj).attrs.industry.history
            if changed.deleted and changed.added and changed.deleted[0] != changed.added[0]:
                rekeyed.append((obj.id, changed.deleted[0], changed.added[0]))
    moves = [(f, sign) for f, sign in moves if f.counted()]
    if not moves and not rekeyed:
        return

    deltas: dict[Key, list[int]] = {}
    if moves:
        industry = _industries_before(session, {f.enterprise_id for f, _ in moves})
        towns = town_paths(session, (f.region_path for f, _ in moves))
        for f, sign in moves:
            key = (month_of(f.found_on), towns[f.region_path], industry[f.enterprise_id], f.level,
                   f.closed_key()[0])
            _add(deltas, key, f.counts(), sign)
    for enterprise_id, old, new in rekeyed:  # the hazards as this flush left them
        rows = _live_rows(session, Hazard.enterprise_id == enterprise_id, industry=False)
        towns = town_paths(session, (r[0] for r in rows))
        for region_path, level, found, closed_month, *counts in rows:
            town = towns[region_path]
            _add(deltas, (found, town, old, level, closed_month), counts, -1)
            _add(deltas, (found, town, new, level, closed_month), counts, 1)
    apply(session, {k: v for k, v in deltas.items() if any(v)})


def apply(session: Session, deltas: dict[Key, list[int]]) -> None:
    """Add `deltas` to the summary rows: one upsert executed for the rows in key order (PostgreSQL takes the
    row locks in that order, so concurrent transactions cannot deadlock on them)."""
    if not deltas:
        return
    rows = [dict(zip(KEY + MEASURES, (*key, *deltas[key]), strict=True)) for key in sorted(deltas)]
    _UPSERT.execute(session.connection(), rows)


def _upsert(insert):
    """INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n, …, with the rows as parameters (as
    literals it would be a new statement on every flush)."""
    stmt = insert(TABLE)
    return stmt.on_conflict_do_update(index_elements=list(KEY), set_={m: TABLE.c[m] + stmt.excluded[m] for m in MEASURES})


_UPSERT = Precompiled(_upsert)  # compiled once per dialect: SQLAlchemy 2.0 does not cache ON CONFLICT


def _refuse_bulk(orm_execute_state) -> None:
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    mapper = orm_execute_state.bind_mapper
    cls = mapper.class_ if mapper is not None else None
    if cls is Hazard and orm_execute_state.is_delete:
        raise SummaryBypassed("隐患统计汇总：请逐条删除隐患（session.delete），批量删除会使统计汇总失准")
    if cls not in (Hazard, Enterprise) or not orm_execute_state.is_update:
        return
    stmt = orm_execute_state.statement
    names = {getattr(k, "key", k) for k in (getattr(stmt, "_values", None) or {})}
    for params in ([orm_execute_state.parameters] if isinstance(orm_execute_state.parameters, dict)
                   else orm_execute_state.parameters or []):
        names |= set(params)
    watched = set(HAZARD_ATTRS) if cls is Hazard else {"industry"}
    if names & watched:
        raise SummaryBypassed(
            f"隐患统计汇总：批量更新 {', '.join(sorted(names & watched))} 会绕过统计汇总的维护，请逐条修改对象"
        )


def _loaded(session: Session, _flush_context, _instances) -> None:
    """A hazard about to be deleted is counted from its values: load them while its row still exists."""
    for obj in session.deleted:
        if isinstance(obj, Hazard):
            _facts(obj, old=True)


def _noop(target, value, oldvalue, initiator) -> None:
    pass


for _attr in (*(getattr(Hazard, a) for a in HAZARD_ATTRS), Enterprise.industry):
    # active history: setting a value on an expired object loads the old one first, so the history knows
    # which key the hazard leaves
    event.listen(_attr, "set", _noop, active_history=True)
event.listen(Session, "before_flush", _loaded)
event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _refuse_bulk)


# --- the live aggregate, the comparison and the repair ------------------------------------------------


def _live_rows(session: Session, *where, industry: bool = True):
    """Issued hazards grouped by (region_path, [industry,] level, found month, closed_month key) with the
    counts, as the summary keeps them."""
    closed = Hazard.status == HazardStatus.CLOSED
    found = month_sql(Hazard.found_on)
    delay = (extract("year", Hazard.closed_on) * 12 + extract("month", Hazard.closed_on)
             - extract("year", Hazard.found_on) * 12 - extract("month", Hazard.found_on))
    soon = and_(closed, Hazard.closed_on.is_not(None), delay >= 0, delay < CLOSED_WITHIN)
    closed_month = case((and_(closed, Hazard.closed_on.is_not(None), ~soon), month_sql(Hazard.closed_on)), else_=0)
    group = [Hazard.region_path, *([Enterprise.industry] if industry else []), Hazard.level, found, closed_month]
    stmt = select(
        *group,
        func.count(),
        func.sum(case((closed, 1), else_=0)),
        func.sum(case((Hazard.is_overdue.is_(True), 1), else_=0)),
        func.sum(case((and_(closed, Hazard.overdue_at.is_(None)), 1), else_=0)),
        func.sum(case((Hazard.status == HazardStatus.REFERRED, 1), else_=0)),
        *(func.sum(case((and_(soon, delay == k), 1), else_=0)) for k in range(CLOSED_WITHIN)),
    ).where(Hazard.status != HazardStatus.DRAFT, *where).group_by(*group)
    if industry:
        stmt = stmt.join(Enterprise, Enterprise.id == Hazard.enterprise_id)
    strings = 3 if industry else 2  # region_path, [industry,] level; then numbers (PostgreSQL sums are big ints)
    return [(*row[:strings], *(int(v) for v in row[strings:])) for row in session.connection().execute(stmt)]


def live(session: Session | None = None) -> dict[Key, Counts]:
    """What the summary should hold, aggregated from the hazards themselves (no zero rows)."""
    session = session or db.session()
    rows = _live_rows(session)
    towns = town_paths(session, {r[0] for r in rows})
    out: dict[Key, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for region_path, industry, level, found, closed_month, *counts in rows:
        _add(out, (found, towns[region_path], industry, level, closed_month), counts, 1)
    return {k: tuple(v) for k, v in out.items()}


def stored(session: Session | None = None) -> dict[Key, Counts]:
    """The summary table's rows (zero rows left out)."""
    session = session or db.session()
    t = TABLE
    return {
        tuple(row[: len(KEY)]): tuple(int(v) for v in row[len(KEY):])
        for row in session.connection().execute(select(*(t.c[c] for c in KEY + MEASURES)))
        if any(row[len(KEY):])
    }


@dataclass
class Difference:
    key: Key
    stored: Counts | None
    live: Counts | None

    def describe(self) -> str:
        found, town, industry, level, closed = self.key
        where = f"{found // 100}年{found % 100}月 {town} {industry} {level}" + (f" {closed}销号" if closed else "")
        return f"{where}：汇总 {self.stored or '无'} → 实际 {self.live or '无'}"


def compare(session: Session | None = None) -> list[Difference]:
    """Every key on which the summary differs from the hazards (empty when they agree exactly)."""
    session = session or db.session()
    have, want = stored(session), live(session)
    return [Difference(k, have.get(k), want.get(k)) for k in sorted(have.keys() | want.keys())
            if have.get(k) != want.get(k)]


def rebuild(session: Session | None = None) -> list[Difference]:
    """Recompute the table from the hazards in this transaction; the differences it fixed. On PostgreSQL the
    table is locked first, so a step committing meanwhile lands either before the read or on top of it."""
    session = session or db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text("LOCK TABLE hazard_summary IN EXCLUSIVE MODE"))
    fixed = compare(session)
    session.connection().execute(delete(TABLE))
    want = live(session)
    if want:
        session.connection().execute(
            TABLE.insert(),
            [dict(zip(KEY + MEASURES, (*k, *v), strict=True)) for k, v in sorted(want.items())],
        )
    return fixed


@hazards_cli.command("summary-rebuild")
def summary_rebuild_command() -> None:
    """重建隐患统计汇总（hazard_summary），并报告修正了哪些差异。"""
    fixed = rebuild()
    db.session.commit()
    if not fixed:
        click.echo("隐患统计汇总与隐患数据一致，无需修正。")
        return
    click.echo(f"隐患统计汇总已重建，修正 {len(fixed)} 处差异：")
    for d in fixed[:50]:
        click.echo("  " + d.describe())
    if len(fixed) > 50:
        click.echo(f"  ……另有 {len(fixed) - 50} 处")

