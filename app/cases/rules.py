"""法定期限与阈值参数包 (jurisdiction parameter packs) for penalty cases.

Why this is data, not code (spec §0.3, §2.2, §2.4, §11): the new 《安全生产违法行为行政处罚办法》
(部令第18号, effective 2026-02-01) was not available when the spec was written, the 较大数额 hearing threshold
differs by province (S6 1万/3万 vs S7 2万/5万), and many periods are tagged M:med / M:low. Each value lives in
a JSON file under app/cases/data/rules/ together with its source, so an administrator can correct it without
a release, and every page can cite where a figure came from (`RulePack.source_of`).

The file format, the lookup (the national version in force, overlaid by every less-to-more specific
jurisdiction's version in force), the period syntax, validation, caching and `reload()` are the platform's
(app.rulepacks.PackLoader); this module gives the values (FIELDS), the RulePack they fill and `pack_for`.
Amounts are strings or integers (yuan), rates strings ("0.03").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from app.rulepacks import (
    PERIOD_UNITS,
    Pack,
    PackLoader,
    PackVersion,
    Period,
    RulesError,
    normalize_region,
    parse_bool,
    parse_decimal,
    parse_int,
    period,
)

__all__ = [
    "FIELDS",
    "PERIOD_UNITS",
    "RULES_DIR",
    "DiscussionTriggers",
    "ExtensionStep",
    "PackVersion",
    "PartyKind",
    "Period",
    "ReviewTriggers",
    "RulePack",
    "RulesError",
    "load_versions",
    "normalize_region",
    "pack_for",
    "reload",
]

RULES_DIR = Path(__file__).with_name("data") / "rules"

PartyKind = Literal["person", "unit"]  # 公民（个人） / 法人或者其他组织（单位）


# --- value types ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionStep:
    """One allowed extension of the decision period: up to `up_to_days` in total, approved by `approver`."""

    up_to_days: int
    approver: str


@dataclass(frozen=True)
class ReviewTriggers:
    """法制审核 triggers (行政处罚法 Art.58; 应急 practice [S7]; spec §1.4, §8.3).

    mode "all": every ordinary-procedure case is reviewed. mode "listed": reviewed when a hearing was held
    (Art.58(二)), the fine reaches the threshold for the party kind (inclusive), or a listed kind is imposed.
    Art.58(一)(三) (重大公共利益, 疑难复杂) are judgements: the case handler flags them."""

    mode: str
    when_hearing_held: bool
    threshold_person: Decimal
    threshold_unit: Decimal
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class DiscussionTriggers:
    """集体讨论 triggers (行政处罚法 Art.57 ¶2 情节复杂或者重大违法行为; [S7]; spec §1.3 step 6).

    Required when the fine reaches the threshold (inclusive), a listed kind is imposed, or (when
    `on_band_deviation`) the proposed penalty departs from the 裁量基准 band (spec §9)."""

    threshold_person: Decimal
    threshold_unit: Decimal
    kinds: tuple[str, ...]
    on_band_deviation: bool


# --- the schema of `values` ----------------------------------------------------------------------


def _kinds(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(k, str) and k.strip() for k in v):
        raise ValueError("应为处罚种类名称的列表")
    return tuple(v)


def _extensions(v: Any) -> tuple[ExtensionStep, ...]:
    if not isinstance(v, list):
        raise ValueError('应为延期步骤列表，如 [{"up_to_days": 180, "approver": "…"}]')
    steps = []
    for item in v:
        if not isinstance(item, dict) or set(item) != {"up_to_days", "approver"}:
            raise ValueError('每个延期步骤须且只须写 "up_to_days" 与 "approver"')
        if not isinstance(item["approver"], str) or not item["approver"].strip():
            raise ValueError("延期步骤须写明批准人")
        steps.append(ExtensionStep(parse_int(item["up_to_days"]), item["approver"]))
    if any(b.up_to_days <= a.up_to_days for a, b in zip(steps, steps[1:], strict=False)):
        raise ValueError("延期步骤的 up_to_days 应逐级递增")
    return tuple(steps)


def _review(v: Any) -> ReviewTriggers:
    keys = {"mode", "when_hearing_held", "threshold_person", "threshold_unit", "kinds"}
    if not isinstance(v, dict) or set(v) != keys:
        raise ValueError(f"法制审核触发条件须且只须写 {', '.join(sorted(keys))}")
    if v["mode"] not in ("all", "listed"):
        raise ValueError(f'mode 应为 "all" 或 "listed"：{v["mode"]!r}')
    return ReviewTriggers(
        v["mode"],
        parse_bool(v["when_hearing_held"]),
        parse_decimal(v["threshold_person"]),
        parse_decimal(v["threshold_unit"]),
        _kinds(v["kinds"]),
    )


def _discussion(v: Any) -> DiscussionTriggers:
    keys = {"threshold_person", "threshold_unit", "kinds", "on_band_deviation"}
    if not isinstance(v, dict) or set(v) != keys:
        raise ValueError(f"集体讨论触发条件须且只须写 {', '.join(sorted(keys))}")
    return DiscussionTriggers(
        parse_decimal(v["threshold_person"]),
        parse_decimal(v["threshold_unit"]),
        _kinds(v["kinds"]),
        parse_bool(v["on_band_deviation"]),
    )


def _rate(v: Any) -> Decimal:
    d = parse_decimal(v)
    if d <= 0 or d >= 1:
        raise ValueError(f"日加处罚款比例应在 0 与 1 之间：{v!r}")
    return d


_DAYS = period("calendar", "working")
_CAL = period("calendar")

# name -> parser. The attribute of RulePack of the same name holds the parsed value.
FIELDS: dict[str, Any] = {
    # 听证 (行政处罚法 Art.63; 办法 较大数额, spec §2.4)
    "hearing_threshold_person": parse_decimal,
    "hearing_threshold_unit": parse_decimal,
    "hearing_always_kinds": _kinds,
    # 法制审核 / 集体讨论 (Art.57–58, spec §1.4, §8.3)
    "legal_review": _review,
    "collective_discussion": _discussion,
    # 告知 → 陈述申辩 / 听证 (Art.44–45, 64, 85; spec §1.5, §2.2)
    "statement_window": _DAYS,
    "hearing_request": _DAYS,
    "hearing_notice": _DAYS,
    "legal_review_period": _DAYS,
    # 办案期限 (Art.60; legacy 办法, spec §1.3, §2.2)
    "decision_period": _DAYS,
    "decision_extensions": _extensions,
    "late_filing": _DAYS,
    "preservation_disposal": _DAYS,
    # 送达, 缴纳, 执行 (Art.61, 67, 72–73; 民诉法; 行政强制法 Art.45, 53–54; spec §1.7)
    "absent_service": _DAYS,
    "public_notice_service": _CAL,
    "payment": _CAL,
    "surcharge_rate": _rate,
    "dunning_wait": _CAL,
    "enforcement_application": period("months", "calendar"),
    "reconsideration": period("calendar", "months"),
    "litigation": period("months", "calendar"),
    # 公示 (安全生产法 Art.78, 国办发〔2018〕118号; 行政处罚法 Art.48; spec §8.1)
    "publication": _DAYS,
    "withdrawal": _DAYS,
    # 行刑衔接 (国务院令第310号; spec §2.6)
    "transfer_decision": _DAYS,
    "transfer": period("hours"),
    # 简易程序 (Art.51–52, 68, 71; spec §1.2)
    "simple_cap_person": parse_decimal,
    "simple_cap_unit": parse_decimal,
    "simple_kinds": _kinds,
    "simple_filing": _DAYS,
    "on_spot_collection_cap": parse_decimal,
    "cash_handover": _DAYS,
    # 时效 (Art.36; spec §1.1)
    "limitation": period("years"),
    "limitation_extended": period("years"),
}


# --- the resolved pack ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RulePack(Pack):
    """The parameters in force for one region on one date (see module docstring). Attributes = FIELDS."""

    hearing_threshold_person: Decimal
    hearing_threshold_unit: Decimal
    hearing_always_kinds: tuple[str, ...]
    legal_review: ReviewTriggers
    collective_discussion: DiscussionTriggers
    statement_window: Period
    hearing_request: Period
    hearing_notice: Period
    legal_review_period: Period
    decision_period: Period
    decision_extensions: tuple[ExtensionStep, ...]
    late_filing: Period
    preservation_disposal: Period
    absent_service: Period
    public_notice_service: Period
    payment: Period
    surcharge_rate: Decimal
    dunning_wait: Period
    enforcement_application: Period
    reconsideration: Period
    litigation: Period
    publication: Period
    withdrawal: Period
    transfer_decision: Period
    transfer: Period
    simple_cap_person: Decimal
    simple_cap_unit: Decimal
    simple_kinds: tuple[str, ...]
    simple_filing: Period
    on_spot_collection_cap: Decimal
    cash_handover: Period
    limitation: Period
    limitation_extended: Period

    # -- thresholds and triggers -----------------------------------------------------------------
    @property
    def max_decision_days(self) -> int:
        """The longest decision period any allowed extension reaches (Art.60 + sector rule)."""
        steps = [s.up_to_days for s in self.decision_extensions]
        return max([self.decision_period.n, *steps])

    def hearing_threshold(self, party: PartyKind) -> Decimal:
        return self.hearing_threshold_person if _party(party) == "person" else self.hearing_threshold_unit

    def hearing_right(self, party: PartyKind, fine: Decimal, kinds: Iterable[str] = ()) -> bool:
        """听证权 (Art.63; spec §2.4): a fine ≥ the 较大数额 threshold (以上含本数), or a listed kind."""
        return fine >= self.hearing_threshold(party) or bool(set(kinds) & set(self.hearing_always_kinds))

    def legal_review_required(
        self, party: PartyKind, fine: Decimal, kinds: Iterable[str] = (), *, hearing_held: bool = False
    ) -> bool:
        """法制审核 (Art.58; spec §1.4): see ReviewTriggers."""
        t = self.legal_review
        if t.mode == "all":
            return True
        threshold = t.threshold_person if _party(party) == "person" else t.threshold_unit
        return (t.when_hearing_held and hearing_held) or fine >= threshold or bool(set(kinds) & set(t.kinds))

    def collective_discussion_required(
        self, party: PartyKind, fine: Decimal, kinds: Iterable[str] = (), *, band_deviation: bool = False
    ) -> bool:
        """集体讨论 (Art.57 ¶2; spec §1.3): see DiscussionTriggers."""
        t = self.collective_discussion
        threshold = t.threshold_person if _party(party) == "person" else t.threshold_unit
        return (
            (t.on_band_deviation and band_deviation) or fine >= threshold or bool(set(kinds) & set(t.kinds))
        )

    def simple_procedure_allowed(self, party: PartyKind, fine: Decimal, kinds: Iterable[str] = ()) -> bool:
        """简易程序 (Art.51; spec §1.2): only simple kinds (警告/罚款) and a fine ≤ the cap (inclusive)."""
        cap = self.simple_cap_person if _party(party) == "person" else self.simple_cap_unit
        return set(kinds) <= set(self.simple_kinds) and fine <= cap


def _party(party: str) -> str:
    if party not in ("person", "unit"):
        raise ValueError(f"当事人类别应为 person（个人）或 unit（单位）：{party!r}")
    return party


_PACKS: PackLoader[RulePack] = PackLoader(RULES_DIR, FIELDS, "规则参数包", RulePack)
load_versions = _PACKS.load_versions  # (directory=None) -> tuple[PackVersion, ...]; raises RulesError
reload = _PACKS.reload  # forget cached files and packs (after an administrator edits a pack file)


def pack_for(region_path: str, on: date, *, directory: str | Path | None = None) -> RulePack:
    """The RulePack in force for `region_path` (e.g. "/340000/341300/341302/", "" for national) on `on`.

    Raises RulesError when no national version is in force on that date."""
    return _PACKS.pack(region_path, on, directory=directory)
