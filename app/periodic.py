"""A pass of background work every N seconds, in the calling thread or a daemon thread.

The timer worker (`app.workflow.ticks.Ticker`) and the jobs worker (`app.jobs.worker.JobWorker`) are both
this loop around their own pass. Each pass runs in its own app context and session; a failing pass is rolled
back, logged, and retried on the next one, so the loop outlives a bad pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

from app.extensions import db

log = logging.getLogger(__name__)


class Periodic:
    """Subclasses set `thread_name` and `failure_message` and implement `work()` (runs in an app context,
    returns how much it did)."""

    thread_name = "safeloop-periodic"
    failure_message = "后台处理失败，将在下次检查时重试"

    def __init__(self, app: Flask, interval: float, *, say: Callable[[str], object] | None = None):
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.app = app
        self.interval = interval
        self.say = say or log.info
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def work(self) -> int:
        raise NotImplementedError

    def run_once(self) -> int:
        """One pass in its own app context and session; 0 when it failed (rolled back and logged)."""
        with self.app.app_context():
            try:
                return self.work()
            except Exception:  # keep going; the failed pass was rolled back
                db.session.rollback()
                log.exception(self.failure_message)
                return 0
            finally:
                db.session.remove()

    def run(self) -> None:
        """A pass now, then one every `interval` seconds, until `stop()` (or KeyboardInterrupt)."""
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)

    def run_in_foreground(self, what: str) -> None:
        """The `flask … worker` commands: say what started and how often, loop until Ctrl+C."""
        self.say(f"{what}已启动，每 {self.interval:g} 秒检查一次（Ctrl+C 退出）")
        try:
            self.run()
        except KeyboardInterrupt:
            self.say("已退出")

    def start(self):
        """Run in a daemon thread (it ends with the process if never stopped)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to end and wait for a pass under way to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


# ---- sweeps: a domain's periodic pass run by the timer worker -------------------------------------------

_SWEEPS: dict[str, Sweep] = {}


class Sweep:
    """A domain's periodic pass (e.g. the penalty cases' daily 办案期限 check), run by the timer worker
    (`flask workflow worker`, and the demo server's ticker) at most every `every` seconds. `fn()` runs in the
    worker's app context, flushes, returns a message or None; the worker commits it. It must be idempotent:
    several workers may run it."""

    def __init__(self, name: str, fn: Callable[[], str | None], every: float):
        self.name, self.fn, self.every = name, fn, every
        self.last: float | None = None


def register_sweep(name: str, fn: Callable[[], str | None], *, every: float) -> None:
    _SWEEPS[name] = Sweep(name, fn, every)


def run_due_sweeps(say: Callable[[str], object], now: float | None = None) -> int:
    """Run each registered sweep whose interval has passed since its last run in this process; a failing
    sweep is rolled back and logged, the others still run. Returns how many ran."""
    import time

    now = time.monotonic() if now is None else now
    ran = 0
    for sweep in _SWEEPS.values():
        if sweep.last is not None and now - sweep.last < sweep.every:
            continue
        sweep.last = now
        try:
            message = sweep.fn()
            db.session.commit()
            ran += 1
            if message:
                say(message)
        except Exception:
            db.session.rollback()
            log.exception("定期任务 %s 执行失败，将在下次检查时重试", sweep.name)
    return ran
