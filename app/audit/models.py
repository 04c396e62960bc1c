"""执法全过程记录: the append-only, hash-chained audit log.

Each AuditEvent stores the hash of the previous event (`prev_hash`) and its own `hash`, an HMAC-SHA256
under a key kept outside the database over a canonical JSON of its content plus `prev_hash` (see
app.audit.keys; `hash_version` 1 = the plain SHA-256 of chains written before the key, accepted only
below the sealed switch point `audit_chain_head.keyed_from_seq`). `seq` is the position in the chain. The single-row table `audit_chain_head` holds the last seq and hash:
appending updates that row first, which serialises appenders (a row lock on PostgreSQL, the write lock
on SQLite) and lets `verify()` detect a truncated tail. Events recorded during a transaction are
chained and inserted at its commit (see app.audit.service.record), so that lock is held only for the
last few statements of a transaction.

Rows are never updated or deleted. The ORM refuses it here; on PostgreSQL the migrations install
PG_APPEND_ONLY_SQL (UPDATE, DELETE, TRUNCATE refused) and PG_APPEND_PATH_SQL (an INSERT must be the next
link of the head the same transaction advanced; the head never moves back and cannot be deleted), so
raw SQL cannot do it either without disabling the triggers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, SmallInteger, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import UTCDateTime
from app.extensions import db

GENESIS_HASH = "0" * 64


class AuditImmutableError(RuntimeError):
    """Raised when code tries to update or delete an audit event (执法全过程记录不可修改)."""


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id", "id"),
        {"comment": "执法全过程记录（只追加，哈希链）"},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True, comment="链上序号（连续）")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="发生时间")
    # no foreign key: the log stands on its own (and appending never waits on a lock on users rows)
    actor_id: Mapped[int | None] = mapped_column(Integer, comment="操作人用户ID（空=系统）")
    actor_name: Mapped[str] = mapped_column(String(100), comment="操作人姓名")
    actor_roles: Mapped[str] = mapped_column(Text, default="", comment="操作人角色")
    action: Mapped[str] = mapped_column(String(80), index=True, comment="操作")
    object_type: Mapped[str | None] = mapped_column(String(60), comment="对象类型")
    object_id: Mapped[int | None] = mapped_column(BigInteger, comment="对象ID")
    summary: Mapped[str] = mapped_column(Text, comment="摘要")
    changes: Mapped[dict | None] = mapped_column(JSON, comment="变更字段 {字段: [原值, 新值]}")
    data: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45), comment="IP地址")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    hash_version: Mapped[int] = mapped_column(
        SmallInteger, server_default="1", comment="哈希版本：1=SHA-256（启用密钥前的记录），2=HMAC-SHA256"
    )

    @property
    def authentic(self) -> bool:
        """Whether this stored event carries a valid seal (False: forged or edited in the database)."""
        from app.audit.service import is_authentic

        return is_authentic(self)

    @property
    def action_label(self) -> str:
        from app.audit.service import action_label

        return action_label(self.action)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action} {self.object_type}:{self.object_id}>"


class AuditChainHead(db.Model):
    """Exactly one row (id=1): the last seq and hash of the chain. Appenders lock it."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    keyed_from_seq: Mapped[int | None] = mapped_column(BigInteger, comment="自此序号起记录须以密钥签名（HMAC）")
    keyed_from_mac: Mapped[str | None] = mapped_column(String(64), comment="上一字段的 HMAC（防降级）")


# --- append-only at the ORM level ----------------------------------------------------------------


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditImmutableError("执法全过程记录不可修改（audit_events 只允许追加）")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditImmutableError("执法全过程记录不可删除（audit_events 只允许追加）")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(orm_execute_state):
    """Also refuse ORM-enabled bulk `update(AuditEvent)` / `delete(AuditEvent)` statements."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    mapper = orm_execute_state.bind_mapper
    if mapper is not None and mapper.class_ is AuditEvent:
        raise AuditImmutableError("执法全过程记录不可修改或删除（audit_events 只允许追加）")


# For the lead's migration (PostgreSQL only): op.execute(PG_APPEND_ONLY_SQL) / op.execute(PG_APPEND_ONLY_DROP_SQL).
# The TRUNCATE trigger also blocks `TRUNCATE audit_events`; test suites that truncate every table run on
# create_all() schemas, which do not have it.
PG_APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
    MESSAGE = '执法全过程记录不可修改或删除 (audit_events is append-only): ' || TG_OP;
END $$;
DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
"""

PG_APPEND_ONLY_DROP_SQL = """
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events;
DROP FUNCTION IF EXISTS audit_events_append_only();
"""

# Migration 0008 (PostgreSQL only): only the app's append path can insert. An INSERT must be the next link
# after the last row (seq = last seq + 1, prev_hash = the last row's or the head's hash), within the seqs the
# head was advanced to (the writer advances the head first, in the same transaction, so a row past the head
# is refused), and sealed with the key (hash_version 2). The head never moves back, its switch point never
# changes once set, and it cannot be deleted or truncated. Someone who can disable triggers (the table owner,
# a superuser) gets past this; the HMAC seal and the external anchors (app/audit/anchors.py) still catch it.
PG_APPEND_PATH_SQL = """
CREATE OR REPLACE FUNCTION audit_events_append_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  tail_seq bigint;
  tail_hash text;
BEGIN
  SELECT seq, last_hash INTO head_seq, head_hash FROM audit_chain_head WHERE id = 1;
  SELECT seq, hash INTO tail_seq, tail_hash FROM audit_events ORDER BY seq DESC LIMIT 1;
  IF NEW.hash_version IS DISTINCT FROM 2 THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = '执法全过程记录只能由系统追加 (audit_events append path): unsealed row';
  END IF;
  IF head_seq IS NULL OR NEW.seq IS DISTINCT FROM coalesce(tail_seq, 0) + 1 OR NEW.seq > head_seq
     OR (NEW.prev_hash IS DISTINCT FROM head_hash AND NEW.prev_hash IS DISTINCT FROM tail_hash) THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = '执法全过程记录只能由系统追加 (audit_events append path): seq ' || NEW.seq
        || ' is not the next link of the chain head ' || coalesce(head_seq::text, 'missing');
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS audit_events_append_path ON audit_events;
CREATE TRIGGER audit_events_append_path BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_path();

CREATE OR REPLACE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.id = 1 THEN
      RETURN NEW;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    IF NEW.id = OLD.id AND NEW.seq >= OLD.seq
       AND (OLD.keyed_from_seq IS NULL OR (NEW.keyed_from_seq IS NOT DISTINCT FROM OLD.keyed_from_seq
                                           AND NEW.keyed_from_mac IS NOT DISTINCT FROM OLD.keyed_from_mac)) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
    MESSAGE = '审计链头只能前进 (audit_chain_head is forward-only): ' || TG_OP;
END $$;
DROP TRIGGER IF EXISTS audit_chain_head_forward_only ON audit_chain_head;
CREATE TRIGGER audit_chain_head_forward_only BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only();
DROP TRIGGER IF EXISTS audit_chain_head_no_truncate ON audit_chain_head;
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_forward_only();
"""

PG_APPEND_PATH_DROP_SQL = """
DROP TRIGGER IF EXISTS audit_chain_head_no_truncate ON audit_chain_head;
DROP TRIGGER IF EXISTS audit_chain_head_forward_only ON audit_chain_head;
DROP FUNCTION IF EXISTS audit_chain_head_forward_only();
DROP TRIGGER IF EXISTS audit_events_append_path ON audit_events;
DROP FUNCTION IF EXISTS audit_events_append_path();
"""
