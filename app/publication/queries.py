"""The lists of 公示 entries: the public one (what anybody may read) and the staff one (a jurisdiction's
entries with their deadlines). One predicate says what is public (`shown`); the detail page uses it too.

Both lists grow for years (every decision of every agency): they are read newest first along an index
((status, published_on, id, kind, expires_on) for the public list, (kind, status, published_on, id, …)
with a kind, (region_path, published_on, id) for a jurisdiction) and paged by seeking past the last row
(`after=<date>.<id>`), never by OFFSET; totals are capped (app.paging.capped_count). The title search
goes through the full-text index (app.search: SQLite FTS5, PostgreSQL GIN), never `LIKE '%…%'`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import selectinload

from app import clock, search
from app.auth.models import User
from app.auth.permissions import scope_clause
from app.extensions import db
from app.paging import capped_count, count_label
from app.params import QuerySchema, integer, one_of, text
from app.publication.models import Publication, PublicationStatus

PER_PAGE = 20
CURSOR_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\.\d{1,18}$")
FIRST_YEAR = 2000


def shown(today: date | None = None) -> ColumnElement[bool]:
    """An entry the public may see: published (not withdrawn) and not past its 公示截止期."""
    today = today or clock.today()
    return and_(
        Publication.status == PublicationStatus.PUBLISHED,
        or_(Publication.expires_on.is_(None), Publication.expires_on >= today),
    )


def _cursor_field(description: str):
    from marshmallow import fields, validate

    return fields.Str(
        validate=validate.Regexp(CURSOR_RE, error="格式不正确，应原样使用列表给出的翻页链接"),
        metadata={"description": description},
    )


class PublicArgsSchema(QuerySchema):
    kind = text("公示种类", max_length=40)
    year = integer("公示年度", minimum=FIRST_YEAR, maximum=2100)
    q = text("标题关键词", max_length=50)
    after = _cursor_field("翻页游标（上一页最后一条）")


class StaffArgsSchema(QuerySchema):
    kind = text("公示种类", max_length=40)
    status = one_of("状态", [s.value for s in PublicationStatus])
    after = _cursor_field("翻页游标（上一页最后一条）")


@dataclass
class Page:
    items: list[Publication]
    total: int
    next_after: str | None

    @property
    def total_label(self) -> str:
        return count_label(self.total)


def _after(cursor: str) -> ColumnElement[bool]:
    day_text, ident = cursor.split(".")
    day, row_id = date.fromisoformat(day_text), int(ident)
    # the redundant `published_on <=` is the range both databases seek on (see app.paging.Order._after)
    return and_(
        Publication.published_on <= day,
        or_(Publication.published_on < day, and_(Publication.published_on == day, Publication.id < row_id)),
    )


def _page(stmt: Select, after: str | None, per_page: int, options: tuple = ()) -> Page:
    total = capped_count(stmt)
    if after:
        stmt = stmt.where(_after(after))
    rows = list(
        db.session.scalars(
            stmt.options(*options)
            .order_by(Publication.published_on.desc(), Publication.id.desc())
            .limit(per_page + 1)
        )
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = rows[-1] if rows and more else None
    return Page(rows, total, f"{last.published_on.isoformat()}.{last.id}" if last else None)


def public_query(
    *, kind: str | None = None, year: int | None = None, q: str | None = None, today: date | None = None
) -> Select:
    stmt = select(Publication).where(shown(today))
    if kind:
        stmt = stmt.where(Publication.kind == kind)
    if year:
        stmt = stmt.where(
            Publication.published_on >= date(year, 1, 1), Publication.published_on <= date(year, 12, 31)
        )
    if q and q.strip():
        stmt = stmt.where(search.contains(Publication, q.strip()))
    return stmt


def public_page(values: dict, *, per_page: int = PER_PAGE) -> Page:
    """A page of the public list (values: PublicArgsSchema)."""
    stmt = public_query(kind=values.get("kind"), year=values.get("year"), q=values.get("q"))
    return _page(stmt, values.get("after"), per_page)


def public_entry(publication_id: int) -> Publication | None:
    """The entry for its public detail page, or None if it is not (or no longer) public."""
    return db.session.scalar(select(Publication).where(Publication.id == publication_id, shown()))


def staff_query(user: User, *, kind: str | None = None, status: str | None = None) -> Select:
    """Entries in `user`'s jurisdiction (withdrawn and expired ones too)."""
    stmt = select(Publication).where(scope_clause(user, Publication.region_path))
    if kind:
        stmt = stmt.where(Publication.kind == kind)
    if status:
        stmt = stmt.where(Publication.status == status)
    return stmt


def staff_page(user: User, values: dict, *, per_page: int = 50) -> Page:
    stmt = staff_query(user, kind=values.get("kind"), status=values.get("status"))
    return _page(stmt, values.get("after"), per_page, options=(selectinload(Publication.withdrawn_by),))


def public_fields(publication: Publication) -> list[list[str]]:
    """The fields as the public sees them (pages and exports): masked again under the kind's labels."""
    from app.publication.kinds import find_kind
    from app.publication.masking import mask_fields, mask_text

    kind = find_kind(publication.kind)
    if kind is None:  # a kind no longer registered: mask every value rather than guess
        return [[label, mask_text(value)] for label, value in publication.fields]
    return mask_fields(publication.fields, kind.mask)
