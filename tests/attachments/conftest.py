from __future__ import annotations

import pytest

from app.attachments import access


@pytest.fixture
def access_registry():
    """Register access checks for one test only."""
    saved = dict(access._checks)
    yield access.register_access
    access._checks.clear()
    access._checks.update(saved)
