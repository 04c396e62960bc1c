"""Issue #10 item 3: no internal name reaches a user. Every audit action code the code can record has a
Chinese label, every field a change history can show has a Chinese name, every subject type an event can
point to is named the way users name it, and the audit page and the process logs of a demo county show
no code, table name or field name."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from app import audit, subjects, ui
from app.audit.models import AuditEvent
from app.extensions import db
from app.hazards.models import Hazard
from app.seed import seed_demo

APP = Path(__file__).resolve().parents[2] / "app"
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"^[a-z]+\.[a-z]+(?:_[a-z]+)*$")


def _modules():
    for path in sorted(APP.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_record_call(node: ast.AST) -> bool:
    """audit.record(...) or a module's own wrapper of it (_audit(...))."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr == "record" and isinstance(f.value, ast.Name)
            and f.value.id == "audit") or (isinstance(f, ast.Name) and f.id in ("_audit", "record"))


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def recorded_action_codes() -> set[str]:
    """Codes in audit.record calls (literal, conditional), and the prefixes they use; then every literal
    with one of those prefixes that is not a page endpoint: codes picked by a variable or an event tuple."""
    direct: set[str] = set()
    literals: set[str] = set()
    foreign_keys: set[str] = set()  # ForeignKey("inspections.id"): a column, shaped like a code
    for _path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ForeignKey":
                foreign_keys |= _strings(node)
            if _is_record_call(node) and len(node.args) >= 2:
                direct |= {s for s in _strings(node.args[1]) if CODE.match(s)}
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                literals.add(node.value)
    prefixes = {c.split(".")[0] for c in direct}
    return direct | {s for s in literals - foreign_keys if s.split(".")[0] in prefixes}


def test_every_recorded_action_code_has_a_chinese_label(app):
    from app import periodic
    from app.forms import choices
    from app.org import flags
    from app.workflow.handlers import HANDLERS

    # page endpoints, service-task handler names, form choice providers, enterprise-flag providers and sweeps share
    # the shape of a code
    named = (
        set(app.view_functions)
        | set(HANDLERS)
        | set(choices._providers)
        | set(flags._providers)
        | set(periodic._SWEEPS)  # a periodic sweep's name (inspections.draw_inspections)
    )
    codes = recorded_action_codes() - named
    assert {"hazard.closed", "workflow.timer_fired", "system.demo_seeded", "attachment.viewed"} <= codes
    missing = sorted(c for c in codes if c not in audit.ACTION_LABELS)
    assert missing == [], f"action codes without a Chinese label: {missing}"
    for code, label in audit.ACTION_LABELS.items():
        assert CJK.search(label) and not re.search(r"[a-z_]+\.[a-z_]+", label), (code, label)
        assert audit.action_label(code) == label
    assert audit.action_label("nobody.registered_this") == "其他操作"  # never the code itself


def recorded_field_names() -> set[str]:
    """Keys of every `changes` an operation writes: changes={...} literals, changes["x"] = ..., and
    "changes": {...} entries of event tuples."""
    fields: set[str] = set()
    for _path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "changes" and isinstance(kw.value, ast.Dict):
                        fields |= {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "changes"
                    and isinstance(node.slice, ast.Constant) and isinstance(node.ctx, ast.Store)):
                fields.add(node.slice.value)
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "changes" and isinstance(v, ast.Dict):
                        fields |= {kk.value for kk in v.keys if isinstance(kk, ast.Constant)}
    return fields


def test_every_field_in_a_change_history_has_a_chinese_name(app):
    from app.auth.operations import USER_LABELS
    from app.org.operations import DEPARTMENT_LABELS

    fields = recorded_field_names() | set(USER_LABELS) | set(DEPARTMENT_LABELS)
    assert {"failed_rounds", "deadline", "status", "is_overdue", "assignee", "referral"} <= fields
    unnamed = sorted(f for f in fields if ui.field_label(f) == ui.UNKNOWN_FIELD_LABEL)
    assert unnamed == [], f"fields shown in process logs without a Chinese name: {unnamed}"
    assert all(CJK.search(ui.field_label(f)) for f in fields)


def test_every_subject_type_has_a_label_and_a_name(app):
    """Every table an event can point to (platform and domain) is registered, with a Chinese label."""
    from app.extensions import db as _db

    wanted = {"users", "departments", "enterprises", "attachments", "official_documents", "document_numbers",
              "workflow_instances", "human_tasks", "hazards", "rectification_orders", "hazard_rectifications",
              "hazard_reviews", "hazard_extensions", "hazard_supervisions", "hazard_governance_plans",
              "hazard_progress_reports", "penalty_referrals"}
    assert wanted <= set(subjects.registered_types())
    assert set(subjects.registered_types()) <= set(_db.metadata.tables)
    for kind in subjects.registered_types():
        view = subjects.view_of(kind)
        assert view.name is not None and CJK.search(view.label), kind


# --- what a user sees on a demo county ---------------------------------------------------------------


class _Text(HTMLParser):
    """The visible text of a page: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(" ".join(p.parts).split())


FILE_EXT = r"(?!(?:jpe?g|png|gif|pdf|mp4|xlsx|docx?)\b)"
IDENTIFIER = re.compile(r"\b[a-z_]+\." + FILE_EXT + r"[a-z_]+\b")  # workflow.timer_fired, hazard.closed
TABLE_REF = re.compile(r"\b[a-z_]+ #\d+")  # attachments #42


def assert_no_internal_names(text: str, where: str):
    words = set(subjects.registered_types()) | set(ui.FIELD_LABELS)
    assert not IDENTIFIER.findall(text), (where, IDENTIFIER.findall(text))
    assert not TABLE_REF.findall(text), (where, TABLE_REF.findall(text))
    leaked = sorted(w for w in words if re.search(rf"(?<![A-Za-z_]){re.escape(w)}(?![A-Za-z_])", text))
    assert leaked == [], (where, leaked)


@pytest.fixture
def demo(app, login):
    from app.auth.models import User
    from tests.factories.auth import PASSWORD

    seed_demo()
    db.session.commit()
    users = {u.username: u for u in db.session.scalars(select(User))}
    for u in users.values():
        u.set_password(PASSWORD)
    db.session.commit()
    return users


def test_audit_page_and_process_logs_of_a_demo_county_speak_chinese(demo, login):
    admin, officer = login(demo["admin"]), login(demo["officer"])
    # some platform events too: a verification, a page view of evidence, an original download
    assert admin.post("/audit/verify").status_code == 302
    hazards = list(db.session.scalars(select(Hazard).order_by(Hazard.id)))
    for h in hazards:
        page = officer.get(f"/hazards/{h.id}")
        assert page.status_code == 200
        assert_no_internal_names(visible_text(page.get_data(as_text=True)), f"process log of {h.code}")
    att_id = db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "attachment.uploaded"))
    assert officer.get(f"/attachments/{att_id}").status_code in (200, 404)
    actions = set(db.session.scalars(select(AuditEvent.action).distinct()))
    assert {"workflow.timer_fired", "system.demo_seeded", "attachment.viewed", "audit.verified"} <= actions

    url, pages, seen = "/audit/", 0, []
    while url:
        r = admin.get(url)
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        seen.append(visible_text(html))
        assert_no_internal_names(seen[-1], url)
        pages += 1
        more = re.search(r'href="(/audit/\?[^"]*before=\d+[^"]*)"', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert pages >= 2  # the whole trail was read, not only its first page
    everything = " ".join(seen)
    # objects named as users name them: 隐患 by code, 文书 by number, a photo by its hazard, a process by name
    assert re.search(r"隐患 YH\d{10}", everything)
    assert re.search(r"文书 《[^》]+》（萧）应急\S+〔\d{4}〕\d+号", everything)
    assert re.search(r"附件 \S+\.png 隐患 YH\d{10}", everything)
    assert re.search(r"办理流程 \S+ 隐患 YH\d{10}", everything)
    assert "载入演示数据" in everything and "校验审计链" in everything


def test_pages_carry_no_developer_notes(world, login):
    """列设置见领域规格 §10.1 (ledgers), 条款措辞上线前须与正式文本核对 (criteria), a code prefix to type (audit)."""
    pages = [(login(world.supervisor), "/ledgers"), (login(world.officer), "/hazards/criteria"),
             (login(world.admin), "/audit/")]
    for client, url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        text = visible_text(r.get_data(as_text=True))
        for note in ("领域规格", "§", "上线前", "正式文本核对", "前缀", "如 hazard"):
            assert note not in text, (url, note)
        assert_no_internal_names(text, url)
