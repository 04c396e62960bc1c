"""Content-addressed file store and file type detection by content (magic bytes).

Files live at ``UPLOAD_DIR/ab/cd/<sha256>``. They are written to a temporary file in the same
directory tree first and then hard-linked into place, so a reader never sees half a file and an
existing file is never overwritten: storing the same bytes twice keeps one file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from app.errors import ValidationFailed

CHUNK = 256 * 1024

# MIME type -> label shown to users. Order = order in messages.
TYPE_LABELS: dict[str, str] = {
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "application/pdf": "PDF",
    "video/mp4": "MP4",
}
DEFAULT_ALLOWED = tuple(TYPE_LABELS)
# MIME type -> the file extension a download is served with (whatever the uploader's name ended in)
EXTENSIONS: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
}
UPLOADED_EXTENSION_RE = re.compile(r"\.[0-9A-Za-z]{1,10}$")
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"MSNV",
    b"dash",
}
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def sniff(head: bytes) -> str | None:
    """MIME type of a file from its first bytes, or None when it is none of the supported types."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4"
    return None


def allowed_types(accept=None) -> tuple[str, ...]:
    """The configured types, narrowed by a field's `accept` list (MIME types; "image/*" allowed)."""
    configured = tuple(current_app.config.get("UPLOAD_ALLOWED_TYPES") or DEFAULT_ALLOWED)
    if not accept:
        return configured
    wanted = set()
    for item in accept:
        if item.endswith("/*"):
            wanted |= {t for t in configured if t.startswith(item[:-1])}
        else:
            wanted.add(item)
    return tuple(t for t in configured if t in wanted)


def type_message(allowed) -> str:
    labels = [TYPE_LABELS.get(t, t) for t in TYPE_LABELS if t in set(allowed)]
    return "文件类型不支持：仅允许 " + "、".join(labels)


def size_message(max_bytes: int) -> str:
    mb = max_bytes / 1024 / 1024
    return f"文件过大：最大{mb:g}MB" if mb >= 1 else f"文件过大：最大{max_bytes // 1024}KB"


def clean_filename(name: str | None) -> str:
    """A display name from the browser's filename: no path, no control characters, ≤255 chars."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "附件"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:255]
    return name


def served_name(original_name: str, mime: str) -> str:
    """The uploader's base name with the extension of the detected type: PNG bytes uploaded as
    `poly.html` download as `poly.png`, so no browser or desktop opens them as what the name claimed."""
    ext = EXTENSIONS.get(mime, "")
    stem = UPLOADED_EXTENSION_RE.sub("", original_name).rstrip(". ")
    if ext and stem.lower().endswith(ext):  # 录像.mp4.html: 录像.mp4, not 录像.mp4.mp4
        stem = stem[: -len(ext)]
    return (stem or "附件") + ext


@dataclass(frozen=True)
class Blob:
    """Bytes that are safely in the store (not yet an Attachment row)."""

    sha256: str
    size: int
    mime: str
    original_name: str


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def blob_path(sha256: str) -> Path:
    if not SHA_RE.match(sha256 or ""):
        raise ValueError("invalid sha256")
    return upload_root() / sha256[:2] / sha256[2:4] / sha256


def max_upload_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES") or 20 * 1024 * 1024)


def put(stream: BinaryIO, filename: str | None, *, allowed=None, max_bytes: int | None = None) -> Blob:
    """Check type (by content) and size, then write the bytes into the store. Raises ValidationFailed."""
    allowed = tuple(allowed) if allowed is not None else allowed_types()
    max_bytes = min(max_bytes or max_upload_bytes(), max_upload_bytes())
    head = _read_exactly(stream, 16)
    if not head:
        raise ValidationFailed("文件为空，请重新选择")
    mime = sniff(head)
    if mime is None or mime not in allowed:
        raise ValidationFailed(type_message(allowed))

    tmp_dir = upload_root() / ".tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="up-")
    try:
        with os.fdopen(fd, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationFailed(size_message(max_bytes))
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_name, 0o640)
        sha = digest.hexdigest()
        _place(tmp_name, blob_path(sha))
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return Blob(sha256=sha, size=size, mime=mime, original_name=clean_filename(filename))


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _place(tmp_name: str, target: Path) -> None:
    """Move a finished temp file to its content address, never replacing an existing file."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(tmp_name, target)  # atomic, and fails instead of overwriting
    except FileExistsError:
        return  # the same content arrived concurrently
    except OSError:
        # filesystem without hard links: atomic rename; a concurrent writer has identical bytes
        if not target.exists():
            os.replace(tmp_name, target)
