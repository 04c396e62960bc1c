"""One 行政执法公示 entry (`Publication`): what was disclosed about a domain row, when, by whom, until when,
and — if the decision under it changed — when and why it was withdrawn. Rows are never deleted: a
withdrawn entry stays as the record of what the public saw (行政处罚法 Art.48)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import search
from app.db import UTCDateTime, path_type
from app.errors import InvalidState
from app.extensions import Model
from app.org.models import Department


class PublicationStatus(StrEnum):
    PUBLISHED = "已公示"
    WITHDRAWN = "已撤回"


class Publication(Model):
    __tablename__ = "publications"
    __table_args__ = (
        # the public list: the shown rows newest first (a seek on status + date + id), the kind and expiry
        # tested from the index; a kind filter walks its own index
        Index("ix_publications_public", "status", "published_on", "id", "kind", "expires_on"),
        Index("ix_publications_kind", "kind", "status", "published_on", "id", "expires_on"),
        # the staff list (region_path prefix) and current_for (one subject's entries of a kind)
        Index("ix_publications_region", "region_path", "published_on", "id"),
        Index("ix_publications_subject", "subject_type", "subject_id", "kind", "status"),
        # at most one shown entry per subject and kind, whatever races: the database refuses a second
        Index(
            "uq_publications_current",
            "subject_type",
            "subject_id",
            "kind",
            unique=True,
            sqlite_where=text("status = '已公示'"),
            postgresql_where=text("status = '已公示'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(60), comment="公示对象类型（业务记录的表名）")
    subject_id: Mapped[int] = mapped_column(BigInteger, comment="公示对象ID")
    kind: Mapped[str] = mapped_column(String(40), comment="公示种类（已登记的种类代码）")
    title: Mapped[str] = mapped_column(String(200), comment="公示标题")
    fields: Mapped[list] = mapped_column(
        JSON, comment="公示内容：按公示顺序的[名称, 值]列表（证件号、电话已脱敏）"
    )
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="公示机关")
    decided_on: Mapped[date] = mapped_column(Date, comment="决定日期（被公示行为作出之日）")
    due_on: Mapped[date | None] = mapped_column(Date, comment="法定公示期限（由业务按法定期间算出）")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="公示时间")
    published_on: Mapped[date] = mapped_column(Date, comment="公示日期（本地日期，公示列表的排序键）")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="公示人")
    status: Mapped[PublicationStatus] = mapped_column(String(10), comment="状态：已公示/已撤回")
    expires_on: Mapped[date | None] = mapped_column(Date, comment="公示截止期：此日之后不再在公示页显示")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="撤回时间")
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="撤回人")
    withdraw_reason: Mapped[str | None] = mapped_column(
        Text, comment="撤回原因（决定变更、撤销或确认无效等）"
    )
    withdraw_due_on: Mapped[date | None] = mapped_column(
        Date, comment="法定撤回期限（决定变更等之日起3个工作日）"
    )

    agency: Mapped[Department] = relationship()
    published_by = relationship("User", foreign_keys=[published_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    @property
    def is_withdrawn(self) -> bool:
        return self.status == PublicationStatus.WITHDRAWN

    @property
    def withdrawn_on(self) -> date | None:
        """The local (China) date of the withdrawal."""
        from app import clock

        return self.withdrawn_at.astimezone(clock.TZ).date() if self.withdrawn_at else None

    def __repr__(self) -> str:
        return f"<Publication {self.kind} {self.subject_type}:{self.subject_id} {self.status}>"


@event.listens_for(Publication, "before_delete")
def _publication_is_kept(mapper, connection, target):
    raise InvalidState("公示记录不可删除，只能撤回")


# the public list's text search on the title (SQLite FTS5 / PostgreSQL GIN, kept in the same transaction)
SEARCH = search.register(Publication, "publication_search", ("title",))
