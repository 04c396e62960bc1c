"""信用修复: early removal from the list after ≥12 months (the party applies online or an officer records it;
what the system can prove is checked; an officer verifies; the decision follows within the configured working
days). ★ Fraud found later revokes the removal and restores the listing with its original term.
`PenaltyInfoRepair`: a repair of a published general penalty decision, ending its publication after its
minimum period (国家发改委令第58号)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import Model


class RepairStatus(StrEnum):
    VERIFYING = "核查中"
    DECIDING = "待决定"
    GRANTED = "准予移出"
    REFUSED = "不予移出"
    REVOKED = "已撤销"  # fraud: the removal revoked, the listing restored
    TERMINATED = "已终止"  # open when the listing ended otherwise (期满移出, 撤销列入)


class RepairApplication(Model):
    __tablename__ = "credit_repairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id", ondelete="CASCADE"), index=True)
    applied_on: Mapped[date] = mapped_column(Date, comment="申请日期")
    channel: Mapped[str] = mapped_column(String(10), comment="网上申请/窗口登记")
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="申请人/登记人")
    statement: Mapped[str] = mapped_column(Text, comment="申请理由（整改及履行情况）")
    checks: Mapped[list] = mapped_column(
        JSON, default=list, comment="修复条件核验：[{key, label, passed, evidence}]"
    )
    status: Mapped[RepairStatus] = mapped_column(String(10), default=RepairStatus.VERIFYING, comment="状态")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="核查人")
    verified_on: Mapped[date | None] = mapped_column(Date, comment="核查日期")
    verification: Mapped[str | None] = mapped_column(Text, comment="核查意见")
    decision_due: Mapped[date | None] = mapped_column(Date, comment="决定期限（工作日，参数）")
    decision: Mapped[str | None] = mapped_column(String(10), comment="修复决定：准予/不予")
    decided_on: Mapped[date | None] = mapped_column(Date, comment="决定日期")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="决定人")
    decision_reason: Mapped[str | None] = mapped_column(Text, comment="决定理由")
    revoked_on: Mapped[date | None] = mapped_column(Date, comment="撤销移出日期（发现弄虚作假）")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="撤销决定人")
    revoke_reason: Mapped[str | None] = mapped_column(Text, comment="撤销理由")

    listing = relationship("CreditListing", back_populates="repairs")


class PenaltyInfoRepair(Model):
    """行政处罚信息信用修复: a general violation's published decision leaves the public pages early, after
    its minimum publication period, on the party's application."""

    __tablename__ = "penalty_info_repairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id"), index=True, comment="处罚决定公示"
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id"), index=True, comment="行政处罚案件")
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), comment="申请主体")
    applied_on: Mapped[date] = mapped_column(Date, comment="申请日期")
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="申请人/登记人")
    statement: Mapped[str] = mapped_column(Text, comment="申请理由")
    decision: Mapped[str | None] = mapped_column(String(10), comment="准予/不予")
    decided_on: Mapped[date | None] = mapped_column(Date, comment="决定日期")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="决定人")
    reason: Mapped[str | None] = mapped_column(Text, comment="决定理由")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
