"""Issue #10 item 17: the OpenAPI document describes every parameter of every /api/v1 route (checked
against the parameters the route's code actually reads) and the authentication the app enforces (the
session cookie; the CSRF header on unsafe methods), and is a structurally sound OpenAPI 3 document."""

from __future__ import annotations

import re

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

from app import publication
from app.api import is_api_endpoint
from app.api.openapi import CSRF, SESSION
from app.cases.models import CaseClosureProposal
from app.credit import effects
from app.credit.models import PenaltyInfoRepair, RepairApplication
from app.extensions import db
from tests.factories.credit_effects import make_listed
from tests.factories.db import commit
from tests.factories.hazards import ready_task

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class RecordingArgs(ImmutableMultiDict):
    """request.args that records each name the code looks up (get, getlist, [], in)."""

    read: set[str] = set()

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        RecordingArgs.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        RecordingArgs.read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        RecordingArgs.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        RecordingArgs.read.add(key)
        return super().__contains__(key)


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setattr(Request, "parameter_storage_class", RecordingArgs)
    RecordingArgs.read = set()
    return RecordingArgs


@pytest.fixture
def spec(login, world):
    r = login(world.officer).get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json


def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if is_api_endpoint(r.endpoint)]


def _path(rule) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)


def _methods(rule) -> set[str]:
    return {m.lower() for m in rule.methods} - {"head", "options"}


def test_every_api_route_is_in_the_document(app, spec):
    rules = _api_rules(app)
    assert len(rules) >= 6
    for rule in rules:
        assert _path(rule) in spec["paths"], rule.rule
        assert _methods(rule) <= set(spec["paths"][_path(rule)]), rule.rule


def test_documented_query_parameters_are_exactly_the_ones_the_code_reads(
    app, spec, login, world, make_hazard, make_case, recording
):
    """Call each route (logged in, valid ids) with the request's args recording what the code reads; the
    documented query parameters must be exactly those names, each with a Chinese description."""
    hazard = make_hazard()
    task = ready_task(hazard, "submit_rectification")
    case = make_case().file().case
    closure = CaseClosureProposal(  # a 提请关闭 (Art.113) for the 负责人's decision
        enterprise_id=case.enterprise_id,
        agency_id=case.agency_id,
        region_path=case.region_path,
        rule="180日内3次",
        window_from=case.filed_on,
        window_to=case.filed_on,
        count=3,
        case_ids=[case.id],
        trigger_case_id=case.id,
    )
    db.session.add(closure)
    listing = make_listed(world)  # a listing in force, its measures applied, and a 信用修复 application on it
    effects.take_effect(listing, actor=world.officer)
    measure = next(m for m in listing.measures if not m.internal)
    repair = RepairApplication(
        listing_id=listing.id,
        applied_on=listing.term_start,
        channel="窗口登记",
        applied_by_id=world.officer.id,
        statement="示例",
    )
    db.session.add(repair)
    info_repair = PenaltyInfoRepair(  # a 行政处罚信息信用修复 application (any publication row will do here)
        publication_id=publication.current_for(listing, "credit_listing").id,
        case_id=case.id,
        enterprise_id=case.enterprise_id,
        applied_on=listing.term_start,
        applied_by_id=world.manager_a.id,
        statement="示例",
    )
    db.session.add(info_repair)
    from app.inspections.models import InspectionStatus
    from app.inspections.operations import tipoff as tipoff_ops
    from tests.factories.inspections_tipoff import tipoff_data
    from tests.factories.inspections_web import inspection_at

    inspection = inspection_at(world, InspectionStatus.ON_SITE)  # a 监督检查 on site
    tip, _code = tipoff_ops.receive(tipoff_data(world), actor=world.officer)  # a 举报 as recorded
    from app.inspections.models import DrawBatch, InspectionPlan

    plan = InspectionPlan(  # a 年度监督检查计划 (draft, no items) and a 双随机 batch (draft) of the county
        agency_id=world.bureau.id, region_path=world.county.path, year=2027, title="2027年度监督检查计划",
        drafted_by_id=world.section_head.id,
    )  # fmt: skip
    batch = DrawBatch(
        title="双随机抽查", agency_id=world.bureau.id, region_path=world.county.path,
        planned_on=inspection.planned_on, created_by_id=world.section_head.id,
    )  # fmt: skip
    db.session.add_all([plan, batch])
    commit()
    samples = {
        "inspection_id": inspection.id,
        "tipoff_id": tip.id,
        "plan_id": plan.id,
        "batch_id": batch.id,
        "item_code": "1",  # a checklist item's code (the sample inspection is not under way: 409)
        "task_id": task.id,
        "hazard_id": hazard.id,
        "enterprise_id": world.ent_a.id,
        "case_id": case.id,
        "closure_id": closure.id,
        "listing_id": listing.id,
        "measure_id": measure.id,
        "repair_id": repair.id,
        "info_repair_id": info_repair.id,
    }
    officer, manager, legal = login(world.officer), login(world.manager_a), login(world.legal)
    leader = login(world.leader)  # the 负责人's case actions (延期/分期 approval, 延长办案期限)
    checked = set()
    for rule in _api_rules(app):
        for method in _methods(rule):
            missing = set(rule.arguments) - set(samples)
            assert not missing, f"{rule.rule}: add a sample value for {missing} to this test"
            url = rule.rule
            for name in rule.arguments:
                url = re.sub(rf"<(?:\w+:)?{name}>", str(samples[name]), url)
            recording.read = set()
            if method == "get":
                r = officer.get(url)
                if r.status_code == 403:  # the 负责人's lists (提请关闭)
                    r = leader.get(url)
                assert r.status_code == 200, (url, r.status_code)
            else:  # a submission the form rejects: the route reads all it reads, then answers 422 (409: a
                # case form the case page does not offer where the case stands, app.cases.availability)
                r = manager.api(method.upper(), url, json={"data": {}})
                # agency-only actions (the case's forms): refused to the party, tried by staff
                for other in (officer, legal, leader):
                    if r.status_code == 403:
                        r = other.api(method.upper(), url, json={"data": {}})
                assert r.status_code in (200, 409, 422), (url, r.status_code)
            read = recording.read - {"csrf_token"}  # the CSRF check looks in a POST's form, not args
            op = spec["paths"][_path(rule)][method]
            params = op.get("parameters", [])
            documented = {p["name"] for p in params if p["in"] == "query"}
            assert documented == read, (
                rule.rule,
                method,
                "undocumented:",
                read - documented,
                "documented but never read:",
                documented - read,
            )
            documented_path = {p["name"] for p in params if p["in"] == "path"}
            assert documented_path == set(rule.arguments), rule.rule
            for p in params:
                assert p.get("description") and re.search(r"[\u4e00-\u9fff]", p["description"]), (
                    rule.rule,
                    p,
                )
                assert p["schema"].get("type"), (rule.rule, p)
                if p["in"] == "path":
                    assert p["required"] is True
            checked.add((rule.rule, method))
    assert ("/api/v1/hazards", "get") in checked and ("/api/v1/inbox", "get") in checked


def _query_params(spec, path) -> dict[str, dict]:
    return {p["name"]: p for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"}


def test_fixed_values_formats_and_defaults_are_documented(spec):
    inbox = _query_params(spec, "/api/v1/inbox")
    assert inbox["due"]["schema"]["enum"] == ["overdue", "today", "3d", "7d", "none"]
    assert "已逾期" in inbox["due"]["description"]
    assert inbox["sort"]["schema"] == {"type": "string", "enum": ["due", "new", "old"], "default": "due"}
    assert inbox["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "default": 1}
    assert inbox["enterprise_id"]["schema"]["type"] == "integer"
    hazards = _query_params(spec, "/api/v1/hazards")
    assert hazards["level"]["schema"]["enum"] == ["一般", "重大"]
    assert {"open", "closed", "referred", "整改中", "已销号"} <= set(hazards["status"]["schema"]["enum"])
    assert hazards["overdue"]["schema"]["enum"] == ["1", "ever"]
    assert "暗访" in hazards["source"]["schema"]["enum"]
    for name in ("date_from", "date_to", "closed_from", "closed_to"):
        assert hazards[name]["schema"] == {"type": "string", "format": "date"}, name
    assert hazards["q"]["schema"]["maxLength"] == 100
    assert set(_query_params(spec, "/api/v1/enterprises")) == {"q", "industry", "page"}


def test_session_cookie_and_csrf_header_are_described_on_every_operation(app, spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes[SESSION] == {
        **schemes[SESSION],
        "type": "apiKey",
        "in": "cookie",
        "name": app.config.get("SESSION_COOKIE_NAME", "session"),
    }
    assert schemes[CSRF] == {**schemes[CSRF], "type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    assert "X-CSRF-Token" in schemes[CSRF]["description"]  # Flask-WTF accepts both spellings
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in HTTP_METHODS:
                continue
            expected = (
                [{SESSION: [], CSRF: []}] if method in ("post", "put", "patch", "delete") else [{SESSION: []}]
            )
            assert op["security"] == expected, (path, method)
            assert op["responses"]["401"]["description"], (path, method)  # no session: 401
            assert ("400" in op["responses"]) == (method == "post"), (path, method)  # no CSRF header: 400


def test_what_the_document_says_is_what_the_app_does(login, world, make_hazard, app):
    """Without the session cookie: 401; a POST with the session but without the CSRF header: 400; with both:
    the route runs."""
    task = ready_task(make_hazard(), "submit_rectification")
    assert app.test_client().get("/api/v1/inbox").status_code == 401
    c = login(world.manager_a)
    assert c.client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {}}).status_code == 400
    assert c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {}}).status_code == 422


def test_invalid_query_values_are_refused_in_chinese(login, world):
    c = login(world.officer)
    r = c.get("/api/v1/hazards?level=特大&date_from=2026-13-01&page=0")
    assert r.status_code == 422
    body = r.json
    assert set(body["field_errors"]) == {"level", "date_from", "page"}
    assert "一般" in body["field_errors"]["level"] and "YYYY-MM-DD" in body["field_errors"]["date_from"]
    assert body["error"].startswith("查询参数有误")
    assert c.get("/api/v1/inbox?sort=random").status_code == 422
    assert c.get("/api/v1/enterprises?page=x").json["field_errors"] == {"page": "应为整数"}
    # empty values (a form's empty select) and unknown names are ignored, as on the pages
    assert c.get("/api/v1/hazards?level=&status=&foo=1").status_code == 200
    assert c.get("/api/v1/hazards?level=重大&overdue=ever&date_from=2026-01-01").status_code == 200


def test_document_is_structurally_valid_openapi_3(spec):
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] and spec["info"]["version"]
    assert "X-CSRFToken" in spec["info"]["description"] and "/login" in spec["info"]["description"]
    assert set(spec) <= {
        "openapi",
        "info",
        "servers",
        "paths",
        "components",
        "security",
        "tags",
        "externalDocs",
    }
    schemas = spec["components"]["schemas"]
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    for ref in refs:
        kind, _, name = ref.removeprefix("#/components/").partition("/")
        assert kind == "schemas" and name in schemas, ref
    for path, ops in spec["paths"].items():
        assert path.startswith("/api/v1/")
        for name in re.findall(r"{(\w+)}", path):
            for method, op in ops.items():
                assert any(p["in"] == "path" and p["name"] == name for p in op.get("parameters", [])), (
                    path,
                    method,
                )
        for method, op in ops.items():
            assert method in HTTP_METHODS, (path, method)
            assert op["responses"] and op.get("summary"), (path, method)
            for code, resp in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d|default", code) and resp["description"], (path, code)
            for p in op.get("parameters", []):
                assert p["in"] in ("query", "path", "header", "cookie") and p["name"] and "schema" in p
            for requirement in op["security"]:
                assert set(requirement) <= set(spec["components"]["securitySchemes"])
