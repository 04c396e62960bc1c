"""Issuing documents: number + locked content snapshot + audit event, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import audit, clock
from app.audit.service import jsonable, object_ref
from app.documents.doc_types import get_doc_type
from app.documents.models import OfficialDocument
from app.documents.numbering import issuing_agency, next_number, shared_number
from app.documents.numbering import void as void_number
from app.errors import ValidationFailed
from app.extensions import db
from app.org.models import Department


def issue_document(
    doc_type_code: str,
    *,
    agency: Department,
    subject: Any,
    content: dict,
    actor,
    title: str | None = None,
    year: int | None = None,
    locked: bool = True,
    serial: int | None = None,
) -> OfficialDocument:
    """Number and store one 执法文书. `content` is snapshotted (JSON) and locked; returns the document.

    `locked=False` issues an open document: numbered now, its content still completed by its domain (a
    document that collects the items of one visit) until the domain sets `locked` (once locked, for good)."""
    doc_type = get_doc_type(doc_type_code)
    if not isinstance(content, dict):
        raise ValidationFailed("文书内容应为字典")
    subject_type, subject_id = object_ref(subject)
    issuer = issuing_agency(agency)
    if serial is not None:  # the subject's own serial (a case's documents share it, §3.2)
        number = shared_number(
            issuer, doc_type.code_word, year=int(year or clock.today().year), serial=serial, flush=False
        )
    else:
        number = next_number(issuer, doc_type.code_word, year=year, flush=False)  # flushed with the document
    # a number taken just now carries no document: say so, or linking it would first SELECT its document
    set_committed_value(number, "document", None)
    document = OfficialDocument(
        doc_type=doc_type.code,
        number=number,
        agency_id=issuer.id,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title or doc_type.name,
        template=doc_type.template_name,
        content=jsonable(content),
        issued_at=clock.now(),
        issued_by_id=getattr(actor, "id", None),
        locked=locked,
        voided=False,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        actor,
        "document.issued",
        document,
        summary=f"制发{doc_type.name} {number.text}",
        data={
            "doc_type": doc_type.code,
            "number": number.text,
            "number_id": number.id,
            "subject_type": subject_type,
            "subject_id": subject_id,
        },
    )
    return document


def void_document(document: OfficialDocument, reason: str, actor) -> OfficialDocument:
    """作废 a document; its number stays taken."""
    void_number(document.number, reason, actor)
    return document


def documents_for(
    subject: Any, *, doc_type: str | None = None, include_voided: bool = True
) -> list[OfficialDocument]:
    """Documents issued about `subject`, oldest first."""
    subject_type, subject_id = object_ref(subject)
    query = (
        select(OfficialDocument)
        .where(OfficialDocument.subject_type == subject_type, OfficialDocument.subject_id == subject_id)
        .options(joinedload(OfficialDocument.number))  # every list shows the 文号
        .order_by(OfficialDocument.id)
    )
    if doc_type:
        query = query.where(OfficialDocument.doc_type == doc_type)
    if not include_voided:
        query = query.where(OfficialDocument.voided.is_(False))
    return list(db.session.scalars(query))
