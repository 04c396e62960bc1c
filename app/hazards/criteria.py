"""重大事故隐患判定标准库 (data-driven rule library, domain spec §4.4).

The library is a data file (app/hazards/data/major_hazard_criteria.json). A hazard graded 重大 stores
the criterion `code` plus a snapshot of the standard name, document number, article and text, so its
record stays true even if the library is later revised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "major_hazard_criteria.json"


@dataclass(frozen=True)
class Criterion:
    code: str
    standard_id: str
    standard_name: str
    doc_no: str
    effective_from: str
    sector: str
    article: str
    item: str
    topic: str
    text: str

    @property
    def clause(self) -> str:
        """第十一条（三） / 第十五项 — the article reference as written on documents."""
        if self.article:
            return f"{self.article}{self.item}"
        return f"第{self.item}项"

    @property
    def citation(self) -> str:
        """《标准名称》（文号）条款 — the 判定依据 column of the ledgers."""
        return f"《{self.standard_name}》（{self.doc_no}）{self.clause}"

    @property
    def label(self) -> str:
        return f"{self.clause} {self.topic}：{self.text}"


@dataclass(frozen=True)
class Standard:
    id: str
    name: str
    doc_no: str
    sector: str
    items: tuple[Criterion, ...]


@lru_cache(maxsize=1)
def standards() -> tuple[Standard, ...]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    out = []
    for s in raw["standards"]:
        items = tuple(
            Criterion(
                code=i["code"],
                standard_id=s["id"],
                standard_name=s["name"],
                doc_no=s["doc_no"],
                effective_from=s["effective_from"],
                sector=s["sector"],
                article=i.get("article", ""),
                item=i["item"],
                topic=i.get("topic", ""),
                text=i["text"],
            )
            for i in s["items"]
        )
        out.append(Standard(id=s["id"], name=s["name"], doc_no=s["doc_no"], sector=s["sector"], items=items))
    return tuple(out)


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Criterion]:
    result: dict[str, Criterion] = {}
    for s in standards():
        for c in s.items:
            if c.code in result:
                raise ValueError(f"重复的判定标准编码 {c.code}")
            result[c.code] = c
    return result


def get(code: str | None) -> Criterion | None:
    if not code:
        return None
    return _by_code().get(code)


def all_criteria() -> list[Criterion]:
    return list(_by_code().values())


def choices() -> list[tuple[str, str]]:
    """(code, label) pairs grouped by standard, for select widgets (optgroup label in the text)."""
    return [(c.code, f"【{c.sector}】{c.clause} {c.text}") for c in all_criteria()]
