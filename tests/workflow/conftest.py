"""Fixtures local to the workflow engine tests: a temporary workflow directory, and a helper running
callables in threads that each have their own app context and session. (The test_simple instances,
complete() and the frozen clock are in tests/factories.)"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.extensions import db as _db
from app.workflow.definitions import EXTENSION_KEY, load_definitions


@pytest.fixture
def workflow_dir(app, tmp_path):
    """Point WORKFLOW_DIR at a temporary directory: write(name, xml) writes a file and reloads."""
    old_dir = app.config.get("WORKFLOW_DIR")
    directory = tmp_path / "workflows"
    directory.mkdir()

    class Dir:
        path = directory

        def write(self, name: str, xml: str) -> Path:
            file = directory / name
            file.write_text(xml, encoding="utf-8")
            app.config["WORKFLOW_DIR"] = str(directory)
            load_definitions(app)
            return file

    yield Dir()
    if old_dir is None:
        app.config.pop("WORKFLOW_DIR", None)
    else:
        app.config["WORKFLOW_DIR"] = old_dir
    app.extensions.pop(EXTENSION_KEY, None)
    load_definitions(app)


@pytest.fixture
def in_threads(app):
    """run(fn, n) -> list of (result | exception), fn called in n threads started together."""

    def run(fn, n=2):
        barrier = threading.Barrier(n)
        results: list = [None] * n

        def worker(i):
            with app.app_context():
                try:
                    barrier.wait(timeout=10)
                    results[i] = fn(i)
                    _db.session.commit()
                except Exception as exc:  # noqa: BLE001 - collected for the assertion
                    _db.session.rollback()
                    results[i] = exc
                finally:
                    _db.session.remove()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "worker thread hung"
        return results

    return run
