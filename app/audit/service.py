"""record(), history(), verify(): writing and proving the 执法全过程记录 chain."""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, select, update
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from app import clock, subjects
from app.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from app.extensions import db

log = logging.getLogger(__name__)

SYSTEM_ACTOR_NAME = "系统"
HEAD_ID = 1

# Human labels for actions, shown in timelines. Domains add theirs with register_action_labels().
ACTION_LABELS: dict[str, str] = {
    "auth.login": "登录系统",
    "document.issued": "制发文书",
    "document.number_voided": "作废文号",
    "audit.verified": "校验审计链",
    "workflow.timer_fired": "流程定时触发",
    "system.demo_seeded": "载入演示数据",
}
UNKNOWN_ACTION_LABEL = "其他操作"
VERIFIED = "audit.verified"


def register_action_labels(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    """The Chinese name of an action code (every code a package records registers one; tests check it)."""
    return ACTION_LABELS.get(action, UNKNOWN_ACTION_LABEL)


# --- object references ---------------------------------------------------------------------------


def object_ref(obj: Any) -> tuple[str | None, int | None]:
    """(object_type, object_id) of a model instance (app.subjects.ref); flushes a new object to get its id."""
    if obj is None:
        return None, None
    return subjects.ref(obj)


# --- canonical JSON and hashing ------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Normalise a value to what JSON stores and returns unchanged (so hashes survive a round trip)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, ensure_ascii=False))
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "__tablename__") and hasattr(value, "id"):
        return value.id  # a model instance: store its id
    return str(value)


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


HASHED_FIELDS = (
    "seq", "at", "actor_id", "actor_name", "actor_roles", "action", "object_type", "object_id",
    "summary", "changes", "data", "ip", "prev_hash",
)


def hash_payload(row: Any) -> dict[str, Any]:
    """The hashed content of an event (an AuditEvent or a Row with the same attribute names)."""
    return {
        "seq": int(row.seq),
        "at": _iso(row.at),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "actor_roles": row.actor_roles or "",
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "summary": row.summary,
        "changes": row.changes,
        "data": row.data,
        "ip": row.ip,
        "prev_hash": row.prev_hash,
    }


def compute_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


# --- writing -------------------------------------------------------------------------------------


def _client_ip() -> str | None:
    if not has_request_context():
        return None
    ip = request.remote_addr
    trust = current_app.config.get("AUDIT_TRUST_PROXY", False)
    forwarded = request.headers.get("X-Forwarded-For", "")
    if trust and forwarded:
        hops = 1 if trust is True else int(trust)  # number of trusted proxies in front of the app
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if hops > 0 and len(parts) >= hops:
            ip = parts[-hops]
    return ip[:45] if ip else None


def _actor_fields(actor: Any) -> tuple[int | None, str, str]:
    if actor is None:
        return None, SYSTEM_ACTOR_NAME, ""
    if isinstance(actor, str):  # a named system actor, e.g. "定时任务"
        return None, actor[:100], ""
    roles = getattr(actor, "roles", None) or ()
    name = getattr(actor, "name", None) or getattr(actor, "username", None) or str(actor)
    return getattr(actor, "id", None), str(name)[:100], ",".join(sorted(str(r) for r in roles))


PENDING_KEY = "audit_pending"


_HEAD = AuditChainHead.__table__
_EVENTS = AuditEvent.__table__
_EVENT_COLUMNS = [c.key for c in _EVENTS.columns if c.key != "id"]
# Built once (the append runs in every committing request): no clause building or cache-key work per call.
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(seq=_HEAD.c.seq + bindparam("count"))
    .returning(_HEAD.c.seq, _HEAD.c.last_hash)
)
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_hash=bindparam("last_hash"))
_INSERT_EVENTS = _EVENTS.insert().returning(_EVENTS.c.id, sort_by_parameter_order=True)


def _lock_head(session: Session, count: int) -> tuple[int, str]:
    """Advance the chain head by `count`; return (first new seq, previous last hash).

    The UPDATE takes the row lock (PostgreSQL) / the database write lock (SQLite) until the
    transaction ends, so concurrent appenders queue here and the chain never forks.
    """
    session.flush()
    row = session.connection().execute(_ADVANCE_HEAD, {"count": count}).first()
    if row is None:
        _create_head(session)
        row = session.connection().execute(_ADVANCE_HEAD, {"count": count}).one()
    return int(row.seq) - count + 1, row.last_hash


def _create_head(session: Session) -> None:
    """Create the head row (first event ever, or a chain created before the head existed)."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    values = {"id": HEAD_ID, "seq": last.seq if last else 0, "last_hash": last.hash if last else GENESIS_HASH}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(AuditChainHead).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(AuditChainHead).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover
        stmt = AuditChainHead.__table__.insert().values(**values)
    session.execute(stmt)


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    summary: str,
    changes: dict | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Record one event in the current transaction (never commits).

    actor: a User, None (系统) or a string naming a system actor. obj: the model instance the event is
    about (object_type = its table name, app.subjects), or None. changes: {field: [before, after]}.

    The event is appended to the hash chain when the transaction commits (a `before_commit` hook
    inserts it, in the same transaction, just before COMMIT); a rollback discards it. Taking the chain
    lock last keeps the serialised section short and means it is never held while waiting for another
    lock (workflow instance, document counter …), so it cannot deadlock with them.
    Until then the returned event has no id/seq/hash; history() already includes it.
    """
    if not action or not summary:
        raise ValueError("audit.record needs an action and a summary")
    session = db.session()
    object_type, object_id = object_ref(obj)
    actor_id, actor_name, actor_roles = _actor_fields(actor)
    event = AuditEvent(
        at=clock.now(), actor_id=actor_id, actor_name=actor_name, actor_roles=actor_roles, action=action,
        object_type=object_type, object_id=object_id, summary=summary,
        changes=jsonable(changes) if changes else None, data=jsonable(data) if data else None,
        ip=_client_ip(),
    )
    session.connection()  # make sure a transaction is open: the event belongs to it
    session.info.setdefault(PENDING_KEY, []).append((event, session.get_nested_transaction()))
    return event


def pending_events(session: Session | None = None) -> list[AuditEvent]:
    """Events recorded in the current transaction and not yet written (written at commit)."""
    session = session or db.session()
    return [e for e, _ in session.info.get(PENDING_KEY, ())]


@sa_event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    """Chain and insert this transaction's events, just before COMMIT."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    events = [e for e, _ in pending]
    seq, prev_hash = _lock_head(session, len(events))  # flushes the caller's changes first
    for event in events:
        event.seq = seq
        event.prev_hash = prev_hash
        event.hash = compute_hash(hash_payload(event))
        prev_hash = event.hash
        seq += 1
    # A plain INSERT, not session.add(): the unit of work would cost more than the rest of the append.
    # The returned objects stay as they are (transient), now with their id, seq and hashes.
    connection = session.connection()
    ids = connection.execute(
        _INSERT_EVENTS, [{key: getattr(event, key) for key in _EVENT_COLUMNS} for event in events]
    ).scalars().all()
    for event, event_id in zip(events, ids, strict=True):
        event.id = event_id
    connection.execute(_SET_HEAD_HASH, {"last_hash": prev_hash})


@sa_event.listens_for(Session, "after_soft_rollback")
def _discard_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if previous_transaction.nested:  # a savepoint rolled back: drop what was recorded inside it
        def inside(tx: SessionTransaction | None) -> bool:
            while tx is not None:
                if tx is previous_transaction:
                    return True
                tx = tx.parent
            return False

        session.info[PENDING_KEY] = [(e, tx) for e, tx in pending if not inside(tx)]
    elif previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def diff(before: dict[str, Any], after: dict[str, Any], display: Callable[[Any], Any] = lambda v: v
         ) -> dict[str, list]:
    """{field: [before, after]} for the fields of `after` whose (displayed) value differs from `before`:
    the `changes` of an event from two snapshots of an object ({} before it existed)."""
    out = {}
    for key, value in after.items():
        old, new = display(before.get(key)), display(value)
        if old != new:
            out[key] = [old, new]
    return out


def changes_of(obj: Any, fields: Iterable[str] | None = None) -> dict[str, list]:
    """{field: [before, after]} for the not-yet-flushed attribute changes of obj (call before record()).

    If an old value was never loaded (e.g. the object was expired by a commit), it is read from the
    database in one query.
    """
    state = sa_inspect(obj)
    names = list(fields) if fields is not None else [a.key for a in state.mapper.column_attrs]
    pending: dict[str, tuple[Any, Any, bool]] = {}
    for name in names:
        hist = state.attrs[name].history
        if not hist.has_changes():
            continue
        before_known = bool(hist.deleted) or state.transient or state.pending
        pending[name] = (hist.deleted[0] if hist.deleted else None, hist.added[0] if hist.added else None,
                         before_known)
    unknown = [n for n, (_, _, known) in pending.items() if not known]
    if unknown:
        mapper = state.mapper
        cols = [mapper.column_attrs[n].columns[0] for n in unknown]
        pk_clause = [c == v for c, v in zip(mapper.primary_key, state.identity, strict=True)]
        with db.session.no_autoflush:
            row = db.session.execute(select(*cols).where(*pk_clause)).first()
        for i, name in enumerate(unknown):
            _, after, _ = pending[name]
            pending[name] = (row[i] if row is not None else None, after, True)
    return {
        name: [jsonable(before), jsonable(after)]
        for name, (before, after, _) in pending.items()
        if before != after
    }


# --- reading -------------------------------------------------------------------------------------


def history(obj: Any = None, *, object_type: str | None = None, object_id: int | None = None) -> list[AuditEvent]:
    """Events about one object, oldest first (including those recorded in the current transaction)."""
    if obj is not None:
        object_type, object_id = object_ref(obj)
    if object_type is None or object_id is None:
        raise ValueError("history() needs an object or object_type and object_id")
    stored = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id)
        )
    )
    pending = [e for e in pending_events() if e.object_type == object_type and e.object_id == object_id]
    return stored + pending


class AuditedMixin:
    """Gives a model `obj.audit_events` (its history, oldest first)."""

    @property
    def audit_events(self) -> list[AuditEvent]:
        return history(self)


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None
    message: str

    def __bool__(self) -> bool:
        return self.ok


_VERIFY_COLUMNS = [getattr(AuditEvent, name) for name in ("id", "hash", *HASHED_FIELDS)]


def verify(chunk_size: int = 5000) -> VerifyResult:
    """Walk the whole chain in seq order, in chunks (constant memory), and check every link.

    Detects an edited row (hash mismatch), a deleted or inserted row (seq gap / prev_hash mismatch)
    and a truncated tail (chain head ahead of the last row).
    """
    session = db.session
    head = session.execute(select(AuditChainHead.seq, AuditChainHead.last_hash).where(
        AuditChainHead.id == HEAD_ID)).first()
    limit_seq = head.seq if head is not None else None
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_seq = 0
    while True:
        query = select(*_VERIFY_COLUMNS).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq)
        if limit_seq is not None:
            query = query.where(AuditEvent.seq <= limit_seq)
        rows = session.execute(query.limit(chunk_size)).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return _bad(row, checked, f"序号不连续（应为 {expected_seq}，实为 {row.seq}），此前的记录被删除")
            if row.prev_hash != prev_hash:
                return _bad(row, checked, "与前一条记录的哈希不衔接，前一条记录被删除或篡改")
            if compute_hash(hash_payload(row)) != row.hash:
                return _bad(row, checked, "记录内容与其哈希不符，该记录被篡改")
            prev_hash = row.hash
            expected_seq += 1
            last_seq = row.seq
            checked += 1
    if head is None:
        if checked:
            return VerifyResult(False, checked, None, "审计链头（audit_chain_head）缺失")
        return VerifyResult(True, 0, None, "审计链完整，共校验 0 条")
    if last_seq != head.seq or prev_hash != head.last_hash:
        missing = head.seq - last_seq
        return VerifyResult(
            False, checked, None,
            f"审计链在第 {last_seq + 1} 条记录处断裂：链尾 {missing} 条记录缺失或链头被篡改",
        )
    return VerifyResult(True, checked, None, f"审计链完整，共校验 {checked} 条")


def record_verification(result: VerifyResult, *, actor: Any = None) -> AuditEvent:
    """Put a verification and its result on the chain itself (who checked, when, what was found)."""
    return record(actor, VERIFIED, None, summary=result.message,
                  data={"ok": result.ok, "checked": result.checked, "first_bad_id": result.first_bad_id})


def last_verification() -> AuditEvent | None:
    """The latest recorded verification (audit.verified), or None if the chain was never verified."""
    return db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == VERIFIED).order_by(AuditEvent.id.desc()).limit(1)
    )


def _bad(row, checked: int, reason: str) -> VerifyResult:
    log.error("audit chain broken at id=%s seq=%s: %s", row.id, row.seq, reason)
    return VerifyResult(False, checked, row.id, f"审计链在第 {row.id} 条记录处断裂：{reason}（序号 {row.seq}）")
