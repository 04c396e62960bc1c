"""The search text: one normalisation and one tokenizer for every database.

Chinese is written without spaces, and both databases' trigram searches find nothing for a term of
fewer than three characters (FTS5's trigram tokenizer, pg_trgm). The usual answer (Lucene's
CJKAnalyzer) is to index overlapping character bigrams: a term of n ≥ 2 characters is then the phrase of
its n−1 bigrams, and a phrase of overlapping bigrams occurs exactly where the term occurs as a
substring, so a search finds what `LIKE '%term%'` finds on the normalised text.

Each bigram is written as one ASCII-letter word (every code point as six hex digits spelt a–p), so
SQLite's unicode61 tokenizer and PostgreSQL's default parser with the 'simple' configuration both read
exactly one token per bigram, whatever the punctuation, script or server locale. The last character of
each field is indexed alone as well, so a one-character term is a prefix query on its own code (it
occurs either first in a bigram or last in its field). A separator word ends each field, so no phrase
runs from one field into the next.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SEPARATOR = "q"  # not a–p: never part of a character's code, never matched by a prefix query
CODE_LENGTH = 6  # letters per character
_HEX_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


class _Codes(dict[int, str]):
    """code point -> its six letters, for str.translate (filled as characters are met)."""

    def __missing__(self, cp: int) -> str:
        code = format(cp, "06x").translate(_HEX_LETTERS)
        self[cp] = code
        return code


_CODES = _Codes()


ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ASCII_LOWER = ASCII_UPPER.lower()
_FOLD = str.maketrans(ASCII_UPPER, ASCII_LOWER)
_HAS_UPPER = re.compile("[A-Z]").search


def normalize(value: str | None) -> str:
    """The form text is compared in: NFKC (full-width letters, digits and punctuation as their ordinary
    forms), then A–Z as a–z, so ＹＨ, yh and YH are one term. Only ASCII letters are folded: PostgreSQL
    spells the same normalisation in SQL (`translate(normalize(x, NFKC), …)`, app.search.store) and its
    lower() depends on the server's locale."""
    if not value:
        return ""
    if not unicodedata.is_normalized("NFKC", value):  # most stored text already is: a quick check
        value = unicodedata.normalize("NFKC", value)
    return value.translate(_FOLD) if _HAS_UPPER(value) else value


def encode(text: str) -> str:
    """The letters of already normalised `text`, CODE_LENGTH per character."""
    return text.translate(_CODES)


def document(values: Iterable[str | None]) -> str:
    """The indexed words of a row's fields: each field's bigrams, its last character, a separator."""
    words: list[str] = []
    step = CODE_LENGTH
    for value in values:
        text = normalize(value)
        if not text:
            continue
        letters = encode(text)
        words.extend(letters[i : i + 2 * step] for i in range(0, step * (len(text) - 1), step))
        words.append(letters[-step:])
        words.append(SEPARATOR)
    return " ".join(words)


def terms(query: str | None) -> tuple[list[str], bool]:
    """The words a search for `query` looks for, in order, and whether the one word is a prefix
    (a one-character term). No words: nothing to search for."""
    text = normalize(query)
    if not text:
        return [], False
    letters = encode(text)
    step = CODE_LENGTH
    if len(text) == 1:
        return [letters], True
    return [letters[i : i + 2 * step] for i in range(0, step * (len(text) - 1), step)], False


# --- scope words ----------------------------------------------------------------------------------
# A row's place in a hierarchy (a path such as /340000/341300/341322/, app.search's `scope` column) is
# indexed as one word per "/"-ended prefix of the path, so that "the path starts with P" (P ending in "/")
# is the presence of one word and a search intersects it in the full-text query. The words start with
# "r", which no bigram, character code (a–p) or separator (q) does, so no term or prefix query ever
# matches one; digits are one letter each (a–j), "/" is k, any other character l + its six-letter code.

SCOPE_MARK = "r"
_SCOPE_DIGITS = str.maketrans("0123456789/", "abcdefghijk")
_PLAIN_PATH = re.compile(r"^[0-9/]*$").match


def _scope_letters(path: str) -> str:
    if _PLAIN_PATH(path):
        return path.translate(_SCOPE_DIGITS)
    return "".join(c.translate(_SCOPE_DIGITS) if c in "0123456789/" else "l" + encode(c) for c in path)


def scope_word(prefix: str | None) -> str | None:
    """The word of the rows whose path starts with `prefix`; None when `prefix` has none (empty, or not
    ending in "/": such a prefix is not tested in the index)."""
    if not prefix or not prefix.endswith("/") or prefix == "/":
        return None
    return SCOPE_MARK + _scope_letters(prefix)


def scope_words(path: str | None) -> list[str]:
    """The scope words of a row whose path is `path`: one per "/"-ended prefix (the root "/" excluded,
    as every path has it)."""
    if not path:
        return []
    out = []
    at = path.find("/", 1)
    while at != -1:
        out.append(SCOPE_MARK + _scope_letters(path[: at + 1]))
        at = path.find("/", at + 1)
    return out


__all__ = ["ASCII_LOWER", "ASCII_UPPER", "SCOPE_MARK", "SEPARATOR", "document", "encode", "normalize", "scope_word",
           "scope_words", "terms"]
