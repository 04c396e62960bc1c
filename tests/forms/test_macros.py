"""render_form / render_values: Bootstrap markup with messages next to fields, values kept."""

from __future__ import annotations

import re

from flask import render_template_string
from flask_login import login_user

from app import forms

FORM = '{% from "forms/_macros.html" import render_form %}{{ render_form(fd, values, errors, action="/x", confirm=confirm) }}'
VALUES = '{% from "forms/_macros.html" import render_values %}{{ render_values(fd, data) }}'


def render(app, fd, values=None, errors=None, confirm=None, user=None) -> str:
    with app.test_request_context():
        if user is not None:
            login_user(user)
        return render_template_string(FORM, fd=fd, values=values, errors=errors, confirm=confirm)


def test_form_has_csrf_multipart_confirm_labels_required_marks_and_testids(app, formdef):
    html = render(app, formdef)
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', html)
    assert 'enctype="multipart/form-data"' in html
    assert 'data-confirm="提交后不可撤回，确认提交？"' in html  # from the definition
    assert 'action="/x"' in html
    assert '复查意见<span class="required-mark" title="必填">*</span>' in html
    assert ">整改资金</label>" in html  # optional: no mark
    for testid in (
        "opinion",
        "result-failed",
        "funds",
        "photos",
        "items-0-desc",
        "items-add",
        "submit",
        "tags-fire",
    ):
        assert f'data-testid="{testid}"' in html
    assert '<div class="form-text" id="h-opinion">写明复查发现</div>' in html
    assert "支持 JPG、PNG，单个不超过20MB，最多2个" in html
    assert 'accept="image/jpeg,image/png"' in html
    assert '<span class="input-group-text">万元</span>' in html
    assert 'role="alert" data-testid="form-errors"' not in html
    assert '<script src="/static/forms.js"></script>' in html and "<script>" not in html  # no inline script (CSP)


def test_errors_are_shown_next_to_their_fields_and_in_a_summary(app, formdef):
    with_errors = None
    try:
        forms.validate(
            formdef,
            {"result": "failed", "opinion": "", "funds": "1.234", "items-0-qty": "0"},
            None,
            actor=None,
        )
    except forms.FormInvalid as exc:
        with_errors = exc
    html = render(app, formdef, with_errors.values, with_errors.errors)
    assert 'role="alert" data-testid="form-errors"' in html
    assert '<a class="alert-link" href="#f-opinion">复查意见</a>：必填项不能为空' in html
    assert "隐患清单第1行·隐患描述</a>：必填项不能为空" in html
    # the message sits right after its input, which is marked invalid
    assert re.search(
        r'<textarea class="form-control is-invalid"[^>]*id="f-opinion"[^>]*aria-invalid="true"[^>]*></textarea>'
        r'<div class="invalid-feedback d-block" id="e-opinion" data-testid="error-opinion">必填项不能为空</div>',
        html,
    )
    assert re.search(
        r'id="f-funds"[^>]*>.*?<div class="invalid-feedback d-block" id="e-funds" data-testid="error-funds">'
        r"最多保留2位小数</div>",
        html,
        re.S,
    )
    assert 'data-testid="error-items-0-qty">数值不能小于1</div>' in html
    assert 'data-testid="error-deadline">必填项不能为空</div>' in html
    # submitted values are back in their inputs
    assert 'value="1.234"' in html
    assert re.search(r'value="failed" data-testid="result-failed" checked', html)
    assert 'name="items-0-qty" id="f-items-0-qty"' in html and 'value="0"' in html


def test_show_if_fields_start_hidden_until_their_condition_holds(app, formdef):
    html = render(app, formdef, {"result": "passed"})
    assert re.search(
        r'class="col-12 d-none" id="w-deadline" data-field="deadline" data-show-if="result" '
        r"data-show-values='\[\"failed\"\]'",
        html,
    )
    html = render(app, formdef, {"result": "failed"})
    assert 'class="col-12" id="w-deadline"' in html


def test_values_are_escaped_and_defaults_applied(app, formdef, frozen_today):
    html = render(app, formdef, {"opinion": '</textarea><script>alert("x")</script>'})
    assert "<script>alert" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    assert 'name="found_on" id="f-found_on"' in html and 'value="2026-05-10"' in html  # default "today"
    assert 'max="2026-05-10"' in html


def test_dynamic_choices_render_for_the_current_user(app, world, formdef):
    html = render(app, formdef, {"officer_id": 2}, user=world.officer)
    assert '<option value="2" selected>赵执法</option>' in html


def test_form_by_name_and_kept_files(app, db, world, formdef):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage, MultiDict

    from tests.factories.files import JPEG

    try:
        md = MultiDict()
        md.add("photos", FileStorage(BytesIO(JPEG), filename="现场照片.jpg"))
        forms.validate(formdef, {"result": "passed"}, md, actor=world.officer)
    except forms.FormInvalid as exc:
        html = render(app, formdef, exc.values, exc.errors, user=world.officer)
    assert 'data-testid="photos-kept"' in html and "现场照片.jpg" in html
    assert re.search(r'<input type="hidden" name="photos__keep" value="[^"]+">', html)
    assert "已上传成功的文件已保留，无需重新选择" in html


def test_render_values_shows_labels_choice_labels_units_and_attachment_links(app, db, world, formdef):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage, MultiDict

    from tests.factories.files import PNG

    md = MultiDict()
    md.add("photos", FileStorage(BytesIO(PNG), filename="整改后.png"))
    data = forms.validate(
        formdef,
        {
            "result": "failed",
            "opinion": "灭火器\n未更换",
            "deadline": "2099-01-01",
            "reason": "none",
            "funds": "3.5",
            "promise": "1",
            "tags": ["fire", "gas"],
            "items-0-desc": "消防通道堵塞",
            "items-0-qty": "1",
        },
        md,
        actor=world.officer,
    )
    with app.test_request_context():
        html = render_template_string(VALUES, fd=formdef, data=data)
    assert re.search(r"<dt[^>]*>复查结论</dt>\s*<dd[^>]*data-testid=\"value-result\">.*整改不合格", html)
    assert "灭火器\n未更换" in html
    assert "3.50万元" in html and "消防、燃气" in html and "2099-01-01" in html and "部分整改" not in html
    assert "未整改" in html
    assert f'href="/attachments/{data["photos"][0]}"' in html and 'alt="整改后.png"' in html
    assert "<td>消防通道堵塞</td>" in html or "消防通道堵塞</td>" in html
    assert "参与人数" in html and "未填写" in html
    assert 'data-testid="value-ref"' not in html  # hidden fields are not displayed


def test_render_values_hides_fields_whose_condition_was_not_met(app, formdef):
    with app.test_request_context():
        html = render_template_string(VALUES, fd=formdef, data={"result": "passed", "deadline": None})
    assert "整改期限" not in html and "已整改" in html


def test_every_committed_form_renders(app, world):
    """The app's forms and the test fixtures' (every directory forms are looked up in)."""
    assert forms.DEFAULT_DIR in forms.forms_dirs()
    names = sorted(p.stem for d in forms.forms_dirs() for p in d.glob("*.json"))
    assert names
    with app.test_request_context():
        login_user(world.section_head)
        for name in names:
            fd = forms.get_form(name)
            html = render_template_string(FORM, fd=fd, values={}, errors={}, confirm=None)
            assert f'data-testid="form-{name}"' in html
            for f in fd.fields:
                assert f'data-testid="{f.name}' in html, (name, f.name)
