"""Paging for lists that grow to millions of rows: capped counts and keyset (seek) pages.

The pattern every list follows (issue #15; docs/adding-a-domain.md names the worked example):

- **Order by an index.** The list's order is a composite index: a small *partition* column first (e.g.
  `is_overdue`, shown first), then the sort columns, ending in the primary key so the order is total, then
  the columns the filters test (so filters are answered from the index). Each partition value is read by
  its own query `WHERE partition = v ORDER BY sort DESC LIMIT n`: with the partition fixed by equality,
  a date-range filter is a range on the index and every database seeks to it instead of walking the whole
  order. Partitions are read in display order until the page is full.
- **Seek, never skip.** The next page starts strictly after the last row's key (`after=`), the previous
  page strictly before the first row's key (`before=`): the cost of page 1,000 is the cost of page 1.
  A few first pages may still be asked for by number (`page=`, offset inside each partition), up to
  `MAX_OFFSET_PAGE`; deeper numbers are refused with a prompt to go on with 下一页 or to refine the filter.
- **Capped counts.** The total stops at `COUNT_CAP` (shown as "1万+"): nobody pages through more, and
  an exact count of a million rows costs more than the page.

Cursors are plain text, `<partition>.<value>.<id>` (e.g. `1.2026-03-05.1234`): readable, stable across
deployments, and checked by the list's query schema (a malformed one is a 422 naming the parameter).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal_column, or_, select
from sqlalchemy.sql.elements import False_, True_

from app.db import unindexed
from app.extensions import db

COUNT_CAP = 10_000  # counts stop here ("超过1万项"): nobody pages through more, and counting costs
MAX_OFFSET_PAGE = 20  # deepest page reachable by number; beyond, 下一页 (a cursor) or a narrower filter

CURSOR_RE = re.compile(r"^[01]\.\d{4}-\d{2}-\d{2}\.\d{1,18}$")
CURSOR_DESCRIPTION = "游标：上一页最后一条（after）或下一页第一条（before）的排序键，由列表返回，原样传回"


def capped_count(stmt: Select) -> int:
    """min(rows, COUNT_CAP + 1): the subquery selects a constant so an index alone can answer it."""
    inner = stmt.with_only_columns(literal_column("1")).order_by(None).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


def count_label(total: int) -> str:
    """共 N 条, with the cap shown as "1万+"."""
    if total <= COUNT_CAP:
        return str(total)
    return f"{COUNT_CAP // 10_000}万+" if COUNT_CAP % 10_000 == 0 else f"{COUNT_CAP}+"


@dataclass(frozen=True)
class Key:
    """A row's position in a keyset order: (partition flag, sort date, id)."""

    flag: bool
    day: date
    id: int

    def encode(self) -> str:
        return f"{int(self.flag)}.{self.day.isoformat()}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> Key:
        """The key of a cursor string; ValueError when it is not one (schemas check CURSOR_RE first)."""
        if not CURSOR_RE.match(text or ""):
            raise ValueError("游标格式不正确")
        flag, day, ident = text.split(".")
        return cls(flag == "1", date.fromisoformat(day), int(ident))


@dataclass(frozen=True)
class Order:
    """A keyset order: `flag` partitions shown True first, then `day` DESC, then `ident` DESC. `index` is
    the composite index holding exactly that order (SQLite is told to walk it on the dense path: its
    planner otherwise takes a scope prefix for rare, reads the region index and sorts the whole scope)."""

    flag: Any  # boolean column
    day: Any  # date column
    ident: Any  # primary key column
    index: str = ""

    def key_of(self, row) -> Key:
        return Key(bool(getattr(row, self.flag.key)), getattr(row, self.day.key), getattr(row, self.ident.key))

    def _partition(self, stmt: Select, flag: bool) -> Select:
        stmt = stmt.where(self.flag == flag)  # `=`, not `IS`: an index condition on both databases
        if self.index:
            stmt = stmt.with_hint(self.flag.table, f"INDEXED BY {self.index}", "sqlite")
        return stmt

    def _after(self, key: Key) -> ColumnElement[bool]:
        # within one partition: (day, id) < (key.day, key.id), spelled out so both databases seek the index;
        # the redundant `day <=` is the range they seek on: neither derives one from the OR alone with bound
        # parameters, and page 1,000 then walked the partition from its start (0.5–1 s at 1,000,000 rows)
        return and_(self.day <= key.day, or_(self.day < key.day, and_(self.day == key.day, self.ident < key.id)))

    def _before(self, key: Key) -> ColumnElement[bool]:
        return and_(self.day >= key.day, or_(self.day > key.day, and_(self.day == key.day, self.ident > key.id)))

    def forward(self, stmt: Select, n: int, *, after: Key | None = None, offset: int = 0,
                flags: Sequence[bool] = (True, False)) -> list:
        """Up to `n` rows in display order strictly after `after` (or skipping `offset` rows from the
        start), reading one partition at a time."""
        rows: list = []
        for flag in flags:
            if after is not None and flag and not after.flag:
                continue  # the cursor is already past this partition
            part = self.page_query(stmt, flag, after)
            if offset:
                got = list(db.session.scalars(part.offset(offset).limit(n - len(rows))).unique())
                if not got:  # the offset lies beyond this partition: skip its rows in the next one
                    offset -= capped_offset_count(part, offset)
                    continue
                offset = 0
            else:
                got = list(db.session.scalars(part.limit(n - len(rows))).unique())
            rows.extend(got)
            if len(rows) >= n:
                break
        return rows

    def page_query(self, stmt: Select, flag: bool, after: Key | None = None) -> Select:
        """One partition of the dense path, in display order from just after `after` (the statement the
        query-plan tests check: a seek on the order index, no sort)."""
        part = self._partition(stmt, flag)
        if after is not None and after.flag == flag:
            part = part.where(self._after(after))
        return part.order_by(self.day.desc(), self.ident.desc())

    def backward(self, stmt: Select, n: int, *, before: Key, flags: Sequence[bool] = (True, False)) -> list:
        """Up to `n` rows strictly before `before`, returned in display order (the previous page)."""
        rows: list = []
        for flag in reversed(flags):
            if flag is False and before.flag:
                continue  # the cursor is in an earlier partition
            part = self._partition(stmt, flag)
            if before.flag == flag:
                part = part.where(self._before(before))
            part = part.order_by(self.day.asc(), self.ident.asc()).limit(n - len(rows))
            rows.extend(db.session.scalars(part).unique())
            if len(rows) >= n:
                break
        rows.reverse()
        return rows

def capped_offset_count(stmt: Select, offset: int) -> int:
    """How many of the first `offset` rows exist (to carry an offset into the next partition)."""
    inner = stmt.with_only_columns(literal_column("1")).order_by(None).limit(offset).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


@dataclass
class KeysetPage:
    """One page of a keyset list: its rows, the capped total, and the cursors to its neighbours."""

    items: list
    total: int  # capped: COUNT_CAP + 1 means "more than COUNT_CAP"
    next_after: str | None
    prev_before: str | None
    page: int | None = None  # the page number when asked by number (first pages), else None
    total_exact: bool = False  # the total was known exactly (a summary), not counted up to the cap

    @property
    def total_label(self) -> str:
        return str(self.total) if self.total_exact else count_label(self.total)

    @property
    def capped(self) -> bool:
        """More rows than COUNT_CAP were counted: the list asks the reader to narrow the filter."""
        return not self.total_exact and self.total > COUNT_CAP

    @property
    def has_neighbours(self) -> bool:
        return bool(self.next_after or self.prev_before)


SMALL_SET = 3_000  # up to this many matching rows, the database sorts them (see keyset_page)


def keyset_page(stmt: Select, order: Order, per_page: int, *, after: str | None = None, before: str | None = None,
                page: int = 1, flags: Sequence[bool] = (True, False), options: Sequence = (),
                total: int | None = None, total_exact: bool = True, ids_first: bool = False) -> KeysetPage:
    """A page of `stmt` (scoped and filtered, without ORDER BY or loader options) in `order`.

    `after` / `before` are cursors from a previous page; `page` is a page number for the first pages
    (≤ MAX_OFFSET_PAGE, checked by the list's schema); `flags` the partition values the filters allow;
    `options` the loader options of the page's rows; `total` the exact number of matching rows when the
    caller knows it cheaply (a summary table), else it is counted up to COUNT_CAP (`total_exact` False: the
    caller's `total` is such a capped count, COUNT_CAP + 1 meaning more). `ids_first`: on the many-rows path,
    walk for the page's ids alone, then read its rows — for a walk that passes many rows its filters reject
    and whose every test the order index holds (PostgreSQL then reads the index alone for the rejected ones
    instead of each one's table row: a search term whose hits lie far down the order, as a domain's list
    page walks for it on PostgreSQL).

    Two paths, chosen by how many rows match, because no single plan is fast for both:
    - few (≤ SMALL_SET: one enterprise, a 乡镇 + 等级 + 状态): the database reads them through whichever
      index the filters favour and sorts them — walking the order index would pass every row in scope to
      find them. The order is kept off the index (SQLite's unary `+`), or SQLite walks it anyway;
    - many: each partition is walked along the order index from the cursor and stops after the page —
      dense matches come quickly, and sorting them would cost the whole set.
    """
    start = Key.decode(after) if after else None
    end = Key.decode(before) if before else None
    exact = total is not None and total_exact
    if total is None:
        total = capped_count(stmt)
    walk: Any
    if total <= SMALL_SET:
        walk, stmt = _Sorted(order), stmt.options(*options)
    elif ids_first:  # the walk selects the ids alone; the rows are read with their options
        walk, stmt = _IdsFirst(order, stmt.options(*options)), stmt.with_only_columns(order.ident)
    else:
        walk, stmt = order, stmt.options(*options)
    if end is not None:
        rows = walk.backward(stmt, per_page + 1, before=end, flags=flags)
        has_prev = len(rows) > per_page
        rows = rows[-per_page:] if has_prev else rows
        has_next, number = True, None
    else:
        offset = 0 if start else (page - 1) * per_page
        rows = walk.forward(stmt, per_page + 1, after=start, offset=offset, flags=flags)
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        has_prev, number = bool(start) or page > 1, None if start else page
    return KeysetPage(
        items=rows,
        total=total,
        next_after=order.key_of(rows[-1]).encode() if has_next and rows else None,
        prev_before=order.key_of(rows[0]).encode() if has_prev and rows else None,
        page=number,
        total_exact=exact,
    )


class _Sorted:
    """The few-rows path: one query in the full order (flag, day, id), sorted by the database without the
    order index."""

    def __init__(self, order: Order):
        self.order = order

    def _sort(self, *, descending: bool) -> list:
        o = self.order
        # the filters' index reads, the database sorts; a one-partition order's constant flag is not sorted on
        # (PostgreSQL refuses a constant in ORDER BY)
        cols = [unindexed(c) for c in (o.flag, o.day, o.ident) if not isinstance(c, (True_, False_))]
        return [c.desc() if descending else c.asc() for c in cols]

    def _beyond(self, key: Key, *, after: bool) -> ColumnElement[bool]:
        o = self.order
        within = o._after(key) if after else o._before(key)
        other_partition = (o.flag == (not key.flag)) if after == key.flag else false()
        return or_(other_partition, and_(o.flag == key.flag, within))

    def forward(self, stmt: Select, n: int, *, after: Key | None = None, offset: int = 0,
                flags: Sequence[bool] = (True, False)) -> list:
        if after is not None:
            stmt = stmt.where(self._beyond(after, after=True))
        stmt = stmt.order_by(*self._sort(descending=True)).limit(n).offset(offset)
        return list(db.session.scalars(stmt).unique())

    def backward(self, stmt: Select, n: int, *, before: Key, flags: Sequence[bool] = (True, False)) -> list:
        stmt = stmt.where(self._beyond(before, after=False)).order_by(*self._sort(descending=False)).limit(n)
        rows = list(db.session.scalars(stmt).unique())
        rows.reverse()
        return rows


class _IdsFirst:
    """The many-rows path walked for ids (`stmt` selects the order's id column alone), then the page's rows
    read by id with their loader options (`full`), returned in the walk's order."""

    def __init__(self, order: Order, full: Select):
        self.order = order
        self.full = full

    def forward(self, stmt: Select, n: int, **kw) -> list:
        return self._rows(self.order.forward(stmt, n, **kw))

    def backward(self, stmt: Select, n: int, **kw) -> list:
        return self._rows(self.order.backward(stmt, n, **kw))

    def _rows(self, ids: list) -> list:
        if not ids:
            return []
        key = self.order.ident.key
        found = {getattr(r, key): r for r in db.session.scalars(self.full.where(self.order.ident.in_(ids))).unique()}
        return [found[i] for i in ids if i in found]
