"""监督检查参数包 (jurisdiction parameter packs) of the inspection domain (issue #12; spec §5, §11).

The 分类分级 class table (each sector's yearly cap and planned frequency per class A–D), the industry → sector
mapping and the classification rules, the 督导检查 cap, the 双随机 result publication period, the draw's
recent-inspection exclusion, the team size, the 举报 verification and feedback periods and the reward bands,
the 交办 deadline and the plan's capacity slack are local rules (M:med / M:low in the spec) — data, in
app/inspections/data/rules/*.json, each value with its source, versioned by jurisdiction and effective date
through the platform's app.rulepacks.PackLoader (same format and lookup as app/credit/rules.py).

No national class table exists (国办发〔2024〕54号 asks each province for its own), so the national version
carries the 山西 2025 table [S17] as the default every province overlays with its own (shanxi.json gives the
same table under /140000/ with 山西's own citation; a province's file replaces a whole value, e.g. its own
class_table).

Values (`FIELDS`):
- class_table             sector → class → {cap, frequency}: cap = inspections per year at most (every source
                          but the exempt ones), frequency = 重点检查 planned per year (≤ cap)
- industry_sectors        "行业" or "行业/细分行业" → sector; "*" = every other industry
- classification          how the base class is read per sector and the adjustments (ClassRules)
- supervision_cap         督导检查 per enterprise per year (山西 2025: 3)
- result_publish_period   双随机 results published within (20 working days, M:med)
- recent_days             a draw excludes enterprises inspected in the last N days by default (90, M:low)
- min_inspectors          officers per inspection team (2; 行政处罚法第42条)
- report_verify_period    举报 verification by inspection within (15 working days, M:low)
- report_feedback_period  the result fed back to the informant within (5 working days, M:low)
- reward_bands            有奖举报 amounts by fine band (RewardBand, M:low)
- assignment_period       交办 default deadline (15 working days, M:low)
- capacity_slack          a plan books at most this share of officer-days (0.8, 留有余地, M:low)
- officer_days_per_inspection  officer-days one inspection takes (1, M:low)

`inspection_pack(region_path, on)` returns the InspectionPack in force; caps of a year come from the pack in
force on 1 January of that year (`year_pack(region_path, year)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from app.rulepacks import (
    Pack,
    PackLoader,
    PackVersion,
    Period,
    RulesError,
    parse_decimal,
    parse_int,
    period,
)

__all__ = [
    "CLASSES",
    "CRITERIA",
    "FIELDS",
    "RULES_DIR",
    "ClassLimits",
    "ClassRules",
    "InspectionPack",
    "PackVersion",
    "Period",
    "RewardBand",
    "RulesError",
    "inspection_pack",
    "load_versions",
    "reload",
    "year_pack",
]

RULES_DIR = Path(__file__).with_name("data") / "rules"

CLASSES = ("A", "B", "C", "D")  # A = best (fewest inspections) … D = worst
# the enterprise attribute a sector's base class is read from
CRITERIA = {
    "standardization_grade": "安全生产标准化等级",
    "risk_grade": "风险等级",
    "safety_assurance": "安全保障能力等级",
}


@dataclass(frozen=True)
class ClassLimits:
    cap: int  # 年度检查上限（次）
    frequency: int  # 计划检查频次（次/年，≤ cap）


def _class_table(v: Any) -> dict[str, dict[str, ClassLimits]]:
    if not isinstance(v, dict) or not v:
        raise ValueError("应为 分类口径 → 类别 → {cap, frequency} 的对象")
    table: dict[str, dict[str, ClassLimits]] = {}
    for sector, classes in v.items():
        if not isinstance(classes, dict) or set(classes) != set(CLASSES):
            raise ValueError(f"{sector}：须且只须写 A、B、C、D 四类")
        row: dict[str, ClassLimits] = {}
        for klass in CLASSES:
            item = classes[klass]
            if not isinstance(item, dict) or set(item) != {"cap", "frequency"}:
                raise ValueError(f"{sector} {klass}类：须且只须写 cap 与 frequency")
            cap = parse_int(item["cap"], 0)
            frequency = parse_int(item["frequency"], 0)
            if frequency > cap:
                raise ValueError(f"{sector} {klass}类：计划频次 {frequency} 超过年度上限 {cap}")
            row[klass] = ClassLimits(cap, frequency)
        table[str(sector)] = row
    return table


def _industry_sectors(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or "*" not in v:
        raise ValueError('应为 行业（或 行业/细分行业）→ 分类口径 的对象，且须有 "*"（其他行业）')
    if not all(isinstance(k, str) and isinstance(s, str) and s for k, s in v.items()):
        raise ValueError("行业与分类口径都应为文字")
    return dict(v)


@dataclass(frozen=True)
class ClassRules:
    """How a class is computed (one place for every rule; caps.classify reads only this):

    - criteria: sector → the attribute its base class is read from (CRITERIA keys)
    - fallback: the attribute used when the sector's own one is not recorded (e.g. 煤矿 without an assurance
      level, 危化 without a 标准化 grade)
    - grades: attribute → value → class
    - listed_steps: classes worse for an enterprise on the 严重失信主体名单
    - accident_levels / accident_months / accident_steps: an accident of one of these levels in the last N
      months (before 1 January of the year) makes the class that many steps worse
    - penalty_min / penalty_steps: at least N penalty decisions in the previous year → steps worse
    - major_hazard_floor: an open 重大事故隐患 makes the class at least this one
    """

    criteria: dict[str, str]
    fallback: str
    grades: dict[str, dict[str, str]]
    listed_steps: int
    accident_levels: tuple[str, ...]
    accident_months: int
    accident_steps: int
    penalty_min: int
    penalty_steps: int
    major_hazard_floor: str


def _classification(v: Any) -> ClassRules:
    keys = {"criteria", "fallback", "grades", "listed", "accident", "penalties", "open_major_hazard"}
    if not isinstance(v, dict) or set(v) != keys:
        raise ValueError(f"分类规则须且只须写 {', '.join(sorted(keys))}")
    criteria, grades = v["criteria"], v["grades"]
    if not isinstance(criteria, dict) or not all(c in CRITERIA for c in criteria.values()):
        raise ValueError(f"criteria 应为 分类口径 → {'/'.join(CRITERIA)}")
    if v["fallback"] not in CRITERIA:
        raise ValueError(f"fallback 应为 {'/'.join(CRITERIA)} 之一")
    if not isinstance(grades, dict):
        raise ValueError("grades 应为 依据 → 等级 → 类别 的对象")
    for crit in {*criteria.values(), v["fallback"]}:
        mapping = grades.get(crit)
        if not isinstance(mapping, dict) or not mapping or not all(c in CLASSES for c in mapping.values()):
            raise ValueError(f"grades.{crit} 应为 等级 → A–D 的对象")
    accident, penalties, hazard = v["accident"], v["penalties"], v["open_major_hazard"]
    if not isinstance(accident, dict) or set(accident) != {"levels", "months", "steps"}:
        raise ValueError("accident 须且只须写 levels、months、steps")
    if not isinstance(accident["levels"], list) or not all(isinstance(x, str) for x in accident["levels"]):
        raise ValueError("accident.levels 应为事故等级的列表")
    if not isinstance(penalties, dict) or set(penalties) != {"min_count", "steps"}:
        raise ValueError("penalties 须且只须写 min_count、steps")
    if not isinstance(hazard, dict) or set(hazard) != {"at_least"} or hazard["at_least"] not in CLASSES:
        raise ValueError('open_major_hazard 应为 {"at_least": "C"}')
    listed = v["listed"]
    if not isinstance(listed, dict) or set(listed) != {"steps"}:
        raise ValueError('listed 应为 {"steps": 1}')
    return ClassRules(
        criteria=dict(criteria),
        fallback=v["fallback"],
        grades={k: dict(m) for k, m in grades.items()},
        listed_steps=parse_int(listed["steps"], 0),
        accident_levels=tuple(accident["levels"]),
        accident_months=parse_int(accident["months"]),
        accident_steps=parse_int(accident["steps"], 0),
        penalty_min=parse_int(penalties["min_count"]),
        penalty_steps=parse_int(penalties["steps"], 0),
        major_hazard_floor=hazard["at_least"],
    )


@dataclass(frozen=True)
class RewardBand:
    """有奖举报: a verified report whose penalty's fine lies in [min_fine, max_fine) is rewarded `amount`, or
    `rate` × fine, kept between `floor` and `cap`."""

    min_fine: Decimal
    max_fine: Decimal | None
    amount: Decimal | None
    rate: Decimal | None
    floor: Decimal
    cap: Decimal | None

    def contains(self, fine: Decimal) -> bool:
        return fine >= self.min_fine and (self.max_fine is None or fine < self.max_fine)

    def reward(self, fine: Decimal) -> Decimal:
        value = self.amount if self.amount is not None else (fine * (self.rate or Decimal(0)))
        value = max(value, self.floor)
        if self.cap is not None:
            value = min(value, self.cap)
        return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def _reward_bands(v: Any) -> tuple[RewardBand, ...]:
    if not isinstance(v, list) or not v:
        raise ValueError("应为奖励档次的列表")
    bands: list[RewardBand] = []
    allowed = {"min_fine", "max_fine", "amount", "rate", "floor", "cap"}
    for i, raw in enumerate(v, 1):
        if not isinstance(raw, dict) or not set(raw) <= allowed or "min_fine" not in raw:
            raise ValueError(f"第{i}档：可写 {', '.join(sorted(allowed))}，须写 min_fine")
        if ("amount" in raw) == ("rate" in raw):
            raise ValueError(f"第{i}档：amount（固定金额）与 rate（比例）须且只须写一个")

        def opt(key: str, raw: dict = raw) -> Decimal | None:
            return None if raw.get(key) is None else parse_decimal(raw[key])

        rate = opt("rate")
        if rate is not None and rate > 1:
            raise ValueError(f'第{i}档：rate 应为不大于 1 的比例，如 "0.15"')
        band = RewardBand(
            parse_decimal(raw["min_fine"]),
            opt("max_fine"),
            opt("amount"),
            rate,
            opt("floor") or Decimal(0),
            opt("cap"),
        )
        if band.max_fine is not None and band.max_fine <= band.min_fine:
            raise ValueError(f"第{i}档：max_fine 应大于 min_fine")
        bands.append(band)
    bands.sort(key=lambda b: b.min_fine)
    for a, b in zip(bands, bands[1:], strict=False):
        if a.max_fine is None or a.max_fine > b.min_fine:
            raise ValueError("奖励档次的罚款区间重叠")
    return tuple(bands)


def _share(v: Any) -> Decimal:
    d = parse_decimal(v)
    if not Decimal(0) < d <= Decimal(1):
        raise ValueError(f"应为 0 到 1 之间的比例：{v!r}")
    return d


def _positive_decimal(v: Any) -> Decimal:
    d = parse_decimal(v)
    if d <= 0:
        raise ValueError(f"应为正数：{v!r}")
    return d


_WORKING = period("working", "calendar")

# name -> parser. The attribute of InspectionPack of the same name holds the parsed value.
FIELDS: dict[str, Any] = {
    "class_table": _class_table,
    "industry_sectors": _industry_sectors,
    "classification": _classification,
    "supervision_cap": parse_int,
    "result_publish_period": _WORKING,
    "recent_days": parse_int,
    "min_inspectors": lambda v: parse_int(v, 2),
    "report_verify_period": _WORKING,
    "report_feedback_period": _WORKING,
    "reward_bands": _reward_bands,
    "assignment_period": _WORKING,
    "capacity_slack": _share,
    "officer_days_per_inspection": _positive_decimal,
}


@dataclass(frozen=True)
class InspectionPack(Pack):
    """The inspection parameters in force for one region on one date. Attributes = FIELDS."""

    class_table: dict[str, dict[str, ClassLimits]]
    industry_sectors: dict[str, str]
    classification: ClassRules
    supervision_cap: int
    result_publish_period: Period
    recent_days: int
    min_inspectors: int
    report_verify_period: Period
    report_feedback_period: Period
    reward_bands: tuple[RewardBand, ...]
    assignment_period: Period
    capacity_slack: Decimal
    officer_days_per_inspection: Decimal

    def sector_of(self, industry: str | None, sub_sector: str | None = None) -> str:
        """The 分类口径 of an industry: "行业/细分行业" first, then "行业", then "*"."""
        if industry and sub_sector and f"{industry}/{sub_sector}" in self.industry_sectors:
            return self.industry_sectors[f"{industry}/{sub_sector}"]
        return self.industry_sectors.get(industry or "", self.industry_sectors["*"])

    def limits(self, sector: str, klass: str) -> ClassLimits:
        """Cap and planned frequency of a class of a sector (a sector missing from the table reads as "*"'s)."""
        row = self.class_table.get(sector) or self.class_table[self.industry_sectors["*"]]
        return row[klass]

    def end_of(self, name: str, start: date, *, roll_forward: bool = True) -> date:
        """The last day of the period `name` counted from `start` (day 1 = the day after), through app.calendar
        — e.g. end_of("result_publish_period", inspected_on), end_of("report_verify_period", assigned_on)."""
        from app.cases.legal_time import period_end

        value = getattr(self, name)
        if not isinstance(value, Period):
            raise KeyError(f"{name} 不是期间参数")
        return period_end(start, value, roll_forward=roll_forward)

    def reward_for(self, fine: Decimal | int | str) -> Decimal:
        """有奖举报: the reward for a verified report whose penalty fined `fine` (0 when no band applies)."""
        amount = Decimal(str(fine))
        for band in self.reward_bands:
            if band.contains(amount):
                return band.reward(amount)
        return Decimal(0)

    def version_label(self) -> str:
        """The versions applied, e.g. "全国默认（山西2025表）+山西省" — stored as EnterpriseClass.rule_version."""
        return "+".join(self.layers)[:40]


_PACKS: PackLoader[InspectionPack] = PackLoader(RULES_DIR, FIELDS, "监督检查参数包", InspectionPack)
load_versions = _PACKS.load_versions  # (directory=None) -> tuple[PackVersion, ...]; raises RulesError
reload = _PACKS.reload  # forget cached files and packs (after an administrator edits a pack file)


def inspection_pack(region_path: str, on: date, *, directory: str | Path | None = None) -> InspectionPack:
    """The InspectionPack in force for `region_path` ("/340000/341300/341302/", "" = national) on `on`.

    Raises RulesError when no national version is in force on that date."""
    return _PACKS.pack(region_path, on, directory=directory)


def year_pack(region_path: str, year: int, *, directory: str | Path | None = None) -> InspectionPack:
    """The pack whose class table governs `year`: the one in force on 1 January of that year."""
    return inspection_pack(region_path, date(year, 1, 1), directory=directory)
