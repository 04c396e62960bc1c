"""文号: （{简称}）应急{代字}〔{年份}〕{序号}号 — per issuing agency, year and 代字, never reused.

next_number() increments the counter row with one atomic `UPDATE … SET last_serial = last_serial + 1
… RETURNING`: on PostgreSQL the row stays locked until the caller's transaction ends, on SQLite the
statement takes the database write lock. A number is therefore consumed only if the caller commits;
a rolled-back transaction gives its number back before anyone else could see it. Once committed, a
number is never reused: voiding records the reason and keeps the row.
"""

from __future__ import annotations

import re

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import audit, clock
from app.documents.models import DocumentCounter, DocumentNumber, NumberStatus
from app.errors import InvalidState, ValidationFailed
from app.extensions import db
from app.org.models import Department

_CODE_WORD = re.compile(r"^[\w\u4e00-\u9fff]{1,10}$")


def format_number(short_name: str, code_word: str, year: int, serial: int, part: int = 1) -> str:
    """（萧）应急责改〔2026〕12号 — full-width parentheses, 六角括号, no leading zeros (GB/T 9704); a later
    document of one 代字 sharing a case's serial is 〔2026〕12-2号."""
    suffix = f"-{int(part)}" if part > 1 else ""
    return f"（{short_name}）应急{code_word}〔{int(year)}〕{int(serial)}{suffix}号"


def issuing_agency(department: Department) -> Department:
    """The 局 a department belongs to (the issuing agency for document numbers)."""
    return department.agency


def agency_short_name(agency: Department) -> str:
    short = agency.short_name
    if not short and has_app_context():
        short = current_app.config.get("AGENCY_SHORT_NAME")
    if not short:
        raise ValidationFailed(f"发文机关“{agency.name}”未设置简称，无法编制文号")
    return short


def _next_serial(agency_id: int, year: int, code_word: str) -> int:
    session = db.session
    stmt = (
        update(DocumentCounter)
        .where(
            DocumentCounter.agency_id == agency_id,
            DocumentCounter.year == year,
            DocumentCounter.code_word == code_word,
        )
        .values(last_serial=DocumentCounter.last_serial + 1)
        .returning(DocumentCounter.last_serial)
        .execution_options(synchronize_session=False)
    )
    serial = session.execute(stmt).scalar()
    if serial is None:
        values = {"agency_id": agency_id, "year": year, "code_word": code_word, "last_serial": 0}
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            ins = postgresql.insert(DocumentCounter).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            ins = sqlite.insert(DocumentCounter).values(**values).on_conflict_do_nothing()
        else:  # pragma: no cover
            ins = DocumentCounter.__table__.insert().values(**values)
        session.execute(ins)
        serial = session.execute(stmt).scalar_one()
    return int(serial)


def next_number(
    agency: Department, code_word: str, *, year: int | None = None, flush: bool = True
) -> DocumentNumber:
    """Take the next 文号 for the agency (any unit: its 局 issues), 代字 and year (default: this year).

    Runs in the caller's transaction (flush, no commit). `flush=False`: the number row is only added, to go
    out with the caller's next flush (issue_document's, with the document that carries it)."""
    code_word = (code_word or "").strip()
    if not _CODE_WORD.match(code_word):
        raise ValidationFailed(f"代字无效：{code_word!r}")
    issuer = issuing_agency(agency)
    if issuer.id is None:
        db.session.flush()
    short = agency_short_name(issuer)
    year = int(year or clock.today().year)
    serial = _next_serial(issuer.id, year, code_word)
    number = DocumentNumber(
        agency_id=issuer.id,
        year=year,
        code_word=code_word,
        serial=serial,
        text=format_number(short, code_word, year, serial),
        status=NumberStatus.ISSUED,
        created_at=clock.now(),
    )
    db.session.add(number)
    if flush:
        db.session.flush()
    return number


def shared_number(
    agency: Department, code_word: str, *, year: int, serial: int, flush: bool = True
) -> DocumentNumber:
    """A number on a serial taken elsewhere (a case's 立案 serial, shared by all its documents, domain spec
    §3.2): the first document of the 代字 gets 〔year〕N号, later ones N-2号, N-3号 … Callers serialise the
    documents of one case (its workflow row lock); a concurrent duplicate fails on the unique constraint."""
    code_word = (code_word or "").strip()
    if not _CODE_WORD.match(code_word):
        raise ValidationFailed(f"代字无效：{code_word!r}")
    issuer = issuing_agency(agency)
    short = agency_short_name(issuer)
    db.session.flush()
    taken = db.session.scalar(
        select(func.max(DocumentNumber.part)).where(
            DocumentNumber.agency_id == issuer.id,
            DocumentNumber.year == year,
            DocumentNumber.code_word == code_word,
            DocumentNumber.serial == serial,
        )
    )
    part = int(taken or 0) + 1
    number = DocumentNumber(
        agency_id=issuer.id,
        year=year,
        code_word=code_word,
        serial=serial,
        part=part,
        text=format_number(short, code_word, year, serial, part),
        status=NumberStatus.ISSUED,
        created_at=clock.now(),
    )
    db.session.add(number)
    if flush:
        db.session.flush()
    return number


def void(number: DocumentNumber, reason: str, actor) -> DocumentNumber:
    """作废 a number (and the document carrying it). The number stays taken forever."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写作废原因", field_errors={"reason": "请填写作废原因"})
    if number.status == NumberStatus.VOIDED:
        raise InvalidState(f"文号 {number.text} 已于此前作废")
    number.status = NumberStatus.VOIDED
    number.void_reason = reason
    number.voided_by_id = getattr(actor, "id", None)
    number.voided_at = clock.now()
    document = number.document
    if document is not None:
        document.voided = True
    db.session.flush()
    audit.record(
        actor,
        "document.number_voided",
        document if document is not None else number,
        summary=f"作废文号 {number.text}：{reason}",
        changes={"status": [NumberStatus.ISSUED.value, NumberStatus.VOIDED.value]},
        data={"number_id": number.id, "number": number.text, "reason": reason},
    )
    return number
