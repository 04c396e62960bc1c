"""Official document numbers (文号), their counters, and issued documents (文书)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.errors import InvalidState
from app.extensions import db
from app.org.models import Department


class DocumentLocked(InvalidState):
    """An issued (locked) document or a used number cannot be changed."""


class NumberStatus(StrEnum):
    ISSUED = "issued"
    VOIDED = "voided"


NUMBER_STATUS_LABELS = {NumberStatus.ISSUED: "已使用", NumberStatus.VOIDED: "已作废"}


class DocumentCounter(db.Model):
    """Last serial used per issuing agency, year and 代字. Incremented atomically, never decremented."""

    __tablename__ = "document_counters"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "code_word", name="uq_document_counters_agency_year_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="发文机关")
    year: Mapped[int] = mapped_column(Integer, comment="年份")
    code_word: Mapped[str] = mapped_column(String(10), comment="代字")
    last_serial: Mapped[int] = mapped_column(Integer, default=0, comment="已用最大序号")


class DocumentNumber(db.Model):
    """One 文号, e.g. （萧）应急责改〔2026〕12号. Issued numbers are never reused; voided ones are kept."""

    __tablename__ = "document_numbers"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "code_word", "serial", "part", name="uq_document_numbers_serial"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), comment="发文机关")
    year: Mapped[int] = mapped_column(Integer, comment="年份")
    code_word: Mapped[str] = mapped_column(String(10), comment="代字")
    serial: Mapped[int] = mapped_column(Integer, comment="序号")
    # a case's documents share its serial (domain spec §3.2); a second document of one 代字 in the same case
    # (a new 告知, another 送达回执) is part 2, 3 … of that serial: 〔2026〕12-2号
    part: Mapped[int] = mapped_column(Integer, default=1, server_default="1", comment="同号分号")
    text: Mapped[str] = mapped_column(String(100), index=True, comment="文号")
    status: Mapped[str] = mapped_column(String(10), default=NumberStatus.ISSUED, comment="状态")
    void_reason: Mapped[str | None] = mapped_column(Text, comment="作废原因")
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="作废人")
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="作废时间")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="取号时间")

    agency: Mapped[Department] = relationship()
    document: Mapped[OfficialDocument | None] = relationship(back_populates="number", uselist=False)

    @property
    def status_label(self) -> str:
        return NUMBER_STATUS_LABELS.get(NumberStatus(self.status), self.status)

    @property
    def is_voided(self) -> bool:
        return self.status == NumberStatus.VOIDED

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<DocumentNumber {self.text} {self.status}>"


class OfficialDocument(db.Model):
    """An issued 执法文书: a numbered, locked snapshot of its content."""

    __tablename__ = "official_documents"
    __table_args__ = (Index("ix_official_documents_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40), index=True, comment="文书种类")
    number_id: Mapped[int] = mapped_column(ForeignKey("document_numbers.id"), unique=True, comment="文号")
    agency_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True, comment="发文机关")
    subject_type: Mapped[str | None] = mapped_column(String(60), comment="所属对象类型")
    subject_id: Mapped[int | None] = mapped_column(BigInteger, comment="所属对象ID")
    title: Mapped[str] = mapped_column(String(200), comment="文书名称")
    template: Mapped[str] = mapped_column(String(120), comment="制发时使用的模板")
    content: Mapped[dict] = mapped_column(JSON, comment="文书内容快照")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="制发时间")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), comment="制发人")
    locked: Mapped[bool] = mapped_column(Boolean, default=True, comment="已锁定（不可修改）")
    voided: Mapped[bool] = mapped_column(Boolean, default=False, comment="已作废")

    number: Mapped[DocumentNumber] = relationship(back_populates="document")
    agency: Mapped[Department] = relationship()
    issued_by = relationship("User")

    @property
    def doc_type_def(self):
        from app.documents.doc_types import DOC_TYPES

        return DOC_TYPES.get(self.doc_type)

    def __repr__(self) -> str:
        return f"<OfficialDocument {self.doc_type} {self.number.text if self.number else '?'}>"


# --- immutability --------------------------------------------------------------------------------

_NUMBER_FIXED = ("agency_id", "year", "code_word", "serial", "text")
_DOCUMENT_MUTABLE = {"voided"}


def _changed(target, names=None) -> list[str]:
    state = sa_inspect(target)
    keys = names if names is not None else [a.key for a in state.mapper.column_attrs]
    return [k for k in keys if state.attrs[k].history.has_changes()]


@event.listens_for(DocumentNumber, "before_update")
def _number_is_fixed(mapper, connection, target):
    changed = _changed(target, _NUMBER_FIXED)
    if changed:
        raise DocumentLocked(f"文号一经取用不可修改（{', '.join(changed)}）")


@event.listens_for(DocumentNumber, "before_delete")
def _number_is_kept(mapper, connection, target):
    raise DocumentLocked("文号一经取用不可删除，只能作废")


def _was_locked(target) -> bool:
    hist = sa_inspect(target).attrs.locked.history
    if hist.deleted:
        return bool(hist.deleted[0])
    if hist.unchanged:
        return bool(hist.unchanged[0])
    return True  # unknown: assume locked


@event.listens_for(OfficialDocument, "before_update")
def _document_is_locked(mapper, connection, target):
    if not _was_locked(target):
        return
    changed = [k for k in _changed(target) if k not in _DOCUMENT_MUTABLE]
    if changed:
        raise DocumentLocked(f"文书已制发锁定，内容和文号不可修改（{', '.join(changed)}）")


@event.listens_for(OfficialDocument, "before_delete")
def _document_is_kept(mapper, connection, target):
    if _was_locked(target):
        raise DocumentLocked("文书已制发锁定，不可删除，只能作废")
