from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from app.attachments import access

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"jpeg-body" * 50
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"png-body" * 50
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def upload(data: bytes, name: str = "现场照片.jpg", content_type: str = "image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


@pytest.fixture
def access_registry():
    """Register access checks for one test only."""
    saved = dict(access._checks)
    yield access.register_access
    access._checks.clear()
    access._checks.update(saved)
