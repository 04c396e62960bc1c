"""Scoped hazard queries. One filter object serves the list page, the Excel ledgers and the dashboard
links, so an export contains exactly the rows filtered on screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app import clock, paging
from app.auth.models import User
from app.auth.permissions import path_prefix, scope_clause
from app.db import likely
from app.extensions import db
from app.hazards import search as hazard_search
from app.hazards.models import OPEN_STATUSES, Hazard, HazardStatus, RectificationOrder
from app.org.models import INDUSTRIES, Department, Enterprise
from app.params import ListFilters

PER_PAGE = 50

OVERDUE_FILTERS = {"1": "当前逾期", "ever": "曾经逾期"}  # the `overdue` filter's values
STATUS_GROUPS = {
    "open": ("未销号（治理中）", OPEN_STATUSES),
    "closed": ("已销号", (HazardStatus.CLOSED,)),
    "referred": ("已移送立案", (HazardStatus.REFERRED,)),
}


@dataclass
class HazardFilters(ListFilters):
    q: str = ""
    enterprise_id: int | None = None
    town: str = ""  # region path prefix (乡镇/街道)
    industry: str = ""
    level: str = ""
    status: str = ""  # a HazardStatus value or a STATUS_GROUPS key
    source: str = ""
    overdue: str = ""  # "1" = currently overdue, "ever" = was overdue at some point
    date_from: date | None = None  # 排查日期 range
    date_to: date | None = None
    closed_from: date | None = None  # 销号日期 range (dashboard links)
    closed_to: date | None = None
    page: int = 1  # a first page by number (≤ app.paging.MAX_OFFSET_PAGE); deeper pages use the cursors
    after: str = ""  # keyset cursor: the rows after this key (下一页)
    before: str = ""  # keyset cursor: the rows before this key (上一页)

    @classmethod
    def from_args(cls, args) -> HazardFilters:
        """The filters of a query string (page, API, ledger, dashboard), validated by the list's one schema
        (app.hazards.schemas.HazardArgsSchema): a bad value raises ValidationFailed (422)."""
        from app import params
        from app.hazards.schemas import HazardArgsSchema  # the schema module imports this one

        v = params.check(HazardArgsSchema, args)
        return cls(
            q=(v.get("q") or "").strip(),
            enterprise_id=v.get("enterprise_id"),
            town=(v.get("town") or "").strip(),
            industry=(v.get("industry") or "").strip(),
            level=v.get("level", ""),
            status=v.get("status", ""),
            source=v.get("source", ""),
            overdue=v.get("overdue", ""),
            date_from=v.get("date_from"),
            date_to=v.get("date_to"),
            closed_from=v.get("closed_from"),
            closed_to=v.get("closed_to"),
            page=v["page"],
            after=v.get("after", ""),
            before=v.get("before", ""),
        )

    def period_label(self) -> str:
        """统计区间 line of the ledgers."""
        if self.date_from or self.date_to:
            a = self.date_from.isoformat() if self.date_from else "最早"
            b = self.date_to.isoformat() if self.date_to else clock.today().isoformat()
            return f"排查日期 {a} 至 {b}"
        if self.closed_from or self.closed_to:
            a = self.closed_from.isoformat() if self.closed_from else "最早"
            b = self.closed_to.isoformat() if self.closed_to else clock.today().isoformat()
            return f"销号日期 {a} 至 {b}"
        return f"全部（截至 {clock.today().isoformat()}）"


def scoped(user: User) -> Select:
    """Hazards in the user's data scope; enterprises never see drafts (not yet issued to them)."""
    stmt = select(Hazard).where(scope_clause(user, Hazard.region_path, Hazard.enterprise_id))
    if user.is_enterprise_user:
        stmt = stmt.where(Hazard.status != HazardStatus.DRAFT)
    return stmt


def apply_filters(
    stmt: Select, f: HazardFilters, *, include_drafts: bool = False, within: Sequence[str] = (),
    search_walks: bool = False,
) -> Select:
    """`within`: the region path prefix of the user's scope, given to the search term's index (a prefilter);
    `search_walks`: the list walks its index for a term with many hits (app.hazards.search.clause's `walk`)."""
    if not include_drafts and f.status != HazardStatus.DRAFT:
        stmt = stmt.where(Hazard.status != HazardStatus.DRAFT)
    if f.q:  # the full-text indexes: what LIKE '%q%' finds in the normalised fields (app.hazards.search),
        # only the hits under the scope and the 乡镇 (scope words in the index: no hazard row read for others)
        stmt = stmt.where(hazard_search.clause(f.q, within=[*within, f.town], walk=search_walks))
    if f.enterprise_id:
        stmt = stmt.where(Hazard.enterprise_id == f.enterprise_id)
    if f.town:
        stmt = stmt.where(path_prefix(Hazard.region_path, f.town))
    if (
        f.industry
    ):  # the scope's hazards, each tested against the industry's enterprises; `likely`: an industry
        # holds a tenth of a city, so SQLite must not read every hazard of its enterprises city-wide to find a 乡镇's
        stmt = stmt.where(
            likely(Hazard.enterprise_id.in_(select(Enterprise.id).where(Enterprise.industry == f.industry)))
        )
    if f.level:
        stmt = stmt.where(Hazard.level == f.level)
    if f.status in STATUS_GROUPS:
        cond = Hazard.status.in_([str(s) for s in STATUS_GROUPS[f.status][1]])
        # 已销号 is most hazards: told so, SQLite seeks a date range instead of every closed hazard
        stmt = stmt.where(likely(cond) if f.status == "closed" else cond)
    elif f.status:
        stmt = stmt.where(Hazard.status == f.status)
    if f.source:
        stmt = stmt.where(Hazard.source == f.source)
    if f.overdue == "1":
        stmt = stmt.where(Hazard.is_overdue == True)  # noqa: E712 - `=`: an index condition (`IS 1` is not on SQLite)
    elif f.overdue == "ever":
        stmt = stmt.where(Hazard.overdue_at.is_not(None))
    if f.date_from:
        stmt = stmt.where(Hazard.found_on >= f.date_from)
    if f.date_to:
        stmt = stmt.where(Hazard.found_on <= f.date_to)
    if f.closed_from:
        stmt = stmt.where(Hazard.closed_on >= f.closed_from)
    if f.closed_to:
        # found_on ≤ closed_on (a 复查 is never dated before its 排查: operations.review): the redundant
        # bound lets the list's index start at the range instead of walking every later hazard to it
        stmt = stmt.where(Hazard.closed_on <= f.closed_to, Hazard.found_on <= f.closed_to)
    return stmt


def check_scope(user: User, f: HazardFilters) -> None:
    """An enterprise outside `user`'s scope is a bad filter value (422, as an unknown id): it is neither
    named (the picker, the ledger's 筛选条件) nor filtered on, so ids in an address never reveal names."""
    from app.errors import ValidationFailed
    from app.org.queries import enterprise_label

    if f.enterprise_id is not None and enterprise_label(user, f.enterprise_id) is None:
        raise ValidationFailed(
            f"查询参数有误：企业 {NO_SUCH_ENTERPRISE}", field_errors={"enterprise_id": NO_SUCH_ENTERPRISE}
        )


NO_SUCH_ENTERPRISE = "不存在或不在您的管辖范围内"


def filtered(user: User, f: HazardFilters) -> Select:
    """The hazards `user` may see under the filters (the list page, the API, the dashboard, the ledgers)."""
    check_scope(user, f)
    return _filtered(user, f)


def _filtered(user: User, f: HazardFilters, *, search_walks: bool = False) -> Select:
    return apply_filters(scoped(user), f, within=hazard_search.scope_of(user), search_walks=search_walks)


LIST_ORDER = paging.Order(
    flag=Hazard.is_overdue, day=Hazard.found_on, ident=Hazard.id, index="ix_hazards_list"
)


def hazard_page(user: User, f: HazardFilters, per_page: int = PER_PAGE) -> paging.KeysetPage:
    """A page of the list in its order (overdue first, then newest 排查日期): a seek along ix_hazards_list
    per overdue flag (app.paging), so page 1,000 costs what page 1 does. The total comes from the summary
    when it can say exactly (app.hazards.totals), else it is counted up to app.paging.COUNT_CAP."""
    from app.hazards.totals import list_total  # the summary's module imports this one

    flags = (True,) if f.overdue == "1" else (True, False)
    check_scope(user, f)  # before anything is counted
    total, exact = list_total(user, f) or (None, False)
    base = _filtered(user, f)
    walks = False
    if f.q:  # a term with many hits: the page walks the list's index (app.hazards.search.clause's `walk`)
        if total is None:
            total = paging.capped_count(base)
        if total > paging.SMALL_SET:
            base, walks = _filtered(user, f, search_walks=True), True
    # PostgreSQL tests each walked hazard's search row from the list's index alone (an index-only walk for
    # the ids): the hits of YH2024 city-wide lie 9,000 rows down the order, each of which the walk read from
    # the hazards table before testing it (44 -> 29 ms)
    ids_first = walks and db.session.get_bind().dialect.name == "postgresql"
    return paging.keyset_page(
        base,
        LIST_ORDER,
        per_page,
        after=f.after or None,
        before=f.before or None,
        page=f.page,
        flags=flags,
        options=(joinedload(Hazard.enterprise), joinedload(Hazard.order)),
        total=total,
        total_exact=exact,
        ids_first=ids_first,
    )


def drafts(user: User) -> list[RectificationOrder]:
    """The officer's draft 指令书 (registered hazards not yet issued)."""
    return list(
        db.session.scalars(
            select(RectificationOrder)
            .where(RectificationOrder.created_by_id == user.id, RectificationOrder.status == "draft")
            .order_by(RectificationOrder.id.desc())
        )
    )


def industries() -> list[str]:
    return list(INDUSTRIES)


def can_view_hazard_id(user: User, hazard_id: int) -> bool:
    return (
        db.session.scalar(scoped(user).with_only_columns(Hazard.id).where(Hazard.id == hazard_id)) is not None
    )


def scoped_get(user: User, hazard_id: int, *, for_step: bool = False) -> Hazard | None:
    """The hazard if the user may see it (404 otherwise: no existence leak across enterprises).

    `for_step`: a step is about to run on it; what its documents, notices, status and summary read (the
    enterprise, the 指令书 with its issuing agency and that agency's region, a 移送 referral) comes in the
    same statement, not in five."""
    stmt = scoped(user).where(Hazard.id == hazard_id)
    if for_step:
        stmt = stmt.options(
            joinedload(Hazard.enterprise),
            joinedload(Hazard.referral),
            joinedload(Hazard.order).joinedload(RectificationOrder.agency).joinedload(Department.region),
        )
    return db.session.scalar(stmt)


def order_for_issue(order_id: int) -> RectificationOrder | None:
    """The 指令书 about to be issued, with what its document reads (the enterprise, the issuing agency and its
    region) in the same statement."""
    return db.session.scalar(
        select(RectificationOrder)
        .where(RectificationOrder.id == order_id)
        .options(
            joinedload(RectificationOrder.enterprise),
            joinedload(RectificationOrder.agency).joinedload(Department.region),
        )
    )


@dataclass(frozen=True)
class ReferredHazard:
    """What another domain may read about a referred hazard (read-only): its order and whether it is 重大."""

    hazard_id: int
    order_id: int
    major: bool


def referred_hazard(referral_id: int) -> ReferredHazard | None:
    """The hazard behind a 移送立案 referral (the penalty-case domain's Art.113 counter and linked cases)."""
    from app.hazards.models import HazardLevel, PenaltyReferral

    row = db.session.execute(
        select(Hazard.id, Hazard.order_id, Hazard.level)
        .join(PenaltyReferral, PenaltyReferral.hazard_id == Hazard.id)
        .where(PenaltyReferral.id == referral_id)
    ).first()
    if row is None:
        return None
    return ReferredHazard(row.id, row.order_id, row.level == HazardLevel.MAJOR)
