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
