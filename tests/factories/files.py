"""File contents that pass (or fail) the attachment store's type checks, and uploads made of them."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from app import attachments

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"jpeg-body" * 50
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"png-body" * 50
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def file_storage(data: bytes, name: str = "照片.jpg", content_type: str = "image/jpeg") -> FileStorage:
    """A file as a browser uploads it (what request.files holds)."""
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


@pytest.fixture
def upload(db):
    """upload(actor, data=JPEG, name, mime) -> the id of a stored (not yet linked) attachment."""

    def _upload(actor, data: bytes = JPEG, name: str = "照片.jpg", mime: str = "image/jpeg") -> int:
        return attachments.store(file_storage(data, name, mime), actor=actor).id

    return _upload
