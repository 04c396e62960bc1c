"""A choices provider with `check` is asked about the one submitted value when a submit is validated, never for
every choice (a county's thousands of enterprises); the answer is the same as the full list's."""

from __future__ import annotations

import pytest

from app import forms
from app.forms import choices as registry
from tests.factories.forms import minimal

asked: list[str] = []


def _check(actor, context, value):
    asked.append(f"check {value}")
    offered = {1: "王执法", 2: "赵执法"}
    return [(int(value), offered[int(value)])] if str(value).isdigit() and int(value) in offered else []


@pytest.fixture
def checked_provider():
    """test.officers (tests/forms/conftest.py) with a `check`, for one test."""
    plain = registry._providers["test.officers"]

    def listing(actor, context):
        asked.append("list")
        return plain.fn(actor, context)

    registry.register_choices("test.officers", listing, label=plain.label, check=_check)
    asked.clear()
    yield
    registry._providers["test.officers"] = plain


def test_validation_checks_the_submitted_value_only(formdef, frozen_today, checked_provider):
    assert forms.validate(formdef, minimal(officer_id="2"), None, actor=None)["officer_id"] == 2
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(formdef, minimal(officer_id="3"), None, actor=None)
    assert exc.value.errors == {"officer_id": "请选择有效选项"}  # as when the full list refuses it
    assert asked == ["check 2", "check 3"]  # never the whole list
