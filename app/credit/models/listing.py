"""One listing on the 严重失信主体名单: from the proposal (from facts, or an officer naming the criterion)
through 列入告知 → 陈述申辩 → 核查 → 列入决定 → 送达 → 公示/推送, the 3-year 管理期限, to its end
(不予列入, 期满移出, 提前移出 after 信用修复, or 撤销 when the listing or the penalty under it is overturned).
The department that made the penalty decision decides and manages it (谁处罚、谁决定、谁负责)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type, utcnow
from app.extensions import Model
from app.org.models import Department, Enterprise


class SubjectKind(StrEnum):
    UNIT = "单位"
    INSTITUTION = "机构"  # 安全评价、认证、检测、检验机构 (criterion 7)


class ProposalOrigin(StrEnum):
    CASE = (
        "处罚决定"  # proposed by the system from a penalty decision (criteria 6, 7, 9) or its execution (8)
    )
    ACCIDENT = "事故"  # proposed by the system from the 事故 register (criteria 1–5)
    MANUAL = "人工提出"  # an officer, naming the criterion and its evidence


class ListingStatus(StrEnum):
    PROPOSED = "拟列入"  # waiting for the officer: 列入告知 or 不予列入
    NOTICE = "告知中"  # 列入告知书 issued; waiting for service, then the 陈述申辩 window
    VERIFYING = "核查中"  # the statement (or the window's end) is being verified and answered
    DECIDING = "待决定"  # the 负责人 decides
    SERVING = "待送达"  # 列入决定书 issued, to be served
    LISTED = "已列入"  # served: published, pushed, measures in force, the 3-year term running
    DECLINED = "不予列入"
    REMOVED = "已移出"  # ended: 期满移出 or 提前移出 (end_kind says which)
    REVOKED = "已撤销"  # the listing, or the penalty decision under it, was overturned


class ListingEnd(StrEnum):
    EXPIRED = "期满移出"
    REPAIRED = "提前移出"  # 信用修复
    OVERTURNED = "撤销列入"


ACTIVE = (ListingStatus.LISTED,)  # what the public page and the enterprise banner show
OPEN = (
    ListingStatus.PROPOSED,
    ListingStatus.NOTICE,
    ListingStatus.VERIFYING,
    ListingStatus.DECIDING,
    ListingStatus.SERVING,
)


class CreditListing(TimestampMixin, Model):
    __tablename__ = "credit_listings"
    __table_args__ = (
        # the list: newest first within the scope, status filter from the index
        Index("ix_credit_listings_list", "region_path", "proposed_on", "id", "status"),
        Index("ix_credit_listings_enterprise", "enterprise_id", "status"),
        Index("ix_credit_listings_term_end", "status", "term_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), comment="列入主体（单位/机构）")
    subject_kind: Mapped[SubjectKind] = mapped_column(
        String(10), default=SubjectKind.UNIT, comment="主体类型"
    )
    person_name: Mapped[str | None] = mapped_column(String(50), comment="一并列入的主要负责人/责任人员姓名")
    person_id_no: Mapped[str | None] = mapped_column(String(30), comment="其身份证号（公示时脱敏）")
    person_role: Mapped[str | None] = mapped_column(String(50), comment="其职务")
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id"), comment="决定机关（作出处罚决定的部门）"
    )
    criterion: Mapped[str] = mapped_column(String(4), comment="列入情形（应急管理部令第11号第X项，1–9）")
    criterion_text: Mapped[str] = mapped_column(String(300), comment="列入情形的表述（提出时）")
    origin: Mapped[ProposalOrigin] = mapped_column(String(10), comment="提出方式")
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("penalty_cases.id"), index=True, comment="关联行政处罚案件（处罚决定）"
    )
    accident_ids: Mapped[list] = mapped_column(JSON, default=list, comment="关联事故（事故登记ID）")
    evidence: Mapped[str] = mapped_column(Text, comment="依据的事实与证据（决定书文号、事故调查报告等）")
    reasons: Mapped[str | None] = mapped_column(Text, comment="列入理由（告知书、决定书载明）")
    status: Mapped[ListingStatus] = mapped_column(String(10), default=ListingStatus.PROPOSED, comment="状态")
    proposed_on: Mapped[date] = mapped_column(Date, comment="提出日期")
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="提出人（系统提出为空）"
    )
    notice_served_on: Mapped[date | None] = mapped_column(Date, comment="列入告知书送达日期")
    statement_due: Mapped[date | None] = mapped_column(Date, comment="陈述申辩期限（工作日，参数）")
    verification: Mapped[str | None] = mapped_column(Text, comment="核查意见及对陈述申辩的书面答复")
    decided_on: Mapped[date | None] = mapped_column(Date, comment="列入决定日期")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="决定人")
    decision_served_on: Mapped[date | None] = mapped_column(Date, comment="列入决定书送达日期")
    declined_reason: Mapped[str | None] = mapped_column(Text, comment="不予列入理由")
    measure_codes: Mapped[list] = mapped_column(
        JSON, default=list, comment="列入决定所定的惩戒措施（措施库代码）"
    )
    term_start: Mapped[date | None] = mapped_column(Date, comment="管理期限起")
    term_end: Mapped[date | None] = mapped_column(Date, comment="管理期限止（3年，参数）")
    publish_due: Mapped[date | None] = mapped_column(Date, comment="公示期限（送达后X个工作日，参数）")
    ended_on: Mapped[date | None] = mapped_column(Date, comment="移出/撤销日期")
    end_kind: Mapped[ListingEnd | None] = mapped_column(String(10), comment="移出方式")
    end_reason: Mapped[str | None] = mapped_column(Text, comment="移出/撤销理由")

    enterprise: Mapped[Enterprise] = relationship()
    agency: Mapped[Department] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    statements: Mapped[list[ListingStatement]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingStatement.id"
    )
    remedies: Mapped[list[ListingRemedy]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingRemedy.id"
    )
    pushes: Mapped[list[CreditPush]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="CreditPush.id"
    )
    measures = relationship(
        "ListingMeasure", back_populates="listing", cascade="all, delete-orphan", order_by="ListingMeasure.id"
    )
    repairs = relationship(
        "RepairApplication",
        back_populates="listing",
        cascade="all, delete-orphan",
        order_by="RepairApplication.id",
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class ListingStatement(Model):
    """陈述申辩 on a 列入告知书: online through the enterprise account, or recorded by an officer."""

    __tablename__ = "listing_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="陈述申辩/放弃陈述申辩")
    text: Mapped[str | None] = mapped_column(Text, comment="陈述申辩内容")
    channel: Mapped[str] = mapped_column(String(10), comment="网上提交/执法人员记录")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="提交时间")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="提交人/记录人")

    listing: Mapped[CreditListing] = relationship(back_populates="statements")


class ListingRemedy(Model):
    """复议 / 诉讼 against the 列入决定: an overturned listing is withdrawn within 3 working days."""

    __tablename__ = "listing_remedies"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="复议/诉讼")
    body: Mapped[str] = mapped_column(String(100), comment="复议机关/受理法院")
    filed_on: Mapped[date] = mapped_column(Date, comment="申请/起诉日期")
    outcome: Mapped[str | None] = mapped_column(String(10), comment="结果（维持/撤销/确认违法/驳回）")
    outcome_on: Mapped[date | None] = mapped_column(Date, comment="结果日期")
    note: Mapped[str | None] = mapped_column(Text, comment="说明")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="登记人")

    listing: Mapped[CreditListing] = relationship(back_populates="remedies")


class CreditPush(Model):
    """A push to the 全国信用信息共享平台: the real interface is out of reach offline, so the structured file
    (national fields, docs/credit-push.md) is produced and what was pushed, when and by whom is recorded."""

    __tablename__ = "credit_pushes"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10), comment="列入/移出/撤销/恢复列入")
    record: Mapped[dict] = mapped_column(JSON, comment="推送的数据项（国家字段）")
    file_name: Mapped[str] = mapped_column(String(200), comment="推送文件名")
    sha256: Mapped[str] = mapped_column(String(64), comment="推送文件SHA-256")
    pushed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="推送时间")
    pushed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="推送人（定时任务为空）")
    count: Mapped[int] = mapped_column(Integer, default=1, comment="记录数")

    listing: Mapped[CreditListing] = relationship(back_populates="pushes")
