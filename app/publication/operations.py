"""Publishing and withdrawing 公示 entries: explicit actor, one audit event each, flush never commit.

The audit event is recorded on the disclosed domain row (the subject), so the object's own history — the
全过程记录 a reviewer reads — shows when it was published and withdrawn; the event's data names the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit, clock
from app.audit.service import object_ref
from app.errors import Conflict, InvalidState, invalid
from app.extensions import db
from app.org.models import Department
from app.publication.kinds import PublicationKind, get_kind
from app.publication.masking import mask_fields, mask_text
from app.publication.models import Publication, PublicationStatus

PUBLISHED = "publication.published"
WITHDRAWN = "publication.withdrawn"
audit.register_action_labels({PUBLISHED: "行政执法公示", WITHDRAWN: "撤回公示"})

MAX_REASON = 500


class _SubjectOf:
    """The disclosed row as app.subjects names it ((type, id)), without loading it: the audit event of a
    withdrawal is recorded on it."""

    def __init__(self, publication: Publication):
        self.__subject_type__ = publication.subject_type
        self.id = publication.subject_id


def _kind(kind: PublicationKind | str) -> PublicationKind:
    return get_kind(kind.code if isinstance(kind, PublicationKind) else kind)


def current_for(subject: Any, kind: PublicationKind | str) -> Publication | None:
    """The entry of `kind` about `subject` that is published now (已公示), or None."""
    subject_type, subject_id = object_ref(subject)
    code = kind.code if isinstance(kind, PublicationKind) else kind
    return db.session.scalar(
        select(Publication).where(
            Publication.subject_type == subject_type,
            Publication.subject_id == subject_id,
            Publication.kind == code,
            Publication.status == PublicationStatus.PUBLISHED,
        )
    )


def history_for(subject: Any, kind: PublicationKind | str | None = None) -> list[Publication]:
    """Every entry about `subject` (of `kind`), withdrawn ones included, oldest first."""
    subject_type, subject_id = object_ref(subject)
    stmt = select(Publication).where(
        Publication.subject_type == subject_type, Publication.subject_id == subject_id
    )
    if kind is not None:
        stmt = stmt.where(Publication.kind == (kind.code if isinstance(kind, PublicationKind) else kind))
    return list(db.session.scalars(stmt.order_by(Publication.id)))


def is_late(publication: Publication) -> bool:
    """Published after its legal deadline (`due_on`), or withdrawn after its withdrawal deadline."""
    if publication.due_on is not None and publication.published_on > publication.due_on:
        return True
    return is_withdrawal_late(publication)


def is_withdrawal_late(publication: Publication) -> bool:
    withdrawn_on = publication.withdrawn_on
    if withdrawn_on is None or publication.withdraw_due_on is None:
        return False
    return withdrawn_on > publication.withdraw_due_on


def publish(
    subject: Any,
    kind: PublicationKind | str,
    fields: Mapping[str, object],
    *,
    region_path: str,
    agency: Department,
    decided_on: date,
    due_on: date | None,
    expires_on: date | None = None,
    actor: Any,
    title: str | None = None,
) -> Publication:
    """Publish `fields` (label -> value, labels from the kind) about `subject` on the public pages.

    Refused (InvalidState, 409) while an entry of the same kind about the same subject is published: a
    changed decision is published anew only after the old entry is withdrawn. ID and phone numbers under
    the kind's `mask` labels are stored masked. `expires_on` (公示截止期) defaults to the kind's term."""
    spec = _kind(kind)
    unknown = [label for label in fields if label not in spec.fields]
    if unknown:
        raise ValueError(f"公示种类 {spec.code} 没有这些公示项：{'、'.join(map(str, unknown))}")
    if not region_path:
        raise ValueError("公示需要属地区划路径")
    existing = current_for(subject, spec)
    if existing is not None:
        raise InvalidState(
            f"该事项已于{existing.published_on:%Y年%m月%d日}公示（{spec.name}），不能重复公示；"
            "如决定已变更、撤销或被确认无效，请先撤回原公示再重新公示"
        )
    today = clock.today()
    if decided_on > today:
        raise invalid("decided_on", "决定日期不能晚于今天")
    if expires_on is None:
        expires_on = spec.expiry(decided_on, fields)
    if expires_on is not None and expires_on < today:
        raise invalid("expires_on", "公示截止期已过，公示后不会在公示页显示")
    subject_type, subject_id = object_ref(subject)
    text_title = mask_text(title or spec.make_title(fields))[:200]
    publication = Publication(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=spec.code,
        title=text_title,
        fields=mask_fields([(label, fields.get(label)) for label in spec.fields], spec.mask),
        region_path=region_path,
        agency_id=agency.id,
        decided_on=decided_on,
        due_on=due_on,
        published_at=clock.now(),
        published_on=today,
        published_by_id=getattr(actor, "id", None),
        status=PublicationStatus.PUBLISHED,
        expires_on=expires_on,
    )
    db.session.add(publication)
    try:
        with db.session.begin_nested():  # a concurrent publish of the same subject and kind: one wins
            db.session.flush()
    except IntegrityError:
        raise Conflict("该事项刚刚已由他人公示，请刷新后查看") from None
    late = is_late(publication)
    summary = f"公示{spec.name}：{text_title}" + ("（超过法定公示期限）" if late else "")
    audit.record(
        actor,
        PUBLISHED,
        subject,
        summary=summary,
        data={
            "publication_id": publication.id,
            "kind": spec.code,
            "title": text_title,
            "decided_on": decided_on,
            "due_on": due_on,
            "expires_on": expires_on,
            "late": late,
        },
    )
    return publication


def withdraw(publication: Publication, reason: str, *, actor: Any, due_on: date | None) -> Publication:
    """Withdraw a published entry (行政处罚法 Art.48: a changed, revoked or annulled decision is withdrawn
    within 3 working days; `due_on` is that deadline, computed by the caller with app.calendar). The row
    is kept with the reason, who and when; it leaves the public pages at once."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "请填写撤回原因")
    if len(reason) > MAX_REASON:
        raise invalid("reason", f"撤回原因不超过{MAX_REASON}字")
    if publication.status != PublicationStatus.PUBLISHED:
        when = publication.withdrawn_on
        raise InvalidState(f"该公示已于{when:%Y年%m月%d日}撤回，不能再次撤回" if when else "该公示已撤回")
    publication.status = PublicationStatus.WITHDRAWN
    publication.withdrawn_at = clock.now()
    publication.withdrawn_by_id = getattr(actor, "id", None)
    publication.withdraw_reason = reason
    publication.withdraw_due_on = due_on
    db.session.flush()
    late = is_withdrawal_late(publication)
    audit.record(
        actor,
        WITHDRAWN,
        _SubjectOf(publication),
        summary=f"撤回公示：{publication.title}（{reason}）" + ("（超过法定撤回期限）" if late else ""),
        changes={"status": [PublicationStatus.PUBLISHED.value, PublicationStatus.WITHDRAWN.value]},
        data={
            "publication_id": publication.id,
            "kind": publication.kind,
            "reason": reason,
            "due_on": due_on,
            "late": late,
        },
    )
    return publication


__all__ = ["current_for", "history_for", "is_late", "is_withdrawal_late", "publish", "withdraw"]
