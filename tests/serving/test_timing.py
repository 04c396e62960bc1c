"""Server-Timing for the HTTP benchmarks (app/serving/timing.py): on only with SERVER_TIMING, then the
app's time and the request's own SQL statement count on every response."""

from __future__ import annotations

import re

from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db

TIMING = re.compile(r'^app;dur=(\d+\.\d+), sql;desc="(\d+)"$')


def _app(app, **extra):
    base = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    timed = create_app({**base, "SECRET_KEY": "test-secret", "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **extra})

    @timed.get("/_probe/<int:n>")
    def _probe(n: int):
        for _ in range(n):
            db.session.execute(text("SELECT 1"))
        return "ok"

    return timed


def test_off_by_default_no_header(app):
    assert not app.config["SERVER_TIMING"]
    assert "Server-Timing" not in app.test_client().get("/login").headers
    probe = _app(app)
    assert "Server-Timing" not in probe.test_client().get("/_probe/2").headers


def test_on_each_response_carries_its_time_and_its_own_statement_count(app):
    probe = _app(app, SERVER_TIMING=True)
    client = probe.test_client()
    counts = []
    for n in (3, 0, 5):  # the count starts again with each request
        got = client.get(f"/_probe/{n}")
        assert got.status_code == 200 and got.text == "ok"
        match = TIMING.match(got.headers["Server-Timing"])
        assert match, got.headers["Server-Timing"]
        assert float(match.group(1)) > 0
        counts.append(int(match.group(2)))
    assert counts == [3, 0, 5]
    # pages, redirects and errors alike: the header is added at start_response
    assert TIMING.match(client.get("/login").headers["Server-Timing"])
    assert client.get("/hazards").status_code == 302
    assert TIMING.match(client.get("/hazards").headers["Server-Timing"])
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and TIMING.match(missing.headers["Server-Timing"])
