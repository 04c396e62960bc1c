"""Submissions of the sample form (tests/forms/defs/sample.json, the forms tests' `formdef`)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict


def minimal(**extra) -> MultiDict:
    """A valid submission of the sample form (result passed)."""
    data = {"result": "passed", "opinion": "已更换灭火器", "promise": "1"}
    data.update(extra)
    return MultiDict(data)
