"""法定期限与阈值参数包 (jurisdiction parameter packs) for penalty cases.

Why this is data, not code (spec §0.3, §2.2, §2.4, §11): the new 《安全生产违法行为行政处罚办法》
(部令第18号, effective 2026-02-01) was not available when the spec was written, the 较大数额 hearing threshold
differs by province (S6 1万/3万 vs S7 2万/5万), and many periods are tagged M:med / M:low. Each value lives in
a JSON file under app/cases/data/rules/ together with its source, so an administrator can correct it without
a release, and every page can cite where a figure came from (`RulePack.source_of`).

File format (one file may hold several versions, of one or more jurisdictions)::

    {"versions": [{
        "jurisdiction": "/340000/",            # region path prefix; "" = national default
        "name": "安徽省",                       # shown when citing
        "effective_from": "2021-07-15",
        "effective_to": "2026-01-31",          # optional, inclusive
        "source": "…",                         # default citation of every value of this version
        "sources": {"hearing_threshold_person": "…"},   # optional per-value citations
        "values": {...}                        # see FIELDS
    }]}

Lookup: `pack_for(region_path, on)` starts from the national version in force on `on`, then lays over it the
version in force of every less-to-more specific jurisdiction whose prefix the region path starts with
("/340000/341300/341302/" → "", "/340000/", "/340000/341300/"). A provincial or city version may give only
some values; the others come from the less specific one. National versions must be complete.

Periods are written {"days": n, "kind": "working"|"calendar"}, {"months": n}, {"years": n} or {"hours": n};
amounts as strings or integers (yuan), rates as strings ("0.03").

The loader does not need a Flask app. Files are validated on load (a bad file raises RulesError naming the
file and the key) and cached per process; `reload()` clears the cache.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

RULES_DIR = Path(__file__).with_name("data") / "rules"

PartyKind = Literal["person", "unit"]  # 公民（个人） / 法人或者其他组织（单位）
PERIOD_UNITS = ("calendar", "working", "months", "years", "hours")


class RulesError(ValueError):
    """A parameter pack file is malformed, or no pack is in force for the date asked."""


# --- value types ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A legal period: n units of calendar days (自然日), working days (工作日), months, years or hours."""

    n: int
    unit: str  # one of PERIOD_UNITS

    @property
    def kind(self) -> str:
        """The app.calendar day kind ("calendar"/"working") for day periods."""
        if self.unit not in ("calendar", "working"):
            raise ValueError(f"期间单位为 {self.unit}，不是按日计算的期间")
        return self.unit

    def label(self) -> str:
        return {
            "calendar": f"{self.n}日",
            "working": f"{self.n}个工作日",
            "months": f"{self.n}个月",
            "years": f"{self.n}年",
            "hours": f"{self.n}小时",
        }[self.unit]


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


def _decimal(v: Any) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError("应为金额（整数或数字字符串）")
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise ValueError(f"不是有效的数字：{v!r}") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"应为非负数：{v!r}")
    return d


def _int(v: Any, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError(f"应为不小于 {minimum} 的整数：{v!r}")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"应为 true 或 false：{v!r}")
    return v


def _kinds(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(k, str) and k.strip() for k in v):
        raise ValueError("应为处罚种类名称的列表")
    return tuple(v)


def _period(*allowed: str):
    def parse(v: Any) -> Period:
        if not isinstance(v, dict):
            raise ValueError('应为期间，如 {"days": 5, "kind": "working"}')
        if "days" in v:
            if set(v) != {"days", "kind"}:
                raise ValueError('按日计算的期间须且只须写 "days" 与 "kind"')
            unit = v["kind"]
            if unit not in ("calendar", "working"):
                raise ValueError(f'kind 应为 "calendar" 或 "working"：{unit!r}')
            n = v["days"]
        else:
            if len(v) != 1 or next(iter(v)) not in ("months", "years", "hours"):
                raise ValueError('期间应写 {"days":…,"kind":…}、{"months":…}、{"years":…} 或 {"hours":…}')
            unit, n = next(iter(v.items()))
        if unit not in allowed:
            raise ValueError(f"此项期间单位只能是 {'/'.join(allowed)}，不能是 {unit}")
        return Period(_int(n), unit)

    return parse


def _extensions(v: Any) -> tuple[ExtensionStep, ...]:
    if not isinstance(v, list):
        raise ValueError('应为延期步骤列表，如 [{"up_to_days": 180, "approver": "…"}]')
    steps = []
    for item in v:
        if not isinstance(item, dict) or set(item) != {"up_to_days", "approver"}:
            raise ValueError('每个延期步骤须且只须写 "up_to_days" 与 "approver"')
        if not isinstance(item["approver"], str) or not item["approver"].strip():
            raise ValueError("延期步骤须写明批准人")
        steps.append(ExtensionStep(_int(item["up_to_days"]), item["approver"]))
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
        _bool(v["when_hearing_held"]),
        _decimal(v["threshold_person"]),
        _decimal(v["threshold_unit"]),
        _kinds(v["kinds"]),
    )


def _discussion(v: Any) -> DiscussionTriggers:
    keys = {"threshold_person", "threshold_unit", "kinds", "on_band_deviation"}
    if not isinstance(v, dict) or set(v) != keys:
        raise ValueError(f"集体讨论触发条件须且只须写 {', '.join(sorted(keys))}")
    return DiscussionTriggers(
        _decimal(v["threshold_person"]),
        _decimal(v["threshold_unit"]),
        _kinds(v["kinds"]),
        _bool(v["on_band_deviation"]),
    )


def _rate(v: Any) -> Decimal:
    d = _decimal(v)
    if d <= 0 or d >= 1:
        raise ValueError(f"日加处罚款比例应在 0 与 1 之间：{v!r}")
    return d


_DAYS = _period("calendar", "working")
_CAL = _period("calendar")

# name -> parser. The attribute of RulePack of the same name holds the parsed value.
FIELDS: dict[str, Any] = {
    # 听证 (行政处罚法 Art.63; 办法 较大数额, spec §2.4)
    "hearing_threshold_person": _decimal,
    "hearing_threshold_unit": _decimal,
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
    "enforcement_application": _period("months", "calendar"),
    "reconsideration": _period("calendar", "months"),
    "litigation": _period("months", "calendar"),
    # 公示 (安全生产法 Art.78, 国办发〔2018〕118号; 行政处罚法 Art.48; spec §8.1)
    "publication": _DAYS,
    "withdrawal": _DAYS,
    # 行刑衔接 (国务院令第310号; spec §2.6)
    "transfer_decision": _DAYS,
    "transfer": _period("hours"),
    # 简易程序 (Art.51–52, 68, 71; spec §1.2)
    "simple_cap_person": _decimal,
    "simple_cap_unit": _decimal,
    "simple_kinds": _kinds,
    "simple_filing": _DAYS,
    "on_spot_collection_cap": _decimal,
    "cash_handover": _DAYS,
    # 时效 (Art.36; spec §1.1)
    "limitation": _period("years"),
    "limitation_extended": _period("years"),
}


# --- loading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackVersion:
    jurisdiction: str
    name: str
    effective_from: date
    effective_to: date | None
    source: str
    file: str
    values: dict[str, Any] = field(default_factory=dict)  # parsed
    sources: dict[str, str] = field(default_factory=dict)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def citation(self, name: str) -> str:
        text = self.sources.get(name, self.source)
        period = f"自{self.effective_from.isoformat()}起" + (
            f"至{self.effective_to.isoformat()}" if self.effective_to else ""
        )
        return f"{self.name}（{period}）：{text}"


def _normalize_region(path: str) -> str:
    path = (path or "").strip()
    if not path or path == "/":
        return ""
    return "/" + path.strip("/") + "/"


def _parse_version(raw: Any, file: str, index: int) -> PackVersion:
    where = f"{file} 第{index + 1}个版本"
    if not isinstance(raw, dict):
        raise RulesError(f"规则参数包 {where}：应为对象")
    unknown = set(raw) - {
        "jurisdiction",
        "name",
        "effective_from",
        "effective_to",
        "source",
        "sources",
        "values",
    }
    if unknown:
        raise RulesError(f"规则参数包 {where}：未知的键 {', '.join(sorted(unknown))}")
    for key in ("jurisdiction", "effective_from", "source", "values"):
        if key not in raw:
            raise RulesError(f"规则参数包 {where}：缺少 {key}")
    if not isinstance(raw["jurisdiction"], str):
        raise RulesError(f"规则参数包 {where}：jurisdiction 应为行政区划路径字符串")
    jurisdiction = _normalize_region(raw["jurisdiction"])
    if jurisdiction and not all(part.isdigit() for part in jurisdiction.strip("/").split("/")):
        raise RulesError(f"规则参数包 {where}：jurisdiction 应为 /340000/341300/ 形式的区划代码路径")
    dates: dict[str, date | None] = {}
    for key in ("effective_from", "effective_to"):
        value = raw.get(key)
        if value is None and key == "effective_to":
            dates[key] = None
            continue
        try:
            dates[key] = date.fromisoformat(str(value))
        except ValueError:
            raise RulesError(f"规则参数包 {where}：{key} 不是有效日期：{value!r}") from None
    start, end = dates["effective_from"], dates["effective_to"]
    assert start is not None
    if end is not None and end < start:
        raise RulesError(f"规则参数包 {where}：effective_to 早于 effective_from")
    if not isinstance(raw["source"], str) or not raw["source"].strip():
        raise RulesError(f"规则参数包 {where}：source 须写明依据")
    values_raw = raw["values"]
    if not isinstance(values_raw, dict):
        raise RulesError(f"规则参数包 {where}：values 应为对象")
    values: dict[str, Any] = {}
    for key, value in values_raw.items():
        if key not in FIELDS:
            raise RulesError(f"规则参数包 {where}：values 中有未知参数 {key}")
        try:
            values[key] = FIELDS[key](value)
        except ValueError as exc:
            raise RulesError(f"规则参数包 {where}：values.{key} {exc}") from None
    if not jurisdiction:
        missing = [k for k in FIELDS if k not in values]
        if missing:
            raise RulesError(f"规则参数包 {where}：全国默认参数包须完整，缺少 {', '.join(missing)}")
    sources = raw.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) and v for v in sources.values()):
        raise RulesError(f"规则参数包 {where}：sources 应为 参数名→依据文字 的对象")
    for key in sources:
        if key not in values:
            raise RulesError(f"规则参数包 {where}：sources 中的 {key} 不是本版本给出的参数")
    name = raw.get("name") or (jurisdiction or "全国默认")
    return PackVersion(jurisdiction, str(name), start, end, raw["source"], file, values, dict(sources))


def load_versions(directory: str | Path | None = None) -> tuple[PackVersion, ...]:
    """Read and validate every *.json in `directory` (default RULES_DIR). Raises RulesError."""
    folder = Path(directory) if directory is not None else RULES_DIR
    files = sorted(folder.glob("*.json"))
    if not files:
        raise RulesError(f"规则参数包目录 {folder} 中没有 .json 文件")
    versions: list[PackVersion] = []
    for path in files:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RulesError(
                f"规则参数包 {path.name}：JSON 格式错误（第{exc.lineno}行）：{exc.msg}"
            ) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("versions"), list):
            raise RulesError(f'规则参数包 {path.name}：顶层应为 {{"versions": [...]}}')
        versions.extend(_parse_version(v, path.name, i) for i, v in enumerate(raw["versions"]))
    by_jurisdiction: dict[str, list[PackVersion]] = {}
    for v in versions:
        by_jurisdiction.setdefault(v.jurisdiction, []).append(v)
    for items in by_jurisdiction.values():
        items.sort(key=lambda v: v.effective_from)
        for a, b in zip(items, items[1:], strict=False):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                raise RulesError(
                    f"规则参数包 {b.file}：{b.name} 自{b.effective_from}起的版本与 {a.file} "
                    f"自{a.effective_from}起的版本施行期间重叠"
                )
    if "" not in by_jurisdiction:
        raise RulesError(f"规则参数包目录 {folder} 中没有全国默认参数包（jurisdiction 为空）")
    return tuple(versions)


_cache: dict[str, tuple[PackVersion, ...]] = {}
_packs: dict[tuple[str, str, date], RulePack] = {}
_lock = threading.Lock()


def _versions(directory: str | Path | None) -> tuple[PackVersion, ...]:
    key = str(Path(directory) if directory is not None else RULES_DIR)
    with _lock:
        hit = _cache.get(key)
    if hit is None:
        hit = load_versions(directory)
        with _lock:
            _cache[key] = hit
    return hit


def reload() -> None:
    """Forget cached files and packs (after an administrator edits a pack file)."""
    with _lock:
        _cache.clear()
        _packs.clear()


# --- the resolved pack ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RulePack:
    """The parameters in force for one region on one date (see module docstring). Attributes = FIELDS."""

    region_path: str
    on: date
    layers: tuple[str, ...]  # names of the versions applied, least specific first
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
    citations: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def source_of(self, name: str) -> str:
        """Where the value `name` comes from: "<pack name>（自…起）：<source text>"."""
        try:
            return self.citations[name]
        except KeyError:
            raise KeyError(f"没有名为 {name} 的参数") from None

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


def pack_for(region_path: str, on: date, *, directory: str | Path | None = None) -> RulePack:
    """The RulePack in force for `region_path` (e.g. "/340000/341300/341302/", "" for national) on `on`.

    Raises RulesError when no national version is in force on that date."""
    region = _normalize_region(region_path)
    dir_key = str(Path(directory) if directory is not None else RULES_DIR)
    with _lock:
        hit = _packs.get((dir_key, region, on))
    if hit is not None:
        return hit
    versions = _versions(directory)
    applicable = [v for v in versions if region.startswith(v.jurisdiction) and v.in_force(on)]
    applicable.sort(key=lambda v: len(v.jurisdiction))
    if not applicable or applicable[0].jurisdiction != "":
        raise RulesError(f"{on.isoformat()} 没有施行中的全国默认规则参数包")
    values: dict[str, Any] = {}
    citations: dict[str, str] = {}
    for v in applicable:
        for key, value in v.values.items():
            values[key] = value
            citations[key] = v.citation(key)
    pack = RulePack(
        region_path=region, on=on, layers=tuple(v.name for v in applicable), citations=citations, **values
    )
    with _lock:
        _packs[(dir_key, region, on)] = pack
    return pack
