"""隐患排查治理: hazards, the 责令限期整改指令书 that groups them, and every step of their closed loop.

One workflow instance per hazard (see app/hazards/__init__.py for why). `Hazard.status` and
`Hazard.is_overdue` are projections written by operations and service handlers when the workflow
moves; the workflow itself is the truth about what can happen next.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type, utcnow
from app.extensions import Model
from app.org.models import Department, Enterprise


class HazardSource(StrEnum):
    INSPECTION = "执法检查"
    RANDOM = "双随机"
    UNANNOUNCED = "暗访"
    SELF_CHECK = "企业自查"
    REPORT = "举报"
    CAMPAIGN = "专项行动"


class HazardCategory(StrEnum):
    PEOPLE = "人"
    THING = "物"
    MANAGEMENT = "管理"
    ENVIRONMENT = "环境"


class HazardLevel(StrEnum):
    GENERAL = "一般"
    MAJOR = "重大"


class HazardStatus(StrEnum):
    DRAFT = "待签发"  # registered, 指令书 not issued yet
    RECTIFYING = "整改中"
    EXTENSION_PENDING = "延期审批中"
    REVIEWING = "待复查"
    EXCEPTION_PENDING = "待领导审批"
    SUPERVISION_PENDING = "待督办决定"  # major: leader decides 挂牌督办
    PLAN_PENDING = "待报治理方案"
    GOVERNING = "治理中"
    ACCEPTING = "待验收"
    CLOSED = "已销号"
    REFERRED = "已移送立案"


OPEN_STATUSES = tuple(
    s for s in HazardStatus if s not in (HazardStatus.CLOSED, HazardStatus.REFERRED, HazardStatus.DRAFT)
)


class ReferralStatus(StrEnum):
    PENDING = "待立案"
    FILED = "已立案"
    DECLINED = "不予立案"


class ReviewResult(StrEnum):
    DONE = "已整改"
    NOT_DONE = "未整改"
    UNQUALIFIED = "整改不合格"
    PARTIAL = "部分整改"


class ReviewDecision(StrEnum):
    CLOSE = "close"  # 合格，销号
    RETURN = "return"  # 不合格，退回企业重新限期整改
    REFER = "refer"  # 移送立案处罚
    EXCEPTION = "exception"  # 第2轮后仍不合格：报请负责人特批再给一次整改期限


REVIEW_DECISION_LABELS = {
    "close": "合格，予以销号",
    "return": "不合格，责令重新限期整改",
    "refer": "不合格，移送立案处罚",
    "exception": "不合格，报请负责人批准再次限期整改",
}


class SuspensionScope(StrEnum):
    NONE = "无"
    FULL = "停产停业"
    STOP_USE = "停止使用"
    PARTIAL = "部分停产"


class SupervisionLevel(StrEnum):
    PROVINCE = "省级"
    CITY = "市级"
    COUNTY = "县级"


class HazardPart:
    """A row that belongs to one hazard and goes with it (整改, 延期, 复查, 方案, 进展)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)


class Submitted:
    """Who in the enterprise submitted the report, and when."""

    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @declared_attr
    def submitted_by(cls) -> Mapped[User]:
        return relationship(User, foreign_keys=[cls.submitted_by_id])


class RectificationOrder(TimestampMixin, Model):
    """责令限期整改指令书: the hazards found at one enterprise on one visit, ordered together."""

    __tablename__ = "rectification_orders"
    __table_args__ = (
        Index("ix_rectification_orders_region_path", "region_path"),
        Index("ix_rectification_orders_drafts", "created_by_id", "status"),  # 待签发 of an officer, every list page
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="发文机关")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    co_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="第二名执法人员")
    source: Mapped[str] = mapped_column(String(10), comment="排查来源")
    inspected_on: Mapped[date] = mapped_column(Date, comment="检查/排查日期")
    inspection_record_no: Mapped[str | None] = mapped_column(String(80), comment="现场检查记录文号")
    interim_measures: Mapped[str | None] = mapped_column(Text, comment="整改期间安全防范措施要求")
    status: Mapped[str] = mapped_column(String(10), default="draft", comment="draft 待签发 / issued 已签发")
    doc_number: Mapped[str | None] = mapped_column(String(80), index=True, comment="责令限期整改指令书文号")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("official_documents.id"), comment="指令书文书")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enterprise: Mapped[Enterprise] = relationship()
    agency: Mapped[Department] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    co_officer: Mapped[User | None] = relationship(foreign_keys=[co_officer_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    hazards: Mapped[list[Hazard]] = relationship(back_populates="order", order_by="Hazard.seq")

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def __repr__(self) -> str:
        return f"<RectificationOrder {self.id} {self.doc_number or '待签发'}>"


class Hazard(TimestampMixin, Model):
    """One 事故隐患 (an item of the 指令书), with its current deadline and status projection."""

    __tablename__ = "hazards"
    __table_args__ = (
        # a small scope (a 乡镇) read from the index alone: every column the list's filters test (migration 0015)
        Index(
            "ix_hazards_region_path_status", "region_path", "status", "level", "is_overdue", "found_on", "source",
            "enterprise_id", "closed_on", "overdue_at",
        ),
        Index("ix_hazards_found_on", "found_on"),
        Index("ix_hazards_deadline", "deadline"),
        # the list's order (is_overdue, found_on, id), then what its filters test: a page is a seek that
        # stops after its rows, filters answered from the index (migration 0012)
        Index(
            "ix_hazards_list", "is_overdue", "found_on", "id", "region_path", "status", "level", "source",
            "enterprise_id", "closed_on", "overdue_at",
        ),
        # the 首页's open and 重大 counts, the 销号-month drill-down (migration 0019)
        Index("ix_hazards_open", "status", "region_path", "is_overdue", "level", "deadline"),
        Index("ix_hazards_major", "level", "region_path", "status", "is_overdue", "deadline"),
        Index("ix_hazards_closed_on", "closed_on", "region_path", "status", "level"),
        # 曾经逾期: the list's capped count of a city's hazards ever overdue (migration 0027)
        Index("ix_hazards_ever_overdue", "region_path", "status",
              sqlite_where=text("overdue_at IS NOT NULL"), postgresql_where=text("overdue_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, comment="隐患编号")
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_orders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1, comment="指令书中的序号")
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    source: Mapped[str] = mapped_column(String(10), index=True, comment="排查来源")
    found_on: Mapped[date] = mapped_column(Date, comment="排查日期")
    found_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="登记执法人员")
    location: Mapped[str] = mapped_column(String(200), comment="隐患部位/装置")
    description: Mapped[str] = mapped_column(Text, comment="隐患描述")
    category: Mapped[str] = mapped_column(String(10), comment="隐患类别（人/物/管理/环境）")
    level: Mapped[str] = mapped_column(String(10), index=True, comment="隐患等级（一般/重大）")
    criterion_code: Mapped[str | None] = mapped_column(String(30), comment="重大事故隐患判定标准条款编码")
    criterion_citation: Mapped[str | None] = mapped_column(String(300), comment="判定依据（标准名称+条款）")
    criterion_text: Mapped[str | None] = mapped_column(Text, comment="判定标准条款原文（登记时快照）")
    provision: Mapped[str] = mapped_column(String(300), comment="违反条款")
    requirement: Mapped[str | None] = mapped_column(Text, comment="整改要求")
    original_deadline: Mapped[date] = mapped_column(Date, comment="指令书确定的整改期限")
    deadline: Mapped[date] = mapped_column(Date, comment="现行整改期限（含批准延期/重新限期）")
    status: Mapped[str] = mapped_column(String(10), default=HazardStatus.DRAFT, index=True)
    is_overdue: Mapped[bool] = mapped_column(Boolean, default=False, comment="是否逾期未整改")  # ix_hazards_list leads with it
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="首次判定逾期时间")
    failed_rounds: Mapped[int] = mapped_column(Integer, default=0, comment="复查不合格次数")
    exception_granted: Mapped[bool] = mapped_column(Boolean, default=False, comment="负责人已特批再次整改")
    extension_count: Mapped[int] = mapped_column(Integer, default=0, comment="已批准延期次数")
    suspension_scope: Mapped[str | None] = mapped_column(String(10), comment="停产停业范围")
    completed_on: Mapped[date | None] = mapped_column(Date, comment="企业报告整改完成日期")
    closed_on: Mapped[date | None] = mapped_column(Date, comment="销号日期")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    referred_on: Mapped[date | None] = mapped_column(Date, comment="移送立案日期")
    discovered_year: Mapped[int] = mapped_column(Integer, comment="发现年度（存量/增量）")
    remarks: Mapped[str | None] = mapped_column(Text, comment="备注")

    order: Mapped[RectificationOrder] = relationship(back_populates="hazards")
    enterprise: Mapped[Enterprise] = relationship()
    found_by: Mapped[User] = relationship(foreign_keys=[found_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    rectifications: Mapped[list[Rectification]] = relationship(
        back_populates="hazard", order_by="Rectification.id", cascade="all, delete-orphan"
    )
    extensions: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="hazard", order_by="ExtensionRequest.id", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[HazardReview]] = relationship(
        back_populates="hazard", order_by="HazardReview.id", cascade="all, delete-orphan"
    )
    referral: Mapped[PenaltyReferral | None] = relationship(back_populates="hazard", uselist=False)
    supervision: Mapped[Supervision | None] = relationship(back_populates="hazard", uselist=False)
    plans: Mapped[list[GovernancePlan]] = relationship(
        back_populates="hazard", order_by="GovernancePlan.id", cascade="all, delete-orphan"
    )
    progress_reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="hazard", order_by="ProgressReport.id", cascade="all, delete-orphan"
    )

    @property
    def is_major(self) -> bool:
        return self.level == HazardLevel.MAJOR

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def process_id(self) -> str:
        return "major_hazard_supervision" if self.is_major else "hazard_rectification"

    @property
    def latest_rectification(self) -> Rectification | None:
        return self.rectifications[-1] if self.rectifications else None

    @property
    def latest_review(self) -> HazardReview | None:
        return self.reviews[-1] if self.reviews else None

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        for e in self.extensions:
            if e.status == "pending":
                return e
        return None

    @property
    def title(self) -> str:
        return f"{self.enterprise.name}：{self.location}{self.level}隐患"

    def __repr__(self) -> str:
        return f"<Hazard {self.code} {self.status}>"


class Rectification(HazardPart, Submitted, TimestampMixin, Model):
    """The enterprise's report that a hazard was fixed (五落实 + evidence). For a 重大 hazard it is the
    治理完成/恢复生产申请 with the evaluation report."""

    __tablename__ = "hazard_rectifications"

    round: Mapped[int] = mapped_column(Integer, default=1, comment="第几轮整改")
    responsible_dept: Mapped[str | None] = mapped_column(String(100), comment="整改责任部门")
    responsible_person: Mapped[str] = mapped_column(String(50), comment="整改责任人")
    measures: Mapped[str] = mapped_column(Text, comment="整改措施")
    funds: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"), comment="整改资金（万元）")
    planned_date: Mapped[date | None] = mapped_column(Date, comment="整改时限（五落实）")
    emergency_measures: Mapped[str] = mapped_column(Text, comment="临时管控措施/应急预案")
    completed_on: Mapped[date] = mapped_column(Date, comment="整改完成日期")
    remarks: Mapped[str | None] = mapped_column(Text)
    evaluation_org: Mapped[str | None] = mapped_column(String(200), comment="评估机构（重大隐患）")
    evaluation_date: Mapped[date | None] = mapped_column(Date, comment="评估报告日期（重大隐患）")
    evaluation_conclusion: Mapped[str | None] = mapped_column(Text, comment="评估结论")
    resumption_requested: Mapped[bool] = mapped_column(Boolean, default=False, comment="是否申请恢复生产")

    hazard: Mapped[Hazard] = relationship(back_populates="rectifications")


class ExtensionRequest(HazardPart, TimestampMixin, Model):
    """延期申请: the deadline moves only when an officer approves; the approver is recorded."""

    __tablename__ = "hazard_extensions"

    reason: Mapped[str] = mapped_column(Text, comment="延期理由")
    old_deadline: Mapped[date] = mapped_column(Date, comment="原整改期限")
    requested_deadline: Mapped[date] = mapped_column(Date, comment="申请延期至")
    interim_measures: Mapped[str | None] = mapped_column(Text, comment="延期期间临时管控措施")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending", comment="pending/approved/rejected")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="审批人")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_deadline: Mapped[date | None] = mapped_column(Date, comment="批准延期至")
    opinion: Mapped[str | None] = mapped_column(Text, comment="审批意见")

    hazard: Mapped[Hazard] = relationship(back_populates="extensions")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    STATUS_LABELS = {"pending": "待审批", "approved": "已批准", "rejected": "未批准"}

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS.get(self.status, self.status)


class HazardReview(HazardPart, TimestampMixin, Model):
    """复查 (一般隐患) or 现场验收 (重大隐患) of one hazard, with the item result and the decision."""

    __tablename__ = "hazard_reviews"

    kind: Mapped[str] = mapped_column(String(10), default="复查", comment="复查/验收")
    round: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_on: Mapped[date] = mapped_column(Date, comment="复查（验收）日期")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="复查（验收）人")
    co_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str] = mapped_column(String(10), comment="已整改/未整改/整改不合格/部分整改")
    passed: Mapped[bool] = mapped_column(Boolean)
    opinion: Mapped[str] = mapped_column(Text, comment="复查意见")
    decision: Mapped[str] = mapped_column(String(10), comment="close/return/refer/exception")
    new_deadline: Mapped[date | None] = mapped_column(Date, comment="重新确定的整改期限")
    was_overdue: Mapped[bool] = mapped_column(Boolean, default=False, comment="复查时是否逾期")
    doc_number: Mapped[str | None] = mapped_column(String(80), index=True, comment="整改复查意见书文号")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="复查意见书文书"
    )

    hazard: Mapped[Hazard] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    co_reviewer: Mapped[User | None] = relationship(foreign_keys=[co_reviewer_id])

    @property
    def decision_label(self) -> str:
        return REVIEW_DECISION_LABELS.get(self.decision, self.decision)


class PenaltyReferral(TimestampMixin, Model):
    """移送立案: a hazard not fixed is handed to the penalty-case domain (the `referral_made` signal). That
    domain keeps its case in its own tables with a foreign key to this row, and answers through
    `operations.answer_referral` (已立案 with the case number, or 不予立案 with the reason)."""

    __tablename__ = "penalty_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(), index=True)
    facts: Mapped[str] = mapped_column(Text, comment="违法事实")
    evidence: Mapped[str] = mapped_column(Text, comment="证据（文书文号、照片、复查记录）")
    provisions: Mapped[str] = mapped_column(String(300), comment="涉嫌违反条款")
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=ReferralStatus.PENDING, comment="待立案/已立案/不予立案")
    case_number: Mapped[str | None] = mapped_column(String(80), comment="立案号")
    answer: Mapped[str | None] = mapped_column(Text, comment="不予立案的理由")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="立案机关答复时间")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="答复人")

    hazard: Mapped[Hazard] = relationship(back_populates="referral")
    enterprise: Mapped[Enterprise] = relationship()
    referred_by: Mapped[User] = relationship(foreign_keys=[referred_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


class Supervision(TimestampMixin, Model):
    """重大事故隐患挂牌督办 (decided by a leader) and its 摘牌."""

    __tablename__ = "hazard_supervisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, comment="督办编号")
    listed: Mapped[bool] = mapped_column(Boolean, default=True, comment="是否挂牌督办")
    level: Mapped[str | None] = mapped_column(String(10), comment="督办级别（省/市/县）")
    supervising_unit: Mapped[str | None] = mapped_column(String(100), comment="督办单位")
    responsible_unit: Mapped[str | None] = mapped_column(String(100), comment="监管责任部门")
    contact: Mapped[str | None] = mapped_column(String(100), comment="监管联系人/电话")
    deadline: Mapped[date] = mapped_column(Date, comment="督办整改期限")
    listed_on: Mapped[date | None] = mapped_column(Date, comment="挂牌日期")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opinion: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(80), comment="挂牌督办通知书文号")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="督办通知书文书"
    )
    media_published: Mapped[str | None] = mapped_column(String(300), comment="媒体公布情况")
    delisted_on: Mapped[date | None] = mapped_column(Date, comment="摘牌（核销）日期")
    delisting_notice: Mapped[str | None] = mapped_column(String(300), comment="销号公告")

    hazard: Mapped[Hazard] = relationship(back_populates="supervision")
    decided_by: Mapped[User] = relationship()


class GovernancePlan(HazardPart, Submitted, TimestampMixin, Model):
    """重大事故隐患治理方案 with the six elements of 16号令 Art.15 and the suspension scope."""

    __tablename__ = "hazard_governance_plans"

    objective: Mapped[str] = mapped_column(Text, comment="治理的目标和任务")
    methods: Mapped[str] = mapped_column(Text, comment="采取的方法和措施")
    funds: Mapped[Decimal] = mapped_column(Numeric(12, 2), comment="经费（万元）")
    materials: Mapped[str] = mapped_column(Text, comment="经费和物资的落实")
    organization: Mapped[str] = mapped_column(Text, comment="负责治理的机构和人员")
    responsible_person: Mapped[str] = mapped_column(String(50), comment="治理责任人")
    time_limit: Mapped[date] = mapped_column(Date, comment="治理的时限")
    time_requirements: Mapped[str | None] = mapped_column(Text, comment="时限和要求")
    safety_measures: Mapped[str] = mapped_column(Text, comment="安全措施和应急预案")
    suspension_scope: Mapped[str] = mapped_column(String(10), comment="停产停业范围")
    suspension_detail: Mapped[str | None] = mapped_column(Text, comment="停产停用的区域/设备")
    reported_to_staff_on: Mapped[date | None] = mapped_column(Date, comment="向职代会/职工大会报告日期")

    hazard: Mapped[Hazard] = relationship(back_populates="plans")


class ProgressReport(HazardPart, TimestampMixin, Model):
    """治理进展报告 (every 15 days by default while a 重大 hazard is being governed)."""

    __tablename__ = "hazard_progress_reports"

    reported_on: Mapped[date] = mapped_column(Date)
    percent: Mapped[int] = mapped_column(Integer, comment="完成比例（%）")
    content: Mapped[str] = mapped_column(Text, comment="进展情况")
    problems: Mapped[str | None] = mapped_column(Text, comment="存在问题")
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    hazard: Mapped[Hazard] = relationship(back_populates="progress_reports")
    reported_by: Mapped[User] = relationship()
