"""Under the Content-Security-Policy (issue #11 item 6) the printable document's toolbar, whose inline handlers
moved to app/static/documents.js, still works in Chromium: 打印 prints, 返回 goes back to the page before.
(The form script, now app/static/forms.js, runs in every journey that fills a task form.) The autouse
csp_violations fixture (conftest.py) fails any journey on a CSP violation."""

from __future__ import annotations

import pytest

from app import attachments
from tests.factories.auth import PASSWORD
from tests.factories.browser import browser_login
from tests.factories.db import commit
from tests.factories.files import file_storage

pytestmark = pytest.mark.browser


def test_document_toolbar_runs_under_the_policy(browser, live_server, world, make_hazard):
    h = make_hazard(location="三号仓库")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    context.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    page = context.new_page()
    try:
        browser_login(page, live_server, "officer", PASSWORD)
        order_url = live_server + f"/hazards/orders/{h.order_id}"
        page.goto(order_url)
        response = page.goto(live_server + f"/hazards/orders/{h.order_id}/document")
        assert "script-src 'self'" in response.all_headers()["content-security-policy"]
        assert response.all_headers()["cache-control"] == "no-store"
        assert page.locator("[data-testid=document]").is_visible()
        assert page.evaluate("getComputedStyle(document.querySelector('.sheet')).width") != "auto"  # documents.css
        page.get_by_role("button", name="打印").click()
        assert page.evaluate("window.__printed") == 1
        page.get_by_role("link", name="返回").click()
        page.wait_for_url(order_url)
    finally:
        context.close()


def _one_page_pdf() -> bytes:
    """A 300×200 pt page painted black with HELLO in white."""
    stream = b"0 0 0 rg 0 0 300 200 re f BT /F1 24 Tf 1 1 1 rg 20 100 Td (HELLO) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


def _dark_pixels(png: bytes) -> int:
    """Pixels with every channel below 10 in an 8-bit RGB(A) PNG (Chromium's screenshots); no imaging library."""
    import struct
    import zlib

    pos, data, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, _depth, color = struct.unpack(">IIBB", body[:10])
            channels = {2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    raw, stride, prev, dark = zlib.decompress(data), width * channels, bytearray(width * channels), 0
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        dark += sum(1 for x in range(0, stride, channels) if max(line[x:x + 3]) < 10)
        prev = line
    return dark


def test_pdf_evidence_displays_under_the_sandbox_policy(browser, live_server, world):
    """A PDF opens inline under the sandbox CSP of every attachment, and Chromium's PDF viewer still shows it:
    its black page appears in the screenshot."""
    att = attachments.store(file_storage(_one_page_pdf(), "整改报告.pdf", "application/pdf"), actor=world.officer)
    commit()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        browser_login(page, live_server, "officer", PASSWORD)
        response = page.goto(live_server + f"/attachments/{att.id}")
        assert response.all_headers()["content-security-policy"].startswith("sandbox;")
        assert response.all_headers()["content-disposition"].startswith("inline")
        black = 0
        for _ in range(20):  # the viewer renders asynchronously
            page.wait_for_timeout(500)
            black = _dark_pixels(page.screenshot())
            if black > 50_000:  # the 300×200 pt page at 100 % is about 400×266 px
                break
        assert black > 50_000, black
    finally:
        context.close()
