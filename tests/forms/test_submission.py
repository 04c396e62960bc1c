"""forms.submission: a rule the operation enforces after the form validated comes back as FormInvalid
with the message next to the field it names (or at the top) and the values and files to re-render with;
a lost race is not a form error (issue #10 item 2)."""

from __future__ import annotations

import pytest
from flask_login import login_user
from marshmallow import ValidationError
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import forms
from app.attachments import Attachment
from app.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed, invalid
from app.forms.files import read_token
from tests.factories.files import JPEG, file_storage
from tests.factories.forms import minimal
from tests.forms.test_macros import render


def photos(*items) -> MultiDict:
    return MultiDict([("photos", fs) for fs in items])


def test_field_rule_of_the_operation_goes_next_to_its_field(db, world, formdef, frozen_today):
    with pytest.raises(forms.FormInvalid) as caught:
        with forms.submission(formdef, minimal(opinion="意见"), actor=world.officer) as data:
            assert data["opinion"] == "意见"
            raise invalid("result", "复查结果与处理决定不一致")
    exc = caught.value
    assert exc.status == 422 and exc.errors == {"result": "复查结果与处理决定不一致"}
    assert exc.values["opinion"] == "意见" and exc.values["result"] == "passed" and exc.values["promise"] is True


def test_rules_naming_no_field_of_the_form_go_to_the_top(db, world, formdef, frozen_today):
    sub = forms.submission(formdef, minimal(), actor=world.officer)
    state = sub.rejection(InvalidState("整改期限已过，不能再申请延期"))
    assert state.status == 409 and state.errors == {forms.FORM_ERROR: "整改期限已过，不能再申请延期"}
    denied = sub.rejection(PermissionDenied("只有辖区执法人员可以复查该隐患"))
    assert denied.status == 403 and denied.errors == {forms.FORM_ERROR: "只有辖区执法人员可以复查该隐患"}
    mixed = sub.rejection(ValidationFailed("x", field_errors={"elsewhere": "另一处的规则", "opinion": "太短"}))
    assert mixed.errors == {forms.FORM_ERROR: "另一处的规则", "opinion": "太短"}
    schema = sub.rejection(ValidationError({"items": {0: {"desc": ["请填写"]}}}))
    assert schema.status == 422 and schema.errors == {"items-0-desc": "请填写"}


def test_lost_race_and_vanished_object_are_not_form_errors(db, world, formdef, frozen_today):
    for exc in (Conflict("已由王执法于09:00办理"), NotFound("不存在")):
        with pytest.raises(type(exc)):
            with forms.submission(formdef, minimal(), actor=world.officer):
                raise exc
    with pytest.raises(KeyError):  # a bug is not a rejection
        with forms.submission(formdef, minimal(), actor=world.officer):
            raise KeyError("x")


def test_uploaded_files_survive_the_rollback_as_keep_tokens(app, db, world, formdef, frozen_today):
    def count():
        return db.session.scalar(select(func.count()).select_from(Attachment))

    with pytest.raises(forms.FormInvalid) as caught:
        with forms.submission(
            formdef, minimal(), photos(file_storage(JPEG, "现场.jpg")), actor=world.officer
        ) as data:
            assert len(data["photos"]) == 1 and count() == 1  # the Attachment row, in this transaction
            raise invalid("opinion", "请写明复查意见")
    db.session.rollback()
    assert count() == 0
    [token] = caught.value.values["photos"]
    kept = read_token(token, world.officer.id)
    assert kept is not None and kept.blob is not None and kept.blob.original_name == "现场.jpg"
    # submitted again with the token only: stored then
    data = forms.validate(formdef, MultiDict([*minimal().items(multi=True), ("photos__keep", token)]),
                          actor=world.officer)
    assert [db.session.get(Attachment, i).original_name for i in data["photos"]] == ["现场.jpg"]


def test_form_level_message_renders_at_the_top_with_field_messages(app, db, world, formdef):
    html = render(app, formdef, values={"opinion": "已复查"},
                  errors={forms.FORM_ERROR: "整改期限已过，不能再申请延期", "opinion": "太短"}, user=world.officer)
    assert 'data-testid="form-error">提交未成功：整改期限已过，不能再申请延期<' in html
    assert "另请修改以下1处内容" in html and 'href="#f-opinion"' in html and "__form__" not in html
    only_top = render(app, formdef, errors={forms.FORM_ERROR: "只有辖区执法人员可以办理"}, user=world.officer)
    assert "只有辖区执法人员可以办理" in only_top and "处内容" not in only_top


def test_user_bound_tokens(app, db, world, formdef, frozen_today):
    with app.test_request_context():
        login_user(world.officer)
        sub = forms.submission(formdef, minimal(), photos(file_storage(JPEG, "a.jpg")), actor=world.officer)
        [token] = sub.rejection(invalid("opinion", "x")).values["photos"]
        assert read_token(token, world.officer2.id) is None  # another user cannot reuse it
