"""Scoped credit queries. ONE filter object (ListingFilters, read through app.credit.schemas.ListingArgsSchema)
serves the list page, /api/v1/credit/listings, the ledger export and the dashboard panel's links, so an export
holds exactly the rows filtered on screen.

Scope: `scope_clause(user, region_path, enterprise_id)` as for the penalty cases — staff see their
jurisdiction; an enterprise account sees its own listings only, and only from the 列入告知书's service on
(a listing still 拟列入, or whose notice is not yet served, is internal). The list is newest proposal first
(proposed_on DESC, id DESC) with keyset pages (app.paging) and a capped count. Listings are few (a county
lists a handful a year), so the order is one partition; the text filter (`q`) looks for the subject's or the
listed person's name among the first TEXT_WINDOW listings of the list, never a scan of every enterprise."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, false, or_, select, true
from sqlalchemy.orm import joinedload

from app import paging
from app.auth.models import User
from app.auth.permissions import path_prefix, scope_clause
from app.credit.models import Accident, CreditListing, ListingStatus
from app.credit.schemas import PER_PAGE
from app.errors import ValidationFailed
from app.extensions import db
from app.org.models import Enterprise
from app.params import ListFilters

# --- for other domains and the enterprise banner (helper "effects"): listings in force -------------------


def _head_only_codes() -> list[str]:
    from app.credit import criteria

    return [c.code for c in criteria.criteria().items if c.head_only]


def active_listing(enterprise_id: int) -> CreditListing | None:
    """The enterprise's listing in force (已列入), the latest one if several; None when it is not listed.
    Not scoped: what is in force is public (the 公示 page shows it). A listing of its main 负责人 alone
    (第五项) does not list the enterprise: not counted here (head_listed_ids)."""
    return db.session.scalar(
        select(CreditListing)
        .where(
            CreditListing.enterprise_id == enterprise_id,
            CreditListing.status == ListingStatus.LISTED,
            CreditListing.criterion.not_in(_head_only_codes()),
        )
        .order_by(CreditListing.term_start.desc(), CreditListing.id.desc())
        .limit(1)
    )


def listed_ids(enterprise_ids: Iterable[int]) -> set[int]:
    """Which of `enterprise_ids` are themselves listed (a listing in force, not one of the main 负责人
    alone) — one query (ix_credit_listings_enterprise)."""
    return _in_force(enterprise_ids, head_only=False)


def head_listed_ids(enterprise_ids: Iterable[int]) -> set[int]:
    """Which of `enterprise_ids` have their main 负责人 listed alone (第五项) in force."""
    return _in_force(enterprise_ids, head_only=True)


def _in_force(enterprise_ids: Iterable[int], *, head_only: bool) -> set[int]:
    ids = {int(i) for i in enterprise_ids if i is not None}
    if not ids:
        return set()
    codes = _head_only_codes()
    which = CreditListing.criterion.in_(codes) if head_only else CreditListing.criterion.not_in(codes)
    return set(
        db.session.scalars(
            select(CreditListing.enterprise_id)
            .where(CreditListing.enterprise_id.in_(ids), CreditListing.status == ListingStatus.LISTED, which)
            .distinct()
        )
    )


def is_listed(enterprise_id: int) -> bool:
    return bool(listed_ids([enterprise_id]))


TEXT_WINDOW = 5_000
NO_SUCH_ENTERPRISE = "不存在或不在您的管辖范围内"


@dataclass
class ListingFilters(ListFilters):
    q: str = ""
    status: str = ""
    criterion: str = ""
    town: str = ""  # region path prefix (乡镇/街道)
    enterprise_id: int | None = None
    page: int = 1
    after: str = ""
    before: str = ""

    @classmethod
    def from_args(cls, args) -> ListingFilters:
        """The filters of a query string (page, API, ledger): a bad value raises ValidationFailed (422)."""
        from app import params
        from app.credit.schemas import ListingArgsSchema

        v = params.check(ListingArgsSchema, args)
        return cls(
            q=(v.get("q") or "").strip(),
            status=v.get("status", ""),
            criterion=v.get("criterion", ""),
            town=(v.get("town") or "").strip(),
            enterprise_id=v.get("enterprise_id"),
            page=v["page"],
            after=v.get("after", ""),
            before=v.get("before", ""),
        )


def is_staff(user: User) -> bool:
    return not user.is_enterprise_user and user.scope_path is not None


def scoped(user: User) -> Select:
    """Listings in the user's data scope; an enterprise account sees its own once the 列入告知书 is served."""
    clause = scope_clause(user, CreditListing.region_path, CreditListing.enterprise_id)
    if user.is_enterprise_user:
        return select(CreditListing).where(
            clause,
            CreditListing.notice_served_on.is_not(None),
            CreditListing.status != ListingStatus.PROPOSED,
        )
    return select(CreditListing).where(clause)


def _without_text(stmt: Select, f: ListingFilters) -> Select:
    if f.status:
        stmt = stmt.where(CreditListing.status == f.status)
    if f.criterion:
        stmt = stmt.where(CreditListing.criterion == f.criterion)
    if f.town:
        stmt = stmt.where(path_prefix(CreditListing.region_path, f.town))
    if f.enterprise_id:
        stmt = stmt.where(CreditListing.enterprise_id == f.enterprise_id)
    return stmt


def apply_filters(stmt: Select, f: ListingFilters) -> Select:
    stmt = _without_text(stmt, f)
    if f.q:
        window = (
            stmt.with_only_columns(CreditListing.id)
            .order_by(CreditListing.proposed_on.desc(), CreditListing.id.desc())
            .limit(TEXT_WINDOW)
            .subquery()
        )
        # the window's listings joined to their enterprise by primary key: never a scan of every enterprise
        in_window = (
            select(CreditListing.id)
            .join(Enterprise, Enterprise.id == CreditListing.enterprise_id)
            .where(
                CreditListing.id.in_(select(window.c.id)),
                or_(
                    Enterprise.name.contains(f.q, autoescape=True),
                    CreditListing.person_name.contains(f.q, autoescape=True),
                ),
            )
        )
        stmt = stmt.where(CreditListing.id.in_(in_window))
    return stmt


def check_scope(user: User, f: ListingFilters) -> None:
    """An enterprise outside the user's scope is a bad filter value (422, as an unknown id)."""
    from app.org.queries import enterprise_label

    if f.enterprise_id is not None and enterprise_label(user, f.enterprise_id) is None:
        raise ValidationFailed(
            f"查询参数有误：列入主体 {NO_SUCH_ENTERPRISE}", field_errors={"enterprise_id": NO_SUCH_ENTERPRISE}
        )


def filtered(user: User, f: ListingFilters) -> Select:
    """The listings `user` may see under the filters (list page, API, ledger). 审查中 (the enterprise's word
    for 核查中/待决定/待送达, app.credit.view) filters the three; an enterprise account asking for one of them
    gets the three as well — its list never tells them apart."""
    from app.credit.view import REVIEW_STATUSES, UNDER_REVIEW

    check_scope(user, f)
    stmt = scoped(user)
    if f.status == UNDER_REVIEW or (user.is_enterprise_user and f.status in REVIEW_STATUSES):
        stmt = stmt.where(CreditListing.status.in_(REVIEW_STATUSES))
        f = dataclasses.replace(f, status="")
    return apply_filters(stmt, f)


class _OnePartition(paging.Order):
    """The list's keyset order without a partition flag: every listing is in the one partition `True`
    (cursors read `1.<proposed_on>.<id>`)."""

    def key_of(self, row) -> paging.Key:
        return paging.Key(True, row.proposed_on, row.id)

    def _partition(self, stmt: Select, flag: bool) -> Select:
        return stmt if flag else stmt.where(false())


LIST_ORDER = _OnePartition(flag=true(), day=CreditListing.proposed_on, ident=CreditListing.id)
LIST_FLAGS: Sequence[bool] = (True,)
LIST_OPTIONS = (joinedload(CreditListing.enterprise).load_only(Enterprise.id, Enterprise.name),)


def listing_page(user: User, f: ListingFilters, per_page: int = PER_PAGE) -> paging.KeysetPage:
    """A page of the list (newest proposal first); the total counted up to app.paging.COUNT_CAP."""
    return paging.keyset_page(
        filtered(user, f),
        LIST_ORDER,
        per_page,
        after=f.after or None,
        before=f.before or None,
        page=f.page,
        flags=LIST_FLAGS,
        options=LIST_OPTIONS,
    )


def scoped_get(user: User, listing_id: int) -> CreditListing | None:
    """The listing if the user may see it (None → 404: no existence leak across counties or enterprises)."""
    return db.session.scalar(scoped(user).where(CreditListing.id == listing_id))


def count(user: User, status: ListingStatus | str) -> int:
    return paging.capped_count(scoped(user).where(CreditListing.status == status))


# --- accidents (事故登记): internal, staff only -----------------------------------------------------------


def scoped_accidents(user: User) -> Select:
    if user.is_enterprise_user:
        return select(Accident).where(false())
    return select(Accident).where(scope_clause(user, Accident.region_path, Accident.enterprise_id))


@dataclass
class AccidentPage:
    items: list
    total: int
    page: int
    pages: int


def accident_page(
    user: User, enterprise_id: int | None = None, page: int = 1, per_page: int = PER_PAGE
) -> AccidentPage:
    stmt = scoped_accidents(user)
    if enterprise_id:
        stmt = stmt.where(Accident.enterprise_id == enterprise_id)
    total = paging.capped_count(stmt)
    pages = max(1, -(-min(total, paging.COUNT_CAP) // per_page))
    rows = db.session.scalars(
        stmt.options(joinedload(Accident.enterprise))
        .order_by(Accident.occurred_on.desc(), Accident.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AccidentPage(list(rows), total, page, pages)


def scoped_accident(user: User, accident_id: int) -> Accident | None:
    return db.session.scalar(scoped_accidents(user).where(Accident.id == accident_id))


def accidents_by_id(ids: list[int]) -> list[Accident]:
    if not ids:
        return []
    return list(db.session.scalars(select(Accident).where(Accident.id.in_([int(i) for i in ids]))))
