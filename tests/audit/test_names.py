"""Issue #10 item 3: the audit page names each object the way users name it and links it, and loads the
names one query per object type, however many events the page shows (no N+1)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from app import attachments, audit, subjects
from app.extensions import db
from tests.factories.files import file_storage


@contextmanager
def count_statements():
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _events(world, make_hazard, n: int) -> None:
    """n rounds of events about users, enterprises, units, hazards, their 指令书 and a photo of each."""
    for i in range(n):
        h = make_hazard(location=f"{i}号车间")
        att = attachments.attachments_for(h, "photos")[0]
        audit.record(world.admin, "user.updated", world.officer, summary="修改用户")
        audit.record(world.admin, "enterprise.updated", world.ent_a, summary="修改企业")
        audit.record(world.admin, "department.updated", world.brigade, summary="修改单位")
        audit.record(world.officer, "attachment.downloaded", att, summary="查看附件")
        audit.record(world.officer, "hazard.closed", h, summary="销号")
    db.session.commit()


def test_objects_are_named_and_linked(world, make_hazard, login):
    h = make_hazard()
    audit.record(world.admin, "user.updated", world.officer, summary="修改用户")
    db.session.commit()
    html = login(world.admin).get("/audit/").get_data(as_text=True)
    cells = re.findall(r'<td data-testid="audit-object"[^>]*>(.*?)</td>', html, re.S)
    text = [re.sub(r"<[^>]+>", " ", c) for c in cells]
    assert any(f"隐患 {h.code}" in t for t in text)
    assert any("用户 王执法" in t for t in text)
    assert any(f"指令书 {h.order.doc_number}" in t for t in text)
    assert any(re.search(rf"附件 照片\.jpg\s+隐患 {h.code}", t) for t in text)  # the photo and whose it is
    assert f'href="/hazards/{h.id}"' in html and f'href="/admin/users/{world.officer.id}' in html
    assert not re.search(r"\b(?:users|hazards|attachments|official_documents) #\d+", html)


def test_names_and_links_follow_the_reader(world, make_hazard, login):
    """A leader reads the trail too: names, but no link into 系统管理 pages they cannot open."""
    audit.record(world.admin, "user.updated", world.officer, summary="修改用户")
    db.session.commit()
    html = login(world.leader).get("/audit/").get_data(as_text=True)
    assert "用户 王执法" in html and "/admin/users/" not in html


def test_deleted_objects_keep_a_name(world):
    audit.record(world.admin, "user.updated", world.officer, summary="x")
    described = subjects.describe([("users", 999999), ("nobody_registered_this", 1)])
    assert described[("users", 999999)].text == "用户 （已删除）"
    assert described[("nobody_registered_this", 1)].text == "其他记录"


def test_audit_page_loads_names_one_query_per_type(world, make_hazard, login):
    admin = login(world.admin)
    _events(world, make_hazard, 1)
    with count_statements() as few:
        assert admin.get("/audit/").status_code == 200
    _events(world, make_hazard, 6)
    with count_statements() as many:
        assert admin.get("/audit/").status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_an_attachment_not_linked_yet_is_named_without_owner(world):
    att = attachments.store(file_storage(b"%PDF-1.4 x", "报告.pdf", "application/pdf"), actor=world.officer)
    db.session.commit()
    assert subjects.describe_one(att).text == "附件 报告.pdf"
