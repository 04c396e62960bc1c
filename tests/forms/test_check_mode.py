"""A form check before the confirm dialog (X-SafeLoop-Validate, app/forms/__init__.py): the form's own rules
only, answered as JSON; the same sign-in, CSRF and permission checks as the real POST; never the operation,
nothing written. And the submit the page sends when the check found errors (_safeloop_check=1): the errors
on the page as for any refused submit, and the step not performed even when the fields pass by then."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import forms
from app.attachments import Attachment
from app.audit.models import AuditEvent
from app.extensions import db as _db
from app.workflow.models import HumanTask
from tests.factories.forms import minimal
from tests.factories.workflow import ready

CHECK = {forms.VALIDATE_HEADER: "1", "Accept": "application/json"}


def counts(db) -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        db.session.scalar(select(func.count()).select_from(Attachment)),
    )


def test_check_answers_the_field_errors_and_performs_nothing(started, login, world, db):
    task = ready(started(), "register")
    client = login(world.officer)
    before = counts(db)  # after the sign-in's own event
    r = client.post(f"/tasks/{task.id}", data={"deadline": ""}, headers=CHECK)
    assert r.status_code == 200 and r.is_json
    assert r.get_json() == {"ok": False, "errors": {"deadline": "必填项不能为空"}}
    r = client.post(f"/tasks/{task.id}", data={"deadline": "2026-13-40"}, headers=CHECK)
    assert r.get_json()["ok"] is False and set(r.get_json()["errors"]) == {"deadline"}
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "ready" and counts(db) == before


def test_check_of_a_form_that_passes_says_ok_and_still_performs_nothing(started, login, world, db):
    inst = started()
    task = ready(inst, "register")
    client = login(world.officer)
    before = counts(db)  # after the sign-in's own event
    r = client.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}, headers=CHECK)
    assert r.status_code == 200 and r.get_json() == {"ok": True, "errors": {}}
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "ready" and counts(db) == before
    assert ready(inst, "register").id == task.id  # the process did not move on


def test_a_denied_user_gets_the_same_denial_from_the_check(started, login, world, db):
    task = ready(started(), "register")
    seen = set()
    for user in (world.other_officer, world.manager_b, world.leader, world.legal):
        client = login(user)
        real = client.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}).status_code
        checked = client.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}, headers=CHECK)
        assert checked.status_code == real and real in (403, 404), (user.username, real, checked.status_code)
        assert "errors" not in (checked.get_json(silent=True) or {})  # no word about the form's fields
        seen.add(real)
    assert seen == {403, 404}
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "ready"


def test_a_check_needs_the_csrf_token_and_a_signed_in_user(app, started, login, world):
    task = ready(started(), "register")
    client = login(world.officer)
    r = client.client.post(f"/tasks/{task.id}", data={"deadline": ""}, headers=CHECK)
    assert r.status_code == 400 and "ok" not in r.get_json()
    # the token as a header, the way the page's script sends it, is enough
    r = client.client.post(
        f"/tasks/{task.id}", data={"deadline": ""}, headers={**CHECK, "X-CSRFToken": client.token}
    )
    assert r.get_json()["ok"] is False
    # not signed in: refused as the real POST is, before anything about the form
    real = app.test_client().post(f"/tasks/{task.id}", data={"deadline": ""}).status_code
    anonymous = app.test_client().post(f"/tasks/{task.id}", data={"deadline": ""}, headers=CHECK)
    assert anonymous.status_code == real != 200 and "ok" not in (anonymous.get_json(silent=True) or {})


def test_check_only_submit_shows_the_errors_and_never_performs_the_step(started, login, world, db):
    task = ready(started(), "register")
    client = login(world.officer)
    before = counts(db)  # after the sign-in's own event
    r = client.post(f"/tasks/{task.id}", data={"deadline": "", forms.CHECK_FIELD: "1"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="error-deadline"' in page and "必填项不能为空" in page
    # filled in meanwhile (or a check that differed): still not performed, the form asks to submit again
    r = client.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20", forms.CHECK_FIELD: "1"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and forms.NOT_SUBMITTED in page and 'value="2026-11-20"' in page
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "ready" and counts(db) == before
    # the real submit completes it
    assert client.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "completed"


def chosen(name: str, size: int) -> tuple[str, str]:
    return ("photos__chosen", json.dumps({"name": name, "size": size}))


def test_a_file_reported_by_name_and_size_counts_and_is_not_stored(app, db, world, formdef, frozen_today):
    required = formdef  # photos: up to 2, JPEG/PNG
    data = MultiDict([*minimal().items(multi=True), chosen("现场.jpg", 1000)])
    with app.test_request_context(method="POST"):
        errors, _values = forms.validation.check(required, data, actor=world.officer, chosen=True)
        assert errors == {}
        too_many = MultiDict([*data.items(multi=True), chosen("b.jpg", 10), chosen("c.jpg", 10)])
        errors, _ = forms.validation.check(required, too_many, actor=world.officer, chosen=True)
        assert errors == {"photos": "最多上传2个文件"}
        big = MultiDict([*minimal().items(multi=True), chosen("大.jpg", 30 * 1024 * 1024)])
        errors, _ = forms.validation.check(required, big, actor=world.officer, chosen=True)
        assert errors["photos"].startswith("“大.jpg”文件过大")
        empty = MultiDict([*minimal().items(multi=True), chosen("空.jpg", 0)])
        errors, _ = forms.validation.check(required, empty, actor=world.officer, chosen=True)
        assert "文件为空" in errors["photos"]
        # the report is ignored outside a form check: a real submit needs the file itself
        data_real = forms.validate(required, data, actor=world.officer)
        assert data_real["photos"] == []
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_required_file_field_is_filled_in_by_a_reported_file(app, db, world, tmp_path):
    path = tmp_path / "with_photo.json"
    path.write_text(
        json.dumps(
            {
                "name": "with_photo",
                "title": "带照片",
                "fields": [
                    {"name": "deadline", "label": "整改期限", "type": "date", "required": True},
                    {
                        "name": "photo",
                        "label": "照片",
                        "type": "file",
                        "required": True,
                        "accept": ["image/jpeg"],
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    with_file = forms.load_form(path)
    base = MultiDict({"deadline": "2026-11-20"})
    with app.test_request_context(method="POST"):
        errors, _ = forms.validation.check(with_file, base, actor=world.officer, chosen=True)
        assert errors == {"photo": "请上传文件"}
        reported = MultiDict(
            [*base.items(multi=True), ("photo__chosen", json.dumps({"name": "a.jpg", "size": 9}))]
        )
        assert forms.validation.check(with_file, reported, actor=world.officer, chosen=True)[0] == {}
        assert forms.validation.check(with_file, reported, actor=world.officer)[0] == {"photo": "请上传文件"}


def test_nothing_commits_during_a_check(app, db):
    with app.test_request_context(method="POST", headers={forms.VALIDATE_HEADER: "1"}):
        app.preprocess_request()
        with pytest.raises(RuntimeError, match="must not commit"):
            _db.session.commit()
        _db.session.rollback()
    with app.test_request_context(method="POST"):
        app.preprocess_request()
        _db.session.commit()  # an ordinary request commits as ever


def test_every_form_with_a_confirm_asks_the_server_first(app, db, world, formdef):
    """render_form marks each form with a confirm (data-check) for the script; a form without one is not
    checked (nothing irreversible to confirm: it is simply submitted)."""
    from tests.forms.test_macros import render

    assert 'data-confirm="提交后不可撤回，确认提交？" data-check>' in render(app, formdef)
    plain = render(app, forms.get_form("test_register"))
    assert "data-confirm" not in plain and "data-check" not in plain
