"""The overdue picture and the 重大事故隐患 / 挂牌督办 list: the 首页 sections of leaders, section heads and 统计
users (app.auth.home), and the page /hazards/major. Every query starts from `queries.scoped(user)`, the
hazard list's own scope, so nobody sees a hazard here they could not open from the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import contains_eager, joinedload

from app import clock
from app.auth.roles import Role
from app.extensions import db
from app.hazards import queries
from app.hazards.models import OPEN_STATUSES, Hazard, HazardLevel, HazardStatus, ProgressReport, Supervision

SHOWN_ON_HOME = 8
PER_PAGE = 50
HOME_ROLES = frozenset({Role.LEADER, Role.SECTION_HEAD, Role.SUPERVISOR})
_OPEN = [str(s) for s in OPEN_STATUSES]

# the tabs of the 重大事故隐患 page: key -> (label, condition on Hazard / Supervision)
MAJOR_TABS = {
    "listed": ("挂牌督办中", and_(Supervision.listed.is_(True), Supervision.delisted_on.is_(None),
                                  Hazard.status.in_(_OPEN))),
    "open": ("未销号", Hazard.status.in_(_OPEN)),
    "pending": ("待督办决定", Hazard.status == HazardStatus.SUPERVISION_PENDING),
    "closed": ("已销号/已移送", Hazard.status.not_in(_OPEN)),
    "all": ("全部", None),
}
DEFAULT_TAB = "listed"


def _major(user) -> Select:
    """The user's 重大 hazards (issued ones: drafts are the registering officer's), with their supervision."""
    return (
        queries.scoped(user)
        .where(Hazard.level == HazardLevel.MAJOR, Hazard.status != HazardStatus.DRAFT)
        .outerjoin(Supervision, Supervision.hazard_id == Hazard.id)
    )


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


@dataclass
class MajorPage:
    tab: str
    hazards: list[Hazard]
    progress: dict[int, ProgressReport]  # hazard id -> its latest 治理进展
    counts: dict[str, int]
    total: int
    page: int
    pages: int


def latest_progress(hazard_ids: list[int]) -> dict[int, ProgressReport]:
    if not hazard_ids:
        return {}
    out: dict[int, ProgressReport] = {}
    rows = db.session.scalars(
        select(ProgressReport).where(ProgressReport.hazard_id.in_(hazard_ids)).order_by(ProgressReport.id)
    )
    for r in rows:
        out[r.hazard_id] = r
    return out


def major_page(user, tab: str, page: int = 1, per_page: int = PER_PAGE) -> MajorPage:
    tab = tab if tab in MAJOR_TABS else DEFAULT_TAB
    counts = {}
    for key, (_label, cond) in MAJOR_TABS.items():
        counts[key] = _count(_major(user).where(cond) if cond is not None else _major(user))
    cond = MAJOR_TABS[tab][1]
    stmt = _major(user).where(cond) if cond is not None else _major(user)
    total = counts[tab]
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    hazards = list(db.session.scalars(
        stmt.options(contains_eager(Hazard.supervision), joinedload(Hazard.enterprise))
        .order_by(Hazard.is_overdue.desc(), Hazard.deadline, Hazard.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).unique())
    return MajorPage(tab=tab, hazards=hazards, progress=latest_progress([h.id for h in hazards]), counts=counts,
                     total=total, page=page, pages=pages)


# --- 首页 sections ------------------------------------------------------------------------------------


def render_overdue(user) -> str:
    """逾期未整改 in the user's scope: how many, how many majors, how many fall due within 3 days, the oldest."""
    today = clock.today()
    open_ = queries.scoped(user).where(Hazard.status.in_(_OPEN))
    overdue = open_.where(Hazard.is_overdue == True)  # noqa: E712 - `=` seeks ix_hazards_open; `IS` does not
    soon = open_.where(Hazard.is_overdue == False, Hazard.deadline >= today,  # noqa: E712
                       Hazard.deadline <= today + timedelta(days=2))
    oldest = list(db.session.scalars(
        overdue.options(joinedload(Hazard.enterprise)).order_by(Hazard.deadline, Hazard.id).limit(SHOWN_ON_HOME)
    ).unique())
    return render_template(
        "hazards/_home_overdue.html", overdue=_count(overdue), open=_count(open_),
        major_overdue=_count(overdue.where(Hazard.level == HazardLevel.MAJOR)), soon=_count(soon), oldest=oldest,
        today=today,
    )


def render_major(user) -> str:
    """重大事故隐患: those under 挂牌督办 and those awaiting the 督办 decision."""
    page = major_page(user, "listed", per_page=SHOWN_ON_HOME)
    return render_template("hazards/_home_major.html", page=page, today=clock.today())


def register_home_sections() -> None:
    from app.auth import home

    home.register_section(home.Section("hazards_overdue", "逾期隐患", HOME_ROLES, render_overdue, order=20))
    home.register_section(home.Section("hazards_major", "重大事故隐患挂牌督办", HOME_ROLES, render_major, order=30))
