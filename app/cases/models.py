"""行政处罚案件: the case (立案 … 结案), its officers, penalty lines, evidence, legal-clock pauses, services
(送达), the party's statements and hearing, 法制审核, 集体讨论, payments and remedies.

`PenaltyCase.status` is a projection of where the case's workflow stands (app/cases/status.py). Every gate
of the procedure (≥2 certified officers, 告知 served and windows passed, no heavier penalty after the
party's statement, a passed 法制审核 where one is required, no decision while a hearing is pending, no
second fine for one act) is checked in one place, app/cases/gates.py, by the operation that takes the
step, whoever calls it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type, utcnow
from app.extensions import Model
from app.org.models import Department, Enterprise

MONEY = Numeric(14, 2)


class ProposalSource(StrEnum):
    REFERRAL = "隐患移送"
    INSPECTION = "检查发现"
    REPORT = "举报"
    TRANSFER_IN = "其他机关移送"
    ASSIGNED = "上级交办"
    ACCIDENT = "事故调查"


class ProposalStatus(StrEnum):
    PENDING = "待处理"
    FILED = "已立案"
    SIMPLE = "已简易处罚"
    NO_PENALTY = "不予处罚"
    DECLINED = "不予立案"
    TRANSFERRED = "已移送"


class Procedure(StrEnum):
    ORDINARY = "普通程序"
    SIMPLE = "简易程序"


class CaseStatus(StrEnum):
    FILING = "立案审批中"
    NOT_FILED = "不予立案"
    INVESTIGATING = "调查取证"
    REPORT_REVIEW = "调查终结审查"
    NOTIFYING = "告知"
    STATEMENT = "陈述申辩期"
    HEARING = "听证"
    RECONSIDERING = "复核"
    DRAFTING = "制作呈批表"
    LEGAL_REVIEW = "法制审核"
    DISCUSSION = "集体讨论"
    DECIDING = "待决定"
    SERVING = "送达"
    EXECUTING = "执行"
    TRANSFER_PENDING = "移送审批"
    TRANSFERRING = "移送"
    CLOSING = "结案审批"
    CLOSED = "已结案"
    SIMPLE_FILING = "待备案"


class Outcome(StrEnum):
    PENALTY = "penalty"  # 给予行政处罚
    NO_PENALTY = "no_penalty"  # 不予行政处罚 (轻微/首违/无过错/时效)
    NOT_ESTABLISHED = "not_established"  # 违法事实不能成立，不予行政处罚
    TRANSFER = "transfer"  # 涉嫌犯罪，移送司法机关


OUTCOME_LABELS = {
    Outcome.PENALTY: "给予行政处罚",
    Outcome.NO_PENALTY: "不予行政处罚",
    Outcome.NOT_ESTABLISHED: "违法事实不能成立",
    Outcome.TRANSFER: "涉嫌犯罪移送司法机关",
}


class NoPenaltyReason(StrEnum):
    MINOR = "轻微"  # Art.33 ¶1, mandatory
    FIRST = "首违"  # Art.33 ¶1, discretionary
    NO_FAULT = "无过错"  # Art.33 ¶2
    TIME_BARRED = "时效"  # Art.36


class TargetKind(StrEnum):
    UNIT = "单位"
    PERSON = "个人"


class PenaltyKind(StrEnum):
    WARNING = "警告"
    FINE = "罚款"
    CONFISCATE = "没收违法所得"
    SUSPEND = "责令停产停业整顿"
    REVOKE = "吊销许可证件"
    CLOSE = "责令关闭"
    BAN = "限制从业"


HEAVY_KINDS = frozenset({PenaltyKind.SUSPEND, PenaltyKind.REVOKE, PenaltyKind.CLOSE, PenaltyKind.BAN})


class CaseProposal(TimestampMixin, Model):
    """A 案件线索 / 立案建议: a hazard referral, an inspection finding tagged 违法行为, a tip-off, a transfer
    in or an assignment. It stays open (visible to the section head) until it ends in exactly one of 立案 /
    简易处罚 / 不予处罚 (with its reason) / 不予立案 (with its reason) / 移送."""

    __tablename__ = "case_proposals"
    __table_args__ = (Index("ix_case_proposals_open", "status", "region_path", "received_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20), comment="案件来源")
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("penalty_referrals.id"), unique=True, comment="隐患治理移送立案记录"
    )
    source_ref: Mapped[str | None] = mapped_column(
        String(200), comment="来源文书/编号（检查记录、举报编号、移送函）"
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id"), index=True, comment="当事人（单位）"
    )
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    facts: Mapped[str] = mapped_column(Text, comment="违法事实")
    evidence: Mapped[str | None] = mapped_column(Text, comment="已有证据")
    provisions: Mapped[str | None] = mapped_column(String(300), comment="涉嫌违反条款")
    act_date: Mapped[date | None] = mapped_column(Date, comment="违法行为发生（终了）日期")
    received_on: Mapped[date] = mapped_column(Date, comment="收到线索日期")
    status: Mapped[str] = mapped_column(String(10), default=ProposalStatus.PENDING, comment="处理状态")
    reason: Mapped[str | None] = mapped_column(Text, comment="不予立案/不予处罚的理由")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="处理人")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="处理时间")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="登记人")
    parent_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("penalty_cases.id", use_alter=True),
        index=True,
        comment="关联的前案（同一指令书/条款已作出处罚决定，逾期未改正的第二阶段，规格 §2.5）",
    )

    enterprise: Mapped[Enterprise] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
    case: Mapped[PenaltyCase | None] = relationship(
        back_populates="proposal", uselist=False, foreign_keys="PenaltyCase.proposal_id"
    )
    parent_case: Mapped[PenaltyCase | None] = relationship(foreign_keys=[parent_case_id])


class PenaltyCase(TimestampMixin, Model):
    """One 行政处罚案件. Its number 应急立〔年〕N号 is taken at 立案 approval; every later document of the case
    shares the serial N with its own 代字 (domain spec §3.2)."""

    __tablename__ = "penalty_cases"
    __table_args__ = (
        Index("ix_penalty_cases_list", "is_overdue", "filed_on", "id", "region_path", "status", "procedure"),
        Index("ix_penalty_cases_scope", "region_path", "status", "filed_on"),
        # a status within a scope (the cases in 立案审批 above the list, a status filter's count): the status
        # first, so a city's few cases in one status are a narrow range, not the city's whole path range
        Index("ix_penalty_cases_status", "status", "region_path", "filed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[str] = mapped_column(String(10), default=Procedure.ORDINARY, comment="程序")
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_proposals.id"), unique=True, comment="案件线索"
    )
    parent_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("penalty_cases.id"), index=True, comment="关联案件（逾期未改正的前案）"
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="办案机关")
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id"), index=True, comment="当事人（单位）"
    )
    name: Mapped[str] = mapped_column(String(200), comment="案件名称（案由）")
    source: Mapped[str] = mapped_column(String(20), comment="案件来源")
    facts: Mapped[str] = mapped_column(Text, comment="简要案情")
    provisions: Mapped[str] = mapped_column(String(300), comment="涉嫌违反条款")
    act_date: Mapped[date] = mapped_column(Date, comment="违法行为发生（终了）日期")
    five_year_limitation: Mapped[bool] = mapped_column(Boolean, default=False, comment="适用五年追责时效")
    limitation_flag_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="认定适用五年时效的法制审核人员"
    )
    urgent_handled_on: Mapped[date | None] = mapped_column(Date, comment="先行处置日期（需5日内补办立案）")
    case_no: Mapped[str | None] = mapped_column(String(80), unique=True, comment="立案号")
    serial: Mapped[int | None] = mapped_column(Integer, comment="案件序号（同案文书共用）")
    year: Mapped[int | None] = mapped_column(Integer, comment="立案年度")
    submitted_on: Mapped[date] = mapped_column(Date, comment="立案审批表提交日期")
    filed_on: Mapped[date | None] = mapped_column(Date, comment="立案日期")
    filing_approvals: Mapped[list] = mapped_column(
        JSON, default=list, comment="立案审批（承办人→承办机构负责人→负责人，意见与日期）"
    )
    status: Mapped[str] = mapped_column(String(10), default=CaseStatus.FILING, comment="案件状态")
    is_overdue: Mapped[bool] = mapped_column(Boolean, default=False, comment="办案期限已过")
    decision_due: Mapped[date | None] = mapped_column(Date, comment="办案期限（扣除不计入期间）")
    extra_days: Mapped[int] = mapped_column(Integer, default=0, comment="经批准延长的办案天数")
    # 调查终结
    outcome: Mapped[str | None] = mapped_column(String(20), comment="调查终结处理意见")
    no_penalty_reason: Mapped[str | None] = mapped_column(String(10), comment="不予处罚理由")
    violation_code: Mapped[str | None] = mapped_column(String(40), comment="违法行为库条目")
    violation_version: Mapped[str | None] = mapped_column(String(40), comment="裁量基准版本")
    factors: Mapped[list] = mapped_column(JSON, default=list, comment="裁量情节")
    report_text: Mapped[str | None] = mapped_column(
        Text, comment="调查终结报告（事实、证据、定性、处理意见）"
    )
    # the gates' inputs, set by the steps
    hearing_right: Mapped[bool] = mapped_column(Boolean, default=False, comment="有听证权利")
    review_required: Mapped[bool] = mapped_column(Boolean, default=False, comment="须经法制审核")
    review_passed: Mapped[bool] = mapped_column(Boolean, default=False, comment="法制审核已通过")
    discussion_required: Mapped[bool] = mapped_column(Boolean, default=False, comment="须经集体讨论")
    notice_waived: Mapped[bool] = mapped_column(Boolean, default=False, comment="当事人书面放弃陈述申辩/听证")
    # decision and execution
    decided_on: Mapped[date | None] = mapped_column(Date, comment="决定日期")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="决定人")
    decision_served_on: Mapped[date | None] = mapped_column(Date, comment="决定书送达日期")
    payment_due: Mapped[date | None] = mapped_column(Date, comment="缴款期限")
    paid_on: Mapped[date | None] = mapped_column(Date, comment="缴清日期")
    closed_on: Mapped[date | None] = mapped_column(Date, comment="结案日期")
    closing_reason: Mapped[str | None] = mapped_column(String(20), comment="结案理由")
    archive_no: Mapped[str | None] = mapped_column(String(60), comment="归档号")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="承办人（提交立案）")
    on_the_spot: Mapped[dict] = mapped_column(
        JSON,
        default=dict,
        comment="当场处罚记录（签收或拒签、当场收缴及票据号、交款期限、备案）",
    )
    continuing_fine: Mapped[dict | None] = mapped_column(
        JSON, comment="按日连续处罚（安全生产法第112条：原罚款数额、责令改正日期、计罚日数、金额）"
    )

    proposal: Mapped[CaseProposal | None] = relationship(back_populates="case", foreign_keys=[proposal_id])
    parent: Mapped[PenaltyCase | None] = relationship(remote_side=[id])
    agency: Mapped[Department] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    officers: Mapped[list[CaseOfficer]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseOfficer.id"
    )
    # who handles or handled the case (gates.handler_ids); rows are added, never removed
    handlers: Mapped[list[CaseHandler]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    lines: Mapped[list[PenaltyLine]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="PenaltyLine.id"
    )
    evidence_items: Mapped[list[CaseEvidence]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvidence.id"
    )
    pauses: Mapped[list[CasePause]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CasePause.id"
    )
    services: Mapped[list[CaseService]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseService.id"
    )
    statements: Mapped[list[CaseStatement]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseStatement.id"
    )
    hearings: Mapped[list[CaseHearing]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseHearing.id"
    )
    reviews: Mapped[list[LegalReview]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="LegalReview.id"
    )
    discussions: Mapped[list[CaseDiscussion]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseDiscussion.id"
    )
    payments: Mapped[list[CasePayment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CasePayment.id"
    )
    arrangements: Mapped[list[PaymentArrangement]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="PaymentArrangement.id"
    )
    remedies: Mapped[list[CaseRemedy]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseRemedy.id"
    )
    notices: Mapped[list[CaseNotice]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseNotice.id"
    )
    # 催告书 and 强制执行申请: read once per request (the page asks for the enforcement window several times)
    enforcement_steps: Mapped[list[EnforcementStep]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="EnforcementStep.id"
    )

    @property
    def display_no(self) -> str:
        return self.case_no or f"（待立案）第{self.id}号"

    def __repr__(self) -> str:
        return f"<PenaltyCase {self.id} {self.display_no} {self.status}>"


class CaseOfficer(Model):
    """承办人员: at least two, each holding a valid 执法证 on the day of each step (Art.42, 55)."""

    __tablename__ = "case_officers"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_officers_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, comment="执法人员")
    lead: Mapped[bool] = mapped_column(Boolean, default=False, comment="主办人")
    cert_no: Mapped[str] = mapped_column(String(30), comment="执法证号（立案时）")

    case: Mapped[PenaltyCase] = relationship(back_populates="officers")
    user: Mapped[User] = relationship(
        lazy="joined", innerjoin=True
    )  # always read with its officer (names, certs)


class CaseHandler(Model):
    """One who handles or handled a case (审批与办案分离): an officer now or dropped from the team at a revision,
    whoever filed it, whoever submitted or revised its 立案审批表 (gates.record_handlers writes them in the step's
    transaction). The inbox reads a user's rows (index by user) to keep the case's approvals from him
    (app.cases.separation.refused_clause)."""

    __tablename__ = "case_handlers"
    __table_args__ = (Index("ix_case_handlers_user", "user_id", "case_id"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("penalty_cases.id", ondelete="CASCADE"), primary_key=True, comment="案件"
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id"), primary_key=True, comment="承办或曾承办本案的人员"
    )


class PenaltyLine(Model):
    """One party's penalty: the unit and each responsible person get separate lines (处罚到人). The amounts
    of the three stages are kept apart so Art.45 (never heavier after the party's statement) is checkable."""

    __tablename__ = "penalty_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(4), comment="处罚对象类别（单位/个人）")
    party_name: Mapped[str] = mapped_column(String(200), comment="当事人姓名或名称")
    id_number: Mapped[str | None] = mapped_column(String(18), comment="统一社会信用代码/身份证号")
    position: Mapped[str | None] = mapped_column(String(60), comment="单位职务")
    address: Mapped[str | None] = mapped_column(String(300), comment="住址")
    violation_code: Mapped[str | None] = mapped_column(String(40), comment="违法行为库条目")
    tier: Mapped[str | None] = mapped_column(String(10), comment="裁量阶次")
    band_min: Mapped[Decimal | None] = mapped_column(MONEY, comment="阶次下限（元）")
    band_max: Mapped[Decimal | None] = mapped_column(MONEY, comment="阶次上限（元）")
    deviation_reason: Mapped[str | None] = mapped_column(Text, comment="偏离裁量阶次的理由")
    proposed_kinds: Mapped[list] = mapped_column(JSON, default=list, comment="拟处罚种类（调查终结）")
    proposed_fine: Mapped[Decimal | None] = mapped_column(MONEY, comment="拟罚款（元，调查终结）")
    notified_kinds: Mapped[list | None] = mapped_column(JSON, comment="告知的处罚种类")
    notified_fine: Mapped[Decimal | None] = mapped_column(MONEY, comment="告知的罚款（元）")
    decided_kinds: Mapped[list | None] = mapped_column(JSON, comment="决定的处罚种类")
    decided_fine: Mapped[Decimal | None] = mapped_column(MONEY, comment="决定的罚款（元）")
    confiscated: Mapped[Decimal | None] = mapped_column(MONEY, comment="没收违法所得（元）")
    other_terms: Mapped[str | None] = mapped_column(
        String(300), comment="其他处罚内容（停产停业期限、吊销证照名称）"
    )

    case: Mapped[PenaltyCase] = relationship(back_populates="lines")


class EvidenceKind(StrEnum):
    INQUIRY_NOTICE = "询问通知书"
    INQUIRY = "询问笔录"
    SURVEY = "勘验笔录"
    SAMPLING = "抽样取证凭证"
    PRESERVATION = "先行登记保存"
    APPRAISAL = "鉴定委托书"
    DOCUMENTARY = "书证"
    PHYSICAL = "物证"
    AUDIOVISUAL = "视听资料"
    ELECTRONIC = "电子数据"
    INSPECTION_RECORD = "现场检查记录"


class CaseEvidence(TimestampMixin, Model):
    """One item of the 证据清单. Files are attachments (stored by SHA-256); `details` holds what the item's
    笔录 records (the Q&A of a 询问笔录, the items of a 先行登记保存, the appraisal body)."""

    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="证据种类")
    title: Mapped[str] = mapped_column(String(200), comment="证据名称")
    description: Mapped[str | None] = mapped_column(Text, comment="证明对象/内容")
    collected_on: Mapped[date] = mapped_column(Date, comment="取证日期")
    place: Mapped[str | None] = mapped_column(String(200), comment="取证地点")
    details: Mapped[dict] = mapped_column(JSON, default=dict, comment="笔录内容")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("official_documents.id"), comment="对应文书")
    status: Mapped[str | None] = mapped_column(
        String(10), comment="先行登记保存：待批准/保存中/已处理/未批准"
    )
    dispose_due: Mapped[date | None] = mapped_column(Date, comment="先行登记保存处理期限")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="记录人")

    case: Mapped[PenaltyCase] = relationship(back_populates="evidence_items")


class PauseKind(StrEnum):
    APPRAISAL = "鉴定"
    HEARING = "听证"
    ANNOUNCEMENT = "公告"
    SUSPENSION = "中止"


class CasePause(Model):
    """A period that does not count toward the 90-day decision clock (Art.60: 鉴定, 听证, 公告 …)."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="不计入期间种类")
    started_on: Mapped[date] = mapped_column(Date, comment="起始日")
    ended_on: Mapped[date | None] = mapped_column(Date, comment="结束日")
    reason: Mapped[str | None] = mapped_column(String(300), comment="事由")

    case: Mapped[PenaltyCase] = relationship(back_populates="pauses")


class ServiceMethod(StrEnum):
    DIRECT = "直接送达"
    LEFT = "留置送达"
    ENTRUSTED = "委托送达"
    POST = "邮寄送达"
    ELECTRONIC = "电子送达"
    ANNOUNCEMENT = "公告送达"


class CaseService(Model):
    """送达回执 of one outward document (Art.61; 民事诉讼法)."""

    __tablename__ = "case_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("official_documents.id"), index=True, comment="送达文书"
    )
    method: Mapped[str] = mapped_column(String(10), comment="送达方式")
    served_on: Mapped[date] = mapped_column(Date, comment="送达日期")
    effective_on: Mapped[date] = mapped_column(Date, comment="送达生效日期（公告送达满30日）")
    recipient: Mapped[str] = mapped_column(String(100), comment="受送达人")
    signer: Mapped[str | None] = mapped_column(String(100), comment="签收人及与受送达人关系")
    place: Mapped[str | None] = mapped_column(String(200), comment="送达地点")
    witnesses: Mapped[str | None] = mapped_column(String(200), comment="见证人（留置送达）")
    refusal_reason: Mapped[str | None] = mapped_column(String(300), comment="拒收事由（留置送达）")
    consent_ref: Mapped[str | None] = mapped_column(String(200), comment="电子送达确认书")
    post_no: Mapped[str | None] = mapped_column(String(60), comment="邮件号/公告载体")
    served_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="送达人")
    receipt_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="送达回执"
    )

    case: Mapped[PenaltyCase] = relationship(back_populates="services")


class NoticeKind(StrEnum):
    PENALTY = "行政处罚告知书"
    HEARING = "行政处罚听证告知书"


class CaseNotice(Model):
    """One 告知 (Art.44): what was notified, its windows; a heavier penalty needs a new one (Art.45)."""

    __tablename__ = "case_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1, comment="告知轮次")
    hearing_right: Mapped[bool] = mapped_column(Boolean, comment="告知听证权利")
    document_id: Mapped[int] = mapped_column(ForeignKey("official_documents.id"), comment="告知书")
    issued_on: Mapped[date] = mapped_column(Date, comment="制发日期")
    served_on: Mapped[date | None] = mapped_column(Date, comment="送达生效日期")
    statement_until: Mapped[date | None] = mapped_column(Date, comment="陈述申辩期限")
    hearing_until: Mapped[date | None] = mapped_column(Date, comment="听证申请期限")
    total_fine: Mapped[Decimal] = mapped_column(MONEY, default=0, comment="告知罚款合计（元）")

    case: Mapped[PenaltyCase] = relationship(back_populates="notices")


class StatementKind(StrEnum):
    STATED = "stated"  # 陈述申辩
    HEARING = "hearing"  # 要求听证
    WAIVED = "waived"  # 书面放弃


class CaseStatement(Model):
    """当事人陈述申辩 (online through the enterprise account, or recorded by an officer), a hearing request,
    or a written waiver (放弃陈述申辩声明); then the 复核 of what was said (Art.45)."""

    __tablename__ = "case_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("case_notices.id"), comment="针对的告知")
    kind: Mapped[str] = mapped_column(String(10), comment="陈述申辩/要求听证/放弃")
    channel: Mapped[str] = mapped_column(String(10), comment="提交方式（企业在线/执法人员记录）")
    content: Mapped[str | None] = mapped_column(Text, comment="陈述申辩意见")
    submitted_on: Mapped[date] = mapped_column(Date, comment="提出日期")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="提交人/记录人")
    review_result: Mapped[str | None] = mapped_column(String(10), comment="复核结论（采纳/部分采纳/不采纳）")
    review_reason: Mapped[str | None] = mapped_column(Text, comment="复核理由")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="复核人")
    reviewed_on: Mapped[date | None] = mapped_column(Date, comment="复核日期")

    case: Mapped[PenaltyCase] = relationship(back_populates="statements")


class HearingStatus(StrEnum):
    REQUESTED = "已申请"
    SCHEDULED = "已通知"
    HELD = "已举行"
    WAIVED = "当事人放弃"
    TERMINATED = "终止"


class CaseHearing(Model):
    """听证 (Art.63–65): requested within 5 working days of the 告知; noticed ≥ 7 working days ahead; presided
    by someone who did not investigate; the decision follows its record."""

    __tablename__ = "case_hearings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("case_statements.id"), comment="听证申请")
    status: Mapped[str] = mapped_column(String(10), default=HearingStatus.REQUESTED, comment="听证状态")
    presiding_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="听证主持人")
    recorder: Mapped[str | None] = mapped_column(String(50), comment="记录员")
    hearing_on: Mapped[date | None] = mapped_column(Date, comment="听证日期")
    place: Mapped[str | None] = mapped_column(String(200), comment="听证地点")
    public: Mapped[bool] = mapped_column(Boolean, default=True, comment="公开举行")
    notice_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="听证会通知书"
    )
    attendees: Mapped[str | None] = mapped_column(Text, comment="参加人（当事人、代理人1-2名、调查人员）")
    record: Mapped[str | None] = mapped_column(Text, comment="听证笔录")
    party_signed: Mapped[bool | None] = mapped_column(Boolean, comment="当事人签字（否：主持人注明拒签）")
    report: Mapped[str | None] = mapped_column(Text, comment="听证会报告书（主持人意见）")
    recommendation: Mapped[str | None] = mapped_column(String(20), comment="主持人处理建议")
    held_on: Mapped[date | None] = mapped_column(Date, comment="举行日期")

    case: Mapped[PenaltyCase] = relationship(back_populates="hearings")
    presiding: Mapped[User | None] = relationship()


class ReviewOpinion(StrEnum):
    AGREE = "agree"  # 同意
    MODIFY = "modify"  # 建议修改
    MORE = "more"  # 建议补充调查
    DISAGREE = "disagree"  # 不同意


REVIEW_OPINION_LABELS = {
    ReviewOpinion.AGREE: "同意",
    ReviewOpinion.MODIFY: "建议修改",
    ReviewOpinion.MORE: "建议补充调查",
    ReviewOpinion.DISAGREE: "不同意",
}


class LegalReview(Model):
    """法制审核 (Art.58) of one submission: the §8.3 checklist (the system's proof and the reviewer's judgement
    per item), the opinion and the 法制审核意见书."""

    __tablename__ = "legal_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1, comment="送审轮次")
    submitted_on: Mapped[date] = mapped_column(Date, comment="送审日期")
    due_on: Mapped[date] = mapped_column(Date, comment="审核期限")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="法制审核人员")
    qualification_no: Mapped[str | None] = mapped_column(String(40), comment="法律职业资格证书编号")
    checklist: Mapped[list] = mapped_column(JSON, default=list, comment="审核事项（系统核验与审核判断）")
    opinion: Mapped[str | None] = mapped_column(String(10), comment="审核意见")
    reasons: Mapped[str | None] = mapped_column(Text, comment="意见理由")
    reviewed_on: Mapped[date | None] = mapped_column(Date, comment="审核日期")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="法制审核意见书"
    )

    case: Mapped[PenaltyCase] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship()

    @property
    def opinion_label(self) -> str:
        """The opinion as the reviewer chose it (同意 / 建议修改 / 建议补充调查 / 不同意), never its code."""
        return REVIEW_OPINION_LABELS.get(ReviewOpinion(self.opinion), self.opinion) if self.opinion else ""


class CaseDiscussion(Model):
    """行政处罚集体讨论记录 (Art.57 ¶2): chair, attendees, each one's opinion and the conclusion."""

    __tablename__ = "case_discussions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date, comment="讨论日期")
    place: Mapped[str] = mapped_column(String(200), comment="地点")
    chair: Mapped[str] = mapped_column(String(50), comment="主持人（行政机关负责人）")
    presenter: Mapped[str | None] = mapped_column(String(50), comment="汇报人")
    opinions: Mapped[list] = mapped_column(JSON, default=list, comment="参加人员及其意见")
    conclusion: Mapped[str] = mapped_column(Text, comment="讨论结论")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="记录人")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="集体讨论记录"
    )

    case: Mapped[PenaltyCase] = relationship(back_populates="discussions")


class PaymentKind(StrEnum):
    FINE = "罚款"
    SURCHARGE = "加处罚款"
    ON_THE_SPOT = "当场收缴"


class CasePayment(Model):
    """A payment at the designated bank (the deciding agency never collects, Art.67) or 当场收缴 (≤100元)."""

    __tablename__ = "case_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="款项")
    paid_on: Mapped[date] = mapped_column(Date, comment="缴款日期")
    amount: Mapped[Decimal] = mapped_column(MONEY, comment="金额（元）")
    receipt_no: Mapped[str] = mapped_column(String(60), comment="票据号")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="登记人")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="登记时间")

    case: Mapped[PenaltyCase] = relationship(back_populates="payments")


class PaymentArrangement(Model):
    """延期 / 分期缴纳罚款 (Art.66): the party applies, the agency approves."""

    __tablename__ = "payment_arrangements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(4), comment="延期/分期")
    applied_on: Mapped[date] = mapped_column(Date, comment="申请日期")
    reason: Mapped[str] = mapped_column(Text, comment="申请理由")
    approved: Mapped[bool | None] = mapped_column(Boolean, comment="是否批准")
    new_due: Mapped[date | None] = mapped_column(Date, comment="批准的缴款期限（分期：末期）")
    schedule: Mapped[list] = mapped_column(JSON, default=list, comment="分期计划 [日期, 金额]")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="审批人")
    decided_on: Mapped[date | None] = mapped_column(Date, comment="审批日期")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="延期（分期）缴纳罚款批准书"
    )

    case: Mapped[PenaltyCase] = relationship(back_populates="arrangements")


class RemedyKind(StrEnum):
    RECONSIDERATION = "行政复议"
    LITIGATION = "行政诉讼"


class CaseRemedy(Model):
    """复议 / 诉讼 against the decision: enforcement is not suspended, but 加处罚款 does not accrue while it
    runs (Art.73); an overturned decision withdraws its publication and closes the case accordingly."""

    __tablename__ = "case_remedies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="复议/诉讼")
    body: Mapped[str] = mapped_column(String(100), comment="复议机关/受理法院")
    filed_on: Mapped[date] = mapped_column(Date, comment="申请/起诉日期")
    outcome: Mapped[str | None] = mapped_column(String(10), comment="结果（维持/变更/撤销/确认违法/驳回）")
    outcome_on: Mapped[date | None] = mapped_column(Date, comment="结果日期")
    note: Mapped[str | None] = mapped_column(Text, comment="说明")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="登记人")

    case: Mapped[PenaltyCase] = relationship(back_populates="remedies")


class EnforcementStep(Model):
    """罚款催缴/催告 and 强制执行申请 (行政强制法): the court application only ≥10 days after the 催告书 is
    served, and within 3 months after the remedy window closes."""

    __tablename__ = "case_enforcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), comment="催告书/强制执行申请书")
    document_id: Mapped[int] = mapped_column(ForeignKey("official_documents.id"), comment="文书")
    done_on: Mapped[date] = mapped_column(Date, comment="制发/申请日期")
    court: Mapped[str | None] = mapped_column(String(100), comment="申请法院")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="登记人")

    case: Mapped[PenaltyCase] = relationship(back_populates="enforcement_steps")


class CaseTransfer(TimestampMixin, Model):
    """涉嫌犯罪案件移送 (国务院令第310号): reported by ≥ 2 officers, decided by the 正职负责人 within 3 days,
    transferred to the public security organ within 24 hours with a copy to the procuratorate."""

    __tablename__ = "case_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("penalty_cases.id"), index=True, comment="行政处罚案件"
    )
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("case_proposals.id"), comment="案件线索")
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    suspected_crime: Mapped[str] = mapped_column(String(60), comment="涉嫌罪名")
    reasons: Mapped[str] = mapped_column(Text, comment="移送理由")
    evidence_list: Mapped[str] = mapped_column(Text, comment="证据材料清单")
    reporters: Mapped[list] = mapped_column(JSON, default=list, comment="报告的执法人员（≥2）")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="报告时间")
    decision: Mapped[str | None] = mapped_column(String(10), comment="决定（移送/不移送）")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="决定人（正职负责人）")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="决定时间")
    receiving_organ: Mapped[str | None] = mapped_column(String(100), comment="接受移送的公安机关")
    procuratorate: Mapped[str | None] = mapped_column(String(100), comment="抄送检察院")
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="移送时间")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="涉嫌犯罪案件移送书"
    )


class ClosureProposalStatus(StrEnum):
    PENDING = "待负责人处理"
    SUBMITTED = "已提请关闭"
    DISMISSED = "不提请"


class CaseClosureProposal(TimestampMixin, Model):
    """提请关闭 (安全生产法 Art.113): an enterprise penalised for a 重大事故隐患 3 times within 180 days or 4 times
    within one year; raised once per threshold crossing by the decision that reaches it, to the agency's
    负责人, who decides whether to ask the local people's government to close the unit."""

    __tablename__ = "case_closure_proposals"
    __table_args__ = (
        UniqueConstraint("trigger_case_id", "rule", name="uq_case_closure_proposals_trigger_rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id"), index=True, comment="生产经营单位"
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="提请机关")
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    rule: Mapped[str] = mapped_column(String(20), comment="触发规则（180日内3次/一年内4次）")
    window_from: Mapped[date] = mapped_column(Date, comment="统计期间起")
    window_to: Mapped[date] = mapped_column(Date, comment="统计期间止（触发决定日）")
    count: Mapped[int] = mapped_column(Integer, comment="期间内因重大事故隐患受处罚次数")
    case_ids: Mapped[list] = mapped_column(JSON, default=list, comment="计入的处罚案件")
    trigger_case_id: Mapped[int] = mapped_column(
        ForeignKey("penalty_cases.id"), comment="达到次数的处罚决定所属案件"
    )
    status: Mapped[str] = mapped_column(String(10), default=ClosureProposalStatus.PENDING, comment="处理状态")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="处理人（负责人）")
    decided_on: Mapped[date | None] = mapped_column(Date, comment="处理日期")
    opinion: Mapped[str | None] = mapped_column(Text, comment="负责人意见")

    enterprise: Mapped[Enterprise] = relationship()
    trigger_case: Mapped[PenaltyCase] = relationship()
