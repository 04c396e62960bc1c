"""Issue #11 item 6: security headers on pages, the API and downloads; downloads carry the detected type.

CSP on every response (no inline script anywhere: every <script> of every page has a src), no-store on
every signed-in response while static files keep caching, Permissions-Policy, HSTS only over HTTPS (directly,
through the trusted proxy hop, or when the deployment says so), and evidence served under its real type.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from app import attachments
from app.config import TestConfig
from app.extensions import db as _db
from app.security_headers import CONTENT_SECURITY_POLICY
from tests.factories.files import JPEG, PDF, file_storage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def assert_page_headers(r):
    assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    csp = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert csp["script-src"] == "'self'" and csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert csp["frame-ancestors"] == "'self'" and csp["form-action"] == "'self'"
    assert csp["img-src"] == "'self' data:" and csp["style-src-elem"] == "'self'"
    assert "camera=()" in r.headers["Permissions-Policy"] and "geolocation=()" in r.headers["Permissions-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_signed_in_page_api_and_download_carry_every_header(login, db, world):
    att = attachments.store(file_storage(JPEG, "现场.jpg"), actor=world.officer)
    db.session.commit()
    client = login(world.officer)
    for url in ("/inbox", "/api/v1/hazards", f"/attachments/{att.id}"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["Cache-Control"] == "no-store", url
        assert "Strict-Transport-Security" not in r.headers, url  # plain http
        if url.startswith("/attachments"):
            assert r.headers["Content-Security-Policy"].startswith("sandbox;")  # its own, stricter policy
            assert "camera=()" in r.headers["Permissions-Policy"]
        else:
            assert_page_headers(r)


def test_anonymous_pages_are_not_no_store_and_static_files_keep_caching(app, login, world):
    r = app.test_client().get("/login")
    assert r.status_code == 200
    assert_page_headers(r)
    assert "no-store" not in r.headers.get("Cache-Control", "")
    client = login(world.officer)
    for url in ("/static/safeloop.css", "/static/forms.js", "/bootstrap/static/css/bootstrap.min.css"):
        r = client.get(url)  # a signed-in user's session cookie goes along
        assert r.status_code == 200, url
        assert "no-store" not in r.headers.get("Cache-Control", ""), url
        assert "Content-Security-Policy" in r.headers
    # after logout the browser holds a session without a user: pages are cacheable again
    client.post("/logout")
    assert "no-store" not in app.test_client().get("/login").headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("hops", "client_kw", "headers", "https_config", "expected"),
    [
        (0, {}, {}, False, False),
        (0, {"base_url": "https://localhost"}, {}, False, True),
        (0, {}, {"X-Forwarded-Proto": "https"}, False, False),  # no trusted proxy: a client's claim
        (1, {}, {"X-Forwarded-Proto": "https"}, False, True),
        (1, {}, {"X-Forwarded-Proto": "http"}, False, False),
        (0, {}, {}, True, True),  # SAFELOOP_HTTPS: the deployment is served over HTTPS
    ],
)
def test_hsts_only_over_https(tmp_path, hops, client_kw, headers, https_config, expected):
    from app import create_app

    base = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**base, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}",
                      "UPLOAD_DIR": str(tmp_path), "PROXY_HOPS": hops, "HTTPS": https_config})
    r = app.test_client().get("/static/safeloop.css", headers=headers, **client_kw)
    assert r.status_code == 200
    assert (r.headers.get("Strict-Transport-Security") == "max-age=31536000") is expected


def test_png_uploaded_as_html_downloads_as_png(login, db, world):
    att = attachments.store(file_storage(PNG, "poly.html", "text/html"), actor=world.officer)
    db.session.commit()
    r = login(world.officer).get(f"/attachments/{att.id}")
    assert r.status_code == 200 and r.data == PNG
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"] == "inline; filename=poly.png"
    assert r.headers["Content-Security-Policy"].startswith("sandbox;")
    r = login(world.officer).get(f"/attachments/{att.id}?download=1")
    assert r.headers["Content-Disposition"] == "attachment; filename=poly.png"


def test_pdf_is_inline_under_the_sandbox_and_video_is_a_download(login, db, world):
    pdf = attachments.store(file_storage(PDF, "整改报告.exe", "application/pdf"), actor=world.officer)
    video = attachments.store(file_storage(MP4, "录像.mp4.html", "video/mp4"), actor=world.officer)
    db.session.commit()
    client = login(world.officer)
    r = client.get(f"/attachments/{pdf.id}")
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("inline") and "%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf" in (
        r.headers["Content-Disposition"])
    csp = [d.strip() for d in r.headers["Content-Security-Policy"].split(";")]
    assert csp[0] == "sandbox" and "default-src 'none'" in csp
    r = client.get(f"/attachments/{video.id}")
    assert r.headers["Content-Type"] == "video/mp4"
    assert r.headers["Content-Disposition"].startswith("attachment") and ".mp4.mp4" not in (
        r.headers["Content-Disposition"])
    assert r.headers["Content-Security-Policy"].startswith("sandbox;")


@pytest.mark.parametrize(
    ("name", "mime", "served"),
    [
        ("poly.html", "image/png", "poly.png"),
        ("photo.JPEG", "image/jpeg", "photo.jpg"),
        ("检查报告 v1.2 final", "application/pdf", "检查报告 v1.2 final.pdf"),
        ("a.tar.gz", "image/webp", "a.tar.webp"),
        ("附件", "video/mp4", "附件.mp4"),
        (".html", "image/png", "附件.png"),
    ],
)
def test_served_name_keeps_the_base_name_and_takes_the_detected_extension(name, mime, served):
    from app.attachments.storage import served_name

    assert served_name(name, mime) == served


# --- no inline script on any page of the demo ------------------------------------------------------------

KINDS = {"form": "safeloop-form", "document": 'data-testid="document"', "diagram": "bpmn-diagram",
         "picker": "picker.js"}
SKIP = ("/logout", "/attachments/", "/static/", "/bootstrap/", "/api/", "/favicon")


class PageScan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and not a.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


@pytest.fixture
def demo(app, login):
    from app.auth.models import User
    from app.seed import seed_demo
    from tests.factories.auth import PASSWORD

    seed_demo()
    _db.session.commit()
    users = list(_db.session.scalars(select(User)))
    for u in users:
        u.set_password(PASSWORD)
    _db.session.commit()
    return users


def test_no_page_of_the_demo_has_inline_script(demo, login):
    """Crawl the demo as each kind of user (pages, task forms, printable documents): every <script> has a
    src, no element has an on…= handler or a javascript: URL, no <style> element, every page the CSP."""
    seen_roles, pages, problems, kinds = set(), 0, {}, set()
    for user in demo:
        role = tuple(sorted(user.role_labels))
        if role in seen_roles or not user.is_active:
            continue
        seen_roles.add(role)
        client = login(user)
        queue, visited = deque(["/"]), set()
        while queue and len(visited) < 70:  # enough to reach every kind of page past the domains' lists
            url = queue.popleft()
            if url in visited:
                continue
            visited.add(url)
            r = client.get(url, follow_redirects=True)
            if r.status_code != 200 or not r.content_type.startswith("text/html"):
                continue
            pages += 1
            assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
            assert r.headers["Cache-Control"] == "no-store", url
            html = r.get_data(as_text=True)
            kinds |= {kind for kind, mark in KINDS.items() if mark in html}
            scan = PageScan()
            scan.feed(html)
            if scan.problems:
                problems[url] = scan.problems
            for href in scan.links:
                href = urldefrag(href)[0]
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(SKIP):
                    continue
                queue.append(href)
    assert problems == {}
    assert len(seen_roles) >= 4 and pages >= 60, (seen_roles, pages)
    assert kinds == set(KINDS), kinds
