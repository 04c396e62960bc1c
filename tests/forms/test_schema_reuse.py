"""A form whose only per-submit part is its file fields reuses its validation schema within a thread (building
it cost more than validating): each submit still sees only its own uploads, under its own uploader."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app import forms
from app.attachments import Attachment
from tests.factories.files import JPEG, file_storage

RECTIFIED = {"action": "rectified", "responsible_person": "张工", "measures": "清理杂物", "funds": "0.5",
             "planned_date": "2026-11-02", "completed_on": "2026-11-02", "emergency_measures": "专人巡查"}


def test_each_submit_of_a_file_form_keeps_only_its_own_files(db, world):
    formdef = forms.get_form("submit_rectification")
    for user, name in ((world.manager_a, "一.jpg"), (world.manager_b, "二.jpg"), (world.manager_a, "三.jpg")):
        photo = MultiDict([("after_photos", file_storage(JPEG + name.encode(), name))])
        with pytest.raises(forms.FormInvalid) as exc:  # 整改措施 missing: rejected, the photo kept
            forms.validate(formdef, MultiDict({**RECTIFIED, "measures": ""}), photo, actor=user)
        assert set(exc.value.errors) == {"measures"}
        [token] = exc.value.values["after_photos"]  # this submit's photo only, not the earlier ones'

        data = forms.validate(formdef, MultiDict({**RECTIFIED, "after_photos__keep": token}), MultiDict(),
                              actor=user)
        [att_id] = data["after_photos"]
        att = db.session.get(Attachment, att_id)
        assert att.original_name == name and att.uploaded_by_id == user.id

        other = world.manager_b if user is world.manager_a else world.manager_a
        with pytest.raises(forms.FormInvalid) as stolen:  # the token is its uploader's, whoever submitted before
            forms.validate(formdef, MultiDict({**RECTIFIED, "after_photos__keep": token}), MultiDict(),
                           actor=other)
        assert stolen.value.errors["after_photos"] == "已上传的文件已过期或无效，请重新选择"
