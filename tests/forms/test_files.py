"""File fields: checked by content, stored only when the whole form is valid, kept across a failed submit."""

from __future__ import annotations

import pytest
from flask_login import login_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import forms
from app.attachments import Attachment, blob_path
from app.forms.files import token_for
from tests.factories.files import JPEG, PNG, file_storage
from tests.factories.forms import minimal


def files(*items) -> MultiDict:
    md = MultiDict()
    for fs in items:
        md.add("photos", fs)
    return md


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_valid_form_stores_files_and_returns_attachment_ids(db, world, formdef):
    data = forms.validate(
        formdef,
        minimal(),
        files(file_storage(JPEG, "现场1.jpg"), file_storage(PNG, "现场2.png", "image/png")),
        actor=world.officer,
    )
    atts = [db.session.get(Attachment, i) for i in data["photos"]]
    assert [a.original_name for a in atts] == ["现场1.jpg", "现场2.png"]
    assert [a.mime for a in atts] == ["image/jpeg", "image/png"]
    assert all(a.uploaded_by_id == world.officer.id for a in atts)
    assert blob_path(atts[0].sha256).read_bytes() == JPEG


def test_empty_file_part_means_no_file(db, world, formdef):
    data = forms.validate(formdef, minimal(), files(file_storage(b"", "")), actor=world.officer)
    assert data["photos"] == []


def test_text_disguised_as_jpg_is_refused_with_reselect_hint(db, world, formdef):
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(
            formdef, minimal(), files(file_storage(b"just some text, not a photo", "照片.jpg")), actor=world.officer
        )
    assert exc.value.errors["photos"] == "“照片.jpg”文件类型不支持：仅允许 JPG、PNG，请重新选择"
    assert count(db) == 0


def test_pdf_refused_where_only_images_accepted(db, world, formdef):
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(
            formdef,
            minimal(),
            files(file_storage(b"%PDF-1.7 ...", "a.pdf", "application/pdf")),
            actor=world.officer,
        )
    assert "仅允许 JPG、PNG" in exc.value.errors["photos"]


def test_too_many_files(db, world, formdef):
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(
            formdef,
            minimal(),
            files(file_storage(JPEG), file_storage(PNG, "b.png"), file_storage(JPEG + b"x", "c.jpg")),
            actor=world.officer,
        )
    assert exc.value.errors["photos"] == "最多上传2个文件"


def test_oversize_file_refused(app, db, world, formdef, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 100)
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(formdef, minimal(), files(file_storage(JPEG, "大.jpg")), actor=world.officer)
    assert (
        exc.value.errors["photos"] == "“大.jpg”文件过大：最大0KB，请重新选择"
        or "文件过大" in exc.value.errors["photos"]
    )


def test_failed_submit_stores_nothing_but_keeps_accepted_files_for_the_next_try(app, db, world, formdef):
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(
            formdef,
            minimal(opinion=""),
            files(file_storage(JPEG, "现场.jpg"), file_storage(b"text", "假.jpg")),
            actor=world.officer,
        )
    assert count(db) == 0  # nothing in the database until the whole form is valid
    assert set(exc.value.errors) == {"opinion", "photos"}
    tokens = exc.value.values["photos"]
    assert len(tokens) == 1  # the good photo is kept, the fake one must be chosen again

    # the re-rendered form lists the kept file in a hidden input
    with app.test_request_context():
        login_user(world.officer)
        kept = formdef.kept_files("photos", exc.value.values)
    assert [k["name"] for k in kept] == ["现场.jpg"] and kept[0]["url"] is None

    retry = minimal()
    retry.add("photos__keep", tokens[0])
    data = forms.validate(formdef, retry, files(), actor=world.officer)
    att = db.session.get(Attachment, data["photos"][0])
    assert att.original_name == "现场.jpg" and att.uploaded_by_id == world.officer.id


def test_keep_tokens_are_bound_to_the_user_and_cannot_be_forged(app, db, world, formdef):
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(formdef, minimal(opinion=""), files(file_storage(JPEG)), actor=world.officer)
    stolen = exc.value.values["photos"][0]
    for token in (stolen, stolen[:-3] + "abc"):
        data = minimal()
        data.add("photos__keep", token)
        with pytest.raises(forms.FormInvalid) as exc2:
            forms.validate(formdef, data, files(), actor=world.manager_a)
        assert exc2.value.errors["photos"] == "已上传的文件已过期或无效，请重新选择"


def test_prefilled_attachment_ids_can_be_kept(app, db, world, formdef):
    first = forms.validate(formdef, minimal(), files(file_storage(PNG, "旧.png", "image/png")), actor=world.officer)
    old_id = first["photos"][0]
    with app.test_request_context():
        login_user(world.officer)
        kept = formdef.kept_files("photos", {"photos": [old_id]})
    assert kept[0]["name"] == "旧.png" and kept[0]["url"].endswith(f"/attachments/{old_id}")
    data = minimal()
    data.add("photos__keep", kept[0]["token"])
    assert forms.validate(formdef, data, files(file_storage(JPEG)), actor=world.officer)["photos"][0] == old_id


def test_token_for_existing_attachment_is_user_bound(app, world):
    token = token_for(5, world.officer.id)
    from app.forms.files import read_token

    assert read_token(token, world.officer.id).attachment_id == 5
    assert read_token(token, world.manager_a.id) is None


def test_required_file(db, world, tmp_path):
    import json

    path = tmp_path / "req.json"
    path.write_text(
        json.dumps(
            {
                "name": "req",
                "title": "T",
                "fields": [
                    {
                        "name": "report",
                        "label": "评估报告",
                        "type": "file",
                        "required": True,
                        "accept": ["application/pdf"],
                    }
                ],
            }
        )
    )
    fd = forms.load_form(path)
    with pytest.raises(forms.FormInvalid) as exc:
        forms.validate(fd, MultiDict(), MultiDict(), actor=world.officer)
    assert exc.value.errors == {"report": "请上传文件"}
    md = MultiDict()
    md.add("report", file_storage(b"%PDF-1.7\n...", "评估报告.pdf", "application/pdf"))
    assert len(forms.validate(fd, MultiDict(), md, actor=world.officer)["report"]) == 1
