"""Versioned jurisdiction parameter packs: values the law leaves to local rules, kept as data with their source.

A domain declares its values (`fields`: name → parser), a frozen pack class whose attributes are those names,
and a folder of JSON files; `PackLoader` reads, validates, caches and resolves them. The file format (one file
may hold several versions, of one or more jurisdictions)::

    {"versions": [{
        "jurisdiction": "/340000/",            # region path prefix; "" = national default
        "name": "安徽省",                       # shown when citing
        "effective_from": "2021-07-15",
        "effective_to": "2026-01-31",          # optional, inclusive
        "source": "…",                         # default citation of every value of this version
        "sources": {"<value name>": "…"},      # optional per-value citations
        "values": {...}                        # the domain's fields
    }]}

Lookup (`PackLoader.pack(region_path, on)`): the national version in force on `on`, overlaid by the version in
force of every less-to-more specific jurisdiction whose prefix the region path starts with ("/340000/341300/"
→ "", "/340000/", "/340000/341300/"). A provincial or city version may give only some values; national
versions must be complete. Versions of one jurisdiction may not overlap in time.

Periods are written {"days": n, "kind": "working"|"calendar"}, {"months": n}, {"years": n} or {"hours": n}
(parsed by `period(*allowed units)`); amounts as strings or integers (`parse_decimal`).

Needs no Flask app. Files are validated on load (RulesError names the file and the key) and cached per
process; `PackLoader.reload()` clears the cache. Messages name the pack by the domain's word (e.g. 规则参数包).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Generic, TypeVar

PERIOD_UNITS = ("calendar", "working", "months", "years", "hours")


class RulesError(ValueError):
    """A parameter pack file is malformed, or no pack is in force for the date asked."""


# --- value types and their parsers (a parser raises ValueError with the reason, in Chinese) -----------


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


def parse_decimal(v: Any) -> Decimal:
    """A non-negative amount, written as an integer or a numeric string."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError("应为金额（整数或数字字符串）")
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise ValueError(f"不是有效的数字：{v!r}") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"应为非负数：{v!r}")
    return d


def parse_int(v: Any, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError(f"应为不小于 {minimum} 的整数：{v!r}")
    return v


def parse_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"应为 true 或 false：{v!r}")
    return v


def period(*allowed: str) -> Callable[[Any], Period]:
    """The parser of a period whose unit is one of `allowed` (PERIOD_UNITS)."""

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
        return Period(parse_int(n), unit)

    return parse


# --- one version of a pack, as read from a file ------------------------------------------------------


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
        span = f"自{self.effective_from.isoformat()}起" + (
            f"至{self.effective_to.isoformat()}" if self.effective_to else ""
        )
        return f"{self.name}（{span}）：{text}"


def normalize_region(path: str) -> str:
    """ "340000" / "/340000" / "/340000/" → "/340000/"; "" or "/" → "" (national)."""
    path = (path or "").strip()
    if not path or path == "/":
        return ""
    return "/" + path.strip("/") + "/"


VERSION_KEYS = frozenset(
    {"jurisdiction", "name", "effective_from", "effective_to", "source", "sources", "values"}
)


@dataclass(frozen=True)
class Pack:
    """The values in force for one region on one date. A domain's pack is a frozen dataclass deriving from
    this one, with an attribute per field; `citations` says where each value comes from."""

    region_path: str
    on: date
    layers: tuple[str, ...]  # names of the versions applied, least specific first
    citations: dict[str, str] = field(
        default_factory=dict, compare=False, hash=False, repr=False, kw_only=True
    )

    def source_of(self, name: str) -> str:
        """Where the value `name` comes from: "<pack name>（自…起）：<source text>"."""
        try:
            return self.citations[name]
        except KeyError:
            raise KeyError(f"没有名为 {name} 的参数") from None

    def plain_source_of(self, name: str) -> str:
        """Where `name` comes from as users read it (pages, documents): the citation without the rule file's
        specification markers ([S7，规格 §2.4 …], [M:med …]), which are notes for whoever maintains the file;
        "" when the pack cites nothing for it."""
        return _SPEC_MARKS.sub("", self.citations.get(name, "")).strip()


_SPEC_MARKS = re.compile(r"\s*\[[^\[\]]*\]")


P = TypeVar("P", bound=Pack)


class PackLoader(Generic[P]):
    """The packs of one domain: files in `directory` (the default; every call may name another folder),
    values parsed by `fields`, resolved packs built as `build(region_path=, on=, layers=, citations=,
    **values)` (a Pack subclass); `word` names the pack in messages (e.g. "规则参数包")."""

    def __init__(
        self,
        directory: Path,
        fields: Mapping[str, Callable[[Any], Any]],
        word: str,
        build: Callable[..., P],
    ) -> None:
        self.directory = directory
        self.fields = fields
        self.word = word
        self.build = build
        self._versions: dict[str, tuple[PackVersion, ...]] = {}
        self._packs: dict[tuple[str, str, date], P] = {}
        self._lock = threading.Lock()

    def _folder(self, directory: str | Path | None) -> Path:
        return Path(directory) if directory is not None else self.directory

    def parse_version(self, raw: Any, file: str, index: int) -> PackVersion:
        """One version of a file, validated (RulesError names the file, the version and the key)."""
        where = f"{self.word} {file} 第{index + 1}个版本"
        if not isinstance(raw, dict):
            raise RulesError(f"{where}：应为对象")
        unknown = set(raw) - VERSION_KEYS
        if unknown:
            raise RulesError(f"{where}：未知的键 {', '.join(sorted(unknown))}")
        for key in ("jurisdiction", "effective_from", "source", "values"):
            if key not in raw:
                raise RulesError(f"{where}：缺少 {key}")
        if not isinstance(raw["jurisdiction"], str):
            raise RulesError(f"{where}：jurisdiction 应为行政区划路径字符串")
        jurisdiction = normalize_region(raw["jurisdiction"])
        if jurisdiction and not all(part.isdigit() for part in jurisdiction.strip("/").split("/")):
            raise RulesError(f"{where}：jurisdiction 应为 /340000/341300/ 形式的区划代码路径")
        dates: dict[str, date | None] = {}
        for key in ("effective_from", "effective_to"):
            value = raw.get(key)
            if value is None and key == "effective_to":
                dates[key] = None
                continue
            try:
                dates[key] = date.fromisoformat(str(value))
            except ValueError:
                raise RulesError(f"{where}：{key} 不是有效日期：{value!r}") from None
        start, end = dates["effective_from"], dates["effective_to"]
        assert start is not None
        if end is not None and end < start:
            raise RulesError(f"{where}：effective_to 早于 effective_from")
        if not isinstance(raw["source"], str) or not raw["source"].strip():
            raise RulesError(f"{where}：source 须写明依据")
        values_raw = raw["values"]
        if not isinstance(values_raw, dict):
            raise RulesError(f"{where}：values 应为对象")
        values: dict[str, Any] = {}
        for key, value in values_raw.items():
            if key not in self.fields:
                raise RulesError(f"{where}：values 中有未知参数 {key}")
            try:
                values[key] = self.fields[key](value)
            except ValueError as exc:
                raise RulesError(f"{where}：values.{key} {exc}") from None
        if not jurisdiction:
            missing = [k for k in self.fields if k not in values]
            if missing:
                raise RulesError(f"{where}：全国默认参数包须完整，缺少 {', '.join(missing)}")
        sources = raw.get("sources", {})
        if not isinstance(sources, dict) or not all(isinstance(v, str) and v for v in sources.values()):
            raise RulesError(f"{where}：sources 应为 参数名→依据文字 的对象")
        for key in sources:
            if key not in values:
                raise RulesError(f"{where}：sources 中的 {key} 不是本版本给出的参数")
        name = raw.get("name") or (jurisdiction or "全国默认")
        return PackVersion(jurisdiction, str(name), start, end, raw["source"], file, values, dict(sources))

    def load_versions(self, directory: str | Path | None = None) -> tuple[PackVersion, ...]:
        """Read and validate every *.json in `directory` (default: the loader's). Raises RulesError."""
        folder = self._folder(directory)
        files = sorted(folder.glob("*.json"))
        if not files:
            raise RulesError(f"{self.word}目录 {folder} 中没有 .json 文件")
        versions: list[PackVersion] = []
        for path in files:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise RulesError(
                    f"{self.word} {path.name}：JSON 格式错误（第{exc.lineno}行）：{exc.msg}"
                ) from None
            if not isinstance(raw, dict) or not isinstance(raw.get("versions"), list):
                raise RulesError(f'{self.word} {path.name}：顶层应为 {{"versions": [...]}}')
            versions.extend(self.parse_version(v, path.name, i) for i, v in enumerate(raw["versions"]))
        by_jurisdiction: dict[str, list[PackVersion]] = {}
        for v in versions:
            by_jurisdiction.setdefault(v.jurisdiction, []).append(v)
        for items in by_jurisdiction.values():
            items.sort(key=lambda v: v.effective_from)
            for a, b in zip(items, items[1:], strict=False):
                if a.effective_to is None or a.effective_to >= b.effective_from:
                    raise RulesError(
                        f"{self.word} {b.file}：{b.name} 自{b.effective_from}起的版本与 {a.file} "
                        f"自{a.effective_from}起的版本施行期间重叠"
                    )
        if "" not in by_jurisdiction:
            raise RulesError(f"{self.word}目录 {folder} 中没有全国默认参数包（jurisdiction 为空）")
        return tuple(versions)

    def versions(self, directory: str | Path | None = None) -> tuple[PackVersion, ...]:
        """load_versions, cached per folder until reload()."""
        key = str(self._folder(directory))
        with self._lock:
            hit = self._versions.get(key)
        if hit is None:
            hit = self.load_versions(directory)
            with self._lock:
                self._versions[key] = hit
        return hit

    def versions_for(
        self, region_path: str, on: date, *, directory: str | Path | None = None
    ) -> list[PackVersion]:
        """The versions in force for `region_path` on `on`, least specific (the national one) first.

        Raises RulesError when no national version is in force on that date."""
        region = normalize_region(region_path)
        applicable = [
            v for v in self.versions(directory) if region.startswith(v.jurisdiction) and v.in_force(on)
        ]
        applicable.sort(key=lambda v: len(v.jurisdiction))
        if not applicable or applicable[0].jurisdiction != "":
            raise RulesError(f"{on.isoformat()} 没有施行中的全国默认{self.word}")
        return applicable

    def pack(self, region_path: str, on: date, *, directory: str | Path | None = None) -> P:
        """The pack in force for `region_path` ("/340000/341300/341302/", "" = national) on `on`: the values of
        versions_for laid over each other, each citing the version that gave it. Cached until reload()."""
        region = normalize_region(region_path)
        key = (str(self._folder(directory)), region, on)
        with self._lock:
            hit = self._packs.get(key)
        if hit is not None:
            return hit
        values: dict[str, Any] = {}
        citations: dict[str, str] = {}
        layers = self.versions_for(region, on, directory=directory)
        for v in layers:
            for name, value in v.values.items():
                values[name] = value
                citations[name] = v.citation(name)
        pack = self.build(
            region_path=region, on=on, layers=tuple(v.name for v in layers), citations=citations, **values
        )
        with self._lock:
            self._packs[key] = pack
        return pack

    def reload(self) -> None:
        """Forget cached files and packs (after an administrator edits a pack file)."""
        with self._lock:
            self._versions.clear()
            self._packs.clear()
