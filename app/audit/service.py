"""record(), history(), verify(): writing and proving the 执法全过程记录 chain."""

from __future__ import annotations

import enum
import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, func, select, update
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from app import clock, subjects
from app.audit import keys
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
    "audit.chain_conflict": "审计链冲突",
    "workflow.timer_fired": "流程定时触发",
    "system.demo_seeded": "载入演示数据",
}
UNKNOWN_ACTION_LABEL = "其他操作"
VERIFIED = "audit.verified"
CONFLICT = "audit.chain_conflict"


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


def compute_hash(payload: dict[str, Any], version: int = keys.CURRENT_VERSION) -> str:
    """The seal of an event's hashed content: HMAC-SHA256 under the key (version 2), or the plain SHA-256
    of chains written before the key (version 1, verified only below the switch point)."""
    return keys.seal(canonical_json(payload), version)


@dataclass(frozen=True)
class Marker:
    """The chain head's sealed switch point: rows at or after `keyed_from` must be version 2."""

    head_seq: int | None
    last_hash: str | None
    keyed_from: int | None  # None: no head, or the switch point is missing or its seal is wrong
    problem: str | None


_MARKER_COLUMNS = (AuditChainHead.seq, AuditChainHead.last_hash, AuditChainHead.keyed_from_seq,
                   AuditChainHead.keyed_from_mac)


def read_marker(session: Any = None) -> Marker:
    session = session or db.session()
    head = session.execute(select(*_MARKER_COLUMNS).where(AuditChainHead.id == HEAD_ID)).first()
    if head is None:
        return Marker(None, None, None, None)
    if head.keyed_from_seq is None or not keys.equal(head.keyed_from_mac, keys.marker_mac(head.keyed_from_seq)):
        return Marker(head.seq, head.last_hash, None,
                      "审计链头的密钥启用点（keyed_from_seq）缺失或其签名不符，链头被篡改")
    return Marker(head.seq, head.last_hash, int(head.keyed_from_seq), None)


def _seal_ok(row: Any, keyed_from: int | None) -> bool:
    """Whether a stored row's hash is its valid seal (a v1 row only below the switch point)."""
    version = row.hash_version
    if version == keys.V1 and (keyed_from is None or row.seq >= keyed_from):
        return False
    if version not in (keys.V1, keys.V2):
        return False
    return keys.equal(row.hash, compute_hash(hash_payload(row), version))


def is_authentic(event: AuditEvent) -> bool:
    """Whether a stored event carries a valid seal (not forged, not edited). Pending events count as
    authentic (they are being written by this process)."""
    if event.hash is None:
        return True
    keyed_from = read_marker().keyed_from if event.hash_version == keys.V1 else None
    return _seal_ok(event, keyed_from)


def forged_ids(events: Iterable[AuditEvent]) -> set[int]:
    """Ids of the stored events whose seal fails (forged or edited in the database): what `authentic`
    says per event, reading the sealed switch point once for the lot (and only if a version 1 event is
    among them)."""
    stored = [e for e in events if e.hash is not None]
    keyed_from = read_marker().keyed_from if any(e.hash_version == keys.V1 for e in stored) else None
    return {e.id for e in stored if not _seal_ok(e, keyed_from)}


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
# It also returns the highest stored seq (a row there that the head does not cover was forged): in the same
# statement, so the check costs no round trip. On PostgreSQL the subquery reads the statement's snapshot;
# after waiting for the lock it may miss rows committed meanwhile, which only ever makes it lower: never a
# false conflict.
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(seq=_HEAD.c.seq + bindparam("count"))
    .returning(_HEAD.c.seq, _HEAD.c.last_hash, select(func.max(_EVENTS.c.seq)).scalar_subquery().label("tail"))
)
_SET_HEAD = (
    update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=bindparam("seq"), last_hash=bindparam("last_hash"))
)
# The events of a transaction go in one statement (insertmanyvalues); their ids come back matched by seq,
# which is unique: asking for the rows in parameter order would make SQLite send one INSERT per event.
_INSERT_EVENTS = _EVENTS.insert().returning(_EVENTS.c.seq, _EVENTS.c.id)


def _lock_head(session: Session, count: int) -> tuple[int, str, str | None]:
    """Advance the chain head by `count`; return (first new seq, previous last hash, conflict or None).

    The UPDATE takes the row lock (PostgreSQL) / the database write lock (SQLite) until the
    transaction ends, so concurrent appenders queue here and the chain never forks. It also reads the
    highest stored seq: a row at or past the first new seq was not written by this path (forged straight
    into the database), and the caller appends after it instead of failing on the unique seq.
    """
    session.flush()
    connection = session.connection()
    conflict = None
    row = connection.execute(_ADVANCE_HEAD, {"count": count}).first()
    if row is None:
        conflict = _create_head(session)
        row = connection.execute(_ADVANCE_HEAD, {"count": count}).one()
    first = int(row.seq) - count + 1
    tail = row.tail or 0
    if tail >= first:
        where = f"第 {first} 条" if tail == first else f"第 {first}–{tail} 条"
        found = f"链头（第 {first - 1} 条）之后的序号（{where}）已被不是由本系统追加的记录占用"
        conflict = f"{conflict}；{found}" if conflict else found
        first = tail + 1
    return first, row.last_hash, conflict


def _create_head(session: Session) -> str | None:
    """Create the head row (first event ever). Returns the conflict to report when events exist without a
    head: it was deleted (every append path and migration 0008 create it with the first event)."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    keyed_from = 1
    if last is not None:  # rows from the switch point on are keyed: the first keyed row marks it
        first_keyed = session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.hash_version == keys.V2))
        keyed_from = first_keyed or last.seq + 1
    values = {"id": HEAD_ID, "seq": last.seq if last else 0, "last_hash": last.hash if last else GENESIS_HASH,
              "keyed_from_seq": keyed_from, "keyed_from_mac": keys.marker_mac(keyed_from)}
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(AuditChainHead).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(AuditChainHead).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover
        stmt = AuditChainHead.__table__.insert().values(**values)
    created = session.connection().execute(stmt.returning(_HEAD.c.id)).first() is not None
    if created and last is not None:
        return f"审计链头缺失（已有 {last.seq} 条记录），已按最后一条记录重建"
    return None


def _conflict_event(conflict: str) -> AuditEvent:
    """The event that puts a conflict found while appending on the chain itself (verify reports it)."""
    return AuditEvent(
        at=clock.now(), actor_id=None, actor_name=SYSTEM_ACTOR_NAME, actor_roles="", action=CONFLICT,
        object_type=None, object_id=None, ip=_client_ip(), changes=None, data={"found": conflict},
        summary=f"写入审计记录时发现审计链被改动：{conflict}。已跳过这些记录继续追加；请立即校验审计链并调查",
    )


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
    seq, prev_hash, conflict = _lock_head(session, len(events))  # flushes the caller's changes first
    connection = session.connection()
    if conflict:  # reported, never a failure of the user's action
        log.error("audit chain conflict: %s", conflict)
        events.insert(0, _conflict_event(conflict))
        # the head must cover the new seqs before they are inserted (the PostgreSQL append-path trigger)
        connection.execute(_SET_HEAD, {"seq": seq + len(events) - 1, "last_hash": prev_hash})
    for event in events:
        event.seq = seq
        event.prev_hash = prev_hash
        event.hash_version = keys.CURRENT_VERSION
        event.hash = compute_hash(hash_payload(event))
        prev_hash = event.hash
        seq += 1
    # A plain INSERT, not session.add(): the unit of work would cost more than the rest of the append.
    # The returned objects stay as they are (transient), now with their id, seq and hashes.
    ids = dict(connection.execute(
        _INSERT_EVENTS, [{key: getattr(event, key) for key in _EVENT_COLUMNS} for event in events]
    ).tuples().all())
    for event in events:
        event.id = ids[event.seq]
    connection.execute(_SET_HEAD, {"seq": seq - 1, "last_hash": prev_hash})


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
    """Events about one object, oldest first (including those recorded in the current transaction).

    Stored events whose seal does not verify (forged straight into the database, or edited) are left out:
    an object's history shows only what the app recorded."""
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
    keyed_from = read_marker().keyed_from if any(e.hash_version == keys.V1 for e in stored) else None
    genuine = [e for e in stored if _seal_ok(e, keyed_from)]
    if len(genuine) != len(stored):  # never shown as if genuine; verify() names them
        log.error("audit history of %s:%s hides %d event(s) whose seal does not verify", object_type, object_id,
                  len(stored) - len(genuine))
    pending = [e for e in pending_events() if e.object_type == object_type and e.object_id == object_id]
    return genuine + pending


class AuditedMixin:
    """Gives a model `obj.audit_events` (its history, oldest first)."""

    @property
    def audit_events(self) -> list[AuditEvent]:
        return history(self)


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # rows verified before the first problem (all rows when intact)
    first_bad_id: int | None
    message: str
    problems: tuple[str, ...] = field(default=(), compare=False)  # every problem found, in chain order
    rows: int = field(default=0, compare=False)  # rows read
    anchors: int = field(default=0, compare=False)  # external anchors the chain matched

    def __bool__(self) -> bool:
        return self.ok


_VERIFY_COLUMNS = [getattr(AuditEvent, name) for name in ("id", "hash", "hash_version", "action", *HASHED_FIELDS)]
_CATCH_UP_ROUNDS = 10


class _Walk:
    """The state of one verification: the genuine chain so far and the problems found."""

    def __init__(self, keyed_from: int | None, head_seq: int | None, anchors: dict) -> None:
        self.keyed_from, self.head_seq, self.anchors = keyed_from, head_seq, anchors
        self.prev_hash = GENESIS_HASH  # hash of the last genuine row
        self.rejected_hash: str | None = None  # stored hash of the row just rejected (an edited row keeps links)
        self.last_seq = 0  # seq of the last row read
        self.genuine_seq = 0  # seq of the last genuine row
        self.rows = self.checked = 0
        self.matched: set[int] = set()
        self.problems: list[str] = []
        self.first_bad_id: int | None = None

    def bad(self, row: Any, reason: str) -> None:
        message = f"审计链在第 {row.id} 条记录处断裂：{reason}（序号 {row.seq}）"
        log.error("audit chain broken at id=%s seq=%s: %s", row.id, row.seq, reason)
        if self.first_bad_id is None:
            self.first_bad_id = row.id
        self.problems.append(message)

    def note(self, message: str) -> None:
        log.error("audit chain: %s", message)
        self.problems.append(message)

    def read(self, row: Any) -> None:
        self.rows += 1
        expected, self.last_seq = self.last_seq + 1, row.seq
        anchor = self.anchors.get(row.seq)
        if not _seal_ok(row, self.keyed_from):
            if row.hash_version == keys.V1 and self.keyed_from is not None and row.seq >= self.keyed_from:
                reason = f"密钥启用（第 {self.keyed_from} 条）之后出现未签名的旧版本记录，该记录被改写（降级）"
            elif self.head_seq is not None and row.seq > self.head_seq:
                reason = f"链头（第 {self.head_seq} 条）之后的记录，不是由本系统追加（伪造）"
            else:
                reason = "记录内容与其签名不符，该记录被篡改或不是由本系统写入"
            self.bad(row, reason)
            self.rejected_hash = row.hash
            return
        if row.seq != expected:
            self.bad(row, f"序号不连续（应为 {expected}，实为 {row.seq}），此前的记录被删除")
        elif row.prev_hash not in (self.prev_hash, self.rejected_hash):
            self.bad(row, "与前一条记录的哈希不衔接，前一条记录被删除或篡改")
        elif anchor is not None and anchor.hash != row.hash:
            self.bad(row, f"与 {anchor.at} 的外部锚点记录的哈希不符，该处记录被改写")
        elif row.action == CONFLICT:
            self.bad(row, f"系统写入时发现审计链被改动（{(row.data or {}).get('found', '')}）")
        elif not self.problems:
            self.checked += 1
        if anchor is not None and anchor.hash == row.hash:
            self.matched.add(row.seq)
        self.prev_hash, self.rejected_hash, self.genuine_seq = row.hash, None, row.seq


def verify(chunk_size: int = 5000, *, anchors_path: str | None | bool = True) -> VerifyResult:
    """Walk every row of the chain in seq order, in chunks (constant memory), and check every link.

    Detects an edited, re-hashed or forged row (its HMAC seal does not verify without the key), a keyed row
    rewritten as an unkeyed one (below the sealed switch point only), a deleted row (seq gap / prev_hash
    mismatch), rows past the chain head, a truncated tail (the head ahead of the last row), a rewound head
    (genuine rows past it), conflicts the writer met, and, against the external anchors (app.audit.anchors;
    `anchors_path` True = the configured AUDIT_ANCHOR_FILE, None/False = none), a tail truncated together
    with its head or a rewritten anchored row.
    """
    from app.audit import anchors as anchor_file

    session = db.session
    marker = read_marker(session)
    found_anchors, anchor_problems = anchor_file.load(
        current_app.config.get("AUDIT_ANCHOR_FILE") if anchors_path is True else anchors_path or None
    )
    walk = _Walk(marker.keyed_from, marker.head_seq, {a.seq: a for a in found_anchors})
    if marker.problem:
        walk.note(marker.problem)
    for problem in anchor_problems:
        walk.note(problem)
    head = marker
    for _ in range(_CATCH_UP_ROUNDS):
        while True:
            rows = session.execute(
                select(*_VERIFY_COLUMNS).where(AuditEvent.seq > walk.last_seq).order_by(AuditEvent.seq)
                .limit(chunk_size)
            ).all()
            for row in rows:
                walk.read(row)
            if len(rows) < chunk_size:
                break
        # read the head after the rows: appends committed meanwhile are read too (never a false truncation)
        head = read_marker(session)
        if head.head_seq is None or head.head_seq <= walk.last_seq:
            break
        if session.scalar(select(AuditEvent.seq).where(AuditEvent.seq > walk.last_seq).limit(1)) is None:
            break
    if head.head_seq is None:
        if walk.rows:
            walk.note("审计链头（audit_chain_head）缺失")
    elif walk.genuine_seq > head.head_seq:
        walk.note(f"链头（第 {head.head_seq} 条）落后于最后一条记录（第 {walk.genuine_seq} 条）：链头被回拨")
    elif walk.genuine_seq != head.head_seq or walk.prev_hash != head.last_hash:
        missing = head.head_seq - walk.genuine_seq
        walk.note(f"审计链在第 {walk.genuine_seq + 1} 条记录处断裂：链尾 {missing} 条记录缺失或链头被篡改")
    for anchor in found_anchors:
        if anchor.seq > walk.genuine_seq:
            walk.note(f"{anchor.at} 的外部锚点记录了第 {anchor.seq} 条，而审计链只到第 {walk.genuine_seq} 条："
                      "链尾被截断（或数据库从更早的备份恢复）")
        elif anchor.seq not in walk.matched and anchor.seq > 0:
            walk.note(f"{anchor.at} 的外部锚点记录的第 {anchor.seq} 条记录缺失或被替换")
    if walk.problems:
        more = f"（另有 {len(walk.problems) - 1} 处问题）" if len(walk.problems) > 1 else ""
        return VerifyResult(False, walk.checked, walk.first_bad_id, walk.problems[0] + more,
                            tuple(walk.problems), walk.rows, len(walk.matched))
    message = f"审计链完整，共校验 {walk.rows} 条"
    if walk.matched:
        message += f"，与 {len(walk.matched)} 个外部锚点一致"
    return VerifyResult(True, walk.rows, None, message, (), walk.rows, len(walk.matched))


def record_verification(result: VerifyResult, *, actor: Any = None) -> AuditEvent:
    """Put a verification and its result on the chain itself (who checked, when, what was found)."""
    return record(actor, VERIFIED, None, summary=result.message,
                  data={"ok": result.ok, "checked": result.checked, "first_bad_id": result.first_bad_id})


def last_verification() -> AuditEvent | None:
    """The latest recorded verification (audit.verified), or None if the chain was never verified."""
    recent = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == VERIFIED).order_by(AuditEvent.id.desc()).limit(20)
    )
    return next((e for e in recent if is_authentic(e)), None)  # a forged "verified" row proves nothing
