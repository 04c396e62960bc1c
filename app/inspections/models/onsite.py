"""What the team records on site (现场检查记录, domain spec §3.3) and what it leads to: each checklist item's
result, each finding (不符合 → a hidden danger for the 责令限期整改指令书, and where tagged as a 违法行为 a case
lead that must end in exactly one of 立案 / 简易程序 / 不予处罚 / 移送 — no 以责代罚, §1.6), and the on-site
measures (现场处理措施决定书, 安全生产法第六十五条) followed until lifted."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.inspections.models.inspection import Inspection


class ItemResult(StrEnum):
    COMPLIANT = "符合"
    NONCOMPLIANT = "不符合"
    NOT_APPLICABLE = "不涉及"


class ChecklistResult(Model):
    """One checklist item's result in one inspection (the template's item copied: code, text, basis)."""

    __tablename__ = "inspection_checklist_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(40), comment="检查项编码")
    item_text: Mapped[str] = mapped_column(Text, comment="检查内容（模板快照）")
    basis: Mapped[str | None] = mapped_column(String(300), comment="检查依据（模板快照）")
    result: Mapped[str] = mapped_column(String(6), comment="符合/不符合/不涉及")
    note: Mapped[str | None] = mapped_column(Text, comment="说明")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    inspection: Mapped[Inspection] = relationship()


class FindingOutcome(StrEnum):
    """How a finding tagged 违法行为 ended (the case lead's end, read from the penalty-case domain)."""

    PENDING = "待处理"
    FILED = "立案"
    SIMPLE = "简易程序"
    NO_PENALTY = "不予处罚"
    TRANSFERRED = "移送"
    DECLINED = "不予立案"


class Finding(TimestampMixin, Model):
    """One problem found on site: where, what, the photos, the provision breached; becomes a hazard in the
    inspection's 责令限期整改指令书 (or is corrected on the spot), and, if tagged as a 违法行为, a case lead."""

    __tablename__ = "inspection_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1, comment="序号")
    item_code: Mapped[str | None] = mapped_column(String(40), comment="对应检查项")
    location: Mapped[str] = mapped_column(String(200), comment="部位/场所")
    description: Mapped[str] = mapped_column(Text, comment="问题描述")
    provision: Mapped[str] = mapped_column(String(300), comment="违反条款")
    level: Mapped[str] = mapped_column(String(10), default="一般", comment="隐患等级（一般/重大）")
    criterion_code: Mapped[str | None] = mapped_column(String(30), comment="重大事故隐患判定标准条款")
    corrected_on_site: Mapped[bool] = mapped_column(Boolean, default=False, comment="当场整改完毕")
    deadline: Mapped[date | None] = mapped_column(Date, comment="整改期限")
    photo_ids: Mapped[list] = mapped_column(JSON, default=list, comment="照片（附件ID）")
    is_violation: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="是否违法行为（须立案/简易/不予处罚/移送）"
    )
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"), comment="登记的隐患")
    case_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("case_proposals.id"), comment="案件线索")
    outcome: Mapped[str | None] = mapped_column(String(10), comment="违法行为处理结果")
    outcome_reason: Mapped[str | None] = mapped_column(
        Text, comment="处理结果说明（不予处罚/不予立案理由等）"
    )
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    inspection: Mapped[Inspection] = relationship()
    recorded_by: Mapped[User] = relationship()


class MeasureKind(StrEnum):
    CORRECT_NOW = "立即改正"
    SUSPEND = "责令暂时停产停业"
    STOP_USE = "停止使用相关设施设备"
    WITHDRAW = "撤出作业人员"


class MeasureStatus(StrEnum):
    IN_FORCE = "执行中"
    LIFTED = "已解除"


class OnSiteMeasure(TimestampMixin, Model):
    """现场处理措施决定书 (现决): the measure, its facts, basis and period; followed until lifted after review."""

    __tablename__ = "inspection_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), comment="措施种类")
    facts: Mapped[str] = mapped_column(Text, comment="事实")
    basis: Mapped[str] = mapped_column(String(300), comment="法律依据")
    scope: Mapped[str | None] = mapped_column(String(300), comment="范围（停产停业/停止使用的场所、设备）")
    until: Mapped[date | None] = mapped_column(Date, comment="期限")
    finding_ids: Mapped[list] = mapped_column(JSON, default=list, comment="对应问题")
    status: Mapped[str] = mapped_column(String(6), default=MeasureStatus.IN_FORCE, comment="状态")
    doc_number: Mapped[str | None] = mapped_column(String(80), comment="现场处理措施决定书文号")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("official_documents.id"))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_on: Mapped[date | None] = mapped_column(Date, comment="解除日期")
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="解除审批人")
    lift_review: Mapped[str | None] = mapped_column(Text, comment="复查情况及解除理由")

    inspection: Mapped[Inspection] = relationship()
