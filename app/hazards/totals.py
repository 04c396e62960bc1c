"""The hazard list's exact total from `hazard_summary` (issue #15).

A capped count has to find 10,001 matching rows: cheap when most rows in scope match, but a filter that
few rows match across a city (重大, 已移送立案, 当前逾期, one month) reads the whole scope's range of an
index to find them — hundreds of milliseconds at 1,000,000 hazards. The dashboard's summary already holds
those numbers per 乡镇, 行业, 等级 and 排查月份, kept in the same transaction as every step and compared with
the hazards by the tests; the list reads its total there whenever the dashboard could (the same conditions,
app.hazards.stats.summary_conditions) and the status or overdue filter is one of the summary's counts. The
total is then exact (no "1万+") and it also tells app.paging which path is fast: few rows are sorted by
the database, many are walked along the list's index.

A search term with at most a 乡镇 filter is counted in the full-text index (app.hazards.search.count: the
index holds each hazard's region path prefixes) unless an enterprise's name contains it.

Anything else — a search term with other filters, an enterprise, a source, 曾经逾期, a 销号日期 range, a single status other
than 已销号 / 已移送立案, 当前逾期 together with a status, an enterprise user — is counted (capped) instead.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from app import paging
from app.auth.models import User
from app.extensions import db
from app.hazards import queries, stats, summary
from app.hazards import search as hazard_search
from app.hazards.models import HazardStatus


def _measure(f: queries.HazardFilters):
    """The summary count that equals the list under the status / overdue filter, or None."""
    t = summary.HazardSummary
    if f.overdue == "1":
        return t.overdue if not f.status else None
    if f.overdue:
        return None  # 曾经逾期: not a count of the summary
    return {
        "": t.n,
        "closed": t.closed,
        str(HazardStatus.CLOSED): t.closed,
        "referred": t.referred,
        str(HazardStatus.REFERRED): t.referred,
        "open": t.n - t.closed - t.referred,
    }.get(f.status)


def _search_total(user: User, f: queries.HazardFilters) -> int | None:
    """A search term with no filter but the 乡镇 (and the default: no drafts), for a staff user: counted in
    the full-text index (its scope words), app.hazards.search.count, up to app.paging.COUNT_CAP + 1."""
    rest = replace(f, q="", town="", page=1, after="", before="")
    if rest.filter_args() or user.is_enterprise_user or user.scope_path is None:
        return None
    return hazard_search.count(f.q, [*hazard_search.scope_of(user), f.town], cap=paging.COUNT_CAP)


def list_total(user: User, f: queries.HazardFilters) -> tuple[int, bool] | None:
    """The list's total when it is cheap to know, and whether it is exact: from the summary, or for a search
    term from the full-text index (more than app.paging.COUNT_CAP: COUNT_CAP + 1, not exact); None: the
    list counts its rows itself, capped."""
    if f.q:
        n = _search_total(user, f)
        return None if n is None else (n, n <= paging.COUNT_CAP)
    n = exact_total(user, f)
    return None if n is None else (n, True)


def exact_total(user: User, f: queries.HazardFilters) -> int | None:
    """How many hazards `filtered(user, f)` holds, from the summary (or, for a search, the full-text index);
    None when it cannot say exactly."""
    if f.q:
        n = _search_total(user, f)
        return n if n is not None and n <= paging.COUNT_CAP else None
    if f.closed_from or f.closed_to:
        return _closed_total(user, f)
    measure = _measure(f)
    if measure is None:
        return None
    q = stats.summary_conditions(user, replace(f, status="", overdue="", page=1, after="", before=""),
                                 stats._all_towns())  # noqa: SLF001
    if q is None:
        return None
    return int(db.session.scalar(select(func.coalesce(func.sum(measure), 0)).where(*q.where, q.months_and_years())))


def _closed_total(user: User, f: queries.HazardFilters) -> int | None:
    """已销号 in whole 销号 months (the dashboard's 销号 bars link here): the summary keeps a cell's hazards
    closed within CLOSED_WITHIN months of its 排查月份 as counts c0…c3 and later ones under their 销号 month,
    so the hazards closed in months [first, last] are Σ_k c_k of the 排查 months [first − k, last − k] plus
    the late rows of those 销号 months. Only without a 排查日期 range (the cells are by 排查 month)."""
    if f.status not in ("closed", str(HazardStatus.CLOSED)) or f.overdue or f.date_from or f.date_to:
        return None
    if not f.closed_from or not f.closed_to or f.closed_from.day != 1 or not stats._ends_month(f.closed_to):  # noqa: SLF001
        return None
    q = stats.summary_conditions(user, replace(f, status="", closed_from=None, closed_to=None, page=1, after="",
                                               before=""), stats._all_towns())  # noqa: SLF001
    if q is None:
        return None
    t = summary.HazardSummary
    first, last = summary.month_of(f.closed_from), summary.month_of(f.closed_to)
    month_rows = t.found_month % 100 != 0
    total = 0
    for k in range(summary.CLOSED_WITHIN):
        c = summary.TABLE.c[f"c{k}"]
        total += db.session.scalar(select(func.coalesce(func.sum(c), 0)).where(
            *q.where, month_rows, t.closed_month == 0,
            t.found_month.between(summary.add_months(first, -k), summary.add_months(last, -k))))
    total += db.session.scalar(select(func.coalesce(func.sum(t.closed), 0)).where(
        *q.where, month_rows, t.closed_month.between(first, last)))
    return int(total)

