"""双随机一公开 (domain spec §5.1; 国办发〔2015〕58号, 国发〔2019〕5号): the "一单两库" and the draws.

- `SpotCheckItem`        随机抽查事项清单: one item (事项, 依据, 对象范围, 方式, 比例, 频次), published.
- `ConflictDeclaration`  回避关系 an officer declares beforehand (officer ↔ enterprise); a draw never pairs them.
- `DrawBatch`            one 双随机 batch: filters, strata, the frozen pool and exclusions with their SHA-256,
                         the seed's commitment (the seed itself stays secret until the draw), the result.
- `DrawTarget`           one drawn enterprise: stratum, rank, team, the inspection it became.
- `DrawEvent`            the batch's public log: commit, draw, 回避 replacement, 补抽 (reason, approver).

Everything the public record shows is on these rows; the algorithm is app/inspections/draw.py (pure)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type, utcnow
from app.extensions import Model
from app.org.models import Department, Enterprise

if TYPE_CHECKING:
    from app.inspections.models.plan import InspectionPlan


class SpotCheckItem(TimestampMixin, Model):
    """One 随机抽查事项 of the jurisdiction's 随机抽查事项清单."""

    __tablename__ = "spot_check_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), comment="事项编号")
    name: Mapped[str] = mapped_column(String(200), comment="抽查事项")
    basis: Mapped[str] = mapped_column(Text, comment="抽查依据")
    subject_scope: Mapped[str] = mapped_column(String(300), comment="抽查对象范围")
    method: Mapped[str] = mapped_column(String(100), comment="抽查方式（现场检查/书面检查等）")
    ratio: Mapped[str] = mapped_column(String(100), comment="抽查比例")
    frequency: Mapped[str] = mapped_column(String(100), comment="抽查频次")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="实施机关")
    region_path: Mapped[str] = mapped_column(path_type(), index=True, comment="属地区划路径（数据范围）")
    published: Mapped[bool] = mapped_column(Boolean, default=False, comment="是否已公示")
    published_on: Mapped[date | None] = mapped_column(Date, comment="公示日期")
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, comment="是否已停用")

    agency: Mapped[Department] = relationship()


class ConflictDeclaration(Model):
    """回避关系: an officer declares beforehand a relation with an enterprise (亲属任职、曾任职、利害关系 …);
    while not withdrawn, no draw puts the officer on that enterprise's team and create_inspection refuses it."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (Index("ix_conflict_declarations_pair", "user_id", "enterprise_id", "withdrawn_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="申报人（执法人员）")
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True, comment="回避企业")
    relation: Mapped[str] = mapped_column(String(200), comment="回避关系")
    declared_on: Mapped[date] = mapped_column(Date, comment="申报日期")
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="登记人")
    region_path: Mapped[str] = mapped_column(path_type(), comment="企业属地区划路径（数据范围）")
    withdrawn_on: Mapped[date | None] = mapped_column(Date, comment="撤回日期")
    withdraw_reason: Mapped[str | None] = mapped_column(Text, comment="撤回理由")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    enterprise: Mapped[Enterprise] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class DrawStatus(StrEnum):
    DRAFT = "草稿"
    COMMITTED = "已提交"  # pool and exclusions frozen, their hashes and the seed's commitment published
    DRAWN = "已抽取"  # seed revealed, targets and teams drawn, inspections created
    DONE = "已完成"


class DrawBatch(TimestampMixin, Model):
    __tablename__ = "draw_batches"
    __table_args__ = (Index("ix_draw_batches_scope", "region_path", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(60), unique=True, comment="批次号（双随机〔年〕N号）")
    title: Mapped[str] = mapped_column(String(200), comment="批次名称")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="实施机关")
    region_path: Mapped[str] = mapped_column(path_type(), comment="抽查范围区划路径（数据范围）")
    item_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check_items.id"), comment="抽查事项")
    filters: Mapped[dict] = mapped_column(JSON, default=dict, comment="对象库筛选条件（行业、乡镇、类别）")
    strata: Mapped[list] = mapped_column(
        JSON, default=list, comment="分层抽取：[{industry, town, count 或 ratio}]"
    )
    inspectors_per_target: Mapped[int] = mapped_column(Integer, default=2, comment="每户检查人员数（≥2）")
    exclude_recent_days: Mapped[int] = mapped_column(Integer, default=90, comment="排除近N日内已检查企业")
    exclude_at_cap: Mapped[bool] = mapped_column(Boolean, default=True, comment="排除已达年度检查上限企业")
    planned_on: Mapped[date] = mapped_column(Date, comment="计划检查日期")
    due_on: Mapped[date | None] = mapped_column(Date, comment="应完成日期")
    status: Mapped[str] = mapped_column(String(10), default=DrawStatus.DRAFT, comment="状态")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="创建人")
    # frozen at commit
    pool: Mapped[list | None] = mapped_column(JSON, comment="冻结的检查对象库：[{id, industry, town}]")
    inspectors: Mapped[list | None] = mapped_column(JSON, comment="冻结的执法检查人员库：[用户ID]")
    exclusions: Mapped[dict | None] = mapped_column(
        JSON, comment="排除：{enterprises: [{id, reason}], conflicts: [[用户ID, 企业ID]]}"
    )
    pool_hash: Mapped[str | None] = mapped_column(String(64), comment="对象库SHA-256")
    exclusions_hash: Mapped[str | None] = mapped_column(String(64), comment="排除清单SHA-256")
    seed: Mapped[str | None] = mapped_column(String(64), comment="随机种子（抽取前保密）")
    seed_commitment: Mapped[str | None] = mapped_column(String(64), comment="种子承诺值 SHA-256(seed)")
    algorithm_version: Mapped[str | None] = mapped_column(String(10), comment="抽取算法版本")
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="提交冻结时间")
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="提交人")
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="抽取时间")
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="抽取人")
    result_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="抽查结果公告（抽公）"
    )
    result: Mapped[dict | None] = mapped_column(
        JSON, comment="抽取结果：{targets: [{enterprise_id, stratum, rank, team}]}"
    )
    # a batch the monthly sweep made from an approved plan's 一般检查 quotas (app.inspections.operations.plan)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_plans.id"), index=True, comment="来源年度监督检查计划（一般检查配额）"
    )
    plan_month: Mapped[int | None] = mapped_column(Integer, comment="来源计划月份（1–12）")

    agency: Mapped[Department] = relationship()
    item: Mapped[SpotCheckItem | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    plan: Mapped[InspectionPlan | None] = relationship(foreign_keys=[plan_id])
    targets: Mapped[list[DrawTarget]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="DrawTarget.id"
    )
    events: Mapped[list[DrawEvent]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="DrawEvent.id"
    )

    @property
    def label(self) -> str:
        return self.number or f"{self.title}（草稿）"


class DrawTarget(Model):
    """One drawn enterprise and its team (user ids, lead first)."""

    __tablename__ = "draw_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("draw_batches.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True, comment="抽中企业")
    stratum: Mapped[str] = mapped_column(String(100), comment="层（行业|乡镇）")
    rank: Mapped[int] = mapped_column(Integer, comment="层内排序")
    supplement: Mapped[bool] = mapped_column(Boolean, default=False, comment="是否补抽")
    team: Mapped[list] = mapped_column(JSON, default=list, comment="检查组（用户ID，首位为主办）")
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id"), index=True, comment="生成的检查任务"
    )

    batch: Mapped[DrawBatch] = relationship(back_populates="targets")
    enterprise: Mapped[Enterprise] = relationship()


class DrawEventKind(StrEnum):
    COMMITTED = "提交冻结"
    DRAWN = "抽取"
    RECUSAL_REQUESTED = "申请回避"
    RECUSAL = "回避替换"
    RECUSAL_REFUSED = "回避不予准许"
    SUPPLEMENT_REQUESTED = "申请补抽"
    SUPPLEMENT = "补抽"
    SUPPLEMENT_REFUSED = "补抽不予批准"


class DrawEvent(Model):
    """The batch's public log (全过程记录): who did what, why, who approved, and what changed."""

    __tablename__ = "draw_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("draw_batches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="事件")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="时间")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="申请/操作人")
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="批准人")
    reason: Mapped[str | None] = mapped_column(Text, comment="理由")
    data: Mapped[dict] = mapped_column(JSON, default=dict, comment="内容（企业、被替换/替换人员、补抽结果）")
    pending: Mapped[bool] = mapped_column(Boolean, default=False, comment="待审批")

    batch: Mapped[DrawBatch] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])
