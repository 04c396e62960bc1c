"""Issue #10 item 12: evidence access stays on record (执法全过程记录) without one row per thumbnail: a page
with N thumbnails writes ONE view event naming the N attachments, its thumbnail requests write nothing,
opening an original writes one event, and a thumbnail address without a valid token is an original."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from tests.factories.files import JPEG

THUMB = re.compile(r'<img src="(/attachments/(\d+)/thumbnail\?t=[^"]+)"')


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_page_with_n_thumbnails_writes_one_view_event_naming_them(make_order, world, upload, login):
    photos = [upload(world.officer, name=f"现场{i}.jpg") for i in range(3)]
    hazard = make_order({"photos": photos}).hazards[0]
    officer = login(world.officer)
    before = _count()

    html = officer.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    thumbs = THUMB.findall(html)
    assert sorted(int(i) for _, i in thumbs) == sorted(photos)
    views = _events("attachment.viewed")
    assert len(views) == 1 and _count() == before + 1
    [view] = views
    assert sorted(view.data["attachments"]) == sorted(photos)
    assert view.actor_id == world.officer.id and view.data["page"] == f"/hazards/{hazard.id}"
    assert f"隐患 {hazard.code}" in view.summary and all(f"现场{i}.jpg" in view.summary for i in range(3))

    for url, _ in thumbs:  # the browser loads the thumbnails: served, and no event each
        r = officer.get(url.replace("&amp;", "&"))
        assert r.status_code == 200 and r.data == JPEG
        assert r.headers["Content-Disposition"].startswith("inline")
    assert _count() == before + 1
    assert _events("attachment.downloaded") == []

    # opening the original is on record, once
    assert officer.get(f"/attachments/{photos[0]}").status_code == 200
    downloads = _events("attachment.downloaded")
    assert len(downloads) == 1 and downloads[0].object_id == photos[0]
    assert _count() == before + 2

    # a second view of the page is a second page-view event (one per page view)
    officer.get(f"/hazards/{hazard.id}")
    assert len(_events("attachment.viewed")) == 2


def test_thumbnail_without_a_valid_token_is_recorded_as_the_original(make_order, world, upload, login):
    photo = upload(world.officer)
    hazard = make_order({"photos": [photo]}).hazards[0]
    officer, officer2 = login(world.officer), login(world.officer2)
    url = THUMB.search(officer.get(f"/hazards/{hazard.id}").get_data(as_text=True)).group(1).replace("&amp;", "&")
    for client, address in ((officer, f"/attachments/{photo}/thumbnail"),  # no token
                            (officer, f"/attachments/{photo}/thumbnail?t=forged"),
                            (officer2, url)):  # another user's token
        n = len(_events("attachment.downloaded"))
        assert client.get(address).status_code == 200
        assert len(_events("attachment.downloaded")) == n + 1


def test_thumbnail_keeps_the_access_check(make_order, world, upload, login):
    photo = upload(world.officer)
    hazard = make_order({"photos": [photo]}).hazards[0]
    url = THUMB.search(login(world.officer).get(f"/hazards/{hazard.id}").get_data(as_text=True)).group(1)
    assert login(world.manager_b).get(url.replace("&amp;", "&")).status_code == 404


def test_page_without_thumbnails_writes_no_view_event(make_order, world, login):
    hazard = make_order({"photos": []}).hazards[0]
    login(world.officer).get(f"/hazards/{hazard.id}")
    assert _events("attachment.viewed") == []
