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


CSP_VIOLATION = "Content Security Policy"  # Chromium: "Refused to … because it violates the following Content Security Policy directive …"


@pytest.fixture(autouse=True)
def csp_violations(browser, monkeypatch):
    """Every browser context a journey opens (the page fixture's and the journeys' own) reports CSP
    violations from its console; a journey that causes one fails (issue #11 item 6: the policy must break
    no page)."""
    seen: list[str] = []
    new_context = browser.new_context

    def watched(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("console", lambda msg: seen.append(f"{msg.location.get('url', '')}: {msg.text}")
                   if CSP_VIOLATION in msg.text else None)
        return context

    monkeypatch.setattr(browser, "new_context", watched)
    yield seen
    assert not seen, f"Content-Security-Policy violations: {seen}"


@pytest.fixture
def page(browser, request, csp_violations):
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

