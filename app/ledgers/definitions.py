"""Ledger definitions: reports/<name>.json (title, sheet name, columns with header, width and type)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context

from app.config import BASE_DIR

COLUMN_TYPES = ("text", "int", "decimal", "date", "links")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float = 12
    type: str = "text"
    wrap: bool = False


@dataclass(frozen=True)
class LedgerDef:
    name: str
    title: str
    sheet: str
    columns: tuple[Column, ...]
    description: str = ""
    footer: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


class LedgerNotFound(LookupError):
    pass


def reports_dir() -> Path:
    if has_app_context() and current_app.config.get("REPORTS_DIR"):
        return Path(current_app.config["REPORTS_DIR"])
    return BASE_DIR / "reports"


def parse(data: dict, name: str) -> LedgerDef:
    if data.get("name") != name:
        raise ValueError(f"reports/{name}.json: 'name' must be {name!r}")
    columns = []
    for raw in data["columns"]:
        if raw.get("type", "text") not in COLUMN_TYPES:
            raise ValueError(
                f"reports/{name}.json: column {raw.get('key')!r} has unknown type {raw.get('type')!r}"
            )
        columns.append(
            Column(
                key=raw["key"],
                header=raw["header"],
                width=float(raw.get("width", 12)),
                type=raw.get("type", "text"),
                wrap=bool(raw.get("wrap", False)),
            )
        )
    keys = [c.key for c in columns]
    if len(set(keys)) != len(keys):
        raise ValueError(f"reports/{name}.json: duplicate column keys")
    return LedgerDef(
        name=name,
        title=data["title"],
        sheet=data.get("sheet", data["title"])[:31],
        columns=tuple(columns),
        description=data.get("description", ""),
        footer=tuple(data.get("footer", ())),
    )


_cache: dict[str, tuple[int, LedgerDef]] = {}


def get(name: str) -> LedgerDef:
    if not name.replace("_", "").isalnum():
        raise LedgerNotFound(name)
    path = reports_dir() / f"{name}.json"
    if not path.is_file():
        raise LedgerNotFound(name)
    mtime = path.stat().st_mtime_ns
    hit = _cache.get(name)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    ledger = parse(json.loads(path.read_text(encoding="utf-8")), name)
    _cache[name] = (mtime, ledger)
    return ledger


def all_ledgers() -> list[LedgerDef]:
    return [get(p.stem) for p in sorted(reports_dir().glob("*.json"))]
