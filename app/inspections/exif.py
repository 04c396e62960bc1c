"""When a photo was taken: the EXIF DateTimeOriginal (0x9003) of a JPEG, read with the standard library only
(the 暗查暗访检查情况表 records each photo's capture time; a form value given by the officer wins)."""

from __future__ import annotations

import struct
from datetime import datetime

_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_MAX_SCAN = 256 * 1024  # the APP1 segment sits at the start of the file


def _ifd_entries(tiff: bytes, offset: int, endian: str):
    if offset + 2 > len(tiff):
        return
    (count,) = struct.unpack_from(endian + "H", tiff, offset)
    for i in range(min(count, 512)):
        pos = offset + 2 + i * 12
        if pos + 12 > len(tiff):
            return
        tag, kind, n, value = struct.unpack_from(endian + "HHII", tiff, pos)
        yield tag, kind, n, value, pos + 8


def _ascii(tiff: bytes, kind: int, n: int, value: int, value_pos: int) -> str | None:
    if kind != 2:
        return None
    raw = tiff[value_pos : value_pos + n] if n <= 4 else tiff[value : value + n]
    return raw.split(b"\0", 1)[0].decode("ascii", "ignore").strip() or None


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def capture_time(head: bytes) -> datetime | None:
    """The naive local capture time written by the camera, or None (no EXIF, not a JPEG, unreadable)."""
    if not head.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= min(len(head), _MAX_SCAN):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        (length,) = struct.unpack_from(">H", head, pos + 2)
        if marker == 0xE1 and head[pos + 4 : pos + 10] == b"Exif\0\0":
            tiff = head[pos + 10 : pos + 2 + length]
            if len(tiff) < 8:
                return None
            endian = "<" if tiff[:2] == b"II" else ">"
            (ifd0,) = struct.unpack_from(endian + "I", tiff, 4)
            fallback = None
            for tag, kind, n, value, value_pos in _ifd_entries(tiff, ifd0, endian):
                if tag == _DATETIME:
                    fallback = _parse(_ascii(tiff, kind, n, value, value_pos))
                if tag == _EXIF_IFD:
                    for sub, skind, sn, svalue, spos in _ifd_entries(tiff, value, endian):
                        if sub == _DATETIME_ORIGINAL:
                            found = _parse(_ascii(tiff, skind, sn, svalue, spos))
                            if found is not None:
                                return found
            return fallback
        if marker in (0xDA, 0xD9):  # start of scan / end of image: no EXIF before the picture
            return None
        pos += 2 + length
    return None


def exif_segment(when: datetime) -> bytes:
    """An APP1 EXIF segment holding DateTimeOriginal (for tests and demo data)."""
    stamp = when.strftime("%Y:%m:%d %H:%M:%S").encode() + b"\0"
    # little-endian TIFF: header, IFD0 with one entry (ExifIFD pointer), the Exif IFD with DateTimeOriginal
    ifd0_offset = 8
    exif_ifd_offset = ifd0_offset + 2 + 12 + 4
    value_offset = exif_ifd_offset + 2 + 12 + 4
    tiff = b"II*\0" + struct.pack("<I", ifd0_offset)
    tiff += (
        struct.pack("<H", 1) + struct.pack("<HHII", _EXIF_IFD, 4, 1, exif_ifd_offset) + struct.pack("<I", 0)
    )
    tiff += struct.pack("<H", 1) + struct.pack("<HHII", _DATETIME_ORIGINAL, 2, len(stamp), value_offset)
    tiff += struct.pack("<I", 0) + stamp
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
