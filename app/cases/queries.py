"""Scoped case queries. ONE filter object (CaseFilters, read through app.cases.schemas.CaseArgsSchema) serves
the list page, /api/v1/cases and the ledger export, so an export holds exactly the rows filtered on screen.

The list holds FILED cases (立案日 set): its order is filed_on DESC, id DESC, overdue cases first, walked along
ix_penalty_cases_list (is_overdue, filed_on, id, region_path, status, procedure) with keyset pages
(app.paging). Cases still in 立案审批 have no 立案日 yet; they are few and shown apart (`filings`), as the
hazard list shows its drafts. An enterprise account sees its own filed cases only, never a proposal.

The text filter (`q`) is kept bounded: a full 立案号 is an equality on the unique index of case_no; any
other text is looked for in the names of the first TEXT_WINDOW cases of the list under the other filters
(overdue first, then the newest: a walk of at most that many entries of the list's index, then LIKE), never
a scan of the whole scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import joinedload, load_only

from app import clock, paging
from app.auth.models import User
from app.auth.permissions import path_prefix, scope_clause
from app.cases.models import CaseProposal, CaseStatus, PenaltyCase, ProposalStatus
from app.cases.schemas import PER_PAGE
from app.db import likely
from app.errors import ValidationFailed
from app.extensions import db
from app.org.models import INDUSTRIES, Enterprise
from app.params import ListFilters

TEXT_WINDOW = 5_000  # a name is looked for among this many first cases of the list (under the other filters)
FILINGS_SHOWN = 50
NO_SUCH_ENTERPRISE = "不存在或不在您的管辖范围内"


@dataclass
class CaseFilters(ListFilters):
    q: str = ""
    status: str = ""
    procedure: str = ""
    overdue: str = ""  # "1": 办案超期
    town: str = ""  # region path prefix (乡镇/街道)
    industry: str = ""
    enterprise_id: int | None = None
    filed_from: date | None = None
    filed_to: date | None = None
    page: int = 1
    after: str = ""
    before: str = ""

    @classmethod
    def from_args(cls, args) -> CaseFilters:
        """The filters of a query string (page, API, ledger): a bad value raises ValidationFailed (422)."""
        from app import params
        from app.cases.schemas import CaseArgsSchema

        v = params.check(CaseArgsSchema, args)
        return cls(
            q=(v.get("q") or "").strip(),
            status=v.get("status", ""),
            procedure=v.get("procedure", ""),
            overdue=v.get("overdue", ""),
            town=(v.get("town") or "").strip(),
            industry=(v.get("industry") or "").strip(),
            enterprise_id=v.get("enterprise_id"),
            filed_from=v.get("filed_from"),
            filed_to=v.get("filed_to"),
            page=v["page"],
            after=v.get("after", ""),
            before=v.get("before", ""),
        )


def scoped(user: User) -> Select:
    """Cases in the user's data scope; an enterprise account sees its own cases once filed. A staff scope is
    marked likely (app.db.likely): it covers most of the cases it is asked about, so SQLite reads a filter's own
    index (办案超期: is_overdue = 1 on ix_penalty_cases_list; a status on ix_penalty_cases_scope) instead of walking
    the scope's whole path range — 办案超期 for the city at 100,000 cases: 480 ms → 0.4 ms (count), 220 ms →
    6 ms (rows) (bench/bench_case_pages.py)."""
    clause = scope_clause(user, PenaltyCase.region_path, PenaltyCase.enterprise_id)
    if user.is_enterprise_user:
        return select(PenaltyCase).where(clause, PenaltyCase.filed_on.is_not(None))
    return select(PenaltyCase).where(likely(clause))


def _without_text(stmt: Select, f: CaseFilters) -> Select:
    if f.status:
        stmt = stmt.where(PenaltyCase.status == f.status)
    if f.procedure:
        stmt = stmt.where(PenaltyCase.procedure == f.procedure)
    if f.overdue == "1":
        stmt = stmt.where(PenaltyCase.is_overdue == True)  # noqa: E712 - `=`: an index condition
    if f.town:
        stmt = stmt.where(path_prefix(PenaltyCase.region_path, f.town))
    if f.industry:
        stmt = stmt.where(
            likely(
                PenaltyCase.enterprise_id.in_(select(Enterprise.id).where(Enterprise.industry == f.industry))
            )
        )
    if f.enterprise_id:
        stmt = stmt.where(PenaltyCase.enterprise_id == f.enterprise_id)
    if f.filed_from:
        stmt = stmt.where(PenaltyCase.filed_on >= f.filed_from)
    if f.filed_to:
        stmt = stmt.where(PenaltyCase.filed_on <= f.filed_to)
    return stmt


def apply_filters(stmt: Select, f: CaseFilters) -> Select:
    stmt = _without_text(stmt.where(PenaltyCase.filed_on.is_not(None)), f)
    if f.q:
        # the first TEXT_WINDOW rows of the list's own order, walked along its index (no sort of the scope)
        window = (
            stmt.with_only_columns(PenaltyCase.id)
            .with_hint(PenaltyCase, "INDEXED BY ix_penalty_cases_list", "sqlite")
            .order_by(PenaltyCase.is_overdue.desc(), PenaltyCase.filed_on.desc(), PenaltyCase.id.desc())
            .limit(TEXT_WINDOW)
            .subquery()
        )
        in_window = select(PenaltyCase.id).where(
            PenaltyCase.id.in_(select(window.c.id)),
            PenaltyCase.name.contains(f.q, autoescape=True),
        )
        stmt = stmt.where(or_(PenaltyCase.case_no == f.q, PenaltyCase.id.in_(in_window)))
    return stmt


def check_scope(user: User, f: CaseFilters) -> None:
    """An enterprise outside the user's scope is a bad filter value (422, as an unknown id)."""
    from app.org.queries import enterprise_label

    if f.enterprise_id is not None and enterprise_label(user, f.enterprise_id) is None:
        raise ValidationFailed(
            f"查询参数有误：当事人 {NO_SUCH_ENTERPRISE}", field_errors={"enterprise_id": NO_SUCH_ENTERPRISE}
        )


def filtered(user: User, f: CaseFilters) -> Select:
    """The filed cases `user` may see under the filters (list page, API, ledger)."""
    check_scope(user, f)
    return apply_filters(scoped(user), f)


LIST_ORDER = paging.Order(
    flag=PenaltyCase.is_overdue, day=PenaltyCase.filed_on, ident=PenaltyCase.id, index="ix_penalty_cases_list"
)


# what a list row (page and API, app.cases.schemas.CaseSchema) shows, and nothing else: a city's page read and
# built the case's fifty-odd columns per row (its long texts and JSON were the worst); an attribute not named
# here raises instead of loading row by row
LIST_COLUMNS = (
    PenaltyCase.id,
    PenaltyCase.case_no,
    PenaltyCase.name,
    PenaltyCase.procedure,
    PenaltyCase.source,
    PenaltyCase.enterprise_id,
    PenaltyCase.region_path,
    PenaltyCase.status,
    PenaltyCase.filed_on,
    PenaltyCase.decision_due,
    PenaltyCase.is_overdue,
    PenaltyCase.decided_on,
    PenaltyCase.payment_due,
    PenaltyCase.paid_on,
    PenaltyCase.closed_on,
    PenaltyCase.submitted_on,
)
LIST_OPTIONS = (
    load_only(*LIST_COLUMNS, raiseload=True),
    joinedload(PenaltyCase.enterprise).load_only(Enterprise.id, Enterprise.name),
)


def case_page(user: User, f: CaseFilters, per_page: int = PER_PAGE) -> paging.KeysetPage:
    """A page of the list (办案超期 first, then newest 立案日): a seek along ix_penalty_cases_list per overdue
    flag; the total is counted up to app.paging.COUNT_CAP."""
    flags = (True,) if f.overdue == "1" else (True, False)
    base = filtered(user, f)
    return paging.keyset_page(
        base,
        LIST_ORDER,
        per_page,
        after=f.after or None,
        before=f.before or None,
        page=f.page,
        flags=flags,
        options=LIST_OPTIONS,
    )


def filings(user: User) -> list[PenaltyCase]:
    """Cases in 立案审批 (no 立案日 yet) in the user's scope: few, shown above the list (staff only)."""
    if user.is_enterprise_user:
        return []
    stmt = (
        scoped(user)
        .where(PenaltyCase.filed_on.is_(None), PenaltyCase.status == CaseStatus.FILING)
        .options(*LIST_OPTIONS)
        .order_by(PenaltyCase.submitted_on.desc(), PenaltyCase.id.desc())
        .limit(FILINGS_SHOWN)
    )
    return list(db.session.scalars(stmt))


def scoped_get(user: User, case_id: int) -> PenaltyCase | None:
    """The case if the user may see it (None → 404: no existence leak across counties or enterprises)."""
    return db.session.scalar(scoped(user).where(PenaltyCase.id == case_id))


# --- proposals (案件线索) ------------------------------------------------------------------------------


def scoped_proposals(user: User) -> Select:
    """Proposals are internal: an enterprise account has none."""
    if user.is_enterprise_user:
        return select(CaseProposal).where(false())
    return select(CaseProposal).where(
        scope_clause(user, CaseProposal.region_path, CaseProposal.enterprise_id)
    )


@dataclass
class ProposalPage:
    items: list
    total: int
    page: int
    pages: int


def proposal_page(user: User, status: str = "", page: int = 1, per_page: int = PER_PAGE) -> ProposalPage:
    """Open proposals first (every 待处理 one stays visible: they lead the order), then the handled ones,
    newest first."""
    stmt = scoped_proposals(user)
    if status:
        stmt = stmt.where(CaseProposal.status == status)
    total = paging.capped_count(stmt)
    pages = max(1, -(-min(total, paging.COUNT_CAP) // per_page))
    open_first = (CaseProposal.status != ProposalStatus.PENDING).asc()  # 待处理 (False) first
    rows = db.session.scalars(
        stmt.options(joinedload(CaseProposal.enterprise))
        .order_by(open_first, CaseProposal.received_on.desc(), CaseProposal.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return ProposalPage(list(rows), total, page, pages)


def open_proposal_count(user: User) -> int:
    stmt = scoped_proposals(user).where(CaseProposal.status == ProposalStatus.PENDING)
    return paging.capped_count(stmt)


def scoped_proposal(user: User, proposal_id: int) -> CaseProposal | None:
    return db.session.scalar(scoped_proposals(user).where(CaseProposal.id == proposal_id))


# --- filter choices ----------------------------------------------------------------------------------


def industries() -> list[str]:
    return list(INDUSTRIES)


def today() -> date:
    return clock.today()
