"""Parsing and deploy checks of form definitions."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from app import forms


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_sample_definition_parses_with_labels_and_types(formdef):
    assert formdef.title == "整改复查（测试）"
    assert formdef.confirm == "提交后不可撤回，确认提交？"
    assert formdef.labels["opinion"] == "复查意见"
    assert formdef.labels["items.desc"] == "隐患描述"
    assert formdef["funds"].places == 2 and formdef["funds"].min.value == Decimal(0)
    assert formdef["opinion"].max_length == 50
    assert formdef["photos"].max_files == 2 and formdef["photos"].multiple
    assert formdef["deadline"].show_if.field == "result"
    assert formdef.has_files


def test_label_for_choices_booleans_lists_and_providers(formdef):
    assert formdef.label_for("result", "failed") == "整改不合格"
    assert formdef.label_for("tags", ["fire", "gas"]) == "消防、燃气"
    assert formdef.label_for("promise", True) == "是"
    assert formdef.label_for("officer_id", 2) == "赵执法"  # provider's label function
    assert formdef.label_for("result", "unknown") == "unknown"
    assert formdef.label_for("result", None) == ""


def test_every_committed_form_definition_is_valid():
    problems = forms.check_all(forms.DEFAULT_DIR, check_providers=False)
    assert problems == {}
    assert forms.check_all(check_providers=False) == {}  # with the test fixtures' forms


def test_validate_definition_reports_typos_and_bad_references(tmp_path):
    path = write(
        tmp_path,
        "bad",
        {
            "name": "bad",
            "title": "错误示例",
            "fields": [
                {"name": "a", "label": "甲", "type": "text", "requried": True},
                {"name": "b", "label": "乙", "type": "colour"},
                {"name": "c", "label": "丙", "type": "radio", "choices": [["x", "X"], ["x", "Y"]]},
                {"name": "d", "label": "丁", "type": "date", "min": "tomorrow"},
                {"name": "e", "label": "戊", "type": "text", "show_if": {"field": "nope", "equals": "1"}},
                {"name": "a", "label": "重复", "type": "text"},
                {"name": "f", "label": "己", "type": "select"},
                {"name": "g", "label": "庚", "type": "file", "accept": ["text/html"]},
                {
                    "name": "h",
                    "label": "辛",
                    "type": "repeat",
                    "fields": [{"name": "x", "label": "X", "type": "file"}],
                },
            ],
        },
    )
    problems = "\n".join(forms.validate_definition(path))
    assert "unknown key 'requried'" in problems
    assert "'type' must be one of" in problems
    assert "duplicate choice value 'x'" in problems
    assert '"today"' in problems
    assert "unknown field 'nope'" in problems
    assert "duplicate field name 'a'" in problems
    assert "exactly one of 'choices' or 'choices_from'" in problems
    assert "'accept' must list MIME types" in problems
    assert "not allowed inside a repeat" in problems


def test_validate_definition_name_mismatch_and_broken_json(tmp_path):
    assert any(
        "'name' must be 'good'" in p
        for p in forms.validate_definition(
            write(
                tmp_path,
                "good",
                {"name": "other", "title": "T", "fields": [{"name": "a", "label": "A", "type": "text"}]},
            )
        )
    )
    assert any("not valid JSON" in p for p in forms.validate_definition(write(tmp_path, "broken", "{nope")))


def test_show_if_value_must_be_a_choice_and_cycles_are_refused(tmp_path):
    path = write(
        tmp_path,
        "cyc",
        {
            "name": "cyc",
            "title": "T",
            "fields": [
                {
                    "name": "a",
                    "label": "A",
                    "type": "radio",
                    "choices": [["y", "是"]],
                    "show_if": {"field": "b", "equals": "y"},
                },
                {
                    "name": "b",
                    "label": "B",
                    "type": "radio",
                    "choices": [["y", "是"]],
                    "show_if": {"field": "a", "equals": "n"},
                },
            ],
        },
    )
    problems = "\n".join(forms.validate_definition(path))
    assert "cycle" in problems
    assert "'n' is not a choice of 'a'" in problems


def test_unregistered_choice_provider_is_a_deploy_problem(tmp_path):
    path = write(
        tmp_path,
        "dyn",
        {
            "name": "dyn",
            "title": "T",
            "fields": [
                {"name": "who", "label": "人员", "type": "select", "choices_from": "no.such.provider"}
            ],
        },
    )
    assert forms.validate_definition(path) == []
    assert "not registered" in forms.validate_definition(path, check_providers=True)[0]


def test_get_form_is_cached_and_reloaded_when_the_file_changes(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FORMS_DIR", str(tmp_path))
    path = write(
        tmp_path,
        "live",
        {"name": "live", "title": "第一版", "fields": [{"name": "a", "label": "A", "type": "text"}]},
    )
    first = forms.get_form("live")
    assert forms.get_form("live") is first
    write(
        tmp_path,
        "live",
        {"name": "live", "title": "第二版", "fields": [{"name": "a", "label": "A", "type": "text"}]},
    )
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert forms.get_form("live").title == "第二版"
    assert forms.form_exists("live") and not forms.form_exists("missing")


def test_get_form_refuses_unknown_and_path_like_names(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FORMS_DIR", str(tmp_path))
    for name in ("missing", "../forms/README", "a/b", ""):
        with pytest.raises(forms.FormNotFound):
            forms.get_form(name)
        assert not forms.form_exists(name)
    write(tmp_path, "broken", {"name": "broken", "title": "T", "fields": []})
    with pytest.raises(forms.FormDefinitionError) as exc:
        forms.get_form("broken")
    assert "non-empty list" in str(exc.value)


def test_to_dict_describes_the_form_for_api_clients(formdef, frozen_today):
    data = formdef.to_dict()
    by_name = {f["name"]: f for f in data["fields"]}
    assert data["title"] == "整改复查（测试）"
    assert by_name["result"]["choices"] == [["passed", "已整改"], ["failed", "整改不合格"]]
    assert by_name["deadline"]["show_if"] == {"field": "result", "in": ["failed"]}
    assert by_name["deadline"]["min"] == "2026-05-10"
    assert by_name["officer_id"]["choices"] == [["1", "王执法"], ["2", "赵执法"]]
    assert by_name["photos"]["accept"] == ["image/jpeg", "image/png"]
    assert [f["name"] for f in by_name["items"]["fields"]] == ["desc", "qty"]
    json.dumps(data, ensure_ascii=False)
