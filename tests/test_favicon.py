"""/favicon.ico is a real icon served locally, to anyone, and every page names it (issue #10 item 11)."""

from __future__ import annotations

import struct
from pathlib import Path

import app as app_package

ICON = Path(app_package.__file__).parent / "static" / "favicon.ico"


def test_favicon_is_a_real_icon_served_without_login(app):
    client = app.test_client()
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    body = response.get_data()
    assert body == ICON.read_bytes()
    reserved, kind, count = struct.unpack("<HHH", body[:6])
    assert (reserved, kind) == (0, 1) and count >= 2  # an ICO file holding several sizes
    sizes = {body[6 + 16 * i] for i in range(count)}
    assert {16, 32} <= sizes


def test_every_page_links_the_icon(app):
    html = app.test_client().get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.ico"' in html
    assert app.test_client().get("/static/favicon.ico").status_code == 200
