"""统计分析: the page shows every panel a domain registered that the user may see (each panel renders its
own filters, figures and drill-down links from its domain's scoped query).

    dashboard.register_panel(Panel(key="…", can_view=…, render=…))   # in a domain's init_app
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict


@dataclass(frozen=True)
class Panel:
    key: str
    can_view: Callable[[object], bool]  # user -> bool
    render: Callable[[object, MultiDict], str]  # (user, request args) -> HTML
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels_for(user) -> list[Panel]:
    return [p for p in sorted(_panels.values(), key=lambda p: (p.order, p.key)) if p.can_view(user)]


__all__ = ["Panel", "panels_for", "register_panel"]
