"""The 联合惩戒 measure library (domain spec §7.4): app/credit/data/measures.json, data not code.

Each measure: `code`, `name`, `basis`, the executing `department` (本局 or another department), `internal`
(本局 applies it by itself), `default` (preselected in the 列入决定), `kind`:
- `class_up`  the enterprise's 分类分级 class rises one step (more inspections; restored when lifted);
- `banner`    the 重点监管 banner follows the enterprise (shown while the listing is in force);
- `interview` 约谈 of the main 负责人, scheduled within the interview period;
- `external`  another department: a numbered 联合惩戒通知, its feedback tracked.

`person` (default false) marks a measure concerning a person (约谈主要负责人, 限制担任负责人): a listing of the
unit's main 负责人 alone (第五项, criteria.Criterion.head_only) takes only these — no class raise, no
重点监管 banner, nothing aimed at the unit.

`class_order` lists the 分类分级 classes from the least to the most supervised (A … D): "one step up" is the
next one. Loaded once per process; `reload()` for tests that swap the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "measures.json"
KINDS = ("class_up", "banner", "interview", "external")
INTERNAL_DEPARTMENT = "本局"


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    basis: str
    department: str
    internal: bool
    default: bool
    kind: str
    person: bool = False  # concerns a person (the main 负责人): the only kind a head-only listing takes


@dataclass(frozen=True)
class Library:
    version: str
    source: str
    class_order: tuple[str, ...]
    measures: tuple[Measure, ...]

    def get(self, code: str) -> Measure:
        for m in self.measures:
            if m.code == code:
                return m
        raise LookupError(f"措施库中没有该惩戒措施：{code}")

    def defaults(self, head_only: bool = False) -> list[str]:
        """The codes preselected in the 列入决定; for a listing of the main 负责人 alone (第五项), every
        measure concerning a person."""
        if head_only:
            return [m.code for m in self.measures if m.person]
        return [m.code for m in self.measures if m.default]

    def person_measures(self) -> list[Measure]:
        return [m for m in self.measures if m.person]

    def choices(self) -> list[tuple[str, str]]:
        """(code, "name（department）") for the 列入决定's checkboxes."""
        return [(m.code, f"{m.name}（{'本局实施' if m.internal else m.department}）") for m in self.measures]


def _validate(raw: dict) -> Library:
    order = tuple(raw["class_order"]["order"])
    if not order or len(set(order)) != len(order):
        raise ValueError("measures.json: class_order.order 不能为空或重复")
    measures = []
    seen: set[str] = set()
    for item in raw["measures"]:
        m = Measure(
            code=str(item["code"]),
            name=str(item["name"]),
            basis=str(item["basis"]),
            department=str(item["department"]),
            internal=bool(item["internal"]),
            default=bool(item["default"]),
            kind=str(item["kind"]),
            person=bool(item.get("person", False)),
        )
        if m.code in seen:
            raise ValueError(f"measures.json: 措施代码重复：{m.code}")
        seen.add(m.code)
        if m.kind not in KINDS:
            raise ValueError(f"measures.json: 措施 {m.code} 的类型 {m.kind} 不在 {KINDS} 中")
        if m.internal != (m.kind != "external"):
            raise ValueError(
                f"measures.json: 措施 {m.code}：本局实施的措施类型不能为 external，外部门措施只能为 external"
            )
        if m.internal and m.department != INTERNAL_DEPARTMENT:
            raise ValueError(f"measures.json: 本局实施的措施 {m.code} 的实施部门应为“{INTERNAL_DEPARTMENT}”")
        measures.append(m)
    return Library(
        version=str(raw.get("version", "")),
        source=str(raw.get("source", "")),
        class_order=order,
        measures=tuple(measures),
    )


@lru_cache(maxsize=1)
def library() -> Library:
    return _validate(json.loads(DATA.read_text(encoding="utf-8")))


def reload() -> Library:
    library.cache_clear()
    return library()


def get(code: str) -> Measure:
    return library().get(code)


def next_class(current: str) -> str | None:
    """The class one step more supervised than `current`, None when it is already the most supervised (or
    not a class of the order)."""
    order = library().class_order
    if current not in order:
        return None
    i = order.index(current)
    return order[i + 1] if i + 1 < len(order) else None


__all__ = ["KINDS", "Library", "Measure", "get", "library", "next_class", "reload"]
