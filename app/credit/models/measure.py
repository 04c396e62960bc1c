"""联合惩戒 measures a listing applies (the library: app/credit/data/measures.json, spec §7.4): those inside
this bureau apply by themselves; each other department gets a numbered 联合惩戒通知 and its feedback is
tracked (window, received, overdue). Lifted when the listing ends, the departments told (移出通知)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime
from app.extensions import Model


class FeedbackStatus(StrEnum):
    INTERNAL = "本局执行"  # applies by itself: no feedback to wait for
    WAITING = "待反馈"
    RECEIVED = "已反馈"
    OVERDUE = "逾期未反馈"
    LIFTED = "已解除"


class ListingMeasure(Model):
    __tablename__ = "listing_measures"
    __table_args__ = (Index("ix_listing_measures_due", "status", "feedback_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), comment="惩戒措施代码（措施库）")
    name: Mapped[str] = mapped_column(String(200), comment="惩戒措施")
    basis: Mapped[str] = mapped_column(String(300), comment="依据")
    department: Mapped[str] = mapped_column(String(100), comment="实施部门")
    internal: Mapped[bool] = mapped_column(Boolean, default=False, comment="本局实施")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="联合惩戒通知（外部门）"
    )
    notified_on: Mapped[date | None] = mapped_column(Date, comment="通知日期")
    feedback_due: Mapped[date | None] = mapped_column(Date, comment="反馈期限")
    feedback_on: Mapped[date | None] = mapped_column(Date, comment="反馈日期")
    feedback: Mapped[str | None] = mapped_column(Text, comment="反馈内容（实施情况）")
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="反馈登记人")
    status: Mapped[FeedbackStatus] = mapped_column(String(10), comment="执行/反馈状态")
    interview_on: Mapped[date | None] = mapped_column(Date, comment="约谈日期（约谈措施）")
    lifted_on: Mapped[date | None] = mapped_column(Date, comment="解除日期")
    lift_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="移出通知（外部门）"
    )
    detail: Mapped[dict] = mapped_column(
        JSON, default=dict, comment="措施的具体内容（如调整前的分类分级、约谈安排）"
    )
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="逾期提醒时间")

    listing = relationship("CreditListing", back_populates="measures")
