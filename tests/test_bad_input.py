"""Issue #11 item 5: no 500 from bad input. Every GET route of the app (collected from the url_map, so a new
route is covered without touching this file) is called by an admin and by an officer, first plainly to
record which query parameters its code reads, then with each of them set to a 26-digit integer, a negative
number, a NUL byte, `%` and `_`: the answer is never a server error. A bad value is refused with a Chinese
message (pages: the error page; API: JSON 422)."""

from __future__ import annotations

import re

import pytest
from flask import Request

from tests.api.test_openapi import RecordingArgs
from tests.factories.hazards import ready_task
from tests.factories.workflow import ready

BAD_VALUES = {
    "huge": "1" * 26,
    "negative": "-5",
    "nul": "a\x00b",
    "percent": "%",
    "underscore": "_",
}
# the names the issue found 500s in: tried on every route too, for code that reads its query string other
# than by name (a dashboard panel copies it with to_dict before reading it)
ALWAYS = {"enterprise_id", "town", "page", "before"}
SKIPPED = {"static", "bootstrap.static", "favicon"}  # files, no query parameters


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setattr(Request, "parameter_storage_class", RecordingArgs)
    RecordingArgs.read = set()
    return RecordingArgs


def _samples(world, make_hazard, db) -> dict[str, object]:
    from app.attachments.models import Attachment

    hazard = make_hazard()
    task = ready_task(hazard, "submit_rectification")
    return {
        "task_id": task.id, "hazard_id": hazard.id, "order_id": hazard.order_id,
        "enterprise_id": world.ent_a.id, "user_id": world.officer.id,
        "department_id": world.officer.department_id, "name": "hazard_ledger",
        "attachment_id": db.session.query(Attachment.id).order_by(Attachment.id).limit(1).scalar(),
    }


def _urls(app, samples) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", str(samples.get(name, 1)), url)  # 1: some id, maybe a 404
        urls.append(url)
    return urls


@pytest.mark.parametrize("who", ["admin", "officer"])
@pytest.mark.parametrize("kind", list(BAD_VALUES))
def test_no_route_answers_a_bad_query_value_with_a_server_error(app, login, world, make_hazard, db, recording, who,
                                                                 kind):
    client = login(getattr(world, who))
    urls = _urls(app, _samples(world, make_hazard, db))
    value = BAD_VALUES[kind]
    tried, failures = 0, []
    for url in urls:
        recording.read = set()
        client.get(url)
        names = sorted((recording.read - {"csrf_token"}) | ALWAYS)
        for name in names:
            try:
                r = client.get(url, query_string={name: value})
            except Exception as exc:  # noqa: BLE001 - the test app propagates what would be a 500
                failures.append(f"{url}?{name}={value!r}: {type(exc).__name__}: {exc}"[:300])
                continue
            tried += 1
            if r.status_code >= 500:
                failures.append(f"{url}?{name}={value!r}: {r.status_code}")
            elif r.status_code in (400, 422):
                text = r.get_data(as_text=True)
                if r.is_json:
                    text = r.json["error"]
                assert re.search(r"[\u4e00-\u9fff]", text), (url, name, text[:200])
    assert tried >= 20, "too few query parameters found: is the recording broken?"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "label", "bound"), [
    ("enterprise_id", "「企业ID」", "2147483647"),
    ("page", "「页码", "1 至 20"),  # a keyset list: only the first pages by number (app.paging)
])
def test_an_out_of_range_integer_is_refused_in_chinese(login, world, name, label, bound):
    officer = login(world.officer)
    r = officer.get("/hazards", query_string={name: "1" * 26})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "查询参数有误" in text and label in text and name not in text.split("查询参数有误", 1)[1][:80]
    r = officer.get("/api/v1/hazards", query_string={name: "1" * 26})
    assert r.status_code == 422 and name in r.json["field_errors"]
    assert bound in r.json["field_errors"][name]


def test_a_bad_ledger_filter_is_refused_before_any_export_job(login, world, db):
    from app.jobs.models import Job

    officer = login(world.officer)
    for url in ("/ledgers", "/ledgers/hazard_ledger.xlsx"):
        r = officer.get(url, query_string={"q": "锅炉\x00"})
        assert r.status_code == 400 and "控制字符" in r.get_data(as_text=True)
        assert officer.get(url, query_string={"enterprise_id": "9" * 26}).status_code == 422
    r = officer.post("/ledgers/hazard_ledger.xlsx", query_string={"q": "锅炉\x00"})
    assert r.status_code == 400 and "控制字符" in r.get_data(as_text=True)
    r = officer.post("/ledgers/hazard_ledger.xlsx", query_string={"enterprise_id": "9" * 26})
    assert r.status_code == 422 and "企业ID" in r.get_data(as_text=True)
    assert db.session.query(Job).count() == 0  # no job was queued


def test_search_terms_match_percent_and_underscore_literally(login, world, make_hazard):
    make_hazard(description="配电箱门未关闭")
    officer = login(world.officer)
    for term in ("%", "_", "配电%关闭", "配电_门"):
        r = officer.get("/api/v1/hazards", query_string={"q": term})
        assert r.status_code == 200 and r.json["total"] == 0, term
    assert officer.get("/api/v1/hazards", query_string={"q": "配电箱"}).json["total"] == 1


@pytest.mark.parametrize("referer, expected", [
    ("https://evil.example/phish", "/"),
    ("//evil.example/phish", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("http://localhost/inbox?due=today", "/inbox?due=today"),  # this app's own page: back there
    ("/inbox?due=today", "/inbox?due=today"),
])
def test_a_lost_race_sends_the_user_back_only_within_the_app(started, login, world, monkeypatch, referer, expected):
    from app.errors import Conflict
    from app.inbox import routes

    def lost(task, data, *, actor):
        raise Conflict("该任务已由他人办理")

    monkeypatch.setattr(routes.operations, "complete", lost)
    task = ready(started(), "register")
    r = login(world.officer).post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}, headers={"Referer": referer})
    assert r.status_code == 303
    assert r.headers["Location"] == expected
