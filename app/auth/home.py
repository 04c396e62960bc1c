"""首页: what each role opens the system to. Officers, legal reviewers and enterprise accounts work from their
inbox (我的待办) and land there. A leader, a section head or a 统计 user lands on an overview of what awaits
their decision and the overdue picture; an administrator on users, units, system health and the audit chain.

The page is a list of sections. The platform adds its own (the user's tasks, the administrator's figures);
a domain adds its overview in its init_app:

    home.register_section(home.Section(key="…", title="…", roles={Role.LEADER}, render=fn, order=40))

`render(user) -> str` (HTML) reads only the user's data scope. A user whose roles see no section is sent to
the inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth.roles import Role


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    roles: frozenset[Role]  # who sees it
    render: Callable[[object], str]  # user -> HTML
    order: int = 50


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    _sections[section.key] = Section(section.key, section.title, frozenset(section.roles), section.render,
                                     section.order)


def sections_for(user) -> list[Section]:
    return [s for s in sorted(_sections.values(), key=lambda s: (s.order, s.key)) if user.has_role(*s.roles)]


__all__ = ["Section", "register_section", "sections_for"]
