"""The audit chain's key and seals: HMAC-SHA256 with a key kept outside the database.

Hash versions (AuditEvent.hash_version):

- 1: plain SHA-256 of the canonical JSON (chains written before migration 0008). Anyone can recompute it,
  so a v1 row is accepted only below the chain's switch point (`audit_chain_head.keyed_from_seq`, itself
  sealed with the key): a v2 row rewritten as v1 (a downgrade) is caught.
- 2: HMAC-SHA256 of the same JSON under the key. Without the key nobody can forge, edit or re-hash a row.

The key comes from AUDIT_HMAC_KEY (environment), or the file AUDIT_HMAC_KEY_FILE, or else a random key
created on first use in instance/audit_hmac_key (mode 0600), like SECRET_KEY. Production mode requires
one of the first two (app/serving/checks.py). Lose the key and v2 rows can no longer be verified: back it
up apart from the database backups.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from flask import current_app

V1, V2 = 1, 2
CURRENT_VERSION = V2
KEY_FILE_NAME = "audit_hmac_key"
MIN_KEY_LENGTH = 32
_EXTENSION = "safeloop_audit_key"
# Domain separation: an event seal, the switch-point marker and an anchor line can never stand for one another.
_EVENT = b"safeloop.audit.event.v2\n"
_MARKER = b"safeloop.audit.keyed-from\n"
_ANCHOR = b"safeloop.audit.anchor.v1\n"


class AuditKeyError(RuntimeError):
    """The configured audit key cannot be read (message for the operator, Chinese)."""


def default_key_path() -> Path:
    from app.config import INSTANCE_DIR

    return INSTANCE_DIR / KEY_FILE_NAME


def read_key_file(path: Path) -> bytes:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AuditKeyError(f"无法读取审计链密钥文件 {path}：{exc}") from exc
    if not key:
        raise AuditKeyError(f"审计链密钥文件 {path} 为空")
    return key.encode("utf-8")


def _create_key_file(path: Path) -> None:
    """Write a new random key with mode 0600; if another process won the race, keep its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32))


def load_key(config: Any) -> bytes:
    """The key bytes: AUDIT_HMAC_KEY, else AUDIT_HMAC_KEY_FILE, else instance/audit_hmac_key (created)."""
    if config.get("AUDIT_HMAC_KEY"):
        return str(config["AUDIT_HMAC_KEY"]).encode("utf-8")
    if config.get("AUDIT_HMAC_KEY_FILE"):
        return read_key_file(Path(config["AUDIT_HMAC_KEY_FILE"]))
    path = default_key_path()
    if not path.exists():
        _create_key_file(path)
    return read_key_file(path)


def _base() -> hmac.HMAC:
    """The keyed HMAC of the current app, built once per app (copied for each message)."""
    extensions = current_app.extensions
    base = extensions.get(_EXTENSION)
    if base is None:
        base = extensions[_EXTENSION] = hmac.new(load_key(current_app.config), digestmod=hashlib.sha256)
    return base


def forget_key() -> None:
    """Drop the cached key (after the configuration changed, e.g. in tests)."""
    current_app.extensions.pop(_EXTENSION, None)


def _mac(prefix: bytes, message: str) -> str:
    h = _base().copy()
    h.update(prefix)
    h.update(message.encode("utf-8"))
    return h.hexdigest()


def plain_hash(canonical: str) -> str:
    """Version 1: SHA-256 of the canonical JSON (no key)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def event_mac(canonical: str) -> str:
    """Version 2: HMAC-SHA256 of the canonical JSON under the key."""
    return _mac(_EVENT, canonical)


def seal(canonical: str, version: int) -> str:
    if version == V2:
        return event_mac(canonical)
    if version == V1:
        return plain_hash(canonical)
    raise ValueError(f"unknown audit hash version {version!r}")


def marker_mac(keyed_from_seq: int) -> str:
    """Seal of the switch point: rows at or after this seq must be version 2."""
    return _mac(_MARKER, str(int(keyed_from_seq)))


def anchor_mac(canonical: str) -> str:
    return _mac(_ANCHOR, canonical)


def equal(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)
