"""The small form script in a real Chromium: show_if toggling, repeat rows, kept uploads, confirm.

Renders the macro to HTML and serves it, with the app's static files, from a routed origin (no server
needed). Skipped when
Chromium is missing, unless SAFELOOP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_login import login_user

pytestmark = pytest.mark.browser
ORIGIN = "http://safeloop.test"
PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><style>.d-none{display:none!important}</style></head><body>'
    '{% from "forms/_macros.html" import render_form %}{{ render_form(fd, values, {}, action="about:blank") }}'
    "</body></html>"
)


@pytest.fixture
def page(app, browser, formdef):
    def open_form(values=None, user=None):
        with app.test_request_context():
            if user is not None:
                login_user(user)
            html = render_template_string(PAGE, fd=formdef, values=values or {})
        # the form script is a static file (no inline script under the CSP): serve the page and the
        # app's static files from one routed origin
        client = app.test_client()

        def serve(route):
            path = route.request.url.removeprefix(ORIGIN)
            if path == "/":
                route.fulfill(body=html, content_type="text/html; charset=utf-8")
            else:
                got = client.get(path)
                route.fulfill(status=got.status_code, body=got.data, content_type=got.content_type)

        pg.route(ORIGIN + "/**", serve)
        pg.goto(ORIGIN + "/")
        return pg

    context = browser.new_context(locale="zh-CN")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield open_form
    context.close()
    assert not errors, errors


def test_show_if_toggles_and_disables_hidden_inputs(page):
    pg = page({"result": "passed"})
    deadline = pg.get_by_test_id("deadline")
    assert not deadline.is_visible() and deadline.is_disabled()
    pg.get_by_test_id("result-failed").check()
    assert deadline.is_visible() and deadline.is_enabled()
    assert pg.get_by_test_id("reason").is_visible()
    pg.get_by_test_id("result-passed").check()
    assert not deadline.is_visible()


def test_repeat_rows_can_be_added_and_removed(page):
    pg = page()
    pg.get_by_test_id("items-add").click()
    pg.get_by_test_id("items-add").click()
    assert pg.locator("[data-repeat-rows=items] [data-repeat-row]").count() == 3
    pg.get_by_test_id("items-2-desc").fill("线路老化")
    assert pg.locator("[data-repeat-rows=items] [data-row-no]").all_inner_texts() == ["1", "2", "3"]
    pg.get_by_test_id("items-1-remove").click()
    assert pg.locator("[data-repeat-rows=items] [data-row-no]").all_inner_texts() == ["1", "2"]
    assert pg.get_by_test_id("items-2-desc").input_value() == "线路老化"


def test_kept_upload_is_listed_and_can_be_removed(page, db, world, formdef):
    from werkzeug.datastructures import MultiDict

    from app import forms
    from tests.factories.files import JPEG, file_storage

    md = MultiDict()
    md.add("photos", file_storage(JPEG, "现场.jpg"))
    att_id = forms.validate(
        formdef, {"result": "passed", "opinion": "好", "promise": "1"}, md, actor=world.officer
    )["photos"][0]
    pg = page({"photos": [att_id]}, user=world.officer)
    assert pg.locator("input[name=photos__keep]").count() == 1
    assert "现场.jpg" in pg.get_by_test_id("photos-kept").inner_text()
    pg.get_by_test_id("photos-kept").get_by_role("button", name="移除").click()
    assert pg.locator("input[name=photos__keep]").count() == 0


def test_confirm_is_asked_before_submitting(page):
    pg = page({"result": "passed", "opinion": "好"})
    # the confirmation handler lives in app/static/safeloop.js (base.html); here only the attribute
    assert pg.locator("form.safeloop-form").get_attribute("data-confirm") == "提交后不可撤回，确认提交？"
