"""External anchors of the audit chain: the signed chain head, written outside the database at intervals.

`flask audit anchor` (a systemd timer, docs/deploy/safeloop-audit-anchor.timer) appends one line per run
to AUDIT_ANCHOR_FILE (JSON Lines, opened in append mode) and prints it, so it also lands in the journal
and can be printed for the paper record:

    {"kind":"safeloop-audit-anchor","v":1,"seq":1234,"hash":"<64 hex>","at":"2026-12-03T05:00:00.000000+00:00",
     "mac":"<HMAC-SHA256 of the other fields under the audit key>"}

`verify()` checks the chain against every anchor: the chain must still reach each anchored seq (a head
behind an anchor = truncation, even with the head rewound to match) with the anchored hash there (a
different hash = a rewrite, even by someone holding the key). What happened after the last anchor is
protected by the key only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from app import clock
from app.audit import keys

KIND = "safeloop-audit-anchor"
VERSION = 1
_SIGNED = ("kind", "v", "seq", "hash", "at")


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # ISO time (UTC) the head was read
    line: int = 0  # line number in the file (0: not from a file)


def _signed_json(record: dict[str, Any]) -> str:
    return json.dumps({k: record[k] for k in _SIGNED}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sign(seq: int, hash_: str, at: str) -> dict[str, Any]:
    """The anchor record of a chain head (seq, hash) read at `at`, with its HMAC."""
    record: dict[str, Any] = {"kind": KIND, "v": VERSION, "seq": int(seq), "hash": hash_, "at": at}
    record["mac"] = keys.anchor_mac(_signed_json(record))
    return record


def parse(line: str, number: int = 0) -> Anchor:
    """An anchor from one line of the file; ValueError (Chinese) when it is malformed or its HMAC is wrong."""
    try:
        record = json.loads(line)
        if record.get("kind") != KIND or record.get("v") != VERSION:
            raise ValueError
        anchor = Anchor(int(record["seq"]), str(record["hash"]), str(record["at"]), number)
        signed = _signed_json(record)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(f"审计链锚点文件第 {number} 行格式不对") from None
    if not keys.equal(record.get("mac"), keys.anchor_mac(signed)):
        raise ValueError(f"审计链锚点文件第 {number} 行的签名不符（被改动或不是由本系统写入）")
    return anchor


def load(path: str | os.PathLike | None) -> tuple[list[Anchor], list[str]]:
    """(the valid anchors, a problem per bad line) of an anchor file; ([], []) when there is none yet."""
    if not path or not Path(path).exists():
        return [], []
    anchors, problems = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                anchors.append(parse(line, number))
            except ValueError as exc:
                problems.append(str(exc))
    return anchors, problems


def current(session=None) -> dict[str, Any]:
    """The signed record of the chain head now (seq 0 and the genesis hash for an empty chain)."""
    from app.audit.models import GENESIS_HASH
    from app.audit.service import read_marker

    head = read_marker(session)
    at = clock.now().astimezone(UTC).isoformat(timespec="microseconds")
    return sign(head.head_seq or 0, head.last_hash or GENESIS_HASH, at)


def append(path: str | os.PathLike, record: dict[str, Any]) -> None:
    """Append one record as a line (O_APPEND, fsync'd: a crash never leaves half a line before the next)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def contradiction(record: dict[str, Any], previous: Anchor | None, session=None) -> str | None:
    """Why a new head record contradicts the previous anchor, or None: a cheap check at each anchoring (the
    head and one indexed row), so a truncation or rewrite since the last anchor is reported at once."""
    from sqlalchemy import select

    from app.audit.models import AuditEvent
    from app.extensions import db

    if previous is None:
        return None
    if record["seq"] < previous.seq:
        return (f"审计链头（第 {record['seq']} 条）落后于 {previous.at} 的锚点（第 {previous.seq} 条）："
                "链尾被截断或链头被回拨")
    if record["seq"] == previous.seq and record["hash"] != previous.hash:
        return f"审计链头与 {previous.at} 的锚点在第 {previous.seq} 条的哈希不同：链尾被改写"
    if previous.seq > 0:
        stored = (session or db.session).scalar(select(AuditEvent.hash).where(AuditEvent.seq == previous.seq))
        if stored != previous.hash:
            return f"{previous.at} 锚定的第 {previous.seq} 条记录已不在或被改写"
    return None
