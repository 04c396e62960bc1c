"""年度监督检查计划 (安全生产法第六十二条第二款; 《安全生产年度监督检查计划编制办法》: 统筹兼顾、分类分级、
突出重点、提高效能、留有余地): one plan per jurisdiction and year, drafted by the section head, approved by the
负责人, published, and turned month by month into inspections. A change to an approved plan is an amendment:
a new version (parent_id → the version it amends) with its own approval; once approved the old version reads
已修订 and the new one drives the months to come (inspections already created stay).

- `InspectionPlan`  the plan (version), its officer capacity per month ({"1": officer-days, …}) and approval.
- `PlanItem`        one line: 重点检查 (a named enterprise, one inspection in one month; `inspection_id` → the
                    inspection the monthly sweep created) or 一般检查 (a quota of random-draw inspections for an
                    industry in a town in a month, filled by 双随机 batches; no enterprise named).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type
from app.extensions import Model
from app.org.models import Department, Enterprise, Region


class PlanStatus(StrEnum):
    DRAFT = "草稿"
    PENDING = "待审批"
    RETURNED = "已退回"
    APPROVED = "已批准"
    SUPERSEDED = "已修订"  # an approved amendment (a later version) replaced it
    WITHDRAWN = "已撤回"  # an amendment abandoned before its approval (the approved version stays in force)


class PlanItemKind(StrEnum):
    KEY = "重点检查"
    GENERAL = "一般检查"


class InspectionPlan(TimestampMixin, Model):
    __tablename__ = "inspection_plans"
    __table_args__ = (
        UniqueConstraint("region_path", "year", "version", name="uq_inspection_plans_version"),
        Index("ix_inspection_plans_scope", "region_path", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="编制机关")
    region_path: Mapped[str] = mapped_column(path_type(), comment="计划覆盖的区划路径（数据范围）")
    year: Mapped[int] = mapped_column(Integer, comment="计划年度")
    version: Mapped[int] = mapped_column(Integer, default=1, comment="版本（修订一次加一）")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_plans.id"), comment="所修订的计划版本"
    )
    title: Mapped[str] = mapped_column(String(200), comment="计划名称")
    status: Mapped[str] = mapped_column(String(10), default=PlanStatus.DRAFT, comment="状态")
    capacity: Mapped[dict] = mapped_column(JSON, default=dict, comment="各月可用执法力量（人日）")
    capacity_slack: Mapped[str | None] = mapped_column(String(10), comment="留有余地系数（编制时参数）")
    notes: Mapped[str | None] = mapped_column(Text, comment="编制说明")
    amendment_reason: Mapped[str | None] = mapped_column(Text, comment="修订理由")
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="编制人")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="报批人")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="报批时间")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="审批人")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="审批时间")
    decision: Mapped[str | None] = mapped_column(String(10), comment="审批结论（批准/退回，最近一次）")
    opinion: Mapped[str | None] = mapped_column(Text, comment="审批意见（最近一次）")
    returned_count: Mapped[int] = mapped_column(Integer, default=0, comment="退回次数")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="批准时间")
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"), comment="计划公示")
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="被修订版本取代的时间")

    agency: Mapped[Department] = relationship()
    parent: Mapped[InspectionPlan | None] = relationship(remote_side=[id])
    drafted_by: Mapped[User] = relationship(foreign_keys=[drafted_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanItem.id"
    )

    @property
    def label(self) -> str:
        return f"{self.title}（第{self.version}版）" if self.version > 1 else self.title

    @property
    def editable(self) -> bool:
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)


class PlanItem(Model):
    __tablename__ = "inspection_plan_items"
    __table_args__ = (
        Index("ix_inspection_plan_items_plan", "plan_id", "kind", "month"),
        Index("ix_inspection_plan_items_inspection", "inspection_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), comment="重点检查/一般检查")
    month: Mapped[int] = mapped_column(Integer, comment="计划月份（1–12）")
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id"), index=True, comment="重点检查对象"
    )
    klass: Mapped[str | None] = mapped_column(String(1), comment="编制时的分类分级类别")
    reasons: Mapped[list] = mapped_column(JSON, default=list, comment="列为重点的理由")
    industry: Mapped[str | None] = mapped_column(String(30), comment="行业（一般检查配额）")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), comment="乡镇/街道（一般检查配额）")
    region_path: Mapped[str] = mapped_column(path_type(), comment="区划路径（企业属地或乡镇）")
    planned_count: Mapped[int] = mapped_column(Integer, default=1, comment="计划检查次数")
    lead_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="主办执法人员")
    member_ids: Mapped[list] = mapped_column(JSON, default=list, comment="检查组成员（含主办）")
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id"), comment="按计划生成的检查"
    )
    task_error: Mapped[str | None] = mapped_column(Text, comment="未能生成检查的原因")

    plan: Mapped[InspectionPlan] = relationship(back_populates="items")
    enterprise: Mapped[Enterprise | None] = relationship()
    town: Mapped[Region | None] = relationship()
    lead_officer: Mapped[User | None] = relationship()

    @property
    def is_key(self) -> bool:
        return self.kind == PlanItemKind.KEY
