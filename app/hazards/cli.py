"""`flask hazards …`: the hazard domain's maintenance commands (repairing derived tables). Modules add
their commands to `hazards_cli`; `init_app` registers the group."""

from __future__ import annotations

from flask.cli import AppGroup

hazards_cli = AppGroup("hazards", help="隐患治理：维护命令（重建检索索引、统计汇总等派生数据）")
