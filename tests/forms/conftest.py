from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from app import clock, forms

DEFS = Path(__file__).parent / "defs"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"jpeg-body" * 50
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"png-body" * 50


@forms.register_choices("test.officers", label=lambda value: {1: "王执法", 2: "赵执法"}.get(int(value)))
def _officers(actor, context):
    """Offers officers 1 and 2; 3 only when the context says so (proves context reaches providers)."""
    rows = [(1, "王执法"), (2, "赵执法")]
    if context and context.get("extra"):
        rows.append((3, "孙站长"))
    return rows


@pytest.fixture
def formdef():
    return forms.load_form(DEFS / "sample.json")


@pytest.fixture
def frozen_today():
    clock.freeze(date(2026, 5, 10))
    return date(2026, 5, 10)


def upload(data: bytes, name: str = "照片.jpg", content_type: str = "image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


def minimal(**extra) -> MultiDict:
    """A valid submission of the sample form (result passed)."""
    data = {"result": "passed", "opinion": "已更换灭火器", "promise": "1"}
    data.update(extra)
    return MultiDict(data)
