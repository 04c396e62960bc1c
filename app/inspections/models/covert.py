"""随机暗访 (四不两直, domain spec §6): a sealed visit planned by a leader or section head — its targets and team
known only to them until the team starts it — the 暗查暗访检查情况表 recorded on site (photos and video with
their SHA-256 and capture time), and the governance it leads to: 交办函 to a town government or department with
a deadline, 督办单 and 回头看 until the problems are fixed, and the periodic 通报.

Nothing here touches the target enterprise before the start: a target is a row of this domain, never an
Inspection (no cap count, no audit event about the enterprise). Starting the visit creates one Inspection per
target (source 暗访, mode 四不两直), whose on-site record carries the formal procedure; `CovertTarget.inspection_id`
links to it. Who may see a visit is decided in one place, app.inspections.sealed."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import TimestampMixin, UTCDateTime, path_type, utcnow
from app.extensions import Model
from app.org.models import Department, Enterprise


class CovertStatus(StrEnum):
    SEALED = "密封"  # created: only the creator and the team know it
    ACTIVE = "进行中"  # started by the team lead: inspections created, visible per jurisdiction
    DONE = "已完成"  # the sheet recorded and every 交办 closed
    CANCELLED = "已取消"  # cancelled by its creator, or the window passed unstarted (stays sealed)


class AssignmentStatus(StrEnum):
    WAITING = "待回复"  # 交办函 issued, the deadline running
    SUPERVISED = "督办中"  # a 督办单 issued after a 回头看 found the problems not fixed
    CLOSED = "已办结"  # the 回头看 found them fixed


class CovertVisit(TimestampMixin, Model):
    __tablename__ = "covert_visits"
    __table_args__ = (
        Index("ix_covert_visits_scope", "status", "region_path", "window_from", "id"),
        Index(
            "ix_covert_visits_list", "window_from", "id", "region_path", "status"
        ),  # the list's keyset order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(
        String(60), unique=True, comment="暗访任务编号（暗访〔年度〕N号，仅检查组可见）"
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="组织暗访的机关")
    region_path: Mapped[str] = mapped_column(
        path_type(), index=True, comment="组织机关的区划路径（数据范围；不是被检查单位的属地）"
    )
    created_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id"), index=True, comment="创建人（负责人/科室负责人）"
    )
    purpose: Mapped[str] = mapped_column(Text, comment="暗访目的与重点")
    window_from: Mapped[date] = mapped_column(Date, comment="暗访时间窗口起")
    window_to: Mapped[date] = mapped_column(Date, comment="暗访时间窗口止")
    status: Mapped[str] = mapped_column(String(10), default=CovertStatus.SEALED, comment="状态")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="启动时间")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="启动人（组长）")
    sheet_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="情况表填报完成时间")
    sheet_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("official_documents.id"), comment="暗查暗访检查情况表（暗查）"
    )
    conclusion: Mapped[str | None] = mapped_column(Text, comment="暗访总体情况")
    completed_on: Mapped[date | None] = mapped_column(Date, comment="办结日期")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="取消时间")
    cancelled_reason: Mapped[str | None] = mapped_column(Text, comment="取消理由")

    agency: Mapped[Department] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    targets: Mapped[list[CovertTarget]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="CovertTarget.id"
    )
    members: Mapped[list[CovertMember]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="CovertMember.id"
    )
    sheet_rows: Mapped[list[CovertSheetRow]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="CovertSheetRow.id"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Assignment.id"
    )

    @property
    def is_sealed(self) -> bool:
        """Never started: its targets known only to the creator and the team (a cancelled one stays so)."""
        return self.started_at is None

    @property
    def lead(self) -> User | None:
        return next((m.user for m in self.members if m.is_lead), None)

    @property
    def member_ids(self) -> list[int]:
        return [m.user_id for m in self.members]


class CovertTarget(Model):
    """One unit to visit. Before the start it is known only here; the start creates its Inspection."""

    __tablename__ = "covert_targets"
    __table_args__ = (
        UniqueConstraint("visit_id", "enterprise_id", name="uq_covert_targets_visit_enterprise"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("covert_visits.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True, comment="暗访对象")
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id"), index=True, comment="启动后建立的监督检查（四不两直）"
    )

    visit: Mapped[CovertVisit] = relationship(back_populates="targets")
    enterprise: Mapped[Enterprise] = relationship()
    inspection = relationship("Inspection")


class CovertMember(Model):
    """One member of the team (≥ min_inspectors holding a valid 执法证; one lead, who starts the visit)."""

    __tablename__ = "covert_members"
    __table_args__ = (UniqueConstraint("visit_id", "user_id", name="uq_covert_members_visit_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("covert_visits.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False, comment="组长")
    cert_no: Mapped[str | None] = mapped_column(String(30), comment="执法证号（创建时）")

    visit: Mapped[CovertVisit] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class CovertSheetRow(Model):
    """One line of the 暗查暗访检查情况表: when and where, which unit, what problems, with the evidence."""

    __tablename__ = "covert_sheet_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("covert_visits.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("covert_targets.id"), comment="所涉暗访对象（检查政府部门履职等情形可空）"
    )
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="检查时间")
    place: Mapped[str] = mapped_column(String(300), comment="检查地点")
    unit: Mapped[str] = mapped_column(String(200), comment="被检查单位")
    problems: Mapped[str] = mapped_column(Text, comment="发现的问题")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="记录人")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[CovertVisit] = relationship(back_populates="sheet_rows")
    target: Mapped[CovertTarget | None] = relationship()
    evidence: Mapped[list[CovertEvidence]] = relationship(
        back_populates="row", cascade="all, delete-orphan", order_by="CovertEvidence.id"
    )


class CovertEvidence(Model):
    """A photo or video of a sheet row: the file's SHA-256 (computed on upload) and when it was taken."""

    __tablename__ = "covert_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("covert_sheet_rows.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), comment="照片/视频")
    kind: Mapped[str] = mapped_column(String(10), comment="照片/视频")
    sha256: Mapped[str] = mapped_column(String(64), comment="文件SHA-256（上传时计算）")
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="拍摄时间")
    captured_source: Mapped[str] = mapped_column(String(10), comment="拍摄时间来源：EXIF/填报/未知")

    row: Mapped[CovertSheetRow] = relationship(back_populates="evidence")
    attachment = relationship("Attachment")


class Assignment(Model):
    """交办函: the problems found, referred to a town government or a department, with a deadline."""

    __tablename__ = "covert_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("covert_visits.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(80), comment="交办函文号")
    document_id: Mapped[int] = mapped_column(ForeignKey("official_documents.id"), comment="交办函")
    to_name: Mapped[str] = mapped_column(String(100), comment="承办单位（乡镇政府/部门）")
    to_region_path: Mapped[str | None] = mapped_column(path_type(), comment="承办单位属地")
    problems: Mapped[str] = mapped_column(Text, comment="交办问题")
    deadline: Mapped[date] = mapped_column(Date, comment="办理期限")
    status: Mapped[str] = mapped_column(String(10), default=AssignmentStatus.WAITING, comment="状态")
    issued_on: Mapped[date] = mapped_column(Date, comment="交办日期")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="交办人")
    reply: Mapped[str | None] = mapped_column(Text, comment="承办单位回复（整改情况）")
    replied_on: Mapped[date | None] = mapped_column(Date, comment="回复日期")
    closed_on: Mapped[date | None] = mapped_column(Date, comment="办结日期")

    visit: Mapped[CovertVisit] = relationship(back_populates="assignments")
    supervisions: Mapped[list[SupervisionSheet]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="SupervisionSheet.id"
    )
    return_visits: Mapped[list[ReturnVisit]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="ReturnVisit.id"
    )

    @property
    def current_deadline(self) -> date:
        """The deadline now running: the last 督办单's, else the 交办函's."""
        return self.supervisions[-1].deadline if self.supervisions else self.deadline


class SupervisionSheet(Model):
    """督办单: a 交办 whose problems the 回头看 found unfixed is supervised, with a new deadline."""

    __tablename__ = "covert_supervisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("covert_assignments.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(80), comment="督办单文号")
    document_id: Mapped[int] = mapped_column(ForeignKey("official_documents.id"), comment="督办单")
    requirements: Mapped[str] = mapped_column(Text, comment="督办要求")
    deadline: Mapped[date] = mapped_column(Date, comment="督办期限")
    issued_on: Mapped[date] = mapped_column(Date, comment="督办日期")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="督办人")

    assignment: Mapped[Assignment] = relationship(back_populates="supervisions")


class ReturnVisit(Model):
    """回头看: a return visit checking whether the assigned problems were fixed."""

    __tablename__ = "covert_return_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("covert_assignments.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date] = mapped_column(Date, comment="回头看日期")
    result: Mapped[str] = mapped_column(String(10), comment="整改到位/未整改到位")
    note: Mapped[str] = mapped_column(Text, comment="回头看情况")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="记录人")

    assignment: Mapped[Assignment] = relationship(back_populates="return_visits")


class Bulletin(Model):
    """通报: the numbered bulletin of the problems the started visits of a period found, published inside the
    agency's jurisdiction (staff only; never a sealed visit)."""

    __tablename__ = "covert_bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="通报机关")
    region_path: Mapped[str] = mapped_column(path_type(), index=True, comment="通报机关区划路径（数据范围）")
    number: Mapped[str | None] = mapped_column(String(80), comment="通报文号（制发时编号）")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("official_documents.id"), comment="通报")
    period_from: Mapped[date] = mapped_column(Date, comment="通报期间起")
    period_to: Mapped[date] = mapped_column(Date, comment="通报期间止")
    title: Mapped[str] = mapped_column(String(200), comment="通报标题")
    problems: Mapped[list] = mapped_column(
        JSON, default=list, comment="通报问题：[{visit_id, code, unit, place, observed_on, problems}]"
    )
    requirements: Mapped[str | None] = mapped_column(Text, comment="工作要求")
    published_on: Mapped[date] = mapped_column(Date, comment="印发日期")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="签发人")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agency: Mapped[Department] = relationship()
