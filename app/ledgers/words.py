"""筛选条件 in words for a ledger's header rows: the parts every domain's list filters share (the enterprise
and the 乡镇/街道 a filter names, by their names); each domain adds its own filters' words after them."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.org.models import Enterprise, Region


def place_words(enterprise_id: int | None, town: str | None, *, enterprise_label: str = "企业") -> list[str]:
    parts = []
    if enterprise_id:
        e = db.session.get(Enterprise, enterprise_id)
        parts.append(f"{enterprise_label}：{e.name if e else enterprise_id}")
    if town:
        code = town.strip("/").split("/")[-1]
        r = db.session.scalar(select(Region).where(Region.code == code))
        parts.append(f"乡镇/街道：{r.name if r else code}")
    return parts
