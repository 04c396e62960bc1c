"""One 监督检查 (行政检查) of one enterprise, whatever it came from (年度计划, 双随机, 暗访, 举报, 交办, 复查,
专项): its team, its cap accounting (国办发〔2024〕54号: every inspection counts against the enterprise's
yearly cap, a complaint-driven one is exempt but recorded), the on-site record and what it led to. The source's
own table (plan task, draw target, 暗访 target, 举报) holds the foreign key to the inspection it produced."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type
from app.extensions import Model
from app.org.models import Department, Enterprise


class InspectionSource(StrEnum):
    PLAN = "年度计划"  # 重点检查 named in the approved annual plan
    RANDOM = "双随机"  # a drawn target of a 双随机 batch
    COVERT = "暗访"  # 随机暗访 (四不两直), created when the sealed visit is started
    REPORT = "举报"  # verification of a tip-off: exempt from the cap, recorded
    ASSIGNED = "交办"  # assigned by a higher level or the government
    RECHECK = "复查"  # 回头看
    CAMPAIGN = "专项"  # a special campaign (专项行动)


CAP_EXEMPT_SOURCES = frozenset({InspectionSource.REPORT})  # 投诉举报 driven: exempt from the cap, recorded


class InspectionMode(StrEnum):
    ROUTINE = "常规检查"
    COVERT = "四不两直"
    JOINT = "联合检查"
    COMBINED = "综合查一次"


class InspectionStatus(StrEnum):
    PENDING_APPROVAL = "待审批"  # over the yearly cap: waiting for the leader's approval (with the reason)
    PLANNED = "待检查"  # created; 检查方案 being prepared / waiting for the visit
    ON_SITE = "检查中"  # the team started the on-site record
    HANDLING = "待处理"  # record signed (or refusal recorded); findings being turned into orders / cases
    DONE = "已完成"  # every finding handled (hazards ordered, violations ended in 立案/简易/不予处罚/移送)
    CANCELLED = "已取消"  # with a reason (over-cap refused, enterprise closed …)


NOT_STARTED_STATUSES = (InspectionStatus.PENDING_APPROVAL, InspectionStatus.PLANNED)

OPEN_STATUSES = (
    InspectionStatus.PENDING_APPROVAL,
    InspectionStatus.PLANNED,
    InspectionStatus.ON_SITE,
    InspectionStatus.HANDLING,
)


class Inspection(TimestampMixin, Model):
    __tablename__ = "inspections"
    __table_args__ = (
        # the list: newest planned first within the scope (docs/adding-a-domain.md "At scale")
        Index("ix_inspections_list", "planned_on", "id", "region_path", "status", "source"),
        Index("ix_inspections_scope", "region_path", "status", "planned_on"),
        # the cap: inspections of one enterprise in one year
        Index("ix_inspections_cap", "enterprise_id", "cap_year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, comment="检查编号（JC+年度+序号）")
    source: Mapped[str] = mapped_column(String(10), index=True, comment="任务来源")
    source_ref: Mapped[str | None] = mapped_column(
        String(120), comment="来源编号（计划名称/双随机批次号/暗访任务/举报编号/交办函号）"
    )
    mode: Mapped[str] = mapped_column(String(10), default=InspectionMode.ROUTINE, comment="检查方式")
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), comment="被检查单位")
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="检查机关")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="创建人")
    lead_officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="主办执法人员")
    planned_on: Mapped[date] = mapped_column(Date, comment="计划检查日期")
    due_on: Mapped[date | None] = mapped_column(Date, comment="应完成日期（计划月末/举报核查期限）")
    status: Mapped[str] = mapped_column(String(10), default=InspectionStatus.PLANNED, comment="状态")
    checklist_code: Mapped[str | None] = mapped_column(String(40), comment="检查表（行业模板）")
    scheme: Mapped[dict | None] = mapped_column(JSON, comment="检查方案（依据、内容、方式、分工、时间）")
    scheme_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="检查方案文书"
    )
    # cap accounting (国办发〔2024〕54号)
    cap_year: Mapped[int] = mapped_column(Integer, comment="计入年度检查频次的年度")
    counts_against_cap: Mapped[bool] = mapped_column(Boolean, default=True, comment="是否计入年度检查上限")
    over_cap: Mapped[bool] = mapped_column(Boolean, default=False, comment="创建时已达年度上限")
    over_cap_reason: Mapped[str | None] = mapped_column(Text, comment="超出上限检查的理由")
    over_cap_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="超限审批人")
    over_cap_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="超限审批时间")
    over_cap_opinion: Mapped[str | None] = mapped_column(Text, comment="超限审批意见")
    # on site (安全生产法第六十五条、第六十八条)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="检查开始时间")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="检查结束时间")
    place: Mapped[str | None] = mapped_column(String(300), comment="检查场所")
    credentials_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="出示执法证件时间")
    recusal_explained_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), comment="告知申请回避权利时间"
    )
    recusal_answer: Mapped[str | None] = mapped_column(String(100), comment="被检查单位对回避的答复")
    present_person: Mapped[str | None] = mapped_column(String(50), comment="被检查单位现场负责人")
    present_person_role: Mapped[str | None] = mapped_column(String(50), comment="其职务")
    signature_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id"), comment="被检查单位负责人签名（手写板图像）"
    )
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="签名时间")
    refusal_note: Mapped[str | None] = mapped_column(Text, comment="拒绝签字情况（第六十八条）")
    refusal_witness: Mapped[str | None] = mapped_column(String(100), comment="见证人")
    summary: Mapped[str | None] = mapped_column(Text, comment="检查情况")
    record_no: Mapped[str | None] = mapped_column(String(80), index=True, comment="现场检查记录文号（检记）")
    record_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="现场检查记录文书"
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("rectification_orders.id"), comment="责令限期整改指令书（隐患治理闭环）"
    )
    # results publication (双随机: 20 working days, domain spec §5.1, §8.1)
    result_publish_due: Mapped[date | None] = mapped_column(Date, comment="结果公示期限")
    result_published_on: Mapped[date | None] = mapped_column(Date, comment="结果公示日期")
    completed_on: Mapped[date | None] = mapped_column(Date, comment="完成日期")
    cancelled_reason: Mapped[str | None] = mapped_column(Text, comment="取消理由")

    enterprise: Mapped[Enterprise] = relationship()
    agency: Mapped[Department] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    lead_officer: Mapped[User] = relationship(foreign_keys=[lead_officer_id])
    members: Mapped[list[InspectionMember]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="InspectionMember.id"
    )

    @property
    def officer_ids(self) -> list[int]:
        return [m.user_id for m in self.members]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        """逾期: still 待审批 or 待检查 after its due_on (its planned_on when it has none) — the one rule the list
        and the inspection page mark by."""
        from app import clock

        return self.status in NOT_STARTED_STATUSES and clock.today() > (self.due_on or self.planned_on)


class InspectionMember(Model):
    """One officer of the inspection team (≥ 2 holding valid 执法证), with the certificate number shown."""

    __tablename__ = "inspection_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="组员", comment="主办/组员")
    cert_no: Mapped[str | None] = mapped_column(String(30), comment="执法证号（检查时）")

    inspection: Mapped[Inspection] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
