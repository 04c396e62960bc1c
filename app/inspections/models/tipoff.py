"""举报 / 有奖举报 (journey 10): a tip-off received by phone, letter, online or in person (anonymous allowed),
assigned for verification by an inspection (source 举报: exempt from the yearly cap, recorded), its result fed
back to the informant, and — verified (属实) with a penalty decision, or a hazard the 负责人 judges 重大 — a
reward decided by the 负责人 per the jurisdiction's reward bands (举报奖励决定, 奖决).

The informant's identity (name, phone, ID number, address) is protected: only the intake officer and the
负责人 of the jurisdiction ever read it (app.inspections.tipoff_access.may_see_informant — the one function
that decides it); it never enters workflow data, audit events, notifications, documents or ledgers.
The public checks a tip-off's progress with the query code handed over at intake (only its hash is kept)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, path_type
from app.extensions import Model
from app.org.models import Department, Enterprise


class TipOffChannel(StrEnum):
    PHONE = "电话"
    LETTER = "来信"
    ONLINE = "网上"
    VISIT = "来访"


class TipOffStatus(StrEnum):
    ASSIGNING = "待分派"  # received; the section head accepts and assigns (or declines)
    VERIFYING = "核查中"  # an officer verifies it by inspection
    FEEDBACK = "待反馈"  # verified; the result is fed back to the informant
    REWARD = "待奖励"  # verified 属实: the 负责人 decides the reward
    CLOSED = "已办结"
    DECLINED = "不予受理"


class Verdict(StrEnum):
    TRUE = "属实"
    PARTLY = "部分属实"
    FALSE = "不属实"


OPEN_TIPOFF_STATUSES = (
    TipOffStatus.ASSIGNING,
    TipOffStatus.VERIFYING,
    TipOffStatus.FEEDBACK,
    TipOffStatus.REWARD,
)

MONEY = Numeric(14, 2)


class TipOff(TimestampMixin, Model):
    __tablename__ = "tip_offs"
    __table_args__ = (
        # the list: newest received first within the scope (docs/adding-a-domain.md "At scale")
        Index("ix_tip_offs_list", "received_on", "id", "region_path", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    no: Mapped[str] = mapped_column(String(60), unique=True, comment="举报编号（举报〔年度〕N号）")
    channel: Mapped[str] = mapped_column(String(4), comment="举报渠道（电话/来信/网上/来访）")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, comment="匿名举报")
    # the informant (protected: app.inspections.tipoff_access)
    informant_name: Mapped[str | None] = mapped_column(String(50), comment="举报人姓名（保密）")
    informant_phone: Mapped[str | None] = mapped_column(String(30), comment="举报人联系电话（保密）")
    informant_id_no: Mapped[str | None] = mapped_column(String(30), comment="举报人身份证号（保密）")
    informant_address: Mapped[str | None] = mapped_column(String(200), comment="举报人地址（保密）")
    query_code_hash: Mapped[str | None] = mapped_column(
        String(64), unique=True, comment="查询码摘要（举报人凭查询码查询办理进度）"
    )
    content: Mapped[str] = mapped_column(Text, comment="举报内容")
    place: Mapped[str | None] = mapped_column(String(200), comment="举报涉及地点")
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id"), index=True, comment="被举报单位（举报人指明的）"
    )
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="受理机关")
    received_on: Mapped[date] = mapped_column(Date, comment="受理日期")
    received_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="登记人员（受理人；举报人网上自行提交的为空）"
    )
    status: Mapped[str] = mapped_column(String(6), default=TipOffStatus.ASSIGNING, comment="办理状态")
    # 受理/分派
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="核查承办人")
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="分派人")
    assigned_on: Mapped[date | None] = mapped_column(Date, comment="分派日期")
    verify_due: Mapped[date | None] = mapped_column(Date, comment="核查期限")
    decline_reason: Mapped[str | None] = mapped_column(Text, comment="不予受理理由")
    # 核查
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id"), index=True, comment="核查检查（来源：举报）"
    )
    verified: Mapped[str | None] = mapped_column(String(6), comment="核查结论（属实/部分属实/不属实）")
    verification: Mapped[str | None] = mapped_column(Text, comment="核查情况")
    major_hazard: Mapped[bool] = mapped_column(Boolean, default=False, comment="核查发现重大事故隐患")
    verified_on: Mapped[date | None] = mapped_column(Date, comment="核查办结日期")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="核查人")
    # 反馈
    feedback_due: Mapped[date | None] = mapped_column(Date, comment="反馈期限")
    feedback: Mapped[str | None] = mapped_column(Text, comment="反馈内容")
    feedback_method: Mapped[str | None] = mapped_column(
        String(20), comment="反馈方式（电话/书面/当面/查询码/无法反馈）"
    )
    fed_back_on: Mapped[date | None] = mapped_column(Date, comment="反馈日期")
    fed_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="反馈人")
    # 奖励 (应急〔2018〕19号《安全生产领域举报奖励办法》)
    reward_decision: Mapped[str | None] = mapped_column(String(6), comment="奖励决定（奖励/不予奖励）")
    reward_fine_basis: Mapped[Decimal | None] = mapped_column(MONEY, comment="计奖罚没款（元）")
    reward_suggested: Mapped[Decimal | None] = mapped_column(MONEY, comment="系统计算的奖励金额（元）")
    reward_amount: Mapped[Decimal | None] = mapped_column(MONEY, comment="决定的奖励金额（元）")
    reward_basis: Mapped[str | None] = mapped_column(Text, comment="奖励依据（标准档次及条款）")
    reward_deviation_reason: Mapped[str | None] = mapped_column(Text, comment="与计算金额不一致的理由")
    reward_reason: Mapped[str | None] = mapped_column(Text, comment="奖励（不予奖励）理由")
    reward_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="奖励决定人")
    reward_decided_on: Mapped[date | None] = mapped_column(Date, comment="奖励决定日期")
    reward_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="举报奖励决定书"
    )
    closed_on: Mapped[date | None] = mapped_column(Date, comment="办结日期")

    enterprise: Mapped[Enterprise | None] = relationship()
    agency: Mapped[Department] = relationship()
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TIPOFF_STATUSES


__all__ = ["OPEN_TIPOFF_STATUSES", "TipOff", "TipOffChannel", "TipOffStatus", "Verdict"]
