"""违法行为库: versioned discretion-standard data (domain spec §9), loaded from JSON, validated, looked up.

Each file in `app/cases/data/violations/` is one version of a standard (《应急管理行政处罚裁量权基准》,
应急〔2024〕90号, or a provincial refinement):

    {standard, doc_no, version, effective_from: "YYYY-MM-DD", source, illustrative: bool, note?,
     tiering_rule: {basis, confidence, with_minimum: {从轻|一般|从重: [lo, hi]},
                    maximum_only: {从轻|一般|从重: [lo, hi]}, conditions: {tier: 适用条件}},
     entries: [{code, violation, breached_article, penalty_article, credit_criterion?: "1".."9",
                stages: [{stage: 1|2, trigger?: 逾期未改正|拒不执行|拒不改正, other_penalties: [str],
                          targets: [{target: unit|responsible_person|principal,
                                     statutory_min: int 元 (0 = 法律只规定最高数额), statutory_max: int 元,
                                     tiers?: [{tier, conditions, amount_min, amount_max}]}]}]}]}

Tiers a target does not list are derived: 不予处罚 is 0..0, 减轻 is 0..statutory_min (only where the law sets a
minimum), 从轻/一般/从重 follow the file's tiering_rule (§9.1: fractions of the range from the minimum where the
law sets one, so 从轻 stays below the midpoint and 从重 above it; proportions of the maximum where it sets only a
maximum). A broken file raises `LibraryDataError` naming the file and the key.

A case stores `Entry.ref` (code@version) so its record stays true when a new version is loaded; a new version is a
new file, never an edit of an old one (从旧兼从轻 needs the old figures).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from app import clock
from app.errors import ValidationFailed, invalid

DATA_DIR = Path(__file__).parent / "data" / "violations"

TIERS = ("不予处罚", "减轻", "从轻", "一般", "从重")
PENALTY_TIERS = ("从轻", "一般", "从重")
TARGETS = {
    "unit": "生产经营单位",
    "responsible_person": "直接负责的主管人员和其他直接责任人员",
    "principal": "主要负责人",
}
TRIGGERS = ("逾期未改正", "拒不执行", "拒不改正")


class LibraryDataError(ValueError):
    """A violation-library file is broken; the message names the file and the key."""

    def __init__(self, file: str, key: str, problem: str):
        super().__init__(f"违法行为库数据文件 {file} 有误：{key}：{problem}")
        self.file = file
        self.key = key
        self.problem = problem


def yuan(amount: int | Decimal) -> str:
    """10000 → 1万元, 32000 → 3.2万元, 5000 → 5000元 (how amounts are written on documents)."""
    value = Decimal(amount)
    if value >= 10000 and value % 1000 == 0:
        return f"{(value / 10000).normalize():f}万元"
    return f"{value.normalize():f}元" if value == value.to_integral_value() else f"{value:.2f}元"


@dataclass(frozen=True)
class Tier:
    name: str  # one of TIERS
    conditions: str  # 适用条件
    amount_min: int  # 元
    amount_max: int
    derived: bool  # computed from the tiering rule, not written in the file

    @property
    def band_text(self) -> str:
        return f"{yuan(self.amount_min)}至{yuan(self.amount_max)}"


@dataclass(frozen=True)
class TargetBand:
    target: str  # key of TARGETS
    statutory_min: int  # 0: the law gives only a maximum
    statutory_max: int
    tiers: tuple[Tier, ...]  # in TIERS order

    @property
    def label(self) -> str:
        return TARGETS[self.target]

    @property
    def has_minimum(self) -> bool:
        return self.statutory_min > 0

    @property
    def midpoint(self) -> Decimal:
        return (Decimal(self.statutory_min) + Decimal(self.statutory_max)) / 2

    @property
    def statutory_text(self) -> str:
        """二万元以上五万元以下 style, in figures: 2万元以上5万元以下 / 10万元以下."""
        if self.has_minimum:
            return f"{yuan(self.statutory_min)}以上{yuan(self.statutory_max)}以下"
        return f"{yuan(self.statutory_max)}以下"

    def tier(self, name: str) -> Tier | None:
        return next((t for t in self.tiers if t.name == name), None)


@dataclass(frozen=True)
class Stage:
    number: int  # 1, or 2 for the second case after 逾期未改正 / 拒不执行 / 拒不改正 (§2.5)
    trigger: str | None
    other_penalties: tuple[str, ...]
    targets: tuple[TargetBand, ...]  # empty: this stage has no fine (e.g. Art.108 first 责令改正)

    def band(self, target: str) -> TargetBand | None:
        return next((b for b in self.targets if b.target == target), None)


@dataclass(frozen=True)
class Entry:
    code: str
    violation: str
    breached_article: str
    penalty_article: str
    stages: tuple[Stage, ...]
    version: str
    effective_from: date
    standard: str
    doc_no: str
    illustrative: bool
    file: str
    credit_criterion: str | None = None  # 列入情形 (应急管理部令第11号, "1".."9") a decision for it proposes

    @property
    def ref(self) -> str:
        """What a case stores: code@version."""
        return f"{self.code}@{self.version}"

    def stage(self, number: int = 1) -> Stage:
        for s in self.stages:
            if s.number == number:
                return s
        raise invalid("stage", f"{self.code}（{self.violation}）没有第{number}阶段的处罚规定")

    def band(self, target: str, stage: int = 1) -> TargetBand:
        band = self.stage(stage).band(target)
        if band is None:
            label = TARGETS.get(target, target)
            raise invalid("target", f"{self.code}第{stage}阶段没有对{label}罚款的规定")
        return band


@dataclass(frozen=True)
class TieringRule:
    basis: str
    with_minimum: dict[str, tuple[float, float]]
    maximum_only: dict[str, tuple[float, float]]
    conditions: dict[str, str]

    def derive(self, name: str, statutory_min: int, statutory_max: int) -> Tier:
        if name == "不予处罚":
            return Tier(name, self.conditions[name], 0, 0, True)
        if name == "减轻":
            return Tier(name, self.conditions[name], 0, statutory_min, True)
        if statutory_min > 0:
            lo, hi = self.with_minimum[name]
            base, span = statutory_min, statutory_max - statutory_min
        else:
            lo, hi = self.maximum_only[name]
            base, span = 0, statutory_max
        return Tier(
            name,
            self.conditions[name],
            _round(base + Decimal(str(lo)) * span),
            _round(base + Decimal(str(hi)) * span),
            True,
        )


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Library:
    """One version of the standard: the entries in force from `effective_from` until the next version."""

    standard: str
    doc_no: str
    version: str
    effective_from: date
    source: str
    illustrative: bool
    note: str
    rule: TieringRule
    entries: tuple[Entry, ...]
    file: str

    def entry(self, code: str) -> Entry:
        wanted = code.strip().upper()
        for e in self.entries:
            if e.code.upper() == wanted:
                return e
        raise invalid("violation_code", f"违法行为库（{self.version}）中没有编码为“{code}”的违法行为")

    def has(self, code: str) -> bool:
        wanted = code.strip().upper()
        return any(e.code.upper() == wanted for e in self.entries)

    def search(self, text: str) -> list[Entry]:
        """Entries whose code, violation text or articles contain every word of `text` (the picker).
        "97", "第97条" also find 第九十七条; an exact code comes first."""
        terms = text.split()
        hits = [e for e in self.entries if all(_matches(e, t) for t in terms)]
        exact = text.strip().upper()
        return sorted(hits, key=lambda e: e.code.upper() != exact)


_ARTICLE = re.compile(r"^第?(\d{1,3})条?$")
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..999 as written in article numbers: 21 二十一, 10 十, 102 一百零二, 110 一百一十."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if tens == 0 and ones:
            return out + "零" + _DIGITS[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def _matches(e: Entry, term: str) -> bool:
    haystack = " ".join((e.code.upper(), e.violation, e.breached_article, e.penalty_article))
    if term.upper() in haystack:
        return True
    m = _ARTICLE.match(term)
    return bool(m and 0 < int(m.group(1)) and f"第{chinese_number(int(m.group(1)))}条" in haystack)


# ---------------------------------------------------------------- loading and validation


class _File:
    """Reads one JSON file; every failure names the file and the key path."""

    def __init__(self, path: Path):
        self.name = path.name

    def fail(self, key: str, problem: str) -> LibraryDataError:
        return LibraryDataError(self.name, key, problem)

    def get(
        self, obj: dict, key: str, path: str, kind: type | tuple[type, ...], *, required: bool = True
    ) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in obj:
            if required:
                raise self.fail(where, "缺少此项")
            return None
        value = obj[key]
        if isinstance(value, bool) and kind is not bool:
            raise self.fail(where, "类型不对")
        if not isinstance(value, kind):
            raise self.fail(where, f"类型不对（应为{_KIND_NAMES.get(kind, str(kind))}）")
        if isinstance(value, str) and required and not value.strip():
            raise self.fail(where, "不得为空")
        return value

    def amount(self, obj: dict, key: str, path: str) -> int:
        value = self.get(obj, key, path, int)
        if value < 0:
            raise self.fail(f"{path}.{key}", "金额不得为负数")
        return int(value)


_KIND_NAMES: dict[Any, str] = {str: "文字", int: "整数（元）", bool: "true/false", list: "列表", dict: "对象"}


def load_file(path: Path) -> Library:
    f = _File(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise f.fail(f"第{exc.lineno}行第{exc.colno}列", f"不是有效的 JSON（{exc.msg}）") from exc
    if not isinstance(raw, dict):
        raise f.fail("(根)", "应为对象")
    standard = f.get(raw, "standard", "", str)
    doc_no = f.get(raw, "doc_no", "", str)
    version = f.get(raw, "version", "", str)
    try:
        effective_from = date.fromisoformat(f.get(raw, "effective_from", "", str))
    except ValueError as exc:
        raise f.fail("effective_from", "应为 YYYY-MM-DD 格式的日期") from exc
    source = f.get(raw, "source", "", str)
    illustrative = f.get(raw, "illustrative", "", bool)
    note = f.get(raw, "note", "", str, required=False) or ""
    rule = _rule(f, f.get(raw, "tiering_rule", "", dict))
    entries: list[Entry] = []
    seen: set[str] = set()
    raw_entries = f.get(raw, "entries", "", list)
    if not raw_entries:
        raise f.fail("entries", "不得为空")
    for i, item in enumerate(raw_entries):
        path_i = f"entries[{i}]"
        if not isinstance(item, dict):
            raise f.fail(path_i, "应为对象")
        code = f.get(item, "code", path_i, str).strip()
        if code.upper() in seen:
            raise f.fail(f"{path_i}.code", f"编码 {code} 重复")
        seen.add(code.upper())
        path_i = f"entries[{i}]({code})"
        stages = _stages(f, f.get(item, "stages", path_i, list), f"{path_i}.stages", rule)
        entries.append(
            Entry(
                code=code,
                violation=f.get(item, "violation", path_i, str),
                breached_article=f.get(item, "breached_article", path_i, str),
                penalty_article=f.get(item, "penalty_article", path_i, str),
                stages=stages,
                version=version,
                effective_from=effective_from,
                standard=standard,
                doc_no=doc_no,
                illustrative=illustrative,
                file=path.name,
                credit_criterion=_credit_criterion(f, item, path_i),
            )
        )
    return Library(
        standard, doc_no, version, effective_from, source, illustrative, note, rule, tuple(entries), path.name
    )


def _credit_criterion(f: _File, item: dict, path: str) -> str | None:
    """Optional `credit_criterion`: the 列入情形 of 应急管理部令第11号 (a code "1".."9") a penalty decision for
    this violation proposes for the 严重失信主体名单 (app.credit reads it; this library only checks its form)."""
    value = f.get(item, "credit_criterion", path, str, required=False)
    if value is None:
        return None
    if value.strip() not in {str(n) for n in range(1, 10)}:
        raise f.fail(f"{path}.credit_criterion", "应为列入情形代码 1 至 9")
    return value.strip()


def _rule(f: _File, raw: dict) -> TieringRule:
    def fractions(key: str) -> dict[str, tuple[float, float]]:
        table = f.get(raw, key, "tiering_rule", dict)
        out: dict[str, tuple[float, float]] = {}
        for name in PENALTY_TIERS:
            pair = f.get(table, name, f"tiering_rule.{key}", list)
            where = f"tiering_rule.{key}.{name}"
            if len(pair) != 2 or not all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in pair
            ):
                raise f.fail(where, "应为两个 0 至 1 之间的比例 [下限, 上限]")
            lo, hi = float(pair[0]), float(pair[1])
            if not 0 <= lo <= hi <= 1:
                raise f.fail(where, "比例应满足 0 ≤ 下限 ≤ 上限 ≤ 1")
            out[name] = (lo, hi)
        if key == "with_minimum" and (out["从轻"][1] > 0.5 or out["从重"][0] < 0.5):
            raise f.fail("tiering_rule.with_minimum", "从轻应在中间值以下，从重应在中间值以上（§9.1）")
        if (
            out["从轻"][1] > out["一般"][1]
            or out["一般"][1] > out["从重"][1]
            or out["从轻"][0] > out["一般"][0]
        ):
            raise f.fail(f"tiering_rule.{key}", "从轻、一般、从重应依次递增")
        return out

    with_minimum = fractions("with_minimum")
    conditions_raw = f.get(raw, "conditions", "tiering_rule", dict)
    conditions = {name: f.get(conditions_raw, name, "tiering_rule.conditions", str) for name in TIERS}
    return TieringRule(
        f.get(raw, "basis", "tiering_rule", str), with_minimum, fractions("maximum_only"), conditions
    )


def _stages(f: _File, raw: list, path: str, rule: TieringRule) -> tuple[Stage, ...]:
    stages: list[Stage] = []
    for j, item in enumerate(raw):
        where = f"{path}[{j}]"
        if not isinstance(item, dict):
            raise f.fail(where, "应为对象")
        number = f.get(item, "stage", where, int)
        if number != j + 1 or number > 2:
            raise f.fail(f"{where}.stage", "阶段应依次为 1（首次）和 2（逾期未改正等）")
        trigger = f.get(item, "trigger", where, str, required=number == 2)
        if number == 1 and trigger is not None:
            raise f.fail(f"{where}.trigger", "第1阶段不应有触发条件")
        if number == 2 and trigger not in TRIGGERS:
            raise f.fail(f"{where}.trigger", f"应为 {'、'.join(TRIGGERS)} 之一")
        others = f.get(item, "other_penalties", where, list)
        if not all(isinstance(o, str) and o.strip() for o in others):
            raise f.fail(f"{where}.other_penalties", "应为文字列表")
        targets: list[TargetBand] = []
        for k, t in enumerate(f.get(item, "targets", where, list)):
            band = _target(f, t, f"{where}.targets[{k}]", rule)
            if any(b.target == band.target for b in targets):
                raise f.fail(f"{where}.targets[{k}].target", f"处罚对象 {band.target} 重复")
            targets.append(band)
        if not targets and not others:
            raise f.fail(where, "既无罚款也无其他处罚")
        stages.append(Stage(number, trigger, tuple(others), tuple(targets)))
    if not stages:
        raise f.fail(path, "不得为空")
    return tuple(stages)


def _target(f: _File, raw: Any, where: str, rule: TieringRule) -> TargetBand:
    if not isinstance(raw, dict):
        raise f.fail(where, "应为对象")
    target = f.get(raw, "target", where, str)
    if target not in TARGETS:
        raise f.fail(f"{where}.target", f"应为 {'、'.join(TARGETS)} 之一")
    lo, hi = f.amount(raw, "statutory_min", where), f.amount(raw, "statutory_max", where)
    if hi <= 0 or lo >= hi:
        raise f.fail(f"{where}.statutory_max", "法定最高数额应大于零且大于最低数额")
    given: dict[str, Tier] = {}
    for n, t in enumerate(f.get(raw, "tiers", where, list, required=False) or []):
        tw = f"{where}.tiers[{n}]"
        if not isinstance(t, dict):
            raise f.fail(tw, "应为对象")
        name = f.get(t, "tier", tw, str)
        if name not in TIERS:
            raise f.fail(f"{tw}.tier", f"应为 {'、'.join(TIERS)} 之一")
        if name in given:
            raise f.fail(f"{tw}.tier", f"阶次 {name} 重复")
        tier = Tier(
            name,
            f.get(t, "conditions", tw, str),
            f.amount(t, "amount_min", tw),
            f.amount(t, "amount_max", tw),
            False,
        )
        _check_tier(f, tw, tier, lo, hi)
        given[name] = tier
    tiers = []
    for name in TIERS:
        if name == "减轻" and lo == 0:
            if name in given:
                raise f.fail(f"{where}.tiers", "法律只规定最高数额的，没有减轻（低于最低数额）阶次")
            continue
        tiers.append(given.get(name) or rule.derive(name, lo, hi))
    band = TargetBand(target, lo, hi, tuple(tiers))
    light, normal, heavy = (band.tier(n) for n in PENALTY_TIERS)
    assert light and normal and heavy
    if lo > 0 and (light.amount_max > band.midpoint or heavy.amount_min < band.midpoint):
        raise f.fail(
            f"{where}.tiers", f"从轻应在中间值（{yuan(band.midpoint)}）以下，从重应在中间值以上（§9.1）"
        )
    if not (
        light.amount_min <= normal.amount_min <= heavy.amount_min
        and light.amount_max <= normal.amount_max <= heavy.amount_max
    ):
        raise f.fail(f"{where}.tiers", "从轻、一般、从重的罚款幅度应依次递增")
    return band


def _check_tier(f: _File, where: str, tier: Tier, lo: int, hi: int) -> None:
    if tier.amount_min > tier.amount_max:
        raise f.fail(f"{where}.amount_min", "下限大于上限")
    if tier.name == "不予处罚" and tier.amount_max != 0:
        raise f.fail(f"{where}.amount_max", "不予处罚的罚款幅度只能是 0")
    if tier.name == "减轻" and tier.amount_max > lo:
        raise f.fail(f"{where}.amount_max", f"减轻处罚应在法定最低数额（{yuan(lo)}）以下")
    if tier.name in PENALTY_TIERS and (tier.amount_min < lo or tier.amount_max > hi):
        raise f.fail(where, f"阶次幅度超出法定幅度（{yuan(lo)}至{yuan(hi)}）")


class Catalogue:
    """All versions found in one directory, oldest first."""

    def __init__(self, versions: Iterable[Library]):
        self.versions = tuple(sorted(versions, key=lambda v: v.effective_from))
        seen: dict[str, str] = {}
        for v in self.versions:
            if v.version in seen:
                raise LibraryDataError(v.file, "version", f"版本号 {v.version} 与 {seen[v.version]} 重复")
            seen[v.version] = v.file
        for a, b in zip(self.versions, self.versions[1:], strict=False):
            if a.effective_from == b.effective_from:
                raise LibraryDataError(b.file, "effective_from", f"施行日期与 {a.file} 相同")

    @classmethod
    def load(cls, directory: Path) -> Catalogue:
        files = sorted(directory.glob("*.json"))
        if not files:
            raise LibraryDataError(str(directory), "(目录)", "没有任何版本文件")
        return cls(load_file(p) for p in files)

    def library(self, on: date | None = None) -> Library:
        day = on or clock.today()
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            first = self.versions[0]
            raise ValidationFailed(
                f"{day}时尚无施行的裁量基准版本（最早的版本 {first.version} 自{first.effective_from}起施行）"
            )
        return in_force[-1]

    def version(self, version: str) -> Library:
        for v in self.versions:
            if v.version == version:
                return v
        raise invalid("violation_version", f"违法行为库中没有版本“{version}”")


@lru_cache(maxsize=8)
def _catalogue(directory: str) -> Catalogue:
    return Catalogue.load(Path(directory))


def catalogue(directory: Path | None = None) -> Catalogue:
    """The catalogue of `directory` (default: the app's data directory), read once per process."""
    return _catalogue(str(directory or DATA_DIR))
