"""站内消息: one row per notice and recipient."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import Model


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    DANGER = "danger"


class Notification(Model):
    """A notice to one user about one business object (deadline reminders, overdue notices, escalations).
    `key` makes every notice idempotent: one per key and user (a timer that fires twice, or a re-armed
    reminder after an extension, never duplicates one)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("key", "user_id", name="uq_notifications_key_user"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),  # my unread count
        Index("ix_notifications_user_newest", "user_id", "created_at", "id"),  # my newest messages
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), comment="收件人")
    subject_type: Mapped[str | None] = mapped_column(String(60), comment="业务对象类型（表名）")
    subject_id: Mapped[int | None] = mapped_column(Integer, comment="业务对象ID")
    kind: Mapped[str] = mapped_column(String(30), comment="消息类别（如 overdue、remind_before）")
    key: Mapped[str] = mapped_column(String(120), comment="幂等键：同一键对同一收件人只发一次")
    title: Mapped[str] = mapped_column(String(200), comment="标题")
    body: Mapped[str | None] = mapped_column(Text, comment="正文")
    level: Mapped[str] = mapped_column(String(10), default=Level.INFO, comment="info/warning/danger")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="发送时间")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="阅读时间")

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.user_id}>"
