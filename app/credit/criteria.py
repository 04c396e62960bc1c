"""The nine 列入情形 of the 严重失信主体名单 (应急管理部令第11号, spec §7.2), as data: app/credit/data/criteria.json.

Each criterion: `code` "1".."9", `text` (the rule's wording), `basis` (article and item), `source` — what
proposes it by itself: "accident" (the 事故 register, 1–5), "case" (a penalty decision whose 违法行为库 entry
carries `credit_criterion`, 6/7/9), "execution" (the court enforcement application, 8) or "manual" (an officer
only) — `includes_head` (the unit and its main 负责人 are listed together), `subjects` (who the criterion lists:
unit / institution / head / responsible), `confidence` (M:high / M:med / M:low: items 6–9's wording is M:med
or M:low, to be checked against the rule's text — editable here, not in code) and `rule` (the figures a
criterion reads from the facts: the accident levels, 2 accidents within 12 months, the register's flag).

Every criterion may also be proposed manually (an officer naming it and its evidence). A broken file raises
`CriteriaError` naming the key; the file is read once per process (`reload()` clears it)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.errors import invalid

DATA_FILE = Path(__file__).with_name("data") / "criteria.json"

SOURCES = ("accident", "case", "execution", "manual")
SUBJECTS = ("unit", "institution", "head", "responsible")
CONFIDENCE = ("M:high", "M:med", "M:low")
CODES = tuple(str(n) for n in range(1, 10))


class CriteriaError(ValueError):
    def __init__(self, key: str, problem: str):
        super().__init__(f"列入情形数据文件 criteria.json 有误：{key}：{problem}")


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    basis: str
    source: str
    includes_head: bool
    subjects: tuple[str, ...]
    confidence: str
    rule: dict[str, Any] = field(default_factory=dict)

    @property
    def item(self) -> str:
        """The article and item of the rule as officers cite it (第七条第一项), from `basis` — never the list's
        own running number 1–9."""
        return self.basis.split("号", 1)[-1] if "号" in self.basis else self.basis

    @property
    def label(self) -> str:
        return f"{self.item}：{self.text}"

    @property
    def institution(self) -> bool:
        """The subject is a 安全评价/认证/检测/检验 institution (SubjectKind 机构)."""
        return "institution" in self.subjects

    @property
    def head_only(self) -> bool:
        """Only the main 负责人 is listed (criterion 5), not the unit."""
        return self.subjects == ("head",)


@dataclass(frozen=True)
class Criteria:
    rule: str
    source: str
    note: str
    items: tuple[Criterion, ...]

    def get(self, code: str | int | None) -> Criterion:
        wanted = str(code or "").strip()
        for c in self.items:
            if c.code == wanted:
                return c
        raise invalid("criterion", "请选择《安全生产严重失信主体名单管理办法》规定的列入情形")

    def from_source(self, source: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.items if c.source == source)

    def choices(self) -> list[tuple[str, str]]:
        """(code, label) for a form's select."""
        return [(c.code, c.label) for c in self.items]


def _text(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CriteriaError(f"{where}.{key}", "缺少此项或不是文字")
    return value.strip()


def parse(raw: Any) -> Criteria:
    if not isinstance(raw, dict):
        raise CriteriaError("(根)", "应为对象")
    items = raw.get("criteria")
    if not isinstance(items, list):
        raise CriteriaError("criteria", "应为列表")
    out: list[Criterion] = []
    for i, item in enumerate(items):
        where = f"criteria[{i}]"
        if not isinstance(item, dict):
            raise CriteriaError(where, "应为对象")
        code = _text(item, "code", where)
        source = _text(item, "source", where)
        if source not in SOURCES:
            raise CriteriaError(f"{where}.source", f"应为 {'、'.join(SOURCES)} 之一")
        subjects = item.get("subjects")
        if not isinstance(subjects, list) or not subjects or any(s not in SUBJECTS for s in subjects):
            raise CriteriaError(f"{where}.subjects", f"应为 {'、'.join(SUBJECTS)} 中的一项或多项")
        includes_head = item.get("includes_head")
        if not isinstance(includes_head, bool):
            raise CriteriaError(f"{where}.includes_head", "应为 true/false")
        if includes_head != ("head" in subjects):
            raise CriteriaError(f"{where}.includes_head", "与 subjects 是否含 head 不一致")
        confidence = _text(item, "confidence", where)
        if confidence not in CONFIDENCE:
            raise CriteriaError(f"{where}.confidence", f"应为 {'、'.join(CONFIDENCE)} 之一")
        rule = item.get("rule", {})
        if not isinstance(rule, dict):
            raise CriteriaError(f"{where}.rule", "应为对象")
        out.append(
            Criterion(
                code=code,
                text=_text(item, "text", where),
                basis=_text(item, "basis", where),
                source=source,
                includes_head=includes_head,
                subjects=tuple(subjects),
                confidence=confidence,
                rule=rule,
            )
        )
    codes = tuple(c.code for c in out)
    if codes != CODES:
        raise CriteriaError("criteria", f"应依次为第1至9项（现为 {', '.join(codes)}）")
    _check_rules(out)
    return Criteria(
        rule=_text(raw, "rule", ""),
        source=_text(raw, "source", ""),
        note=str(raw.get("note") or ""),
        items=tuple(out),
    )


def _check_rules(items: list[Criterion]) -> None:
    """The figures the accident criteria read must be there and make sense."""
    from app.credit.models import AccidentLevel

    levels = {lv.value for lv in AccidentLevel}
    for c in items:
        where = f"criteria[{int(c.code) - 1}].rule"
        if "levels" in c.rule and (
            not isinstance(c.rule["levels"], list)
            or not set(c.rule["levels"]) <= levels
            or not c.rule["levels"]
        ):
            raise CriteriaError(f"{where}.levels", f"应为事故等级（{'/'.join(levels)}）的列表")
        for key in ("count", "window_months"):
            if key in c.rule and (
                not isinstance(c.rule[key], int) or isinstance(c.rule[key], bool) or c.rule[key] < 1
            ):
                raise CriteriaError(f"{where}.{key}", "应为正整数")
        if "flag" in c.rule and c.rule["flag"] not in ("art114_multiple", "head_failed_rescue"):
            raise CriteriaError(f"{where}.flag", "应为 art114_multiple 或 head_failed_rescue")
        if "concealment" in c.rule and (
            not isinstance(c.rule["concealment"], list) or not c.rule["concealment"]
        ):
            raise CriteriaError(f"{where}.concealment", "应为瞒报/谎报等的列表")


def load(path: Path | None = None) -> Criteria:
    target = path or DATA_FILE
    try:
        raw = json.loads(target.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CriteriaError(f"第{exc.lineno}行第{exc.colno}列", f"不是有效的 JSON（{exc.msg}）") from exc
    return parse(raw)


@lru_cache(maxsize=1)
def _cached() -> Criteria:
    return load()


def criteria() -> Criteria:
    """The nine criteria (read once per process)."""
    return _cached()


def criterion(code: str | int | None) -> Criterion:
    """One criterion by its code; an unknown code is `invalid("criterion", …)`."""
    return criteria().get(code)


def item_of(code: str | int | None) -> str:
    """第X条第X项 of a listing's criterion code, for pages, documents, the ledger and the audit trail."""
    return criterion(code).item if code else ""


def reload() -> None:
    _cached.cache_clear()
