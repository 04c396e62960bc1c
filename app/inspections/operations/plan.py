"""年度监督检查计划 (安全生产法第六十二条第二款; 《安全生产年度监督检查计划编制办法》(2017): 统筹兼顾、分类分级、
突出重点、提高效能、留有余地).

Drafting (`draft_plan(region_path, year, *, actor)`, the section head of the jurisdiction) proposes, in a few
batch reads (`propose`: ≤ 2 s for a county of 5,000 enterprises, bench/bench_inspections.py):
- 重点检查: every operating enterprise of the jurisdiction of class C or D for the year (app.inspections.caps,
  the pack's class table), with an open 重大事故隐患, or on the 严重失信主体名单 (app.credit.queries.listed_ids),
  one item per planned inspection: its class's planned frequency (at least one, never above its yearly cap)
  spread evenly over the months, each with a proposed team of certified officers balanced per month;
- 一般检查: random-draw quotas (filled by 双随机 batches) per month, industry and town: the planned frequency
  of the other enterprises of each industry and town, spread over the months;
- the officer capacity per month (officer-days): certified officers of the jurisdiction × working days of the
  month, which the section head reduces for their other duties.

The section head edits items and capacity while the plan is 草稿 or 已退回 (`set_capacity`, `add_item`,
`update_item`, `remove_item`). `check_capacity(plan)` gives each month's need (planned inspections × team
size × officer-days per inspection) against capacity × capacity_slack (留有余地, pack value); submission is
refused while a month is over, or while a 重点 enterprise is planned more often than its yearly cap.

Workflow inspection_plan (subject inspection_plans): submit_plan (section head: 报批) → approve_plan (负责人:
批准/退回; 退回 → submit_plan again). On approval the plan is published (app.publication kind
`inspection_plan`: summary and counts by month and industry, no enterprise named), a previous version it
amends becomes 已修订 (its publication withdrawn), and the current month's 重点 inspections are created; the
monthly sweep (`sweep_plans`, app.periodic) creates each month's 重点 inspections through
app.inspections.operations.inspection.create_inspection (source 年度计划, due at the month's end) —
idempotent: an item holds the inspection it produced. The same sweep (and the approval, for the current month)
turns the month's 一般 quotas into that month's 双随机 batch DRAFT (`create_month_batch`: strata = the quotas by
industry × town, DrawBatch.plan_id/plan_month, one per plan lineage and month); the section head commits and
draws it as any batch (app.inspections.operations.draw).

Amendment (`amend_plan(plan, reason, *, actor)`): a copy as the next version (草稿, parent_id), the same
approval; items that already produced an inspection are kept as they are (locked) and count for both versions;
`changes_against_parent(plan)` is what it changes (shown to the 负责人); `withdraw_amendment` abandons one not yet
submitted (已撤回; the approved version stays in force).

Progress (`progress(plan)`): planned vs done (已完成 or 待处理) by month, town and industry — 重点: the plan's
own inspections, 一般: those drawn by its batches (`plan_inspection_ids`, also the list filter plan=&kind=);
`list_url(**filters)` links a number to the inspection list
(/inspections/?plan=&kind=重点|一般&status=done&town=<region path>&industry=&year=&month=).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import false, func, insert, select
from sqlalchemy import text as sql_text

from app import audit, clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.errors import DomainError, InvalidState, NotFound, invalid, require
from app.extensions import db
from app.inspections.models.plan import InspectionPlan, PlanItem, PlanItemKind, PlanStatus
from app.org.models import Department, Enterprise, EnterpriseStatus, Region

PROCESS = "inspection_plan"
SUBJECT_TYPE = "inspection_plans"
KEY_CLASSES = ("C", "D")
DECISIONS = {"approve": "批准", "return": "退回"}
MONTHS = range(1, 13)
MAX_TEXT = 2000

ACTIONS = {
    "inspections.plan_drafted": "编制年度监督检查计划",
    "inspections.plan_edited": "修改年度监督检查计划",
    "inspections.plan_submitted": "年度监督检查计划报批",
    "inspections.plan_approved": "批准年度监督检查计划",
    "inspections.plan_returned": "退回年度监督检查计划",
    "inspections.plan_amended": "修订年度监督检查计划",
    "inspections.plan_superseded": "年度监督检查计划被修订版本取代",
    "inspections.plan_withdrawn": "撤回年度监督检查计划修订版本",
    "inspections.plan_tasks_created": "按年度计划生成检查任务",
    "inspections.plan_batch_created": "按年度计划生成双随机批次草稿",
}
audit.register_action_labels(ACTIONS)


# ---- who may act ------------------------------------------------------------------------------------------


def agency_of(actor: User) -> Department:
    agency = actor.department.agency if actor.department is not None else None
    if agency is None:
        raise InvalidState("您未归属任何执法机关，不能办理")
    return agency


def is_staff_in_scope(user: User, plan: InspectionPlan) -> bool:
    return not user.is_enterprise_user and in_scope(user, plan.region_path)


def can_view(user: User, plan: InspectionPlan) -> bool:
    """Staff of the jurisdiction (or above it) read a plan; an enterprise account never does (a plan names the
    enterprises to be inspected and when)."""
    return is_staff_in_scope(user, plan)


def require_role(user: User, plan: InspectionPlan, *roles: str, message: str) -> None:
    require(user.has_role(*roles) and is_staff_in_scope(user, plan), message)


def require_editor(user: User, plan: InspectionPlan) -> None:
    require_role(user, plan, Role.SECTION_HEAD, message="年度监督检查计划由本辖区科室负责人编制和修改")
    if not plan.editable:
        raise InvalidState(f"计划当前为“{plan.status}”，不能修改；已批准的计划须通过修订变更")


def _lock(plan: InspectionPlan) -> None:
    """One writer per plan for what no workflow step serialises (edits, the monthly sweep)."""
    db.session.flush()
    db.session.execute(sql_text("UPDATE inspection_plans SET id = id WHERE id = :id"), {"id": plan.id})


# ---- pack values -------------------------------------------------------------------------------------------


def _pack(region_path: str, year: int):
    from app.inspections.rules import year_pack

    return year_pack(region_path, year)


@dataclass(frozen=True)
class MonthLoad:
    month: int
    inspections: int
    need: Decimal  # officer-days
    capacity: Decimal  # officer-days available
    bookable: Decimal  # capacity × capacity_slack
    over: bool

    @property
    def share(self) -> int:
        """Need as a percentage of capacity (0 when there is no capacity)."""
        return int(self.need * 100 / self.capacity) if self.capacity else 0


def _decimal(v: Any) -> Decimal:
    try:
        return Decimal(str(v if v not in (None, "") else 0))
    except ArithmeticError:
        return Decimal(0)


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else format(d.quantize(Decimal("0.1")), "f")


def month_counts(plan: InspectionPlan) -> dict[int, int]:
    counts: Counter[int] = Counter()
    for item in plan.items:
        counts[item.month] += item.planned_count
    return {m: counts.get(m, 0) for m in MONTHS}


def check_capacity(plan: InspectionPlan) -> list[MonthLoad]:
    """Each month's need (planned inspections × min_inspectors × officer_days_per_inspection officer-days)
    against the capacity the section head recorded × capacity_slack (留有余地)."""
    pack = _pack(plan.region_path, plan.year)
    per = Decimal(pack.min_inspectors) * pack.officer_days_per_inspection
    slack = pack.capacity_slack
    counts = month_counts(plan)
    loads = []
    for m in MONTHS:
        capacity = _decimal((plan.capacity or {}).get(str(m)))
        need = per * counts[m]
        bookable = capacity * slack
        loads.append(MonthLoad(m, counts[m], need, capacity, bookable, need > bookable))
    return loads


def capacity_problems(plan: InspectionPlan) -> list[str]:
    pack = _pack(plan.region_path, plan.year)
    pct = _fmt(pack.capacity_slack * 100)
    return [
        f"{load.month}月计划检查{load.inspections}次，需{_fmt(load.need)}人日，超过该月可用执法力量"
        f"{_fmt(load.capacity)}人日的{pct}%（{_fmt(load.bookable)}人日，留有余地）"
        for load in check_capacity(plan)
        if load.over
    ]


def cap_problems(plan: InspectionPlan) -> list[str]:
    """重点 enterprises planned more often in the year than their yearly cap (分类分级, 国办发〔2024〕54号)."""
    per_enterprise: Counter[int] = Counter()
    for item in plan.items:
        if item.is_key and item.enterprise_id:
            per_enterprise[item.enterprise_id] += item.planned_count
    if not per_enterprise:
        return []
    from app.inspections.caps import budgets

    found = budgets(list(per_enterprise), plan.year)
    names = dict(
        db.session.execute(
            select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(list(per_enterprise)))
        )
        .tuples()
        .all()
    )
    out = []
    for eid, n in sorted(per_enterprise.items()):
        b = found.get(eid)
        if b is not None and n > b.cap:
            out.append(f"{names.get(eid, eid)}全年计划重点检查{n}次，超过其{b.klass}类年度检查上限{b.cap}次")
    return out


# ---- proposal ----------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    key_items: list[dict]
    general_items: list[dict]
    capacity: dict[str, int]
    officers: list[int]


def _first_month(year: int, today: date) -> int:
    if year < today.year:
        raise invalid("year", "不能为已经过去的年度编制计划")
    return today.month if year == today.year else 1


def _spread(n: int, months: list[int], offset: int) -> list[int]:
    """`n` inspections spread evenly over `months` (each month n // len, the rest evenly spaced from the
    `offset`-th month on: different enterprises start at different months, which balances the load)."""
    k = len(months)
    if n <= 0 or not k:
        return []
    base, extra = divmod(n, k)
    out = [m for m in months for _ in range(base)]
    step = k / extra if extra else 0
    out += [months[(offset + int(i * step)) % k] for i in range(extra)]
    return sorted(out)


def _prorated(n: int, months: list[int]) -> int:
    """A yearly number for the months the plan still covers (a plan drafted during its year)."""
    return n if len(months) == 12 else math.ceil(n * len(months) / 12)


def _town_path(region_path: str, plan_path: str) -> str:
    """The region one level below the plan's (its 乡镇/街道 for a county plan) containing `region_path`."""
    rest = region_path[len(plan_path) :]
    head = rest.split("/", 1)[0]
    return plan_path + head + "/" if head else plan_path


def _certified_officers(region_path: str, agency: Department, on: date) -> list[User]:
    from app.auth.queries import users_with_role

    return [
        u
        for u in users_with_role(Role.OFFICER, region_path=region_path, agency_id=agency.id)
        if u.cert_valid_on(on)
    ]


def _working_days(year: int, month: int) -> int:
    from app.calendar import working_days_between

    first = date(year, month, 1)
    return working_days_between(first - timedelta(days=1), _month_end(year, month))


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def _classes(region_path: str, year: int, enterprise_ids: list[int]) -> dict[int, tuple]:
    """enterprise id → (class, planned frequency, cap) for the year: the stored classes of the jurisdiction,
    computed first for those without one (app.inspections.operations.classification.ensure_classes)."""
    from app.auth.permissions import path_prefix
    from app.inspections.models import EnterpriseClass

    def read() -> dict[int, tuple]:
        stmt = select(
            EnterpriseClass.enterprise_id,
            EnterpriseClass.klass,
            EnterpriseClass.planned_frequency,
            EnterpriseClass.max_inspections,
        ).where(EnterpriseClass.year == year, path_prefix(EnterpriseClass.region_path, region_path))
        return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}

    found = read()
    missing = [eid for eid in enterprise_ids if eid not in found]
    if missing:
        from app.inspections.operations.classification import ensure_classes

        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            ensure_classes(list(db.session.scalars(select(Enterprise).where(Enterprise.id.in_(chunk)))), year)
        found = read()
    return found


def propose(region_path: str, year: int, agency: Department, *, actor: User) -> Proposal:
    """What the draft contains (batch reads: enterprises, classes, open major hazards, listings, officers)."""
    from app.auth.permissions import path_prefix
    from app.credit.queries import listed_ids
    from app.hazards.models import OPEN_STATUSES as HAZARD_OPEN
    from app.hazards.models import Hazard, HazardLevel

    today = clock.today()
    months = list(range(_first_month(year, today), 13))
    ents = db.session.execute(
        select(Enterprise.id, Enterprise.industry, Enterprise.region_path)
        .where(
            path_prefix(Enterprise.region_path, region_path),
            Enterprise.status != EnterpriseStatus.CLOSED,
        )
        .order_by(Enterprise.id)
    ).all()
    ids = [e.id for e in ents]
    classes = _classes(region_path, year, ids)
    majors = set(
        db.session.scalars(
            select(Hazard.enterprise_id)
            .where(
                Hazard.level == HazardLevel.MAJOR,
                Hazard.status.in_(list(HAZARD_OPEN)),
                path_prefix(Hazard.region_path, region_path),
            )
            .distinct()
        )
    )
    listed = listed_ids(ids)
    on = max(date(year, 1, 1), today)
    officers = _certified_officers(region_path, agency, on)
    team_size = _pack(region_path, year).min_inspectors
    load: dict[int, int] = defaultdict(int)

    key_items: list[dict] = []
    general: dict[tuple[str, str], int] = defaultdict(int)
    offset = 0
    for e in ents:
        klass, frequency, cap = classes.get(e.id, (None, 0, 0))
        reasons = []
        if klass in KEY_CLASSES:
            reasons.append(f"{klass}类")
        if e.id in majors:
            reasons.append("存在未销号的重大事故隐患")
        if e.id in listed:
            reasons.append("列入严重失信主体名单")
        if not reasons:
            general[(e.industry, _town_path(e.region_path, region_path))] += frequency or 0
            continue
        n = min(max(_prorated(frequency or 0, months), 1), cap if cap else 1)
        for month in _spread(n, months, offset):
            item = {
                "kind": PlanItemKind.KEY.value,
                "month": month,
                "enterprise_id": e.id,
                "klass": klass,
                "reasons": reasons,
                "region_path": e.region_path,
                "planned_count": 1,
                "lead_officer_id": None,
                "member_ids": [],
            }
            if len(officers) >= team_size:
                start = load[month] % len(officers)
                team = [officers[(start + k) % len(officers)].id for k in range(team_size)]
                item["lead_officer_id"], item["member_ids"] = team[0], team
            load[month] += 1
            key_items.append(item)
        offset += 1

    towns: dict[str, int] = dict(
        db.session.execute(select(Region.path, Region.id).where(Region.path.in_({p for _, p in general})))
        .tuples()
        .all()
    )
    # 一般 quotas go to the months with the fewest inspections so far (统筹兼顾: an even load month by month)
    month_load = Counter({m: load[m] for m in months})
    general_items: list[dict] = []
    for (industry, town_path), yearly in sorted(general.items()):
        total = _prorated(yearly, months)
        if total <= 0:
            continue
        per_month: Counter[int] = Counter()
        for _ in range(total):
            month = min(months, key=lambda m: (month_load[m] + per_month[m], per_month[m], m))
            per_month[month] += 1
        month_load.update(per_month)
        for month, count in sorted(per_month.items()):
            general_items.append(
                {
                    "kind": PlanItemKind.GENERAL.value,
                    "month": month,
                    "industry": industry,
                    "town_id": towns.get(town_path),
                    "region_path": town_path,
                    "planned_count": count,
                    "reasons": [],
                    "member_ids": [],
                }
            )
    capacity = {str(m): (len(officers) * _working_days(year, m) if m in months else 0) for m in MONTHS}
    return Proposal(key_items, general_items, capacity, [o.id for o in officers])


# ---- drafting and editing ----------------------------------------------------------------------------------


def current_plan(region_path: str, year: int) -> InspectionPlan | None:
    """The plan of the jurisdiction and year that is not superseded (the latest version)."""
    return db.session.scalar(
        select(InspectionPlan)
        .where(InspectionPlan.region_path == region_path, InspectionPlan.year == year)
        .where(InspectionPlan.status.not_in((PlanStatus.SUPERSEDED, PlanStatus.WITHDRAWN)))
        .order_by(InspectionPlan.version.desc())
        .limit(1)
    )


def _start_workflow(plan: InspectionPlan, actor: User) -> None:
    workflow.start(
        PROCESS,
        subject=plan,
        title=f"{plan.label}：编制与审批",
        region_path=plan.region_path,
        data={"plan_id": plan.id, "drafter_id": plan.drafted_by_id},
        actor=actor,
    )


def _add_version(plan: InspectionPlan) -> None:
    """Insert a plan version; two people drafting (or amending) the same plan at once: one wins
    (uq_inspection_plans_version), the other is told."""
    from sqlalchemy.exc import IntegrityError

    from app.errors import Conflict

    db.session.add(plan)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("该计划刚刚已由他人编制或修订，请刷新后查看") from None


def _insert_items(plan: InspectionPlan, rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(PlanItem), [{**r, "plan_id": plan.id} for r in rows])
    db.session.expire(plan, ["items"])


def draft_plan(region_path: str, year: Any, *, actor: User, notes: str | None = None) -> InspectionPlan:
    """The section head drafts the jurisdiction's plan for `year` (草稿, submit_plan ready)."""
    require(
        actor.has_role(Role.SECTION_HEAD) and not actor.is_enterprise_user and in_scope(actor, region_path),
        "年度监督检查计划由本辖区科室负责人编制",
    )
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise invalid("year", "请填写计划年度") from None
    if not 2000 <= year <= 2100:
        raise invalid("year", "计划年度无效")
    region = db.session.scalar(select(Region).where(Region.path == region_path))
    if region is None:
        raise invalid("region_path", "计划区域不存在")
    if current_plan(region_path, year) is not None:
        raise InvalidState(f"{region.name}{year}年度监督检查计划已经编制，请在原计划上修改或修订")
    agency = agency_of(actor)
    pack = _pack(region_path, year)
    proposal = propose(region_path, year, agency, actor=actor)
    plan = InspectionPlan(
        agency_id=agency.id,
        region_path=region_path,
        year=year,
        version=1,
        title=f"{region.name}{year}年度安全生产监督检查计划",
        status=PlanStatus.DRAFT,
        capacity=proposal.capacity,
        capacity_slack=str(pack.capacity_slack),
        notes=(notes or "").strip()[:MAX_TEXT] or None,
        drafted_by_id=actor.id,
    )
    _add_version(plan)
    _insert_items(plan, proposal.key_items + proposal.general_items)
    _start_workflow(plan, actor)
    key_enterprises = len({i["enterprise_id"] for i in proposal.key_items})
    general = sum(i["planned_count"] for i in proposal.general_items)
    audit.record(
        actor,
        "inspections.plan_drafted",
        plan,
        summary=f"编制{plan.title}：重点检查{key_enterprises}家{len(proposal.key_items)}次，"
        f"一般检查（双随机）{general}次",
        data={"key_items": len(proposal.key_items), "general": general, "rule_version": pack.version_label()},
    )
    return plan


def _month(value: Any, field: str = "month") -> int:
    try:
        month = int(value)
    except (TypeError, ValueError):
        raise invalid(field, "请选择月份") from None
    if month not in MONTHS:
        raise invalid(field, "月份应为1至12")
    return month


def _count(value: Any, field: str = "planned_count") -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise invalid(field, "请填写计划检查次数") from None
    if not 1 <= n <= 10000:
        raise invalid(field, "计划检查次数应为1至10000")
    return n


def _team(plan: InspectionPlan, data: dict) -> tuple[int | None, list[int]]:
    raw_lead = data.get("lead_officer_id")
    raw_members = data.get("member_ids") or []
    if isinstance(raw_members, str):
        raw_members = [m for m in raw_members.replace("，", ",").split(",") if m.strip()]
    try:
        lead = int(raw_lead) if raw_lead not in (None, "") else None
        members = [int(m) for m in raw_members]
    except (TypeError, ValueError):
        raise invalid("member_ids", "检查组成员无效") from None
    if lead is None and not members:
        return None, []
    if lead is None:
        raise invalid("lead_officer_id", "请选择主办执法人员")
    members = [lead] + [m for m in dict.fromkeys(members) if m != lead]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(members)))}
    pack = _pack(plan.region_path, plan.year)
    if len(members) < pack.min_inspectors:
        raise invalid("member_ids", f"检查组至少{pack.min_inspectors}名执法人员")
    for uid in members:
        u = users.get(uid)
        if u is None or not u.has_role(Role.OFFICER) or not in_scope(u, plan.region_path):
            raise invalid("member_ids", "检查组成员须为本辖区执法人员")
    return lead, members


def _key_enterprise(plan: InspectionPlan, raw: Any) -> Enterprise:
    try:
        enterprise = db.session.get(Enterprise, int(raw))
    except (TypeError, ValueError):
        enterprise = None
    if enterprise is None or not enterprise.region_path.startswith(plan.region_path):
        raise invalid("enterprise_id", "请选择本计划区域内的企业")
    return enterprise


def set_capacity(plan: InspectionPlan, capacity: dict, *, actor: User) -> None:
    """The officer-days available for inspections in each month (the section head's estimate)."""
    require_editor(actor, plan)
    _lock(plan)
    new: dict[str, int] = {}
    for m in MONTHS:
        raw = capacity.get(str(m), capacity.get(m, (plan.capacity or {}).get(str(m), 0)))
        try:
            value = int(raw or 0)
        except (TypeError, ValueError):
            raise invalid(f"m{m}", f"{m}月可用执法力量应为整数（人日）") from None
        if not 0 <= value <= 100000:
            raise invalid(f"m{m}", f"{m}月可用执法力量应在0至100000人日之间")
        new[str(m)] = value
    old = dict(plan.capacity or {})
    if new == old:
        return
    plan.capacity = new
    changed = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
    audit.record(
        actor,
        "inspections.plan_edited",
        plan,
        summary="修改各月可用执法力量：" + "，".join(f"{k}月{v[0]}→{v[1]}人日" for k, v in changed.items()),
        changes={"capacity": [old, new]},
    )


def add_item(plan: InspectionPlan, data: dict, *, actor: User) -> PlanItem:
    """A 重点检查 of a named enterprise in a month (one inspection), or an 一般检查 quota (industry, town,
    month, count)."""
    require_editor(actor, plan)
    _lock(plan)
    kind = data.get("kind")
    month = _month(data.get("month"))
    if kind == PlanItemKind.KEY:
        enterprise = _key_enterprise(plan, data.get("enterprise_id"))
        lead, members = _team(plan, data)
        item = PlanItem(
            plan_id=plan.id,
            kind=PlanItemKind.KEY,
            month=month,
            enterprise_id=enterprise.id,
            region_path=enterprise.region_path,
            planned_count=1,
            reasons=[(data.get("reason") or "科室负责人增列").strip()[:200]],
            lead_officer_id=lead,
            member_ids=members,
        )
        what = f"增列重点检查：{enterprise.name}（{month}月）"
    elif kind == PlanItemKind.GENERAL:
        industry = (data.get("industry") or "").strip()
        if not industry:
            raise invalid("industry", "请选择行业")
        try:
            town = db.session.get(Region, int(data.get("town_id") or 0))
        except (TypeError, ValueError):
            town = None
        if town is None or not town.path.startswith(plan.region_path):
            raise invalid("town_id", "请选择本计划区域内的乡镇/街道")
        item = PlanItem(
            plan_id=plan.id,
            kind=PlanItemKind.GENERAL,
            month=month,
            industry=industry[:30],
            town_id=town.id,
            region_path=town.path,
            planned_count=_count(data.get("planned_count")),
            reasons=[],
            member_ids=[],
        )
        what = f"增列一般检查配额：{town.name}{industry}{month}月{item.planned_count}次"
    else:
        raise invalid("kind", "请选择检查类别")
    db.session.add(item)
    db.session.flush()
    db.session.expire(plan, ["items"])
    audit.record(actor, "inspections.plan_edited", plan, summary=what, data={"item_id": item.id})
    return item


def _editable_item(item: PlanItem, actor: User) -> InspectionPlan:
    plan = item.plan
    require_editor(actor, plan)
    if item.inspection_id is not None:
        raise InvalidState("该计划事项已生成检查任务，不能修改或删除")
    return plan


def _item_label(item: PlanItem) -> str:
    if item.is_key:
        return f"重点检查{item.enterprise.name if item.enterprise else ''}（{item.month}月）"
    town = item.town.name if item.town else ""
    return f"一般检查{town}{item.industry or ''}（{item.month}月，{item.planned_count}次）"


def update_item(item: PlanItem, data: dict, *, actor: User) -> None:
    """Move an item to another month, change a quota's count, or set a 重点 item's team."""
    plan = _editable_item(item, actor)
    _lock(plan)
    before = {
        "plan_month": item.month,
        "planned_count": item.planned_count,
        "member_ids": list(item.member_ids or []),
    }
    if "month" in data:
        item.month = _month(data.get("month"))
    if "planned_count" in data and not item.is_key:
        item.planned_count = _count(data.get("planned_count"))
    if item.is_key and ("lead_officer_id" in data or "member_ids" in data):
        item.lead_officer_id, item.member_ids = _team(plan, data)
    after = {
        "plan_month": item.month,
        "planned_count": item.planned_count,
        "member_ids": list(item.member_ids or []),
    }
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return
    db.session.flush()
    audit.record(
        actor,
        "inspections.plan_edited",
        plan,
        summary=f"修改计划事项：{_item_label(item)}",
        changes=changes,
        data={"item_id": item.id},
    )


def remove_item(item: PlanItem, *, actor: User) -> None:
    plan = _editable_item(item, actor)
    _lock(plan)
    label = _item_label(item)
    db.session.delete(item)
    db.session.flush()
    db.session.expire(plan, ["items"])
    audit.record(actor, "inspections.plan_edited", plan, summary=f"删除计划事项：{label}")


# ---- the approval workflow ---------------------------------------------------------------------------------


def ready_task(plan: InspectionPlan, bpmn_id: str, task=None):
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != plan.id or task.subject_type != SUBJECT_TYPE:
            raise InvalidState("任务与年度监督检查计划不匹配")
        return task
    inst = workflow.instance_for(plan, PROCESS)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"该计划当前为“{plan.status}”，不能办理该事项")


def _step(plan: InspectionPlan, task, data: dict, *, actor) -> dict:
    old = plan.status
    workflow.complete_task(task, data, actor=actor)
    return {"status": [old, plan.status]} if plan.status != old else {}


def submit_plan(plan: InspectionPlan, data: dict | None = None, *, actor: User, task=None) -> None:
    """报批: refused while a month's need exceeds its capacity × capacity_slack, or a 重点 enterprise is planned
    above its yearly cap; a plan without any item is refused too."""
    data = data or {}
    require_role(actor, plan, Role.SECTION_HEAD, message="年度监督检查计划由本辖区科室负责人报批")
    task = ready_task(plan, "submit_plan", task)
    _lock(plan)
    db.session.expire(plan, ["items"])
    if not plan.items:
        raise invalid("plan", "计划没有任何检查事项，不能报批")
    problems = capacity_problems(plan)
    if problems:
        raise invalid("capacity", "；".join(problems) + "。请减少该月检查或调整各月可用执法力量后再报批")
    over = cap_problems(plan)
    if over:
        raise invalid("items", "；".join(over) + "。请减少其检查次数后再报批")
    note = (data.get("note") or "").strip()[:MAX_TEXT]
    plan.submitted_by_id = actor.id
    plan.submitted_at = clock.now()
    changes = _step(plan, task, {"note": note}, actor=actor)
    counts = month_counts(plan)
    audit.record(
        actor,
        "inspections.plan_submitted",
        plan,
        summary=f"{plan.label}报批：全年计划检查{sum(counts.values())}次" + (f"（{note}）" if note else ""),
        changes=changes,
        data={"months": counts},
    )


def decide_plan(plan: InspectionPlan, data: dict, *, actor: User, task=None) -> None:
    """The 负责人 approves (published, tasks created, an amended version superseded) or returns the plan."""
    require_role(actor, plan, Role.LEADER, message="年度监督检查计划由本辖区负责人审批")
    require(actor.id != plan.submitted_by_id, "报批该计划的人员不能审批")
    task = ready_task(plan, "approve_plan", task)
    decision = data.get("plan_decision")
    if decision not in DECISIONS:
        raise invalid("plan_decision", "请选择审批结论")
    opinion = (data.get("opinion") or "").strip()
    if not opinion:
        raise invalid("opinion", "请填写审批意见" if decision == "approve" else "请写明退回理由")
    if len(opinion) > MAX_TEXT:
        raise invalid("opinion", f"审批意见不超过{MAX_TEXT}字")
    if decision == "approve":
        _lock(plan)
        db.session.expire(plan, ["items"])
        problems = capacity_problems(plan) + cap_problems(plan)
        if problems:
            raise invalid("plan_decision", "计划不符合要求，不能批准：" + "；".join(problems))
    plan.decision = DECISIONS[decision]
    plan.opinion = opinion
    plan.decided_by_id = actor.id
    plan.decided_at = clock.now()
    if decision == "return":
        plan.returned_count = (plan.returned_count or 0) + 1
    else:
        plan.approved_at = plan.decided_at
    changes = _step(plan, task, {"plan_decision": decision, "opinion": opinion}, actor=actor)
    if decision == "return":
        audit.record(
            actor, "inspections.plan_returned", plan, summary=f"退回{plan.label}：{opinion}", changes=changes
        )
        return
    audit.record(
        actor, "inspections.plan_approved", plan, summary=f"批准{plan.label}：{opinion}", changes=changes
    )
    if plan.parent_id is not None:
        _supersede(plan, actor=actor)
    from app.inspections import plan_publicity

    plan.publication_id = plan_publicity.publish_plan(plan, actor=actor).id
    create_month_tasks(plan, clock.today())
    create_month_batch(plan, clock.today())


def _supersede(plan: InspectionPlan, *, actor: User) -> None:
    old = db.session.get(InspectionPlan, plan.parent_id)
    if old is None or old.status != PlanStatus.APPROVED:
        return
    old.status = PlanStatus.SUPERSEDED
    old.superseded_at = clock.now()
    from app.inspections import plan_publicity

    plan_publicity.withdraw_plan(old, f"计划已修订，以第{plan.version}版为准", actor=actor)
    audit.record(
        actor,
        "inspections.plan_superseded",
        old,
        summary=f"{old.label}由第{plan.version}版取代（{plan.amendment_reason or ''}）",
        changes={"status": [PlanStatus.APPROVED.value, PlanStatus.SUPERSEDED.value]},
        data={"new_plan_id": plan.id},
    )


def amend_plan(plan: InspectionPlan, reason: str, *, actor: User) -> InspectionPlan:
    """A new version of an approved plan (草稿, parent_id = plan), items and capacity copied; the same approval.
    Items that already produced an inspection are copied with it (locked)."""
    require_role(actor, plan, Role.SECTION_HEAD, message="年度监督检查计划由本辖区科室负责人修订")
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "请填写修订理由")
    if len(reason) > MAX_TEXT:
        raise invalid("reason", f"修订理由不超过{MAX_TEXT}字")
    _lock(plan)
    db.session.refresh(plan)
    if plan.status != PlanStatus.APPROVED:
        raise InvalidState(f"计划当前为“{plan.status}”，只有已批准的计划可以修订")
    pending = db.session.scalar(
        select(InspectionPlan.id)
        .where(InspectionPlan.parent_id == plan.id, InspectionPlan.status != PlanStatus.WITHDRAWN)
        .limit(1)
    )
    if pending is not None:
        raise InvalidState("该计划已有正在办理的修订版本")
    if plan.year < clock.today().year:
        raise InvalidState("往年的计划不能修订")
    new = InspectionPlan(
        agency_id=plan.agency_id,
        region_path=plan.region_path,
        year=plan.year,
        version=_next_version(plan),
        parent_id=plan.id,
        title=plan.title,
        status=PlanStatus.DRAFT,
        capacity=dict(plan.capacity or {}),
        capacity_slack=plan.capacity_slack,
        notes=plan.notes,
        amendment_reason=reason,
        drafted_by_id=actor.id,
    )
    _add_version(new)
    columns = (
        "kind", "month", "enterprise_id", "klass", "reasons", "industry", "town_id", "region_path",
        "planned_count", "lead_officer_id", "member_ids", "inspection_id",
    )  # fmt: skip
    _insert_items(new, [{c: getattr(i, c) for c in columns} for i in plan.items])
    _start_workflow(new, actor)
    audit.record(
        actor,
        "inspections.plan_amended",
        new,
        summary=f"修订{plan.label}为第{new.version}版：{reason}",
        data={"parent_id": plan.id},
    )
    return new


@dataclass
class Changes:
    """What an amendment changes against the version it amends (for the 负责人 approving it)."""

    added: list[tuple[str, int]]  # 重点: (enterprise name, month) planned now, not before
    removed: list[tuple[str, int]]
    months: dict[int, tuple[int, int]]  # month → (before, now) planned inspections, where they differ
    capacity: dict[int, tuple[int, int]]  # month → (before, now) officer-days, where they differ

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.months or self.capacity)


def changes_against_parent(plan: InspectionPlan) -> Changes | None:
    """An amendment's changes (None for a first version)."""
    if plan.parent_id is None:
        return None
    old = db.session.get(InspectionPlan, plan.parent_id)
    if old is None:
        return None
    before = Counter((i.enterprise_id, i.month) for i in old.items if i.is_key)
    now = Counter((i.enterprise_id, i.month) for i in plan.items if i.is_key)
    ids = {eid for eid, _ in before | now}
    names = dict(
        db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))
        .tuples()
        .all()
    )

    def named(counter: Counter) -> list[tuple[str, int]]:
        return sorted((names.get(eid, str(eid)), m) for (eid, m), n in counter.items() for _ in range(n))

    old_months, new_months = month_counts(old), month_counts(plan)
    old_cap, new_cap = old.capacity or {}, plan.capacity or {}
    return Changes(
        added=named(now - before),
        removed=named(before - now),
        months={m: (old_months[m], new_months[m]) for m in MONTHS if old_months[m] != new_months[m]},
        capacity={
            m: (int(old_cap.get(str(m), 0)), int(new_cap.get(str(m), 0)))
            for m in MONTHS
            if int(old_cap.get(str(m), 0)) != int(new_cap.get(str(m), 0))
        },
    )


def _next_version(plan: InspectionPlan) -> int:
    """The next version number of the plan's area and year (a withdrawn amendment keeps its number)."""
    last = db.session.scalar(
        select(func.max(InspectionPlan.version)).where(
            InspectionPlan.region_path == plan.region_path, InspectionPlan.year == plan.year
        )
    )
    return int(last or plan.version) + 1


def withdraw_amendment(plan: InspectionPlan, reason: str, *, actor: User) -> None:
    """Abandon an amendment not yet submitted (草稿 or 已退回): its workflow is cancelled, it reads 已撤回, and
    the approved version it amends stays in force (a new amendment may be started)."""
    require_role(actor, plan, Role.SECTION_HEAD, message="修订版本由本辖区科室负责人撤回")
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "请填写撤回理由")
    if len(reason) > MAX_TEXT:
        raise invalid("reason", f"撤回理由不超过{MAX_TEXT}字")
    _lock(plan)
    db.session.refresh(plan)
    if plan.parent_id is None:
        raise InvalidState("首版计划不能撤回，请修改后报批")
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise InvalidState(f"修订版本当前为“{plan.status}”，只有草稿或已退回的修订版本可以撤回")
    inst = workflow.instance_for(plan, PROCESS)
    if inst is not None:
        workflow.cancel(inst, actor=actor, reason=reason)
    old = plan.status
    plan.status = PlanStatus.WITHDRAWN
    audit.record(
        actor,
        "inspections.plan_withdrawn",
        plan,
        summary=f"撤回{plan.label}：{reason}",
        changes={"status": [old, PlanStatus.WITHDRAWN.value]},
    )


# ---- monthly tasks -----------------------------------------------------------------------------------------


def create_month_tasks(plan: InspectionPlan, on: date) -> int:
    """Create the inspections of the plan's 重点 items of `on`'s month that have none yet (idempotent; an
    item whose inspection cannot be created keeps the reason in task_error and is tried again next time)."""
    if plan.status != PlanStatus.APPROVED or plan.year != on.year:
        return 0
    _lock(plan)
    items = list(
        db.session.scalars(
            select(PlanItem)
            .where(
                PlanItem.plan_id == plan.id,
                PlanItem.kind == PlanItemKind.KEY,
                PlanItem.month == on.month,
                PlanItem.inspection_id.is_(None),
            )
            .order_by(PlanItem.id)
        )
    )
    if not items:
        return 0
    from app.inspections.models import InspectionMode, InspectionSource
    from app.inspections.operations.inspection import create_inspection

    # The 负责人 approved a plan whose 重点 counts are within each enterprise's cap (cap_problems), not an
    # inspection over it: if other inspections have used the budget since, this one waits for the leader's
    # over-cap decision (待审批, the reason below) like any other — never approved silently in their name.
    actor = plan.submitted_by or plan.drafted_by
    due = _month_end(on.year, on.month)
    planned_on = max(on, date(on.year, on.month, 1))
    made = 0
    for item in items:
        if item.enterprise is None:
            continue
        if not item.member_ids:
            item.task_error = "未指定检查组，请科室负责人指定后生成"
            continue
        data = {
            "source": InspectionSource.PLAN.value,
            "source_ref": plan.label,
            "mode": InspectionMode.ROUTINE.value,
            "planned_on": planned_on,
            "due_on": due,
            "lead_officer_id": item.lead_officer_id,
            "member_ids": list(item.member_ids),
            "over_cap_reason": f"列入{plan.label}的重点检查（{'、'.join(item.reasons or [])}），"
            "批准计划后年度检查次数已被其他检查用满",
        }
        try:
            with db.session.begin_nested():
                inspection = create_inspection(item.enterprise, data, actor=actor)
        except DomainError as exc:
            item.task_error = str(exc)[:500]
            continue
        item.inspection_id = inspection.id
        item.task_error = None
        made += 1
    db.session.flush()
    if made:
        audit.record(
            None,
            "inspections.plan_tasks_created",
            plan,
            summary=f"按{plan.label}生成{on.month}月重点检查任务{made}项",
            data={"month": on.month, "count": made},
        )
    return made


def assign_team(item: PlanItem, data: dict, *, actor: User) -> None:
    """Set (or change) the team of a 重点 item of an approved plan that has no inspection yet; if its month has
    come, its inspection is created at once."""
    plan = item.plan
    require_role(actor, plan, Role.SECTION_HEAD, message="检查组由本辖区科室负责人指定")
    if plan.status != PlanStatus.APPROVED:
        raise InvalidState("计划批准前请在编辑计划时指定检查组")
    if not item.is_key or item.inspection_id is not None:
        raise InvalidState("该计划事项已生成检查任务或不是重点检查")
    _lock(plan)
    before = list(item.member_ids or [])
    item.lead_officer_id, item.member_ids = _team(plan, data)
    if not item.member_ids:
        raise invalid("lead_officer_id", "请选择主办执法人员")
    audit.record(
        actor,
        "inspections.plan_edited",
        plan,
        summary=f"指定检查组：{_item_label(item)}",
        changes={"member_ids": [before, item.member_ids]},
        data={"item_id": item.id},
    )
    today = clock.today()
    if plan.year == today.year and item.month <= today.month:
        create_month_tasks(plan, date(today.year, item.month, 1) if item.month < today.month else today)


def lineage_ids(plan_id: int) -> list[int]:
    """The plan version and the versions it amends (parent chain), newest first: a batch made under an earlier
    version still fills the quotas of the version that amends it."""
    out: list[int] = []
    current: int | None = plan_id
    while current is not None and current not in out:
        out.append(current)
        current = db.session.scalar(select(InspectionPlan.parent_id).where(InspectionPlan.id == current))
    return out


def month_batch(plan: InspectionPlan, month: int):
    """The 双随机 batch made from the plan's (or an earlier version's) 一般 quotas of `month`, or None."""
    from app.inspections.models.draw import DrawBatch

    return db.session.scalar(
        select(DrawBatch)
        .where(DrawBatch.plan_id.in_(lineage_ids(plan.id)), DrawBatch.plan_month == month)
        .order_by(DrawBatch.id)
        .limit(1)
    )


def plan_batches(plan: InspectionPlan) -> list:
    """The 双随机 batches made from the plan's 一般 quotas (this version and the versions it amends)."""
    from app.inspections.models.draw import DrawBatch

    return list(
        db.session.scalars(
            select(DrawBatch)
            .where(DrawBatch.plan_id.in_(lineage_ids(plan.id)))
            .order_by(DrawBatch.plan_month, DrawBatch.id)
        )
    )


def month_strata(plan: InspectionPlan, month: int) -> list[dict]:
    """The month's 一般 quotas as draw strata: one per industry × town (town by name, as the draw's target
    library reads it; a quota not tied to a town matches any town), counts summed."""
    items = db.session.scalars(
        select(PlanItem)
        .where(PlanItem.plan_id == plan.id, PlanItem.kind == PlanItemKind.GENERAL, PlanItem.month == month)
        .order_by(PlanItem.id)
    )
    counts: Counter[tuple[str | None, str | None]] = Counter()
    for item in items:
        if item.planned_count <= 0:
            continue
        town = item.town.name if item.town is not None and item.town.level == "town" else None
        counts[(item.industry or None, town)] += item.planned_count
    return [
        {"industry": industry, "town": town, "count": n, "ratio": None}
        for (industry, town), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
    ]


def create_month_batch(plan: InspectionPlan, on: date):
    """The month's 一般 quotas of an approved plan as that month's 双随机 batch DRAFT (草稿, workflow draw_batch
    started), owned by the plan's agency and region, strata = the quotas by industry × town; the section head
    checks it (抽查事项, dates), commits and draws it as any batch. Idempotent: one batch per plan (lineage) and
    month. Returns the batch made, or None."""
    from app.inspections import draw as algo
    from app.inspections.models.draw import DrawBatch, DrawStatus, SpotCheckItem
    from app.inspections.operations import draw as draw_ops

    if plan.status != PlanStatus.APPROVED or plan.year != on.year:
        return None
    strata = month_strata(plan, on.month)
    if not strata:
        return None
    _lock(plan)
    if month_batch(plan, on.month) is not None:
        return None
    algo.parse_strata(strata)  # counts > 0, distinct keys: a plan's quotas always make valid strata
    pack = _pack(plan.region_path, plan.year)
    items = [
        i
        for i in db.session.scalars(
            select(SpotCheckItem)
            .where(SpotCheckItem.published.is_(True), SpotCheckItem.withdrawn.is_(False))
            .order_by(SpotCheckItem.code, SpotCheckItem.id)
        )
        if draw_ops.in_scope_path(plan.region_path, i.region_path)
    ]
    actor = plan.submitted_by or plan.drafted_by
    batch = DrawBatch(
        title=f"{plan.title}{on.month}月一般检查（双随机）",
        agency_id=plan.agency_id,
        region_path=plan.region_path,
        # the jurisdiction's first published 事项; the section head may choose another before the commit
        item_id=items[0].id if items else None,
        filters={
            "industries": sorted({s["industry"] for s in strata if s["industry"]}),
            "towns": sorted({s["town"] for s in strata if s["town"]}),
            "classes": [],
        },
        strata=strata,
        inspectors_per_target=max(2, pack.min_inspectors),
        exclude_recent_days=pack.recent_days,
        exclude_at_cap=True,
        planned_on=max(on, date(on.year, on.month, 1)),
        due_on=_month_end(on.year, on.month),
        status=DrawStatus.DRAFT,
        created_by_id=actor.id,
        plan_id=plan.id,
        plan_month=on.month,
    )
    db.session.add(batch)
    db.session.flush()
    workflow.start(
        draw_ops.PROCESS,
        subject=batch,
        title=f"双随机抽查：{batch.title}",
        region_path=plan.region_path,
        data={"batch_id": batch.id},
        actor=actor,
    )
    total = sum(s["count"] for s in strata)
    audit.record(
        None,
        "inspections.plan_batch_created",
        plan,
        summary=f"按{plan.label}生成{on.month}月一般检查双随机批次草稿（{len(strata)}层{total}户）",
        data={"month": on.month, "batch_id": batch.id, "strata": strata},
    )
    return batch


def sweep_plans() -> str | None:
    """The monthly sweep (app.periodic, run by the timer worker): this month's 重点 inspections and the 双随机
    batch draft of its 一般 quotas, for every approved plan of this year. Idempotent."""
    today = clock.today()
    plans = list(
        db.session.scalars(
            select(InspectionPlan)
            .where(InspectionPlan.year == today.year, InspectionPlan.status == PlanStatus.APPROVED)
            .order_by(InspectionPlan.id)
        )
    )
    made = sum(create_month_tasks(plan, today) for plan in plans)
    batches = sum(1 for plan in plans if create_month_batch(plan, today) is not None)
    parts = []
    if made:
        parts.append(f"重点检查任务{made}项")
    if batches:
        parts.append(f"一般检查双随机批次草稿{batches}个")
    return f"按年度监督检查计划生成{today.month}月" + "、".join(parts) if parts else None


# ---- progress ----------------------------------------------------------------------------------------------

DONE_STATUSES = ("已完成", "待处理")


@dataclass
class Cell:
    planned: int = 0
    done: int = 0

    @property
    def rate(self) -> int | None:
        return math.floor(self.done * 100 / self.planned) if self.planned else None


@dataclass
class Progress:
    key: dict[int, Cell]  # month → 重点
    general: dict[int, Cell]  # month → 一般
    by_town: dict[int | None, Cell]
    by_industry: dict[str, Cell]
    towns: dict[int, Region]
    not_created: list[PlanItem]


def _plan_items(plan: InspectionPlan) -> Iterable[PlanItem]:
    return db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.id))


def plan_inspection_ids(plan_id: int, kind: str | None = None):
    """A select of the ids of the plan's inspections — ONE definition for the progress view and the list filter
    `plan=<id>&kind=` (app.inspections.queries): 重点 = the inspections its items produced (an amendment's
    copied items keep theirs); 一般 = the 双随机 inspections of the draw targets of the batches made from its
    一般 quotas (this version and the versions it amends). kind None: both."""
    from sqlalchemy import union

    from app.inspections.models import Inspection, InspectionSource
    from app.inspections.models.draw import DrawBatch, DrawTarget

    key = select(PlanItem.inspection_id.label("id")).where(
        PlanItem.plan_id == plan_id, PlanItem.inspection_id.is_not(None)
    )
    general = (
        select(DrawTarget.inspection_id.label("id"))
        .join(DrawBatch, DrawBatch.id == DrawTarget.batch_id)
        .join(Inspection, Inspection.id == DrawTarget.inspection_id)
        .where(DrawBatch.plan_id.in_(lineage_ids(plan_id)), Inspection.source == InspectionSource.RANDOM)
    )
    if kind in (PlanItemKind.KEY, "重点"):
        return key
    if kind in (PlanItemKind.GENERAL, "一般"):
        return general
    return select(union(key, general).subquery().c.id)


def progress(plan: InspectionPlan) -> Progress:
    """Planned vs done by month, town and industry. Done = 已完成 or 待处理 (the visit made and its record
    signed: what is left is the follow-up of its findings), planned in the plan's year. 重点: the plan's own
    inspections; 一般: the 双随机 inspections drawn by the batches made from its 一般 quotas
    (`plan_inspection_ids`). A month's done is by the inspection's planned day, as the list's month filter."""
    from app.inspections.models import Inspection

    items = list(_plan_items(plan))
    key = {m: Cell() for m in MONTHS}
    general = {m: Cell() for m in MONTHS}
    by_town: dict[str, Cell] = defaultdict(Cell)  # town path → cell
    by_industry: dict[str, Cell] = defaultdict(Cell)
    enterprises = {
        e.id: e
        for e in db.session.scalars(
            select(Enterprise).where(Enterprise.id.in_({i.enterprise_id for i in items if i.enterprise_id}))
        )
    }
    not_created: list[PlanItem] = []
    today = clock.today()
    for i in items:
        town_path = _town_path(i.region_path, plan.region_path)
        if i.is_key:
            key[i.month].planned += 1
            industry = enterprises[i.enterprise_id].industry if i.enterprise_id in enterprises else ""
            if i.inspection_id is None and plan.year == today.year and i.month <= today.month:
                not_created.append(i)
        else:
            general[i.month].planned += i.planned_count
            industry = i.industry or ""
        by_industry[industry or ""].planned += i.planned_count
        by_town[town_path].planned += i.planned_count
    for kind, cells in ((PlanItemKind.KEY, key), (PlanItemKind.GENERAL, general)):
        rows = db.session.execute(
            select(Inspection.planned_on, Inspection.region_path, Enterprise.industry)
            .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
            .where(
                Inspection.id.in_(plan_inspection_ids(plan.id, kind)),
                Inspection.status.in_(DONE_STATUSES),
                Inspection.planned_on >= date(plan.year, 1, 1),
                Inspection.planned_on <= date(plan.year, 12, 31),
            )
        ).all()
        for planned_on, region_path, industry in rows:
            cells[planned_on.month].done += 1
            by_town[_town_path(region_path, plan.region_path)].done += 1
            by_industry[industry or ""].done += 1
    regions = {r.path: r for r in db.session.scalars(select(Region).where(Region.path.in_(list(by_town))))}
    towns: dict[int, Region] = {}
    out_town: dict[int | None, Cell] = {}
    for path, cell in by_town.items():
        region = regions.get(path)
        rid = region.id if region is not None and path != plan.region_path else None
        if rid is not None and region is not None:
            towns[rid] = region
        prev = out_town.get(rid)
        out_town[rid] = Cell(
            cell.planned + (prev.planned if prev else 0), cell.done + (prev.done if prev else 0)
        )
    return Progress(key, general, out_town, dict(by_industry), towns, not_created)


def list_url(**params: Any) -> str:
    """A link to the inspection list (owned by the web part) with its filters: source, town, industry, year,
    month, status (`done` = 已完成 or 待处理), enterprise, plan and kind (重点检查/一般检查)."""
    from urllib.parse import urlencode

    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return "/inspections/" + ("?" + urlencode(clean) if clean else "")


# ---- helpers for pages -------------------------------------------------------------------------------------


def get_plan(plan_id: int) -> InspectionPlan:
    plan = db.session.get(InspectionPlan, plan_id)
    if plan is None:
        raise NotFound("计划不存在")
    return plan


def totals(plan: InspectionPlan) -> dict[str, int]:
    key = [i for i in plan.items if i.is_key]
    return {
        "key_enterprises": len({i.enterprise_id for i in key}),
        "key_inspections": sum(i.planned_count for i in key),
        "general": sum(i.planned_count for i in plan.items if not i.is_key),
    }


def counts_by_industry(plan: InspectionPlan) -> dict[str, int]:
    ids = {i.enterprise_id for i in plan.items if i.is_key and i.enterprise_id}
    industries = dict(
        db.session.execute(select(Enterprise.id, Enterprise.industry).where(Enterprise.id.in_(ids)))
        .tuples()
        .all()
    )
    out: Counter[str] = Counter()
    for i in plan.items:
        industry = industries.get(i.enterprise_id or 0, "") if i.is_key else (i.industry or "")
        out[industry or "其他"] += i.planned_count
    return dict(sorted(out.items()))


def scoped_plans(user: User):
    """Plans a viewer may see, newest first (staff only)."""
    from app.auth.permissions import scope_clause

    if user.is_enterprise_user:
        return select(InspectionPlan).where(false())
    return (
        select(InspectionPlan)
        .where(scope_clause(user, InspectionPlan.region_path))
        .order_by(InspectionPlan.year.desc(), InspectionPlan.region_path, InspectionPlan.version.desc())
    )


def need_per_inspection(plan: InspectionPlan) -> Decimal:
    pack = _pack(plan.region_path, plan.year)
    return (Decimal(pack.min_inspectors) * pack.officer_days_per_inspection).quantize(
        Decimal("0.1"), rounding=ROUND_CEILING
    )
