"""站内消息: one notice per key and user, each user sees and marks only their own, the navbar badge counts
them, and a notice opens its object's page."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from app import notifications, subjects
from app.extensions import db
from app.notifications import Notification
from app.org.models import Enterprise
from tests.factories.db import commit, sql_log


@pytest.fixture
def enterprise_view(monkeypatch):
    """Enterprises as a subject with a page (no domain needed for the platform's tests)."""
    view = subjects.SubjectView(
        load=lambda i: db.session.get(Enterprise, i),
        summary_template="",
        url=lambda e: url_for("org.enterprise_detail", enterprise_id=e.id),
        label="企业",
    )
    monkeypatch.setitem(subjects._views, "enterprises", view)
    return view


def tell(users, subject=None, key="k1", **kw):
    kw.setdefault("kind", "test")
    kw.setdefault("title", "测试消息")
    return notifications.notify(users, subject, key=key, **kw)


def mine(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_one_notice_per_key_and_user(world):
    assert tell([world.officer, world.officer, None], world.ent_a, level="danger") == 1
    assert tell([world.officer, world.officer2], world.ent_a, title="第二次") == 1  # officer has k1 already
    assert tell([world.officer], world.ent_a) == 0
    assert tell([]) == 0
    assert tell([world.officer], world.ent_a, key="k2") == 1  # another occasion
    commit()
    [first, second] = sorted(mine(world.officer), key=lambda n: n.id)
    assert (first.key, first.title, first.level) == ("enterprises:k1", "测试消息", "danger")
    assert (first.subject_type, first.subject_id) == ("enterprises", world.ent_a.id)
    assert second.key == "enterprises:k2" and first.read_at is None
    assert [n.title for n in mine(world.officer2)] == ["第二次"]


def test_the_same_key_about_another_kind_of_object_is_another_notice(world):
    """Keys are kept per subject type: two domains using "overdue:1:…" never swallow each other's notice."""
    assert tell([world.officer], world.ent_a, key="overdue:1") == 1
    assert tell([world.officer], world.officer, key="overdue:1") == 1
    assert tell([world.officer], None, key="overdue:1") == 1
    assert tell([world.officer], world.ent_a, key="overdue:1") == 0
    assert sorted(n.key for n in mine(world.officer)) == ["enterprises:overdue:1", "overdue:1", "users:overdue:1"]


def test_notice_without_subject_and_bad_level(world):
    assert tell([world.officer], None, body="正文") == 1
    [n] = mine(world.officer)
    assert n.subject_type is None and n.subject_id is None and n.body == "正文" and n.level == "info"
    with pytest.raises(ValueError):
        tell([world.officer], key="k9", level="urgent")


def test_unread_count_for_user_and_mark_read(world):
    for i in range(5):
        tell([world.officer, world.officer2], key=f"k{i}", title=f"消息{i}")
    commit()
    assert notifications.unread_count(world.officer) == 5
    assert notifications.unread_count(world.officer, cap=2) == 3  # the badge stops counting at cap + 1
    newest = notifications.for_user(world.officer, limit=2)
    assert [n.title for n in newest] == ["消息4", "消息3"]
    rest = notifications.for_user(world.officer, before=newest[-1].id)
    assert [n.title for n in rest] == ["消息2", "消息1", "消息0"]
    theirs = notifications.for_user(world.officer2)[0]
    assert notifications.mark_read(world.officer, ids=[newest[0].id, theirs.id]) == 1  # not someone else's
    assert notifications.mark_read(world.officer, ids=[]) == 0
    commit()
    assert notifications.unread_count(world.officer) == 4 and notifications.unread_count(world.officer2) == 5
    assert notifications.mark_read(world.officer) == 4
    commit()
    assert notifications.unread_count(world.officer) == 0 and notifications.unread_count(world.officer2) == 5


def test_list_shows_only_my_notices_newest_first(login, world, enterprise_view):
    tell([world.officer], world.ent_a, key="a", title="给王执法的旧消息")
    tell([world.officer], world.ent_a, key="b", title="给王执法的新消息")
    tell([world.officer2], world.ent_a, key="c", title="给赵执法的消息")
    commit()
    html = login(world.officer).get("/notifications").get_data(as_text=True)
    assert html.index("给王执法的新消息") < html.index("给王执法的旧消息")
    assert "给赵执法的消息" not in html and "[企业]" in html and "全部标为已读" in html
    assert html.count('data-unread="true"') == 2


def test_list_pages_by_seeking(login, world, monkeypatch):
    monkeypatch.setattr("app.notifications.routes.PAGE_SIZE", 2)
    for i in range(3):
        tell([world.officer], key=f"k{i}", title=f"消息{i}")
    commit()
    c = login(world.officer)
    html = c.get("/notifications").get_data(as_text=True)
    assert "消息2" in html and "消息1" in html and "消息0" not in html
    more = re.search(r'href="(/notifications\?before=\d+)"', html).group(1)
    html = c.get(more).get_data(as_text=True)
    assert "消息0" in html and "消息1" not in html and "更早的消息" not in html


def test_opening_a_notice_reads_it_and_goes_to_its_object(login, world, enterprise_view):
    tell([world.officer], world.ent_a)
    tell([world.officer], None, key="k2")
    commit()
    about, bare = sorted(mine(world.officer), key=lambda n: n.id)
    c = login(world.officer)
    r = c.get(f"/notifications/{about.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/enterprises/{world.ent_a.id}")
    r = c.get(f"/notifications/{bare.id}")  # nothing to open: back to the list
    assert r.status_code == 302 and r.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    assert notifications.unread_count(world.officer) == 0


def test_another_users_notice_is_not_found(login, world, enterprise_view):
    tell([world.officer2], world.ent_a)
    commit()
    [theirs] = mine(world.officer2)
    c = login(world.officer)
    assert c.get(f"/notifications/{theirs.id}").status_code == 404
    assert c.post("/notifications/read", data={"ids": [str(theirs.id)]}).status_code == 302
    assert c.post("/notifications/read").status_code == 302  # "all": all of mine, none of theirs
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_marking_read_needs_csrf_and_login(app, login, world):
    tell([world.officer])
    commit()
    anonymous = app.test_client()
    assert anonymous.get("/notifications").status_code == 302
    c = login(world.officer)
    assert c.client.post("/notifications/read").status_code == 400  # no CSRF token
    assert notifications.unread_count(world.officer) == 1
    r = c.post("/notifications/read", data={"ids": [str(mine(world.officer)[0].id)]})
    assert r.status_code == 302 and r.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    assert notifications.unread_count(world.officer) == 0


def _badge(html: str) -> str | None:
    m = re.search(r'data-testid="unread-badge">([^<]+)<', html)
    return m.group(1) if m else None


def test_navbar_badge_counts_my_unread_notices(login, world, monkeypatch):
    c = login(world.manager_a)
    assert _badge(c.get("/inbox").get_data(as_text=True)) is None
    tell([world.manager_a], key="a")
    tell([world.manager_a], key="b")
    tell([world.officer], key="c")
    commit()
    html = c.get("/inbox").get_data(as_text=True)
    assert _badge(html) == "2" and 'data-testid="notifications-link"' in html
    with sql_log() as log:
        c.get("/inbox")
    assert sum("notifications" in s for s in log) == 1  # one COUNT per page
    with sql_log() as log:
        assert c.post("/notifications/read").status_code == 302  # a redirect renders no badge
    assert not any("count(" in s.lower() for s in log)
    assert _badge(c.get("/inbox").get_data(as_text=True)) is None
    monkeypatch.setattr("app.notifications.routes.BADGE_CAP", 3)
    for i in range(5):
        tell([world.manager_a], key=f"x{i}")
    commit()
    assert _badge(c.get("/inbox").get_data(as_text=True)) == "3+"


def test_the_counts_use_the_indexes(world):
    """"My unread count" and "my newest messages" are served by their indexes (SQLite's plan)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plan checked on SQLite")
    tell([world.officer])
    commit()
    count_sql = "SELECT count(*) FROM notifications WHERE user_id = 1 AND read_at IS NULL"
    newest_sql = "SELECT id FROM notifications WHERE user_id = 1 ORDER BY created_at DESC, id DESC LIMIT 50"
    with db.engine.connect() as conn:
        count_plan = " ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + count_sql))
        newest_plan = " ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + newest_sql))
    assert "ix_notifications_user_unread" in count_plan
    assert "ix_notifications_user_newest" in newest_plan and "TEMP B-TREE" not in newest_plan
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
