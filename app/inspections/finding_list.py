"""The 问题清单 (/inspections/findings, helper "web"): the problems found by the inspections a reader may see,
one row per finding — the inspection's code (its page), the enterprise, where, what, and how it was handled
(当场整改 / the hazard it became / 待下达指令书) and, for staff, whether it is a 违法行为 and how that ended.

Scope: exactly the inspection list's (`queries.filtered`): staff their jurisdiction; an enterprise account its
own inspections from 检查中 on, and never the 违法行为 tagging (its inspection page does not show it either). A
sealed 暗访 has no Inspection row until its team starts it (app.inspections.operations.covert.start_visit), so
nothing of it can be listed here before the start; after it, the inspection list's rule applies.

The statistics page (/inspections/stats) counts findings by these filters and links each count here: a
count is the total of the list it links to (tests/inspections/test_web_findings.py follows every link).

Newest inspection first (planned_on DESC), then finding id DESC, in keyset pages (app.paging) with a capped
count, as the inspection list."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import contains_eager

from app import paging
from app.auth.models import User
from app.inspections import queries
from app.inspections.models import Finding, Inspection
from app.inspections.schemas import PER_PAGE
from app.org.models import Enterprise
from app.params import ListFilters

MAJOR = "重大"


@dataclass
class FindingFilters(ListFilters):
    town: str = ""
    industry: str = ""
    enterprise_id: int | None = None
    year: int | None = None
    month: int | None = None
    level: str = ""  # 一般 / 重大
    handling: str = ""  # corrected / hazard / pending (app.inspections.schemas.HANDLING)
    violation: str = ""  # "1": findings tagged as a 违法行为
    page: int = 1
    after: str = ""
    before: str = ""

    @classmethod
    def from_args(cls, args) -> FindingFilters:
        """The filters of a query string; a bad value raises ValidationFailed (422)."""
        from app import params
        from app.inspections.schemas import FindingArgsSchema

        v = params.check(FindingArgsSchema, args)
        return cls(
            town=(v.get("town") or "").strip(),
            industry=(v.get("industry") or "").strip(),
            enterprise_id=v.get("enterprise_id"),
            year=v.get("year"),
            month=v.get("month"),
            level=v.get("level", ""),
            handling=v.get("handling", ""),
            violation=v.get("violation", ""),
            page=v["page"],
            after=v.get("after", ""),
            before=v.get("before", ""),
        )

    def inspections(self) -> queries.InspectionFilters:
        """The inspection list's filters these findings' inspections answer (the same scope and meaning)."""
        return queries.InspectionFilters(
            town=self.town,
            industry=self.industry,
            enterprise_id=self.enterprise_id,
            year=self.year,
            month=self.month,
        )


def filtered(user: User, f: FindingFilters) -> Select:
    """The findings of the inspections `user` may see on the inspection list under the same filters."""
    inspections = queries.filtered(user, f.inspections())  # checks an enterprise filter against the scope
    stmt = select(Finding).join(Inspection, Inspection.id == Finding.inspection_id)
    if inspections.whereclause is not None:
        stmt = stmt.where(inspections.whereclause)
    if f.level:
        stmt = stmt.where(Finding.level == f.level)
    if f.handling == "corrected":
        stmt = stmt.where(Finding.corrected_on_site == True)  # noqa: E712
    elif f.handling == "hazard":
        stmt = stmt.where(Finding.corrected_on_site == False, Finding.hazard_id.is_not(None))  # noqa: E712
    elif f.handling == "pending":
        stmt = stmt.where(Finding.corrected_on_site == False, Finding.hazard_id.is_(None))  # noqa: E712
    if f.violation:
        if user.is_enterprise_user:  # the 违法行为 tagging is the agency's: filtering by it would reveal it
            return stmt.where(false())
        stmt = stmt.where(Finding.is_violation == True)  # noqa: E712
    return stmt


class _ByInspectionDate(paging.Order):
    """Newest inspection first, then the finding's id: one partition (cursors `1.<planned_on>.<id>`)."""

    def key_of(self, row) -> paging.Key:
        return paging.Key(True, row.inspection.planned_on, row.id)

    def _partition(self, stmt: Select, flag: bool) -> Select:
        return stmt if flag else stmt.where(false())


ORDER = _ByInspectionDate(flag=true(), day=Inspection.planned_on, ident=Finding.id)
OPTIONS = (
    contains_eager(Finding.inspection)
    .joinedload(Inspection.enterprise)
    .load_only(Enterprise.id, Enterprise.name, Enterprise.industry),
)


def finding_page(user: User, f: FindingFilters, per_page: int = PER_PAGE) -> paging.KeysetPage:
    """A page of the 问题清单; the total counted up to app.paging.COUNT_CAP."""
    stmt = filtered(user, f)
    total = paging.capped_count(stmt)
    page = paging.keyset_page(
        stmt,
        ORDER,
        per_page,
        after=f.after or None,
        before=f.before or None,
        page=f.page,
        flags=(True,),
        options=OPTIONS,
        total=total,
    )
    return dataclasses.replace(page, total_exact=False)


def count(user: User, f: FindingFilters) -> int:
    """The capped number of findings under `f` (what the list shows as 共 N 条)."""
    return paging.capped_count(filtered(user, f))
