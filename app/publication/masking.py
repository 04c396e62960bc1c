"""Masking of personal numbers in what the public sees — the one place it is done.

- 居民身份证号 (18 digits, the last may be X; or the old 15 digits): the first 6 and the last 4 stay,
  the rest become `*` — 340421********1234, 340421*****1234;
- mobile numbers (11 digits from 13–19): 138****5678; landlines with an area code: 0557-****4567.

Where: `publish` stores the fields already masked (a disclosed row never holds the full number, so no
page, export or later bug can leak it), and every public rendering and export goes through
`public_fields`, which masks again (a no-op on masked text, a safety net for a row written otherwise).
Only the values under the labels a kind lists in `mask` are masked: a 统一社会信用代码 is 18 characters
too and must be shown in full. The title is masked whole (it is shown and searched publicly).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{5}(\d{4})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3})([- ]?)\d{3,4}(\d{4})(?![0-9])")


def mask_text(value: object) -> str:
    """`value` as text with every ID number and phone number in it masked; None -> ""."""
    if value is None:
        return ""
    text = str(value)
    text = _ID18.sub(lambda m: f"{m[1]}{'*' * 8}{m[2]}", text)
    text = _ID15.sub(lambda m: f"{m[1]}{'*' * 5}{m[2]}", text)
    text = _MOBILE.sub(lambda m: f"{m[1]}****{m[2]}", text)
    return _LANDLINE.sub(lambda m: f"{m[1]}{m[2]}****{m[3]}", text)


def mask_fields(pairs: Iterable[Sequence[object]], masked_labels: Collection[str]) -> list[list[str]]:
    """[[label, value], …] with the values under `masked_labels` masked."""
    return [
        [str(label), mask_text(value) if label in masked_labels else ("" if value is None else str(value))]
        for label, value in pairs
    ]
