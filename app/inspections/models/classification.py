"""分类分级 (安全生产法第六十二条, domain spec §5.2): each enterprise's class A–D for a year, computed by rules
from its industry, risk grade, 安全生产标准化 grade, credit status and history, with the yearly inspection cap
and planned frequency of its class taken from the jurisdiction's versioned table. A section head may override
the class with a reason (audited); the computed class stays on record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type
from app.extensions import Model
from app.org.models import Enterprise


class EnterpriseClass(TimestampMixin, Model):
    __tablename__ = "enterprise_classes"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", name="uq_enterprise_classes_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), comment="企业")
    year: Mapped[int] = mapped_column(Integer, index=True, comment="年度")
    region_path: Mapped[str] = mapped_column(path_type(), index=True, comment="属地区划路径（数据范围）")
    sector: Mapped[str] = mapped_column(String(20), comment="分类口径（煤矿/非煤矿山/危化冶金/非高危）")
    computed_class: Mapped[str] = mapped_column(String(1), comment="规则计算的类别 A–D")
    klass: Mapped[str] = mapped_column("class", String(1), comment="执行类别 A–D（调整后）")
    basis: Mapped[dict] = mapped_column(
        JSON, default=dict, comment="计算依据（行业、风险、标准化、信用、事故与违法记录）"
    )
    max_inspections: Mapped[int] = mapped_column(Integer, comment="年度检查上限（次）")
    planned_frequency: Mapped[int] = mapped_column(Integer, comment="计划检查频次（次/年）")
    rule_version: Mapped[str] = mapped_column(String(40), comment="分类分级参数表版本")
    responsible_level: Mapped[str | None] = mapped_column(String(10), comment="监管层级（省/市/县）")
    override_reason: Mapped[str | None] = mapped_column(Text, comment="调整类别的理由")
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="调整人")
    overridden_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="调整时间")

    enterprise: Mapped[Enterprise] = relationship()
    overridden_by: Mapped[User | None] = relationship()
