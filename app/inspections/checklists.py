"""检查表 (checklist templates) per industry, as data: app/inspections/data/checklists/<code>.json, one file
per template — its code, name, the industries (and topic) it serves, version, effective date, source, and
its items, each with a code, the text checked, the basis (the standard and article) and, where a 不符合 is a
重大事故隐患, the criterion code of app/hazards/data/major_hazard_criteria.json.

An inspection copies the items it answers (ChecklistResult keeps code, text and basis), so a later template
version never rewrites a record. Adding a template is adding a file.

    templates() -> list[Checklist]          find(code) -> Checklist | None
    for_enterprise(enterprise) -> list[Checklist]   (the ones serving its industry first)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data" / "checklists"


class ChecklistError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    basis: str
    criterion: str | None = None  # 重大事故隐患判定标准 code (app.hazards.criteria) when 不符合 is 重大

    @property
    def provision(self) -> str:
        """The provision breached, prefilled on a finding: the item's basis."""
        return self.basis


@dataclass(frozen=True)
class Checklist:
    code: str
    name: str
    industries: tuple[str, ...]
    topic: str | None
    version: str
    effective_from: str
    source: str
    items: tuple[Item, ...]

    @property
    def label(self) -> str:
        return f"{self.name}（{self.version}版）"

    def item(self, code: str) -> Item | None:
        for it in self.items:
            if it.code == code:
                return it
        return None


def _parse(raw: dict[str, Any], name: str) -> Checklist:
    try:
        items = tuple(
            Item(
                code=str(i["code"]), text=str(i["text"]), basis=str(i["basis"]), criterion=i.get("criterion")
            )
            for i in raw["items"]
        )
        checklist = Checklist(
            code=str(raw["code"]),
            name=str(raw["name"]),
            industries=tuple(raw.get("industries") or ()),
            topic=raw.get("topic"),
            version=str(raw["version"]),
            effective_from=str(raw["effective_from"]),
            source=str(raw["source"]),
            items=items,
        )
    except (KeyError, TypeError) as exc:
        raise ChecklistError(f"检查表 {name} 格式不正确：缺少 {exc}") from None
    if checklist.code != name:
        raise ChecklistError(f"检查表 {name} 的 code 应为文件名")
    codes = [i.code for i in items]
    if not items or len(set(codes)) != len(codes):
        raise ChecklistError(f"检查表 {name} 没有检查项或检查项编码重复")
    if any(not (i.text.strip() and i.basis.strip()) for i in items):
        raise ChecklistError(f"检查表 {name} 的每一项须有检查内容和依据")
    return checklist


@lru_cache(maxsize=1)
def _load() -> dict[str, Checklist]:
    out: dict[str, Checklist] = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        out[path.stem] = _parse(json.loads(path.read_text(encoding="utf-8")), path.stem)
    return out


def templates() -> list[Checklist]:
    return list(_load().values())


def find(code: str | None) -> Checklist | None:
    return _load().get(code or "")


def for_enterprise(enterprise: Any) -> list[Checklist]:
    """Every template, those serving the enterprise's industry first (a 工贸 enterprise may need both the
    粉尘涉爆 and the 有限空间 table: the officer picks)."""
    industry = getattr(enterprise, "industry", None)
    return sorted(templates(), key=lambda c: (industry not in c.industries, c.name))


def check() -> None:
    """Load and validate every template and its criterion codes (start-up check)."""
    from app.hazards import criteria

    _load.cache_clear()
    for checklist in templates():
        for item in checklist.items:
            if item.criterion and criteria.get(item.criterion) is None:
                raise ChecklistError(
                    f"检查表 {checklist.code} 第 {item.code} 项的判定标准 {item.criterion} 不存在"
                )


def _label(value: str) -> str:
    checklist = find(value)
    return checklist.label if checklist is not None else value


def register(app: Any) -> None:
    from app import forms

    check()
    forms.register_choices(
        "inspections.checklists",
        lambda actor, context: [(c.code, c.label) for c in templates()],
        label=_label,
    )
