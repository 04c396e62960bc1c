"""Browser journeys: a real Flask server on loopback, driven by Debian's Chromium through Playwright.

Never downloads a browser: the session's `browser` (tests/factories/browser.py) is /usr/bin/chromium.
When Chromium is missing the tests are skipped locally, but fail when SAFELOOP_REQUIRE_BROWSER=1 (CI,
`make test`). A failed journey leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.factories.browser import ARTIFACTS


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else False
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)

