"""Hazard search (issue #15): a hazard is found by its code, location or description, or by its
enterprise's name, through the databases' full-text indexes (app.search: character bigrams, so one- and
two-character Chinese terms are found, and the results are those of `LIKE '%term%'` on the normalised
text, identical on SQLite and PostgreSQL).

Enterprise names get an index of their own rather than a `LIKE` on the (small) enterprises table: the
same normalisation then applies to every field (ＹＨ = yh, full-width brackets = ASCII ones), which a
`LIKE` would do differently on each database (case, full-width forms).
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from sqlalchemy import ColumnElement, any_, case, func, or_, select, union_all
from sqlalchemy.orm import aliased

from app import search
from app.auth.models import User
from app.auth.permissions import path_prefix
from app.extensions import db
from app.hazards.cli import hazards_cli
from app.hazards.models import Hazard, HazardStatus
from app.org.models import Enterprise
from app.search.text import terms

FIELDS = ("code", "location", "description")
HAZARDS = search.register(Hazard, "hazard_search", FIELDS, scope="region_path")
ENTERPRISES = search.register(Enterprise, "enterprise_search", ("name",))


def clause(q: str, within: Sequence[str] = (), *, walk: bool = False) -> ColumnElement[bool]:
    """Hazards whose code, location or description contains `q`, or whose enterprise's name does: one
    `IN` over the union of both id sets, so each database starts from the index hits (an `OR` of two
    `IN`s makes PostgreSQL scan every hazard).

    `within`: region path prefixes (the user's scope, a 乡镇 filter) the hazard's region_path starts with,
    tested inside the hazard index (its scope words), so a county's search reads only the county's hits.
    A prefilter: the caller's query keeps its own scope conditions; the enterprise-name hits are not
    narrowed (an enterprise's region need not be its hazards').

    `walk`: the caller walks the list's index and stops after a page, and the term has many hits
    (app.paging's path for more than SMALL_SET rows). PostgreSQL then gets `<the hazard's body holds the
    term> OR enterprise_id = ANY(names)`: each walked hazard's row of the index table is read by its id and
    its body tested (app.search.body_has), so the walk costs what it walks, not what the term hits (配
    city-wide: 66,086 hits, which hashed took 70 ms for one page). Given the union instead, PostgreSQL
    estimates 200 hits (its default for a set it cannot see into), reads every hit's hazard by primary key
    and sorts them: 配电 city-wide, 22,238 reads, 123 ms where the walk takes about 20."""
    within = narrowing(within)
    own, names = search.matching(Hazard, q, within), search.matching(Enterprise, q)
    if own is None or names is None:
        return Hazard.id.is_not(None)  # an empty term: every hazard
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if walk and postgres:  # each walked hazard's own row of the index read, or the hits hashed once
        hit = search.body_has(Hazard, q, Hazard.id)
        return or_(Hazard.id.in_(own) if hit is None else hit,
                   Hazard.enterprise_id == any_(func.array(names.scalar_subquery())))
    other = aliased(Hazard)  # not the outer query's hazards (no correlation)
    if postgres:
        # `= ANY(ARRAY(…))`: the enterprises' hazards through ix_hazards_enterprise_id. With `IN (…)` PostgreSQL
        # estimates the many enterprises of a common word and hash-joins them with every hazard (a full scan)
        named = other.enterprise_id == any_(func.array(names.scalar_subquery()))
    else:
        named = other.enterprise_id.in_(names)
    by_name = select(other.id).where(named, *(path_prefix(other.region_path, p) for p in within if p))
    return Hazard.id.in_(union_all(own, by_name))


def count(q: str, within: Sequence[str] = (), *, cap: int) -> int | None:
    """How many hazards that are not drafts (待签发) and lie under every prefix of `within` contain `q`,
    up to `cap` + 1 (= more than `cap`), counted in the index without reading a hazard row for each hit;
    None when the index cannot say: an empty term, a prefix that is not a whole path ("/"-ended), or a term
    that some enterprise's name contains (its hazards are rows to read: the list counts them, capped) —
    unless the hazards' own hits already exceed `cap`: then the list holds more than `cap` too.

    SQLite counts in its FTS table up to the cap. On PostgreSQL each hit's body, kept in the index table's
    row, holds the term (app.search.store): a term of three or more characters, and any term city-wide, is
    counted only up to the cap, in the index table alone (消防通道 city-wide: 14 ms; a common term such as 配
    or YH2024 read in table order, each row's body tested before its tsvector is read back out of line). A
    shorter term within a scope is counted whole in the index's bitmap: read in order, every row whose body
    passed would have its tsvector read back for the scope word."""
    prefixes = narrowing(within)
    if not all(search.scope_word(p) for p in prefixes):
        return None
    own, names = search.matching(Hazard, q, prefixes), search.matching(Enterprise, q)
    if own is None or names is None:
        return None
    named = db.session.scalar(names.limit(1)) is not None
    # drafts are few (an officer's 待签发): their ids through the status index, tested in the same pass
    drafts = list(db.session.scalars(
        select(Hazard.id).where(Hazard.status == HazardStatus.DRAFT, *(path_prefix(Hazard.region_path, p) for p in prefixes))
        .limit(DRAFTS_INLINE + 1)
    ))
    postgres = db.session.get_bind().dialect.name == "postgresql"
    # counted up to the cap where the hits come soon: always on SQLite (FTS5 yields its matches one by one:
    # YH2024 city-wide, 205,263 of them, 48 ms whole, 11 ms to the cap); on PostgreSQL for a term of three or
    # more characters, or any term city-wide (the index table read in order tests each row's body before its
    # tsvector is read back), not a shorter term within a scope (its scope word is in the tsvector, read back
    # for every row the body passes: the bitmap counts it whole instead)
    limited = not postgres or len(terms(q)[0]) > 1 or not prefixes
    if limited and len(drafts) <= DRAFTS_INLINE:
        own = own.limit(cap + 1 + len(drafts))  # more than `cap` that are not drafts, if it fills up
    n = min(_count(own, drafts), cap + 1)
    if named:  # the own hits are a lower bound: enough only when they alone exceed the cap
        return n if n > cap else None
    return n


def _count(own, drafts: list[int]) -> int:
    hit = own.selected_columns[0]
    if len(drafts) > DRAFTS_INLINE:  # many: a second pass, the hits among all drafts
        n = db.session.scalar(select(func.count()).select_from(own.subquery())) or 0
        in_drafts = db.session.scalar(select(func.count()).select_from(
            own.where(hit.in_(select(Hazard.id).where(Hazard.status == HazardStatus.DRAFT))).subquery())) or 0
        return n - in_drafts
    if not drafts:
        return db.session.scalar(select(func.count()).select_from(own.subquery())) or 0
    found = own.add_columns(case((hit.in_(drafts), 1), else_=0).label("draft")).subquery()
    n, in_drafts = db.session.execute(select(func.count(), func.coalesce(func.sum(found.c.draft), 0))).one()
    return int(n) - int(in_drafts)


DRAFTS_INLINE = 500  # up to this many drafts in scope, their ids are a literal list in the count's one pass


def narrowing(within: Sequence[str]) -> list[str]:
    """The prefixes of `within` that some hazard lies outside (two seeks on the region index): a prefix
    every hazard lies under (a city-wide user in a city's deployment) would only make the full-text query
    read a word present in every document."""
    out = []
    for p in within:
        if not p:
            continue
        if not search.scope_word(p):  # not a whole path: kept (the caller then does not count in the index)
            out.append(p)
            continue
        upper = p[:-1] + chr(ord(p[-1]) + 1)  # the paths under p are [p, upper) in binary / C collation order
        if any(db.session.scalar(select(Hazard.id).where(c).limit(1)) is not None
               for c in (Hazard.region_path < p, Hazard.region_path >= upper)):
            out.append(p)
    return out


def scope_of(user: User) -> list[str]:
    """The region path prefix of `user`'s data scope for `clause(within=…)` (none: the whole city, or an
    enterprise user, whose scope is an enterprise and stays with the list's own condition)."""
    if user.is_enterprise_user or not user.scope_path:
        return []
    return [user.scope_path]


@hazards_cli.command("search-rebuild")
def search_rebuild_command() -> None:
    """重建隐患检索索引（编号、部位、描述、企业名称）：修复绕过应用直接改库后的索引。"""
    conn = db.session.connection()
    for index in (HAZARDS, ENTERPRISES):
        search.rebuild_timed(conn, index, echo=click.echo)
    db.session.commit()
    click.echo("检索索引已重建。")
