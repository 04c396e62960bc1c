"""Issue #10 item 3: `make demo` (flask demo) speaks Chinese: no Alembic INFO lines in English, a Chinese
line saying what the migrations did."""

from __future__ import annotations

import re

from app import create_app
from app.config import TestConfig


def test_demo_command_migrates_a_new_database_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setattr("app.seed.seed_demo", lambda: None)  # the migrations are under test, not the seed
    demo = create_app({
        **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    })
    runner = demo.test_cli_runner()
    # the suite's own app context is active: the command must run in the demo app's (its database)
    with demo.app_context():
        first = runner.invoke(args=["demo"])
        text = first.output + first.stderr
        assert first.exit_code == 0, text
        assert re.search(r"已创建数据库（执行 \d+ 个数据库迁移），数据库结构为最新版本。", text)
        assert "INFO" not in text and "alembic" not in text and "Running upgrade" not in text
        again = runner.invoke(args=["demo"])
        assert again.exit_code == 0
        assert "数据库结构已是最新版本" in again.output and "INFO" not in again.output + again.stderr
        from app.extensions import db

        db.engine.dispose()
