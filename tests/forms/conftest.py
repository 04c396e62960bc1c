"""The forms tests' sample definition (defs/sample.json), its choices provider, and a frozen today."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app import clock, forms

DEFS = Path(__file__).parent / "defs"


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
