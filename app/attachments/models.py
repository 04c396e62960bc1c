"""Uploaded files (photos, PDFs, video evidence) and what they are attached to.

One `Attachment` row per upload (who uploaded what, under which name, when); the bytes live once per
distinct content in the content-addressed store (`UPLOAD_DIR/ab/cd/<sha256>`), so two uploads of the
same photo share one file. An `AttachmentLink` ties an attachment to a business object (any domain's
subject or one of its child rows) and the form field it was submitted in; access to a download follows the
links (see app.attachments.access).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = ({"comment": "附件（按SHA-256内容寻址存储，不可覆盖）"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True, comment="文件内容SHA-256")
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), comment="字节数")
    mime: Mapped[str] = mapped_column(String(100), comment="文件类型（按内容识别）")
    original_name: Mapped[str] = mapped_column(String(255), comment="原文件名")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, comment="上传人")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="上传时间")

    uploaded_by = relationship("User")
    links: Mapped[list[AttachmentLink]] = relationship(
        back_populates="attachment", cascade="all, delete-orphan", order_by="AttachmentLink.id"
    )

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")

    @property
    def size_label(self) -> str:
        return human_size(self.size)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.original_name!r} {self.sha256[:12]}>"


class AttachmentLink(db.Model):
    __tablename__ = "attachment_links"
    __table_args__ = (
        UniqueConstraint(
            "attachment_id", "subject_type", "subject_id", "field", name="uq_attachment_links_target"
        ),
        Index("ix_attachment_links_subject", "subject_type", "subject_id"),
        {"comment": "附件与业务对象的关联"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(60), comment="业务对象类型（表名）")
    subject_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), comment="业务对象ID"
    )
    field: Mapped[str] = mapped_column(String(100), default="", comment="表单字段")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attachment: Mapped[Attachment] = relationship(back_populates="links")


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n}B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f}KB"
    return f"{n / 1024 / 1024:.1f}MB"
