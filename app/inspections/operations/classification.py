"""分类分级 (安全生产法第六十二条, spec §5.2): each enterprise's class A–D for a year, computed by the rules of
the pack in force on 1 January of that year (app.inspections.rules: ClassRules — every rule lives there, as
data), stored as one EnterpriseClass per enterprise and year, overridable by a section head with a reason.

The computation (`compute`, pure): the enterprise's industry gives its sector (industry_sectors); the sector's
criterion gives the base class (危化冶金: 标准化等级 一级→A … 未定级→D; 非煤矿山 and 非高危: 风险等级 低→A
一般→B 较大→C 重大→D; 煤矿: 安全保障能力 A–D when the registry has it, else the fallback, 风险等级); then the
adjustments, each written to `basis`: on the 严重失信主体名单 → one class worse; a 较大 or worse accident in
the last 12 months → one worse; ≥ 2 penalty decisions in the previous year → one worse; an open 重大事故隐患
→ at least C.

The facts (`gather`) are read in a few statements for any number of enterprises (listings in force,
accidents, penalty decisions, open major hazards), so `classify_all` over a county's 5,000 enterprises is a
handful of statements plus the writes.

One class everywhere: when the year classified is the current one, `classify_all` and `override_class` set
the registry's class (Enterprise.category) to the year's class through app.org.operations.change_category
(audited with the reason). The caps (app.inspections.caps) read the year's EnterpriseClass only; the
registry's class may differ in between when the credit domain raises it on a listing (the page shows both).

Verbs take an explicit actor, flush, never commit, and record one audit event each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import audit, clock
from app.auth.models import User
from app.auth.permissions import in_scope, path_prefix
from app.auth.roles import Role
from app.db import Precompiled, utcnow
from app.errors import Conflict, PermissionDenied, ValidationFailed, invalid, require
from app.extensions import db
from app.inspections.models.classification import EnterpriseClass
from app.inspections.rules import CLASSES, CRITERIA, InspectionPack, year_pack
from app.org.models import Enterprise, EnterpriseStatus

__all__ = [
    "Facts",
    "classify_all",
    "compute",
    "ensure_classes",
    "gather",
    "override_class",
    "reference_day",
    "worse",
]

CHUNK = 5_000  # ids per IN list
_TABLE = cast(Table, EnterpriseClass.__table__)
_INSERT = Precompiled(lambda insert: insert(_TABLE).on_conflict_do_nothing(index_elements=["enterprise_id", "year"]))


_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(
        {
            _TABLE.c.sector: bindparam("u_sector"),
            _TABLE.c.computed_class: bindparam("u_computed_class"),
            _TABLE.c["class"]: bindparam("u_klass"),
            _TABLE.c.max_inspections: bindparam("u_max_inspections"),
            _TABLE.c.planned_frequency: bindparam("u_planned_frequency"),
            _TABLE.c.region_path: bindparam("u_region_path"),
            _TABLE.c.rule_version: bindparam("u_rule_version"),
            _TABLE.c.basis: bindparam("u_basis", type_=_TABLE.c.basis.type),
            _TABLE.c.updated_at: bindparam("u_updated_at", type_=_TABLE.c.updated_at.type),
        }
    )
)
_STORED = (  # the columns classify_all compares a new computation with
    EnterpriseClass.id,
    EnterpriseClass.enterprise_id,
    EnterpriseClass.sector,
    EnterpriseClass.computed_class,
    EnterpriseClass.klass.label("klass"),
    EnterpriseClass.max_inspections,
    EnterpriseClass.planned_frequency,
    EnterpriseClass.region_path,
    EnterpriseClass.rule_version,
    EnterpriseClass.basis,
    EnterpriseClass.override_reason,
)
_READ = (  # what the rules read of an enterprise, and its registry class
    Enterprise.id,
    Enterprise.name,
    Enterprise.industry,
    Enterprise.sub_sector,
    Enterprise.risk_grade,
    Enterprise.standardization_grade,
    Enterprise.region_path,
    Enterprise.category,
)


def _without_day(basis: dict | None) -> dict:
    return {k: v for k, v in (basis or {}).items() if k != "as_of"}


@dataclass
class Facts:
    """What the rules read about one enterprise."""

    enterprise_id: int
    industry: str | None
    sub_sector: str | None
    risk_grade: str | None
    standardization_grade: str | None
    safety_assurance: str | None = None
    listed: bool = False
    accidents: list[dict[str, Any]] = field(default_factory=list)  # [{id, name, level, occurred_on}]
    penalties: list[dict[str, Any]] = field(default_factory=list)  # [{id, decided_on}]
    major_hazards: list[dict[str, Any]] = field(default_factory=list)  # [{id, code}]


def worse(klass: str, steps: int) -> str:
    """`klass` made `steps` classes worse (A → B …), never past D."""
    return CLASSES[min(CLASSES.index(klass) + steps, len(CLASSES) - 1)]


def reference_day(year: int, today: date | None = None) -> date:
    """The day the history is read back from: today during the year (a recomputation counts what happened
    since), 31 December for a past year, today for next year's plan (what is known now)."""
    today = today or clock.today()
    return min(today, date(year, 12, 31))


def _months_back(day: date, months: int) -> date:
    from app.cases.legal_time import add_months

    return add_months(day, -months)


def compute(facts: Facts, pack: InspectionPack, year: int, as_of: date) -> tuple[str, str, dict[str, Any]]:
    """(sector, class, basis) of one enterprise by the pack's rules. Pure: every input is in `facts`."""
    rules = pack.classification
    sector = pack.sector_of(facts.industry, facts.sub_sector)
    criterion = rules.criteria.get(sector, rules.fallback)
    values = {
        "standardization_grade": facts.standardization_grade,
        "risk_grade": facts.risk_grade,
        "safety_assurance": facts.safety_assurance,
    }
    grade = values.get(criterion)
    note = None
    if grade not in rules.grades.get(criterion, {}):
        if grade:
            note = f"{CRITERIA[criterion]}“{grade}”不在分类规则中，按{CRITERIA[rules.fallback]}"
        else:
            note = f"未登记{CRITERIA[criterion]}，按{CRITERIA[rules.fallback]}"
        criterion = rules.fallback
        grade = values.get(criterion)
    base = rules.grades[criterion].get(grade or "")
    if base is None:  # no usable grade at all: the middle class, said so
        base = "B"
        note = (note + "；" if note else "") + f"未登记{CRITERIA[criterion]}，暂按B类"
    klass = base
    adjustments: list[dict[str, Any]] = []

    def adjust(rule: str, text: str, to: str, **data: Any) -> None:
        nonlocal klass
        if to != klass:
            adjustments.append({"rule": rule, "text": text, "from": klass, "to": to, **data})
            klass = to
        else:
            adjustments.append(
                {
                    "rule": rule,
                    "text": text + "（已为该类别或更高，不再调整）",
                    "from": klass,
                    "to": klass,
                    **data,
                }
            )

    if facts.listed and rules.listed_steps:
        adjust(
            "listed",
            f"列入安全生产严重失信主体名单，降{rules.listed_steps}类",
            worse(klass, rules.listed_steps),
        )
    if facts.accidents and rules.accident_steps:
        first = facts.accidents[0]
        adjust(
            "accident",
            f"近{rules.accident_months}个月内发生{first['level']}事故（{first['name']}，{first['occurred_on']}），"
            f"降{rules.accident_steps}类",
            worse(klass, rules.accident_steps),
            accidents=facts.accidents,
        )
    if len(facts.penalties) >= rules.penalty_min and rules.penalty_steps:
        adjust(
            "penalties",
            f"{year - 1}年受到行政处罚{len(facts.penalties)}次（≥{rules.penalty_min}次），降{rules.penalty_steps}类",
            worse(klass, rules.penalty_steps),
            cases=facts.penalties,
        )
    if facts.major_hazards:
        floor = rules.major_hazard_floor
        target = floor if CLASSES.index(klass) < CLASSES.index(floor) else klass
        adjust(
            "major_hazard",
            f"存在未销号的重大事故隐患（{'、'.join(h['code'] for h in facts.major_hazards)}），"
            f"至少为{floor}类",
            target,
            hazards=facts.major_hazards,
        )
    limits = pack.limits(sector, klass)
    basis: dict[str, Any] = {
        "year": year,
        "as_of": as_of.isoformat(),
        "industry": facts.industry,
        "sub_sector": facts.sub_sector,
        "sector": sector,
        "criterion": criterion,
        "criterion_label": CRITERIA[criterion],
        "grade": grade,
        "base_class": base,
        "adjustments": adjustments,
        "class": klass,
        "cap": limits.cap,
        "frequency": limits.frequency,
        "rule_version": pack.version_label(),
        "citation": pack.source_of("class_table"),
    }
    if note:
        basis["note"] = note
    return sector, klass, basis


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _selections(ids: Sequence[int], scope: Select | None) -> Iterable[Sequence[int] | Select]:
    """What `col.in_(…)` reads the enterprises from: the selection of their ids (one statement for a whole
    county: a bound IN list of 5,000 ids cost SQLAlchemy 0.1 s to expand per statement), or else the ids in
    CHUNK-sized lists."""
    if scope is not None:
        return [scope]
    return _chunks(ids)


def gather(
    enterprises: Sequence[Enterprise],
    year: int,
    as_of: date,
    pack: InspectionPack,
    *,
    scope: Select | None = None,
) -> dict[int, Facts]:
    """The facts of `enterprises` for `year`: four statements (or four per CHUNK enterprises when no `scope`,
    the selection of ids they were read by, is given), whatever their number. Rows of enterprises the scope
    selects but `enterprises` lacks are ignored."""
    from app.cases.models import Outcome, PenaltyCase
    from app.credit.models import CreditListing, ListingStatus
    from app.credit.models.accident import Accident
    from app.credit.queries import listed_ids
    from app.hazards.models import Hazard, HazardLevel, HazardStatus

    rules = pack.classification
    facts = {
        e.id: Facts(
            e.id,
            e.industry,
            e.sub_sector,
            e.risk_grade,
            e.standardization_grade,
            getattr(e, "safety_assurance_level", None),
        )
        for e in enterprises
    }
    since = _months_back(as_of, rules.accident_months)
    for ids in _selections(list(facts), scope):
        # the few enterprises with a listing in force; the credit domain says which of them are listed
        # themselves (a listing of the main 负责人 alone is not the enterprise's)
        candidates = db.session.scalars(
            select(CreditListing.enterprise_id)
            .where(CreditListing.enterprise_id.in_(ids), CreditListing.status == ListingStatus.LISTED)
            .distinct()
        )
        for eid in listed_ids([c for c in candidates if c in facts]):
            facts[eid].listed = True
        for row in db.session.execute(
            select(Accident.enterprise_id, Accident.id, Accident.name, Accident.level, Accident.occurred_on)
            .where(
                Accident.enterprise_id.in_(ids),
                Accident.level.in_(rules.accident_levels),
                Accident.occurred_on > since,
                Accident.occurred_on <= as_of,
            )
            .order_by(Accident.occurred_on.desc(), Accident.id)
        ):
            if row.enterprise_id not in facts:
                continue
            facts[row.enterprise_id].accidents.append(
                {
                    "id": row.id,
                    "name": row.name,
                    "level": str(row.level),
                    "occurred_on": row.occurred_on.isoformat(),
                }
            )
        for case in db.session.execute(
            select(PenaltyCase.enterprise_id, PenaltyCase.id, PenaltyCase.decided_on)
            .where(
                PenaltyCase.enterprise_id.in_(ids),
                PenaltyCase.outcome == Outcome.PENALTY,
                PenaltyCase.decided_on >= date(year - 1, 1, 1),
                PenaltyCase.decided_on <= date(year - 1, 12, 31),
            )
            .order_by(PenaltyCase.decided_on, PenaltyCase.id)
        ):
            if case.enterprise_id not in facts:
                continue
            decided = case.decided_on.isoformat() if case.decided_on else None
            facts[case.enterprise_id].penalties.append({"id": case.id, "decided_on": decided})
        for hazard in db.session.execute(
            select(Hazard.enterprise_id, Hazard.id, Hazard.code)
            .where(
                Hazard.enterprise_id.in_(ids),
                Hazard.level == HazardLevel.MAJOR,
                Hazard.status != HazardStatus.CLOSED,
            )
            .order_by(Hazard.id)
        ):
            if hazard.enterprise_id in facts:
                facts[hazard.enterprise_id].major_hazards.append({"id": hazard.id, "code": hazard.code})
    return facts


def _pack_for(enterprise: Any, year: int, packs: dict[str, InspectionPack]) -> InspectionPack:
    # packs overlay by jurisdiction: the province's path decides; cache per region path
    pack = packs.get(enterprise.region_path)
    if pack is None:
        pack = packs[enterprise.region_path] = year_pack(enterprise.region_path, year)
    return pack


def _rows_of(ids: Sequence[int], year: int, scope: Select | None = None) -> dict[int, EnterpriseClass]:
    have: dict[int, EnterpriseClass] = {}
    for chunk in _selections(ids, scope):
        have.update(
            (ec.enterprise_id, ec)
            for ec in db.session.scalars(
                select(EnterpriseClass).where(
                    EnterpriseClass.enterprise_id.in_(chunk), EnterpriseClass.year == year
                )
            )
        )
    return have


def ensure_classes(enterprises: Sequence[Any], year: int) -> dict[int, EnterpriseClass]:
    """The EnterpriseClass of each enterprise for `year`, computed and stored (flush) for those without one.
    The system computes (no actor, no audit event: the first need of a class is not a decision).
    `enterprises`: Enterprise objects, or rows of their columns (_READ)."""
    have = _rows_of([e.id for e in enterprises], year)
    missing = [e for e in enterprises if e.id not in have]
    if missing:
        store_missing(missing, year)
        have.update(_rows_of([e.id for e in missing], year))
    return have


def store_missing(enterprises: Sequence[Any], year: int, scope: Select | None = None) -> int:
    """Compute and insert the classes of `enterprises` (Enterprise objects or rows of their columns) that
    have none for `year`; returns how many were computed (a row stored meanwhile by another transaction is
    kept, not overwritten). A few statements per CHUNK enterprises."""
    new, _updates, _in_force, _versions = _computations(enterprises, year, {}, scope)
    _write(new, [])
    return len(new)


def enterprise_rows(ids: Sequence[int]) -> list[Any]:
    """The columns the rules read of these enterprises (_READ), CHUNK ids a statement."""
    rows: list[Any] = []
    for chunk in _chunks(list(ids)):
        rows.extend(db.session.execute(select(*_READ).where(Enterprise.id.in_(chunk))).all())
    return rows


def _computations(
    enterprises: Sequence[Any],
    year: int,
    stored: dict[int, Any],
    scope: Select | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, str], dict[int, str]]:
    """Compute every enterprise (objects or rows with the _READ columns) against its stored class (`stored`:
    enterprise id → row or object with the _STORED attributes). Returns (rows to insert, changes to
    write as _UPDATE parameters, id → the class in force, id → the rule version). An override stays in
    force; its computed class is refreshed."""
    as_of = reference_day(year)
    now = utcnow()
    packs: dict[str, InspectionPack] = {}
    # enterprises whose packs are made of the same versions share their values: one read of facts for them
    by_pack: dict[tuple[str, ...], list[Any]] = {}
    for e in enterprises:
        by_pack.setdefault(_pack_for(e, year, packs).layers, []).append(e)
    new: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    in_force: dict[int, str] = {}
    versions: dict[int, str] = {}
    for group in by_pack.values():
        pack = _pack_for(group[0], year, packs)
        version = pack.version_label()
        facts = gather(group, year, as_of, pack, scope=scope)
        for e in group:
            sector, klass, basis = compute(facts[e.id], pack, year, as_of)
            old = stored.get(e.id)
            keep = old.klass if old is not None and old.override_reason is not None else klass
            limits = pack.limits(sector, keep)
            values = {
                "sector": sector,
                "computed_class": klass,
                "klass": keep,
                "max_inspections": limits.cap,
                "planned_frequency": limits.frequency,
                "region_path": e.region_path,
                "rule_version": version,
            }
            in_force[e.id], versions[e.id] = keep, version
            if old is None:
                new.append(
                    {
                        "enterprise_id": e.id,
                        "year": year,
                        **values,
                        "basis": basis,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            elif any(getattr(old, k) != v for k, v in values.items()) or _without_day(
                old.basis
            ) != _without_day(basis):
                updates.append(
                    {
                        "b_id": old.id,
                        **{f"u_{k}": v for k, v in values.items()},
                        "u_basis": basis,
                        "u_updated_at": now,
                    }
                )
    return new, updates, in_force, versions


def _write(new: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
    """Insert the new rows (a class computed twice at once — two officers opening the same enterprise —
    keeps the first: ON CONFLICT DO NOTHING on uq_enterprise_classes_year) and write the changes; loaded
    EnterpriseClass objects of changed rows read the table again."""
    if new:
        db.session.flush()
        by_column = [{("class" if k == "klass" else k): v for k, v in row.items()} for row in new]
        for i in range(0, len(by_column), CHUNK):
            _INSERT.execute(db.session.connection(), by_column[i : i + CHUNK])
    if updates:
        db.session.execute(_UPDATE, updates)
        touched = {u["b_id"] for u in updates}
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, EnterpriseClass) and obj.id in touched:
                db.session.expire(obj)


def _may_classify(actor: User | None, region_path: str) -> None:
    if actor is None:
        return
    require(
        actor.has_role(Role.SECTION_HEAD, Role.ADMIN)
        and not actor.is_enterprise_user
        and in_scope(actor, region_path),
        "只有本辖区的科室负责人可以重新计算分类分级",
    )


def _sync_registry(ec: EnterpriseClass, *, reason: str, actor: User | None) -> None:
    """One class everywhere: the current year's class becomes the registry's (audited by change_category)."""
    from app.org.operations import change_category

    if ec.year == clock.today().year and ec.enterprise.category != ec.klass:
        change_category(ec.enterprise, ec.klass, reason=reason, actor=actor)


def _sync_registry_bulk(
    moved: dict[int, str],
    versions: dict[int, str],
    reason: str,
    scope: Select,
    year: int,
    *,
    actor: User | None,
) -> int:
    """The registry's class of the enterprises in `moved` (id → the year's class) set to the year's class
    after a recomputation: the same audit record per enterprise as app.org.operations.change_category
    ("enterprise.category_changed", before/after, reason) and one UPDATE for all of them (change_category
    flushes per enterprise: 4,000 changes took 8 s). The caller checked the actor's scope over the whole
    region. `reason` may name the rule version as {rule}. Returns how many changed."""
    if not moved:
        return 0
    now = utcnow()
    objects = [
        e for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(scope))) if e.id in moved
    ]
    for e in objects:
        previous, klass = e.category, moved[e.id]
        why = reason.replace("{rule}", versions[e.id])
        audit.record(
            actor,
            "enterprise.category_changed",
            e,
            summary=f"企业“{e.name}”分类分级由{previous}类调整为{klass}类：{why}",
            changes={"category": [previous, klass]},
            data={"reason": why},
        )
    # each enterprise of the selection takes its stored class of the year
    stored = (
        select(EnterpriseClass.klass)
        .where(EnterpriseClass.enterprise_id == Enterprise.id, EnterpriseClass.year == year)
        .scalar_subquery()
    )
    db.session.execute(
        update(Enterprise)
        .where(Enterprise.id.in_(scope), Enterprise.category != stored)
        .values(category=stored, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    for e in objects:  # the loaded objects say what the table now says
        set_committed_value(e, "category", moved[e.id])
        set_committed_value(e, "updated_at", now)
    return len(objects)


def classify_all(region_path: str, year: int, *, actor: User | None) -> dict[str, int]:
    """重新计算: compute the class of every enterprise (not 关闭) under `region_path` for `year`, creating or
    updating their EnterpriseClass rows (an override stays in force; its computed class is refreshed). For
    the current year the registry's class follows. Actor: a section head (or admin) with the region in scope,
    or None (the system). One audit event; returns {"total", "created", "changed", "registry"}.

    Reads plain rows, not ORM objects (5,000 of each cost more than the rest of the computation), a fixed
    number of statements whatever the number of enterprises (their ids are one selection), and writes only
    what changed: the new rows in one INSERT, the changed ones in one UPDATE (executemany)."""
    _may_classify(actor, region_path)
    if year < 2000 or year > clock.today().year + 1:
        raise invalid("year", "只能计算本年度或下一年度（及以往年度）的分类分级")
    which = [Enterprise.status != EnterpriseStatus.CLOSED]
    if region_path:
        which.append(path_prefix(Enterprise.region_path, region_path))
    enterprises = db.session.execute(select(*_READ).where(*which).order_by(Enterprise.id)).all()
    scope = select(Enterprise.id).where(*which)  # the related tables read these ids by one selection
    stored = {
        r.enterprise_id: r
        for r in db.session.execute(
            select(*_STORED).where(EnterpriseClass.enterprise_id.in_(scope), EnterpriseClass.year == year)
        )
    }
    new, updates, in_force, versions = _computations(enterprises, year, stored, scope)
    _write(new, updates)
    synced = 0
    if year == clock.today().year:
        moved = {e.id: in_force[e.id] for e in enterprises if e.category != in_force[e.id]}
        reason = f"{year}年度分类分级计算结果（{{rule}}）"
        synced = _sync_registry_bulk(moved, versions, reason, scope, year, actor=actor)
    touched_ids = {u["b_id"] for u in updates}
    changed = [row["enterprise_id"] for row in new] + [
        e.id for e in enterprises if (old := stored.get(e.id)) is not None and old.id in touched_ids
    ]
    result = {
        "total": len(enterprises),
        "created": len(new),
        "changed": len(changed),
        "registry": synced,
    }
    audit.record(
        actor,
        "inspections.classified",
        None,
        summary=(
            f"重新计算{year}年度分类分级（{region_path or '全部'}）：{result['total']}家企业，新建{result['created']}条，"
            f"变化{result['changed']}条，同步登记类别{synced}家"
        ),
        data={"region_path": region_path, "year": year, **result, "changed_ids": changed[:200]},
    )
    return result


def override_stamp(ec: EnterpriseClass) -> str:
    """What the override form carries of the class it was opened on (its last override), so that of two
    section heads changing it at once the second is told who changed it first and when."""
    return ec.overridden_at.isoformat() if ec.overridden_at is not None else "-"


def override_class(
    ec: EnterpriseClass, klass: str, reason: str, *, actor: User, seen: str | None = None
) -> EnterpriseClass:
    """调整类别: a section head of the enterprise's jurisdiction sets the class in force for the year with a
    reason; the computed class stays on record, the cap and frequency follow the new class. Setting the
    computed class again with a reason clears nothing: the override is recorded as such. Audited.
    `seen` (override_stamp of the class the form showed): if it was overridden since, Conflict naming who
    and when — nothing changed."""
    if actor is None or actor.is_enterprise_user or not actor.has_role(Role.SECTION_HEAD):
        raise PermissionDenied("只有科室负责人可以调整分类分级")
    require(in_scope(actor, ec.region_path, ec.enterprise_id), "该企业不在您的管辖范围内")
    if seen:
        # one writer per class row: the UPDATE takes its lock, then the row is read again under it
        db.session.execute(
            update(EnterpriseClass).where(EnterpriseClass.id == ec.id).values(id=EnterpriseClass.id)
        )
        db.session.refresh(ec)
        if override_stamp(ec) != seen:
            who = db.session.get(User, ec.overridden_by_id) if ec.overridden_by_id else None
            at = ec.overridden_at
            when = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(clock.TZ) if at else None
            raise Conflict(
                f"该企业{ec.year}年度类别已由{who.name if who else '他人'}"
                + (f"于{when:%Y-%m-%d %H:%M}" if when else "")
                + f"调整为{ec.klass}类，请查看后再决定是否调整"
            )
    errors: dict[str, str] = {}
    if klass not in CLASSES:
        errors["klass"] = "类别应为 A、B、C、D 之一"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写调整类别的理由"
    elif len(reason) < 4:
        errors["reason"] = "调整理由过于简单，请具体说明"
    if errors:
        raise ValidationFailed("提交的内容有误，请按提示修改", field_errors=errors)
    pack = year_pack(ec.region_path, ec.year)
    limits = pack.limits(ec.sector, klass)
    before = {
        "class": ec.klass,
        "max_inspections": ec.max_inspections,
        "planned_frequency": ec.planned_frequency,
        "override_reason": ec.override_reason,
    }
    ec.klass = klass
    ec.max_inspections = limits.cap
    ec.planned_frequency = limits.frequency
    ec.override_reason = reason
    ec.overridden_by_id = actor.id
    ec.overridden_at = utcnow()
    db.session.flush()
    after = {
        "class": ec.klass,
        "max_inspections": ec.max_inspections,
        "planned_frequency": ec.planned_frequency,
        "override_reason": ec.override_reason,
    }
    audit.record(
        actor,
        "inspections.class_overridden",
        ec,
        summary=(
            f"调整企业“{ec.enterprise.name}”{ec.year}年度分类分级：{before['class']}类→{klass}类"
            f"（计算类别{ec.computed_class}类）：{reason}"
        ),
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        data={"computed_class": ec.computed_class, "reason": reason, "year": ec.year},
    )
    _sync_registry(ec, reason=f"{ec.year}年度分类分级调整：{reason}", actor=actor)
    return ec


def count_by_class(region_path: str, year: int) -> dict[str, int]:
    """How many enterprises of the region are in each class for the year (stored rows)."""
    stmt = (
        select(EnterpriseClass.klass, func.count())
        .where(EnterpriseClass.year == year)
        .group_by(EnterpriseClass.klass)
    )
    if region_path:
        stmt = stmt.where(path_prefix(EnterpriseClass.region_path, region_path))
    return {k: n for k, n in db.session.execute(stmt)}
