"""One normalisation for every registry field, whether typed in the admin form, sent to the API or read
from an Excel cell: Unicode NFKC (full-width letters, digits and spaces become their ordinary forms, so
“９１３４…”, “８５” and “Ｃ类” read as “9134…”, “85” and “C类”) and surrounding white space stripped.

Chinese prose keeps its own punctuation: NFKC would turn the full-width brackets and commas of an
enterprise name or an address （集团）， into ASCII ones, so in prose fields a full-width punctuation mark is
left as typed, and an ASCII bracket is written the Chinese way (企业名称 use （ ）).
"""

from __future__ import annotations

import unicodedata

# ASCII brackets in Chinese prose are written as the full-width ones (as the seeded names and choices do)
_PROSE_BRACKETS = str.maketrans({"(": "（", ")": "）"})


def _is_fullwidth_punctuation(ch: str) -> bool:
    return "\uff01" <= ch <= "\uff5e" and unicodedata.category(ch).startswith("P")


def normalize_text(value: str, *, prose: bool = False) -> str:
    """NFKC + strip; `prose` keeps full-width punctuation and writes ( ) as （ ）."""
    if prose:
        text = "".join(ch if _is_fullwidth_punctuation(ch) else unicodedata.normalize("NFKC", ch) for ch in value)
        return text.translate(_PROSE_BRACKETS).strip()
    return unicodedata.normalize("NFKC", value).strip()


def match_key(value: str) -> str:
    """The form two spellings of one choice share (“经营(带储存)” and “经营（带储存）”, “ｃ” and “C”)."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def canonical_choice(value: str, choices, *, suffix: str = "") -> str:
    """The choice `value` names, in its stored spelling; `suffix` may follow it (“C类” names “C”).
    Unknown values come back normalised, for the validator to reject with its message."""
    key = match_key(value)
    if suffix and key.endswith(match_key(suffix)):
        key = key[: -len(match_key(suffix))].strip()
    for choice in choices:
        if match_key(choice) == key:
            return choice
    return normalize_text(value)


__all__ = ["canonical_choice", "match_key", "normalize_text"]
