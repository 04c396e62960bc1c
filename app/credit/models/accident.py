"""The 事故 register (★ small): what the inclusion criteria 1–5 of 应急管理部令第11号 read. The accident
investigation is out of scope; its report number is recorded."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, path_type
from app.extensions import Model
from app.org.models import Department, Enterprise


class AccidentLevel(StrEnum):
    ORDINARY = "一般"
    LARGER = "较大"
    MAJOR = "重大"
    SPECIAL = "特别重大"


class Accident(TimestampMixin, Model):
    __tablename__ = "accidents"
    __table_args__ = (Index("ix_accidents_enterprise_day", "enterprise_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), comment="事故单位")
    region_path: Mapped[str] = mapped_column(path_type(), index=True, comment="属地区划路径（数据范围）")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="登记机关")
    name: Mapped[str] = mapped_column(String(200), comment="事故名称")
    occurred_on: Mapped[date] = mapped_column(Date, comment="事故发生日期")
    level: Mapped[AccidentLevel] = mapped_column(String(10), comment="事故等级：一般/较大/重大/特别重大")
    deaths: Mapped[int] = mapped_column(Integer, default=0, comment="死亡人数")
    injuries: Mapped[int] = mapped_column(Integer, default=0, comment="重伤人数")
    direct_loss: Mapped[float | None] = mapped_column(Numeric(14, 2), comment="直接经济损失（万元）")
    concealment: Mapped[str] = mapped_column(String(10), default="", comment="瞒报/谎报（空：如实报告）")
    art114_multiple: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="依安全生产法第114条处以2至5倍罚款（情节特别严重、影响特别恶劣）"
    )
    head_failed_rescue: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="主要负责人未立即组织抢救或事故调查处理期间擅离职守、逃匿"
    )
    responsible: Mapped[list] = mapped_column(
        JSON, default=list, comment="责任单位及人员：[{kind: 单位/个人, name, id_no/credit_code, role}]"
    )
    report_no: Mapped[str | None] = mapped_column(String(100), comment="事故调查报告文号")
    note: Mapped[str | None] = mapped_column(Text, comment="备注")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="登记人")

    enterprise: Mapped[Enterprise] = relationship()
    agency: Mapped[Department] = relationship()
