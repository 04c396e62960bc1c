"""Where a request's time goes, for benchmarks: a cProfile of every POST and the SQL it ran, each statement
with the app's call site (issue #15: "find where the time goes with a profiler").

Installed by `app.serving.timing.install` only when the benchmark's Server-Timing is on and
SAFELOOP_PROFILE_DIR names a directory (bench/profile_steps.py sets both for the gunicorn it starts); never in
a deployment. Each POST writes `<dir>/<n>-<path>.prof` (pstats) and `<n>-<path>.sql` (one line per statement:
its first words, then the app frames that issued it, innermost first). Profiling slows every request
several-fold: read the shares, not the times.
"""

from __future__ import annotations

import cProfile
import itertools
import os
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.engine.default import CACHE_MISS, NO_CACHE_KEY

_APP = str(Path(__file__).resolve().parent.parent) + os.sep
_local = threading.local()
_serial = itertools.count(1)


def directory() -> Path | None:
    value = os.environ.get("SAFELOOP_PROFILE_DIR")
    return Path(value) if value else None


def note_statement(statement: str, context: Any = None) -> None:
    """Called for each statement (app.serving.timing's counter): kept with its call site while profiling, and
    marked `[compiled]` when SQLAlchemy had to compile it (a statement-cache miss, which costs far more than a
    hit: a statement built so that it never caches shows up here on every request)."""
    log = getattr(_local, "log", None)
    if log is None:
        return
    _local.profile.disable()  # the call site's cost is not the request's
    try:
        frames = [f for f in traceback.extract_stack()[:-3] if f.filename.startswith(_APP)]
        site = " <- ".join(f"{f.filename.removeprefix(_APP)}:{f.lineno}:{f.name}" for f in reversed(frames[-8:]))
        compiled = " [compiled]" if getattr(context, "cache_hit", None) in (CACHE_MISS, NO_CACHE_KEY) else ""
        log.append(f"{' '.join(statement.split())[:120]}{compiled}\t{site}")
    finally:
        _local.profile.enable()


class ProfiledRequests:
    """WSGI middleware: profile each POST into `directory`."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], out: Path):
        self.wsgi_app = wsgi_app
        self.out = out
        out.mkdir(parents=True, exist_ok=True)

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return self.wsgi_app(environ, start_response)
        profile = _local.profile = cProfile.Profile()
        _local.log = []
        try:
            profile.enable()
            try:
                body = list(self.wsgi_app(environ, start_response))  # the body built inside the profile
            finally:
                profile.disable()
            name = f"{next(_serial):05d}-{environ['PATH_INFO'].strip('/').replace('/', '_') or 'root'}"
            profile.dump_stats(self.out / f"{name}.prof")
            (self.out / f"{name}.sql").write_text("\n".join(_local.log) + "\n", encoding="utf-8")
        finally:
            _local.log = None
        return body
