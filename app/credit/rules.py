"""信用惩戒参数包 (jurisdiction parameter packs) for the 严重失信主体名单 (issue #14; spec §7.3, §7.4, §11).

The windows and terms of a listing — the 陈述申辩 window after a 列入告知书, the publication period, the
3-year 管理期限, when 信用修复 may be applied for and how long its decision may take, the departments'
联合惩戒 feedback, the 约谈 — and the publication periods of penalty decisions (国家发改委令第58号) are tagged
M:low / M:med in the spec: local rules differ. So they are data, in app/credit/data/rules/*.json, each with
its source, versioned by jurisdiction and date exactly like app/cases/rules.py (same file format, same lookup:
the national version in force, overlaid by every less-to-more specific jurisdiction's version in force;
national versions must be complete) — both through the platform's app.rulepacks.PackLoader, whose Period
and period parsing this module uses; the penalty kinds are parsed as app.cases.rules parses them.

Values (`FIELDS`):
- statement_period        陈述申辩 window after the 列入告知书 is served (5 working days, M:low)
- publish_period          publication after the 列入决定书 is served (7 working days; 3–20 used, M:low)
- term                    管理期限 (3 years)
- repair_after            信用修复 may be applied for this long after the term started (12 months)
- repair_decision_period  the repair application is decided within (15 working days, M:low)
- withdraw_period         an overturned listing is withdrawn from publication within (3 working days)
- feedback_period         a department answers a 联合惩戒通知 within (20 working days, M:low)
- interview_period        the 约谈 takes place within (10 working days, M:low)
- repair_barred_criteria  列入情形 codes whose listings may not be removed early (M:low; [] = none)
- reconsideration / litigation  remedies against the 列入决定 written in the decision (60 days / 6 months)
- penalty_publication     国家发改委令第58号 publication periods of penalty decisions (M:med): general 3 months
                          – 1 year, serious 1–3 years; serious_kinds = penalty kinds that make a case serious
                          (a case that leads to a listing is serious too — the caller says so)

Dates: `CreditPack.end_of(name, start)` counts a period through app.cases.legal_time.period_end (app.calendar
for days; corresponding day for months/years). The loader needs no Flask app; files are validated on load
(RulesError names the file and key) and cached; `reload()` clears the cache (app.rulepacks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from app.cases.rules import _kinds
from app.rulepacks import Pack, PackLoader, PackVersion, Period, RulesError, period

__all__ = [
    "RULES_DIR",
    "FIELDS",
    "CreditPack",
    "PackVersion",
    "Period",
    "PublicationTerms",
    "RulesError",
    "credit_pack",
    "load_versions",
    "reload",
]

RULES_DIR = Path(__file__).with_name("data") / "rules"


@dataclass(frozen=True)
class PublicationTerms:
    """行政处罚信息公示期限 (国家发改委令第58号, 2023; spec §7.4 last item, M:med)."""

    general_min: Period
    general_max: Period
    serious_min: Period
    serious_max: Period
    serious_kinds: tuple[str, ...]

    def is_serious(self, kinds: list[str] | tuple[str, ...], *, leads_to_listing: bool = False) -> bool:
        """A penalty is serious when one of its kinds contains a serious kind (e.g. 吊销 in 吊销许可证), or
        when the case leads to a listing."""
        return leads_to_listing or any(s in k for k in kinds for s in self.serious_kinds)

    def bounds(self, serious: bool) -> tuple[Period, Period]:
        return (self.serious_min, self.serious_max) if serious else (self.general_min, self.general_max)


def _codes(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(k, str) and k.strip().isdigit() for k in v):
        raise ValueError('应为列入情形代码的列表，如 ["1"]（可为空列表）')
    return tuple(k.strip() for k in v)


_MONTHS_YEARS = period("months", "years")


def _publication(v: Any) -> PublicationTerms:
    keys = {"general_min", "general_max", "serious_min", "serious_max", "serious_kinds"}
    if not isinstance(v, dict) or set(v) != keys:
        raise ValueError(f"处罚信息公示期限须且只须写 {', '.join(sorted(keys))}")
    terms = PublicationTerms(
        _MONTHS_YEARS(v["general_min"]),
        _MONTHS_YEARS(v["general_max"]),
        _MONTHS_YEARS(v["serious_min"]),
        _MONTHS_YEARS(v["serious_max"]),
        _kinds(v["serious_kinds"]),
    )

    def months(p: Period) -> int:
        return p.n * (12 if p.unit == "years" else 1)

    if months(terms.general_min) > months(terms.general_max) or months(terms.serious_min) > months(
        terms.serious_max
    ):
        raise ValueError("公示期限的最短期限不能长于最长期限")
    return terms


_DAYS = period("calendar", "working")

# name -> parser. The attribute of CreditPack of the same name holds the parsed value.
FIELDS: dict[str, Any] = {
    "statement_period": _DAYS,
    "publish_period": _DAYS,
    "term": _MONTHS_YEARS,
    "repair_after": _MONTHS_YEARS,
    "repair_decision_period": _DAYS,
    "withdraw_period": _DAYS,
    "feedback_period": _DAYS,
    "interview_period": _DAYS,
    "repair_barred_criteria": _codes,
    "reconsideration": period("calendar", "months"),
    "litigation": period("months", "calendar"),
    "penalty_publication": _publication,
}


@dataclass(frozen=True)
class CreditPack(Pack):
    """The credit parameters in force for one region on one date. Attributes = FIELDS."""

    statement_period: Period
    publish_period: Period
    term: Period
    repair_after: Period
    repair_decision_period: Period
    withdraw_period: Period
    feedback_period: Period
    interview_period: Period
    repair_barred_criteria: tuple[str, ...]
    reconsideration: Period
    litigation: Period
    penalty_publication: PublicationTerms

    def end_of(self, name: str, start: date, *, roll_forward: bool = True) -> date:
        """The last day of the period `name` counted from `start` (day 1 = the day after start), through
        app.calendar (working days, holidays) — e.g. end_of("statement_period", served_on)."""
        from app.cases.legal_time import period_end

        period = getattr(self, name)
        if not isinstance(period, Period):
            raise KeyError(f"{name} 不是期间参数")
        return period_end(start, period, roll_forward=roll_forward)

    def term_end(self, term_start: date) -> date:
        """管理期限止: the corresponding day `term` after term_start (no holiday roll: not a party's deadline)."""
        return self.end_of("term", term_start, roll_forward=False)

    def repair_opens_on(self, term_start: date) -> date:
        """The first day a 信用修复 application may be made: the day after 满 repair_after. The months are
        counted like the term (from the day after term_start; the corresponding day is their last day), so
        the listing has been in force the full 12 months only once that day has passed."""
        return self.end_of("repair_after", term_start, roll_forward=False) + timedelta(days=1)

    def repair_barred(self, criterion: str) -> bool:
        return str(criterion) in self.repair_barred_criteria


_PACKS: PackLoader[CreditPack] = PackLoader(RULES_DIR, FIELDS, "信用参数包", CreditPack)
load_versions = _PACKS.load_versions  # (directory=None) -> tuple[PackVersion, ...]; raises RulesError
reload = _PACKS.reload  # forget cached files and packs (after an administrator edits a pack file)


def credit_pack(region_path: str, on: date, *, directory: str | Path | None = None) -> CreditPack:
    """The CreditPack in force for `region_path` ("/340000/341300/341302/", "" = national) on `on`.

    Raises RulesError when no national version is in force on that date."""
    return _PACKS.pack(region_path, on, directory=directory)
