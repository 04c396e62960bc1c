"""`Server-Timing` for benchmarks: the app's own time, SQL statement count and time in the database driver on
every response.

Installed by create_app only when SERVER_TIMING is true (SAFELOOP_SERVER_TIMING=1; bench/server.py sets it
for the gunicorn it starts). Off by default and never to be switched on in a deployment: the header tells
any client how long the server worked and how many statements it ran, a side channel for guessing what
exists behind a page.

The time runs from the WSGI call to start_response. For an ordinary (non-streamed) Flask response the body
is built by then, and what follows (handing the bytes to the server, tearing the request context down)
is not the app's work. Statements are counted on the app's engines (SQLAlchemy before_cursor_execute),
per thread, so a threaded server counts each request's own statements; statements run while a streamed
body is iterated come after the header and are not counted. `db;dur` is the time from before to after each
cursor execute (the driver and the database answering; the COMMIT is not a cursor execute and is not in it):
what is left of `app;dur` is Python, the step's own code and the libraries it runs through.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from sqlalchemy import event

from app.serving import profiling

_counter = threading.local()
_profiling = False  # SAFELOOP_PROFILE_DIR given: statements are also noted with their call sites


def _count(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    _counter.n = getattr(_counter, "n", 0) + 1
    if _profiling:
        profiling.note_statement(statement, context)
    _counter.t = time.perf_counter()


def _timed(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    _counter.db = getattr(_counter, "db", 0.0) + time.perf_counter() - getattr(_counter, "t", time.perf_counter())


def header_value(ms: float, statements: int, db_ms: float = 0.0) -> str:
    return f'app;dur={ms:.2f}, db;dur={db_ms:.3f}, sql;desc="{statements}"'


class ServerTiming:
    """WSGI middleware adding `Server-Timing: app;dur=<ms>, db;dur=<ms>, sql;desc="<n>"` to every response."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        _counter.n, _counter.db = 0, 0.0
        t0 = time.perf_counter()

        def timed_start_response(status, headers, exc_info=None):
            ms = (time.perf_counter() - t0) * 1000
            value = header_value(ms, getattr(_counter, "n", 0), getattr(_counter, "db", 0.0) * 1000)
            headers = [*headers, ("Server-Timing", value)]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, timed_start_response)


def install(app: Flask) -> None:
    """Count statements on every engine of the app and wrap its WSGI callable (outermost); with
    SAFELOOP_PROFILE_DIR, each POST is profiled too (app.serving.profiling), inside the timed part."""
    global _profiling
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            if not event.contains(engine, "before_cursor_execute", _count):
                event.listen(engine, "before_cursor_execute", _count)
                event.listen(engine, "after_cursor_execute", _timed)
    out = profiling.directory()
    if out is not None:
        _profiling = True
        app.wsgi_app = profiling.ProfiledRequests(app.wsgi_app, out)  # type: ignore[method-assign]
    app.wsgi_app = ServerTiming(app.wsgi_app)  # type: ignore[method-assign]
