"""forms.validate: typed values for declared fields only, Chinese messages, show_if, values kept on error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from app import forms
from app.errors import ValidationFailed
from tests.factories.forms import minimal


def errors_of(formdef, data, **kw) -> dict:
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(formdef, data, None, actor=None, **kw)
    return exc.value.errors


def test_valid_submission_returns_typed_values_for_every_declared_field(formdef, frozen_today):
    data = forms.validate(
        formdef,
        minimal(
            result="failed",
            deadline="2026-05-20",
            reason="partial",
            funds="12.5",
            workers="８",
            found_on="2026/05/09",
            checked_at="2026-05-10T08:30",
            officer_id="2",
            ref="abc",
        ),
        None,
        actor=None,
    )
    assert data["result"] == "failed"
    assert data["deadline"] == date(2026, 5, 20)
    assert data["funds"] == Decimal("12.50")
    assert data["workers"] == 8  # full-width digits accepted
    assert data["found_on"] == date(2026, 5, 9)
    assert data["checked_at"] == datetime(2026, 5, 10, 0, 30, tzinfo=UTC)  # 08:30 China time
    assert data["promise"] is True
    assert data["officer_id"] == 2  # the provider's value, typed
    assert data["tags"] == [] and data["photos"] == [] and data["items"] == []
    assert data["ref"] == "abc"
    assert set(data) == set(formdef.labels) - {"items.desc", "items.qty"}


def test_unknown_fields_are_dropped(formdef):
    data = forms.validate(formdef, minimal(is_admin="1", status="closed", csrf_token="x"), None, actor=None)
    assert "is_admin" not in data and "status" not in data and "csrf_token" not in data


def test_required_messages_are_chinese(formdef):
    errors = errors_of(formdef, MultiDict({"opinion": "   "}))
    assert errors["result"] == "请选择一项"
    assert errors["opinion"] == "必填项不能为空"
    assert errors["promise"] == "请勾选此项"


def test_text_length_limit(formdef):
    errors = errors_of(formdef, minimal(opinion="字" * 51))
    assert errors == {"opinion": "长度不能超过50个字（当前51个字）"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("workers", "3.5", "请输入整数"),
        ("workers", "0", "数值不能小于1"),
        ("workers", "101", "数值不能大于100"),
        ("workers", "99999999999", "数值过大"),
        ("funds", "abc", "请输入有效数字"),
        ("funds", "-1", "数值不能小于0"),
        ("funds", "1.234", "最多保留2位小数"),
        ("funds", "NaN", "请输入有效数字"),
        ("found_on", "2026-02-30", "请输入有效日期"),
        ("found_on", "明天", "请输入有效日期"),
        ("found_on", "2026-05-11", "不能晚于今天"),
        ("checked_at", "2026-05-10", "请输入有效的日期时间"),
        ("tags", "water", "请选择有效选项"),
        ("officer_id", "3", "请选择有效选项"),
    ],
)
def test_type_messages(formdef, frozen_today, field, value, message):
    assert errors_of(formdef, minimal(**{field: value})) == {field: message}


def test_date_not_before_today(formdef, frozen_today):
    errors = errors_of(formdef, minimal(result="failed", reason="none", deadline="2026-05-09"))
    assert errors == {"deadline": "不能早于今天"}


def test_multiselect_values_and_limit(formdef):
    data = MultiDict(minimal())
    data.setlist("tags", ["fire", "elec"])
    assert forms.validate(formdef, data, None, actor=None)["tags"] == ["fire", "elec"]
    data.setlist("tags", ["fire", "elec", "gas"])
    assert errors_of(formdef, data) == {"tags": "最多选择2项"}


def test_dynamic_choices_use_actor_and_context(formdef):
    assert errors_of(formdef, minimal(officer_id="3")) == {"officer_id": "请选择有效选项"}
    data = forms.validate(formdef, minimal(officer_id="3"), None, actor=None, context={"extra": True})
    assert data["officer_id"] == 3


def test_show_if_field_is_required_only_when_shown(formdef):
    # hidden: not required, and a submitted value is ignored (never reaches the data)
    data = forms.validate(
        formdef, minimal(result="passed", deadline="garbage", reason="xx"), None, actor=None
    )
    assert data["deadline"] is None and data["reason"] is None
    # shown: required
    errors = errors_of(formdef, minimal(result="failed"))
    assert errors == {"deadline": "必填项不能为空", "reason": "请选择一项"}


def test_values_are_preserved_on_error(formdef):
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(
            formdef,
            minimal(opinion="", funds="１２x", workers="7", found_on="bad", ref="r1"),
            None,
            actor=None,
        )
    values = exc.value.values
    assert values["funds"] == "１２x" and values["workers"] == "7" and values["found_on"] == "bad"
    assert values["result"] == "passed" and values["promise"] is True and values["ref"] == "r1"
    assert "csrf_token" not in values
    assert set(exc.value.errors) == {"opinion", "funds", "found_on"}
    assert list(exc.value.errors) == ["opinion", "funds", "found_on"]  # in form order


def test_form_invalid_is_a_422_validation_failure(formdef):
    with pytest.raises(ValidationFailed) as exc:
        forms.validate(formdef, MultiDict(), None, actor=None)
    assert exc.value.status == 422
    assert exc.value.field_errors["opinion"] == "必填项不能为空"


def test_control_characters_are_stripped_and_text_trimmed(formdef):
    data = forms.validate(formdef, minimal(opinion="  第一行\r\n第二行\x00\x07  "), None, actor=None)
    assert data["opinion"] == "第一行\n第二行"


def test_checkbox_unchecked_is_false_when_optional(tmp_path):
    import json

    path = tmp_path / "cb.json"
    path.write_text(
        json.dumps(
            {
                "name": "cb",
                "title": "T",
                "fields": [
                    {"name": "urgent", "label": "紧急", "type": "checkbox"},
                    {
                        "name": "note",
                        "label": "说明",
                        "type": "text",
                        "required": True,
                        "show_if": {"field": "urgent", "equals": True},
                    },
                ],
            }
        )
    )
    fd = forms.load_form(path)
    assert forms.validate(fd, MultiDict(), None, actor=None) == {"urgent": False, "note": None}
    assert errors_of(fd, MultiDict({"urgent": "on"})) == {"note": "必填项不能为空"}
    assert forms.validate(fd, MultiDict({"urgent": "1", "note": "x"}), None, actor=None)["note"] == "x"


def test_plain_dict_formdata_is_accepted(formdef):
    assert forms.validate(
        formdef, {"result": "passed", "opinion": "好", "promise": "1", "tags": ["fire"]}, None, actor=None
    )["tags"] == ["fire"]


# --- repeat ---------------------------------------------------------------------------------------------


def test_repeat_rows_are_typed_and_empty_rows_dropped(formdef):
    data = forms.validate(
        formdef,
        minimal(
            **{
                "items-0-desc": "灭火器过期",
                "items-0-qty": "2",
                "items-1-desc": "",
                "items-1-qty": "",  # empty row: ignored
                "items-7-desc": "线路老化",  # indexes need not be contiguous
                "items-x-desc": "ignored",
            }
        ),
        None,
        actor=None,
    )
    assert data["items"] == [{"desc": "灭火器过期", "qty": 2}, {"desc": "线路老化", "qty": None}]


def test_repeat_errors_are_keyed_by_row_and_values_kept(formdef):
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(
            formdef,
            minimal(**{"items-0-desc": "好", "items-3-qty": "0", "items-4-desc": "字" * 21}),
            None,
            actor=None,
        )
    assert exc.value.errors == {
        "items-1-desc": "必填项不能为空",
        "items-1-qty": "数值不能小于1",
        "items-2-desc": "长度不能超过20个字（当前21个字）",
    }
    assert exc.value.values["items"] == [
        {"desc": "好", "qty": ""},
        {"desc": "", "qty": "0"},
        {"desc": "字" * 21, "qty": ""},
    ]
    assert exc.value.formdef.error_label("items-1-qty") == "隐患清单第2行·数量"


def test_get_form_by_name_validates_the_committed_forms(app):
    """Every committed form (the app's and the test fixtures') refuses an empty submission if it has a
    required (unconditional) field."""
    assert forms.DEFAULT_DIR in forms.forms_dirs()
    for path in sorted(p for d in forms.forms_dirs() for p in d.glob("*.json")):
        fd = forms.get_form(path.stem)
        required = [f.name for f in fd.fields if f.required and f.show_if is None and f.type != "file"]
        if not required:
            continue
        with pytest.raises(forms.FormInvalid) as exc:
            forms.validate(path.stem, MultiDict(), None, actor=None, context={})
        assert set(required) <= set(exc.value.errors), path.name


def test_static_form_schema_is_built_once_per_shown_set_and_bounds_stay_live(tmp_path, frozen_today):
    """A form without file fields or choices_from keeps its schemas (one per set of shown fields); what
    depends on the moment (min "today") is still evaluated on each submit, and show_if in either order."""
    import json

    from app import clock

    path = tmp_path / "static.json"
    path.write_text(json.dumps({
        "name": "static", "title": "T",
        "fields": [
            {"name": "result", "label": "结论", "type": "radio", "required": True,
             "choices": [["passed", "合格"], ["failed", "不合格"]]},
            {"name": "deadline", "label": "期限", "type": "date", "required": True, "min": "today",
             "show_if": {"field": "result", "equals": "failed"}},
        ],
    }))
    fd = forms.load_form(path)
    assert forms.validate(fd, MultiDict({"result": "passed"}), None, actor=None)["deadline"] is None
    assert errors_of(fd, MultiDict({"result": "failed"})) == {"deadline": "必填项不能为空"}
    ok = forms.validate(fd, MultiDict({"result": "failed", "deadline": "2026-05-11"}), None, actor=None)
    assert ok["deadline"] == date(2026, 5, 11)
    assert forms.validate(fd, MultiDict({"result": "passed"}), None, actor=None)["deadline"] is None
    assert len(fd._schemas) == 2  # {result} and {result, deadline}
    clock.freeze(date(2026, 5, 12))  # the same cached schema, a later today
    assert errors_of(fd, MultiDict({"result": "failed", "deadline": "2026-05-11"})) == {"deadline": "不能早于今天"}
    assert len(fd._schemas) == 2


def test_forms_with_files_or_provider_choices_get_a_fresh_schema(formdef):
    forms.validate(formdef, minimal(), None, actor=None)
    assert formdef._schemas == {}  # sample.json has photos and choices_from
