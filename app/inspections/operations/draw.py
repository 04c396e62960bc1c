"""双随机一公开 (issue #12 journeys 3–6; domain spec §5.1): the 随机抽查事项清单, batches, the draw, 回避 and 补抽.

    create_item(data, *, actor) / update_item(item, data, *, actor)
    publish_item(item, *, actor) / withdraw_item(item, reason, *, actor)      # 公示 kind spot_check_items
    create_batch(data, *, actor) -> DrawBatch                                   # 草稿; starts draw_batch
    update_batch(batch, data, *, actor)                                         # while 草稿
    preview(batch) -> Preview                                                   # pool size, strata, exclusions
    commit_batch(batch, data, *, actor, task=None)                              # freeze, hashes, commitment
    draw_batch(batch, data, *, actor, task=None)                                # reveal seed, draw, inspections
    close_batch(batch, data, *, actor, task=None)                               # 已完成
    issue_result_notice(batch, data, *, actor) -> OfficialDocument              # 抽查结果公告 (抽公)
    request_recusal(target, data, *, actor) -> DrawEvent                        # the drawn officer
    decide_recusal(event, data, *, actor, task=None)                            # the section head
    request_supplement(batch, data, *, actor) -> DrawEvent                      # the section head
    decide_supplement(event, data, *, actor, task=None)                         # the leader

Commit freezes the target library (the registry filtered by the batch's industries, towns and classes) and
the inspector library (officers of the jurisdiction with a certificate valid on the planned day), with the
exclusions (not 在业, at the yearly cap — app.inspections.caps.budgets —, inspected in the last N days; the
declared 回避 pairs), and publishes their SHA-256 and SHA-256(seed) (公示 kind draw_record). The draw reveals
the seed, runs the versioned algorithm (app/inspections/draw.py) once — a drawn batch is never drawn again —,
republishes the record with the seed and the result, and creates one inspection per target
(create_inspection, source 双随机, source_ref = the batch number, the team's first member the lead).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from app import audit, clock, publication, workflow
from app.auth.models import User, UserRole
from app.auth.permissions import in_scope, path_prefix
from app.auth.roles import Role
from app.errors import FieldErrors, InvalidState, invalid, require
from app.extensions import db
from app.inspections import draw as algo
from app.inspections.models.draw import (
    DrawBatch,
    DrawEvent,
    DrawEventKind,
    DrawStatus,
    DrawTarget,
    SpotCheckItem,
)
from app.org.models import CATEGORIES, INDUSTRIES, Department, Enterprise, EnterpriseStatus, Region

PROCESS = "draw_batch"
RECUSAL_PROCESS = "draw_recusal"
SUPPLEMENT_PROCESS = "draw_supplement"

ITEM_KIND = publication.register_kind(
    publication.PublicationKind(
        code="spot_check_items",
        name="随机抽查事项清单",
        fields=(
            "事项编号",
            "抽查事项",
            "抽查依据",
            "抽查对象范围",
            "抽查方式",
            "抽查比例",
            "抽查频次",
            "实施机关",
        ),
        title=lambda f: f"随机抽查事项：{f.get('抽查事项')}",
    )
)
RECORD_KIND = publication.register_kind(
    publication.PublicationKind(
        code="draw_record",
        name="双随机抽查记录",
        fields=(
            "批次号",
            "抽查事项",
            "实施机关",
            "抽查范围",
            "计划检查日期",
            "检查对象库户数",
            "执法检查人员数",
            "排除对象户数",
            "回避关系对数",
            "对象库SHA-256",
            "排除清单SHA-256",
            "随机种子承诺值SHA-256",
            "随机种子",
            "算法版本",
            "抽取时间",
            "抽取结果",
            "补抽与回避",
            "公开记录与复核",
        ),  # fmt: skip
        title=lambda f: f"双随机抽查记录：{f.get('批次号')}",
    )
)

COMMITTED = "inspections.draw_committed"
DRAWN = "inspections.draw_drawn"
CREATED = "inspections.draw_created"
UPDATED = "inspections.draw_updated"
CLOSED = "inspections.draw_closed"
RECUSAL_REQUESTED = "inspections.draw_recusal_requested"
RECUSAL_DECIDED = "inspections.draw_recusal_decided"
SUPPLEMENT_REQUESTED = "inspections.draw_supplement_requested"
SUPPLEMENT_DECIDED = "inspections.draw_supplement_decided"
RESULT_NOTICE = "inspections.draw_result_notice"
RESULT_DOC = "random_result"
ITEM_SAVED = "inspections.spot_item_saved"
audit.register_action_labels(
    {
        COMMITTED: "双随机批次提交冻结",
        DRAWN: "双随机抽取",
        CREATED: "创建双随机批次",
        UPDATED: "修改双随机批次",
        CLOSED: "双随机批次办结",
        RECUSAL_REQUESTED: "申请回避",
        RECUSAL_DECIDED: "回避审批",
        SUPPLEMENT_REQUESTED: "申请补抽",
        SUPPLEMENT_DECIDED: "补抽审批",
        ITEM_SAVED: "保存随机抽查事项",
        RESULT_NOTICE: "制发抽查结果公告",
    }
)

MANAGER_ROLES = (Role.SECTION_HEAD, Role.LEADER)
MAX_TEXT = 500


# ---- helpers --------------------------------------------------------------------------------------------


def _agency_of(actor: User) -> Department:
    agency = actor.department.agency if actor.department is not None else None
    if agency is None:
        raise InvalidState("您未归属任何执法机关，不能办理")
    return agency


def _require_manager(
    actor: User, region_path: str, message: str = "双随机批次由本辖区科室负责人办理"
) -> None:
    require(
        not actor.is_enterprise_user and actor.has_role(*MANAGER_ROLES) and in_scope(actor, region_path),
        message,
    )


def _text(data: dict, field: str, label: str, *, max_length: int = MAX_TEXT, required: bool = True) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise invalid(field, f"请填写{label}")
    if len(value) > max_length:
        raise invalid(field, f"{label}不超过{max_length}字")
    return value


def _int(data: dict, field: str, label: str, *, low: int, high: int) -> int:
    try:
        n = int(str(data.get(field) if data.get(field) is not None else "").strip())
    except ValueError:
        raise invalid(field, f"{label}应为整数") from None
    if not low <= n <= high:
        raise invalid(field, f"{label}应在{low}到{high}之间")
    return n


def _date(data: dict, field: str, label: str, *, required: bool = True) -> date | None:
    value = data.get(field)
    if isinstance(value, date):
        return value
    value = str(value or "").strip()
    if not value:
        if required:
            raise invalid(field, f"请填写{label}")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"{label}格式不正确") from None


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",")]
    return sorted({str(v).strip() for v in value if str(v).strip()})


def _event(batch: DrawBatch, kind: str, *, actor: User | None, reason: str | None = None, data: dict | None = None,
           approver: User | None = None, pending: bool = False) -> DrawEvent:  # fmt: skip
    ev = DrawEvent(
        kind=kind,
        at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        approver_id=approver.id if approver is not None else None,
        reason=reason,
        data=data or {},
        pending=pending,
    )
    batch.events.append(ev)
    db.session.flush()
    return ev


def _ready(subject: Any, process: str, bpmn_id: str, task=None, message: str = "当前不能办理该事项"):
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != subject.id:
            raise InvalidState("任务与事项不匹配")
        return task
    inst = workflow.instance_for(subject, process)
    for t in workflow.ready_tasks(inst):
        if t.bpmn_id == bpmn_id:
            return t
    raise InvalidState(message)


# ---- 随机抽查事项清单 ---------------------------------------------------------------------------------------

ITEM_FIELDS = (
    ("code", "事项编号", 30),
    ("name", "抽查事项", 200),
    ("basis", "抽查依据", 2000),
    ("subject_scope", "抽查对象范围", 300),
    ("method", "抽查方式", 100),
    ("ratio", "抽查比例", 100),
    ("frequency", "抽查频次", 100),
)


def create_item(data: dict, *, actor: User) -> SpotCheckItem:
    require(
        not actor.is_enterprise_user and actor.has_role(*MANAGER_ROLES), "随机抽查事项清单由科室负责人维护"
    )
    agency = _agency_of(actor)
    _require_manager(actor, agency.region.path, "随机抽查事项清单由科室负责人维护")
    item = SpotCheckItem(agency_id=agency.id, region_path=agency.region.path)
    _fill_item(item, data)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, ITEM_SAVED, item, summary=f"新增随机抽查事项：{item.name}", data={"code": item.code})
    return item


def update_item(item: SpotCheckItem, data: dict, *, actor: User) -> SpotCheckItem:
    _require_manager(actor, item.region_path, "随机抽查事项清单由科室负责人维护")
    if item.published:
        raise InvalidState("该事项已公示，须先撤回公示再修改")
    before = {f: getattr(item, f) for f, _, _ in ITEM_FIELDS}
    _fill_item(item, data)
    changes = {f: [before[f], getattr(item, f)] for f, _, _ in ITEM_FIELDS if before[f] != getattr(item, f)}
    db.session.flush()
    audit.record(actor, ITEM_SAVED, item, summary=f"修改随机抽查事项：{item.name}", changes=changes)
    return item


def _fill_item(item: SpotCheckItem, data: dict) -> None:
    for field, label, n in ITEM_FIELDS:
        setattr(item, field, _text(data, field, label, max_length=n))


def _item_fields(item: SpotCheckItem) -> dict[str, object]:
    return {
        "事项编号": item.code,
        "抽查事项": item.name,
        "抽查依据": item.basis,
        "抽查对象范围": item.subject_scope,
        "抽查方式": item.method,
        "抽查比例": item.ratio,
        "抽查频次": item.frequency,
        "实施机关": item.agency.name,
    }


def publish_item(item: SpotCheckItem, *, actor: User) -> SpotCheckItem:
    _require_manager(actor, item.region_path, "随机抽查事项清单由科室负责人公示")
    if item.published:
        raise InvalidState("该事项已公示")
    today = clock.today()
    publication.publish(
        item, ITEM_KIND, _item_fields(item), region_path=item.region_path, agency=item.agency,
        decided_on=today, due_on=None, actor=actor,
    )  # fmt: skip
    item.published = True
    item.published_on = today
    db.session.flush()
    return item


def withdraw_item(item: SpotCheckItem, reason: str, *, actor: User) -> SpotCheckItem:
    _require_manager(actor, item.region_path, "随机抽查事项清单由科室负责人维护")
    entry = publication.current_for(item, ITEM_KIND)
    if entry is None or not item.published:
        raise InvalidState("该事项未公示")
    publication.withdraw(entry, reason, actor=actor, due_on=None)
    item.published = False
    db.session.flush()
    return item


def published_items(region_path: str | None = None) -> list[SpotCheckItem]:
    stmt = select(SpotCheckItem).where(SpotCheckItem.published.is_(True))
    if region_path:
        stmt = stmt.where(path_prefix(SpotCheckItem.region_path, region_path))
    return list(db.session.scalars(stmt.order_by(SpotCheckItem.code, SpotCheckItem.id)))


# ---- batches --------------------------------------------------------------------------------------------


def _fill_batch(batch: DrawBatch, data: dict, region_path: str) -> None:
    """The form's values onto the batch; every field's error is named in one reply, next to its field (a
    refused form sent again only to learn of the next field's problem was the trial's complaint)."""
    errors = FieldErrors()
    field = errors.field
    with field():
        batch.title = _text(data, "title", "批次名称", max_length=200)
    with field():
        item_id = data.get("item_id")
        if item_id in (None, ""):
            raise invalid("item_id", "请选择抽查事项（随机抽查事项清单）")
        try:
            item = db.session.get(SpotCheckItem, int(item_id))
        except (TypeError, ValueError):
            item = None
        if item is None or not item.published or not in_scope_path(region_path, item.region_path):
            raise invalid("item_id", "抽查事项应为已公示的本辖区随机抽查事项")
        batch.item_id = item.id
    industries = _list(data.get("industries"))
    with field():
        if unknown := [i for i in industries if i not in INDUSTRIES]:
            raise invalid("industries", f"没有这些行业：{'、'.join(unknown)}")
    towns = _list(data.get("towns"))
    with field():
        town_names = set(_towns(region_path).values())
        if unknown := [t for t in towns if t not in town_names]:
            raise invalid("towns", f"辖区内没有这些乡镇：{'、'.join(unknown)}")
    classes = _list(data.get("classes"))
    with field():
        if unknown := [c for c in classes if c not in CATEGORIES]:
            raise invalid("classes", f"分类分级类别应为A–D：{'、'.join(unknown)}")
    batch.filters = {"industries": industries, "towns": towns, "classes": classes}
    with field():
        strata = data.get("strata")
        if isinstance(strata, str):
            strata = _parse_strata_text(strata)
        if not isinstance(strata, list):
            raise invalid("strata", "请设置分层抽取（行业、乡镇、户数或比例）")
        clean = []
        for s in strata:
            clean.append(
                {
                    "industry": (str(s.get("industry") or "").strip() or None),
                    "town": (str(s.get("town") or "").strip() or None),
                    "count": int(s["count"]) if str(s.get("count") or "").strip() else None,
                    "ratio": str(s.get("ratio")).strip() if str(s.get("ratio") or "").strip() else None,
                }
                if isinstance(s, dict)
                else {}
            )
        try:
            algo.parse_strata(clean)
        except (algo.DrawInputError, ValueError) as exc:
            raise invalid("strata", str(exc)) from None
        batch.strata = clean
    from app.inspections.rules import inspection_pack  # helper "classify"

    pack = inspection_pack(region_path, clock.today())
    data = dict(data)
    if data.get("exclude_recent_days") in (None, ""):
        data["exclude_recent_days"] = pack.recent_days  # the jurisdiction's default (M:low)
    low = max(2, pack.min_inspectors)
    with field():
        batch.inspectors_per_target = _int(data, "inspectors_per_target", "每户检查人员数", low=low, high=10)
    with field():
        batch.exclude_recent_days = _int(data, "exclude_recent_days", "排除近N日内已检查", low=0, high=366)
    batch.exclude_at_cap = bool(data.get("exclude_at_cap", True)) and data.get("exclude_at_cap") not in (
        "0",
        "false",
    )
    planned = None
    with field():
        planned = _date(data, "planned_on", "计划检查日期")
        assert planned is not None
        if planned < clock.today():
            raise invalid("planned_on", "计划检查日期不能早于今天")
        batch.planned_on = planned
    with field():
        due = _date(data, "due_on", "应完成日期", required=False)
        if due is not None and planned is not None and due < planned:
            raise invalid("due_on", "应完成日期不能早于计划检查日期")
        batch.due_on = due
    errors.raise_any()


def _parse_strata_text(text: str) -> list[dict]:
    """One stratum a line: "行业,乡镇,户数" or "行业,乡镇,比例%"; an empty or * column matches anything."""
    out: list[dict] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) != 3:
            raise invalid("strata", f"第{n}行应为“行业,乡镇,户数或比例%”")
        industry, town, amount = (None if p in ("", "*") else p for p in parts)
        if amount is None:
            raise invalid("strata", f"第{n}行缺少户数或比例")
        if amount.endswith("%"):
            try:
                ratio = float(amount[:-1]) / 100
            except ValueError:
                raise invalid("strata", f"第{n}行比例格式不正确") from None
            out.append({"industry": industry, "town": town, "count": None, "ratio": f"{ratio:g}"})
        else:
            if not amount.isdigit():
                raise invalid("strata", f"第{n}行户数应为整数，比例以%结尾")
            out.append({"industry": industry, "town": town, "count": int(amount), "ratio": None})
    return out


def strata_text(batch: DrawBatch) -> str:
    lines = []
    for s in batch.strata or []:
        amount = str(s["count"]) if s.get("count") else f"{float(s['ratio']) * 100:g}%"
        lines.append(f"{s.get('industry') or '*'},{s.get('town') or '*'},{amount}")
    return "\n".join(lines)


def in_scope_path(scope: str, path: str) -> bool:
    return (path or "").startswith(scope) or scope.startswith(path or "\0")


def create_batch(data: dict, *, actor: User) -> DrawBatch:
    require(not actor.is_enterprise_user and actor.has_role(*MANAGER_ROLES), "双随机批次由科室负责人创建")
    agency = _agency_of(actor)
    region_path = agency.region.path
    _require_manager(actor, region_path)
    batch = DrawBatch(
        agency_id=agency.id, region_path=region_path, created_by_id=actor.id, status=DrawStatus.DRAFT
    )
    _fill_batch(batch, data, region_path)
    db.session.add(batch)
    db.session.flush()
    workflow.start(
        PROCESS,
        subject=batch,
        title=f"双随机抽查：{batch.title}",
        region_path=region_path,
        data={"batch_id": batch.id},
        actor=actor,
    )
    audit.record(
        actor, CREATED, batch, summary=f"创建双随机批次：{batch.title}", data={"filters": batch.filters}
    )
    return batch


def update_batch(batch: DrawBatch, data: dict, *, actor: User) -> DrawBatch:
    _require_manager(actor, batch.region_path)
    if batch.status != DrawStatus.DRAFT:
        raise InvalidState("批次已提交冻结，不能修改")
    _fill_batch(batch, data, batch.region_path)
    db.session.flush()
    audit.record(actor, UPDATED, batch, summary=f"修改双随机批次：{batch.title}")
    return batch


# ---- the two libraries and the exclusions ----------------------------------------------------------------


def _towns(region_path: str) -> dict[str, str]:
    """town region path → name, for the towns under `region_path`."""
    rows = db.session.execute(
        select(Region.path, Region.name).where(path_prefix(Region.path, region_path), Region.level == "town")
    )
    return {p: n for p, n in rows}


def _town_of(path: str, towns: dict[str, str]) -> str:
    # a town's path is a prefix of every path below it; paths are /code/…/ so walk the path's prefixes
    i = 0
    while True:
        i = path.find("/", i + 1)
        if i < 0:
            return ""
        name = towns.get(path[: i + 1])
        if name is not None:
            return name


@dataclass
class Frozen:
    pool: list[dict]
    inspectors: list[int]
    exclusions: dict
    statuses: dict[int, str]


def build_libraries(batch: DrawBatch) -> Frozen:
    """The target library (filtered registry), the inspector library and the exclusions, as they are now."""
    towns = _towns(batch.region_path)
    f = batch.filters or {}
    stmt = select(Enterprise.id, Enterprise.industry, Enterprise.region_path, Enterprise.status).where(
        path_prefix(Enterprise.region_path, batch.region_path)
    )
    if f.get("industries"):
        stmt = stmt.where(Enterprise.industry.in_(f["industries"]))
    if f.get("classes"):
        stmt = stmt.where(Enterprise.category.in_(f["classes"]))
    wanted_towns = set(f.get("towns") or [])
    pool: list[dict] = []
    statuses: dict[int, str] = {}
    for eid, industry, path, status in db.session.execute(stmt.order_by(Enterprise.id)):
        town = _town_of(path, towns)
        if wanted_towns and town not in wanted_towns:
            continue
        pool.append({"id": eid, "industry": industry, "town": town})
        statuses[eid] = status
    ids = [e["id"] for e in pool]
    excluded: dict[int, str] = {}
    for eid, status in statuses.items():
        if status != EnterpriseStatus.OPERATING:
            excluded[eid] = f"经营状态为{status}"
    if batch.exclude_recent_days and ids:
        excluded.update(
            (eid, why) for eid, why in _recent(ids, batch.planned_on, batch.exclude_recent_days, batch.region_path).items()
            if eid not in excluded
        )  # fmt: skip
    if batch.exclude_at_cap and ids:
        from app.inspections.caps import budgets  # helper "classify"

        rest = [i for i in ids if i not in excluded]
        for eid, b in budgets(rest, batch.planned_on.year).items():
            if b.remaining <= 0:
                excluded[eid] = f"已达{batch.planned_on.year}年度检查上限（{b.cap}次）"
    inspectors = _inspectors(batch)
    from app.inspections.conflicts import conflict_pairs

    pairs = sorted(conflict_pairs(inspectors, ids))
    exclusions = {
        "enterprises": [{"id": eid, "reason": excluded[eid]} for eid in sorted(excluded)],
        "conflicts": [[u, e] for u, e in pairs],
    }
    return Frozen(pool, inspectors, exclusions, statuses)


def _recent(ids: list[int], planned_on: date, days: int, region_path: str) -> dict[int, str]:
    from app.inspections.models import Inspection, InspectionStatus

    since = planned_on - timedelta(days=days)
    out: dict[int, str] = {}
    wanted = set(ids)
    rows = db.session.execute(
        select(Inspection.enterprise_id, func.max(Inspection.planned_on))
        .where(
            path_prefix(Inspection.region_path, region_path),
            Inspection.planned_on >= since,
            Inspection.planned_on <= planned_on,
            Inspection.status != InspectionStatus.CANCELLED,
        )
        .group_by(Inspection.enterprise_id)
    )
    for eid, last in rows:
        if eid in wanted:
            out[eid] = f"近{days}日内已检查（{last:%Y-%m-%d}）"
    return out


def _inspectors(batch: DrawBatch) -> list[int]:
    """Officers whose jurisdiction covers the whole batch (their department's region at or above the batch's:
    a town station's officers are not sent to another town) holding a certificate valid on the planned day
    (执法检查人员名录库)."""
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.OFFICER, User.department_id.is_not(None), User.is_active_flag.is_(True))
        .order_by(User.id)
    )
    out = set()
    for u in db.session.scalars(stmt):
        scope = u.scope_path
        if scope is not None and batch.region_path.startswith(scope) and u.cert_valid_on(batch.planned_on):
            out.add(u.id)
    return sorted(out)


@dataclass
class Preview:
    pool_size: int
    excluded: int
    conflicts: int
    inspectors: int
    strata: list[dict]
    reasons: dict[str, int]


def preview(batch: DrawBatch) -> Preview:
    fz = build_libraries(batch)
    strata = algo.parse_strata(batch.strata)
    excluded = {e["id"] for e in fz.exclusions["enterprises"]}
    sizes = {s.key: 0 for s in strata}
    for e in fz.pool:
        if e["id"] in excluded:
            continue
        s = algo.stratum_of(strata, e["industry"], e["town"])
        if s is not None:
            sizes[s.key] += 1
    reasons: dict[str, int] = {}
    for e in fz.exclusions["enterprises"]:
        key = e["reason"].split("（")[0]
        reasons[key] = reasons.get(key, 0) + 1
    return Preview(
        pool_size=len(fz.pool),
        excluded=len(excluded),
        conflicts=len(fz.exclusions["conflicts"]),
        inspectors=len(fz.inspectors),
        strata=[{"key": s.key, "size": sizes[s.key], "take": s.take(sizes[s.key])} for s in strata],
        reasons=reasons,
    )


def _number(batch: DrawBatch, year: int) -> str:
    """<机关简称>双随机〔year〕N号, N the agency's next number of the year (one writer: the commit's flush
    meets the unique index if two commits race, and the second is refused)."""
    prefix = f"{batch.agency.short_name or ''}双随机〔{year}〕"
    n = db.session.scalar(
        select(func.count(DrawBatch.id)).where(
            DrawBatch.agency_id == batch.agency_id, DrawBatch.number.like(prefix + "%")
        )
    )
    return f"{prefix}{(n or 0) + 1}号"


def inputs_of(batch: DrawBatch, *, seed: str | None = None) -> algo.DrawInputs:
    return algo.DrawInputs(
        pool=list(batch.pool or []),
        inspectors=list(batch.inspectors or []),
        exclusions=dict(batch.exclusions or {}),
        strata=list(batch.strata or []),
        inspectors_per_target=batch.inspectors_per_target,
        seed=seed if seed is not None else (batch.seed or ""),
    )


def commit_batch(batch: DrawBatch, data: dict, *, actor: User, task=None) -> DrawBatch:
    """Freeze the libraries and the exclusions; publish their hashes and the seed's commitment."""
    _require_manager(actor, batch.region_path)
    if batch.status != DrawStatus.DRAFT:
        raise InvalidState("批次已提交冻结，不能再次提交")
    task = _ready(batch, PROCESS, "commit_batch", task, "批次当前不能提交")
    if batch.item_id is None:  # a batch made from a plan's 一般 quotas without a published 事项 at the time
        raise invalid("item_id", "请先修改批次，选择抽查事项（随机抽查事项清单）")
    fz = build_libraries(batch)
    strata = algo.parse_strata(batch.strata)
    excluded = {e["id"] for e in fz.exclusions["enterprises"]}
    if not any(
        e["id"] not in excluded and algo.stratum_of(strata, e["industry"], e["town"]) for e in fz.pool
    ):
        raise invalid("strata", "按筛选条件和排除规则，没有可抽取的检查对象")
    if len(fz.inspectors) < batch.inspectors_per_target:
        raise invalid(
            "inspectors_per_target",
            f"执法检查人员名录库仅{len(fz.inspectors)}人持有有效执法证，少于每户{batch.inspectors_per_target}人",
        )
    now = clock.now()
    batch.pool = fz.pool
    batch.inspectors = fz.inspectors
    batch.exclusions = fz.exclusions
    batch.pool_hash = algo.pool_hash(fz.pool, fz.inspectors, batch.strata, batch.inspectors_per_target)
    batch.exclusions_hash = algo.exclusions_hash(fz.exclusions)
    batch.seed = secrets.token_hex(32)
    batch.seed_commitment = algo.commitment(batch.seed)
    batch.algorithm_version = algo.ALGORITHM
    batch.committed_at = now
    batch.committed_by_id = actor.id
    batch.number = _number(batch, now.astimezone(clock.TZ).year)
    _event(
        batch, DrawEventKind.COMMITTED, actor=actor,
        data={"pool_hash": batch.pool_hash, "exclusions_hash": batch.exclusions_hash,
              "seed_commitment": batch.seed_commitment, "pool": len(fz.pool), "inspectors": len(fz.inspectors),
              "excluded": len(fz.exclusions["enterprises"]), "conflicts": len(fz.exclusions["conflicts"])},
    )  # fmt: skip
    workflow.complete_task(task, {"committed": True}, actor=actor)  # → 已提交 (app.inspections.draw_tasks)
    _publish_record(batch, actor)
    audit.record(
        actor,
        COMMITTED,
        batch,
        summary=f"双随机批次{batch.number}提交冻结：对象库{len(fz.pool)}户、排除{len(excluded)}户、"
        f"执法人员{len(fz.inspectors)}人；公示对象库与排除清单SHA-256及随机种子承诺值",
        changes={"status": [DrawStatus.DRAFT.value, DrawStatus.COMMITTED.value]},
        data={"pool_hash": batch.pool_hash, "exclusions_hash": batch.exclusions_hash,
              "seed_commitment": batch.seed_commitment},
    )  # fmt: skip
    return batch


def record_url(batch: DrawBatch) -> str:
    return f"/gongshi/draws/{batch.id}"


RECORD_NAMES = 50  # targets named in the 公示 entry itself; the public record lists them all


RECUSAL_PUBLIC_REASON = "本人申请回避（存在利害关系）"


def public_reason(event: DrawEvent) -> str | None:
    """What the public record (the page and the draw_record entry) says of an event's reason: of a 回避 only
    that a member was replaced for 回避 — never the member's own reason or the decision's opinion, which are
    personal (kept on the staff pages); the rule-made reasons of an automatic replacement name nobody's
    private facts and stay. Other events (补抽) keep their reason."""
    if event.kind == DrawEventKind.RECUSAL:
        return event.reason if (event.data or {}).get("auto") else RECUSAL_PUBLIC_REASON
    if event.kind == DrawEventKind.RECUSAL_REQUESTED:
        return RECUSAL_PUBLIC_REASON
    if event.kind == DrawEventKind.RECUSAL_REFUSED:
        return None  # the opinion answers the personal reason
    return event.reason


def _record_fields(batch: DrawBatch) -> dict[str, object]:
    ex = batch.exclusions or {"enterprises": [], "conflicts": []}
    drawn = batch.status in (DrawStatus.DRAWN, DrawStatus.DONE)
    targets = list(batch.targets)
    shown = targets[:RECORD_NAMES]
    ids = [t.enterprise_id for t in shown]
    names: dict[int, str] = {}
    if ids:
        rows = db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))
        names = {eid: name for eid, name in rows}
    result = "；".join(f"{names.get(t.enterprise_id, t.enterprise_id)}（{t.stratum}）" for t in shown)
    if len(targets) > len(shown):
        result += f"等{len(targets)}户（全部见公开记录）"
    changes = [ev for ev in batch.events if ev.kind in (DrawEventKind.RECUSAL, DrawEventKind.SUPPLEMENT)]
    if len(changes) > RECORD_NAMES:
        changes = changes[:RECORD_NAMES]
    return {
        "批次号": batch.number,
        "抽查事项": batch.item.name if batch.item else "",
        "实施机关": batch.agency.name,
        "抽查范围": batch.title,
        "计划检查日期": f"{batch.planned_on:%Y年%m月%d日}",
        "检查对象库户数": len(batch.pool or []),
        "执法检查人员数": len(batch.inspectors or []),
        "排除对象户数": len(ex["enterprises"]),
        "回避关系对数": len(ex["conflicts"]),
        "对象库SHA-256": batch.pool_hash,
        "排除清单SHA-256": batch.exclusions_hash,
        "随机种子承诺值SHA-256": batch.seed_commitment,
        "随机种子": batch.seed if drawn else "（抽取时公开）",
        "算法版本": batch.algorithm_version,
        "抽取时间": f"{batch.drawn_at.astimezone(clock.TZ):%Y-%m-%d %H:%M:%S}"
        if batch.drawn_at
        else "（未抽取）",
        "抽取结果": result or "（未抽取）",
        "补抽与回避": "；".join(f"{ev.kind}：{public_reason(ev) or ''}" for ev in changes) or "无",
        "公开记录与复核": record_url(batch),
    }


def _publish_record(batch: DrawBatch, actor: User) -> None:
    """(Re)publish the batch's record: the entry is replaced (the old one withdrawn, kept in the history)."""
    current = publication.current_for(batch, RECORD_KIND)
    if current is not None:
        publication.withdraw(
            current, "抽查记录更新（抽取结果、回避替换或补抽），以新记录为准", actor=actor, due_on=None
        )
    publication.publish(
        batch, RECORD_KIND, _record_fields(batch), region_path=batch.region_path, agency=batch.agency,
        decided_on=clock.today(), due_on=None, actor=actor,
    )  # fmt: skip


def _create_inspection(batch: DrawBatch, target: DrawTarget, actor: User, approved_by: User | None = None):
    from app.inspections.operations.inspection import create_inspection  # helper "onsite"

    data = {
        "source": "双随机",
        "source_ref": batch.number,
        "planned_on": batch.planned_on.isoformat(),
        "due_on": batch.due_on.isoformat() if batch.due_on else None,
        "lead_officer_id": target.team[0],
        "member_ids": list(target.team),
        "over_cap_reason": "双随机抽查抽中（提交时未达年度检查上限）",
    }
    insp = create_inspection(
        target.enterprise, data, actor=actor, approved_over_cap_by=approved_by, origin=target
    )
    target.inspection_id = insp.id
    return insp


def draw_batch(batch: DrawBatch, data: dict, *, actor: User, task=None) -> DrawBatch:
    """Reveal the seed and draw — once. Re-running the algorithm on the published inputs gives the same
    result (the replay page); the batch itself is never drawn again."""
    _require_manager(actor, batch.region_path)
    if batch.status != DrawStatus.COMMITTED:
        raise InvalidState(
            "批次已抽取，不能重新抽取（如需增加对象，请申请补抽，报负责人批准）"
            if batch.status in (DrawStatus.DRAWN, DrawStatus.DONE)
            else "批次尚未提交冻结，不能抽取"
        )
    task = _ready(batch, PROCESS, "run_draw", task, "批次当前不能抽取")
    assert batch.seed and batch.seed_commitment == algo.commitment(batch.seed)
    try:
        result = algo.run(batch.algorithm_version or algo.ALGORITHM, inputs_of(batch))
    except algo.DrawInputError as exc:
        raise InvalidState(f"无法抽取：{exc}") from None
    ents = {
        e.id: e
        for e in db.session.scalars(
            select(Enterprise).where(Enterprise.id.in_([t["enterprise_id"] for t in result["targets"]]))
        )
    }
    batch.result = result
    batch.drawn_at = clock.now()
    batch.drawn_by_id = actor.id
    for t in result["targets"]:
        target = DrawTarget(
            enterprise_id=t["enterprise_id"], stratum=t["stratum"], rank=t["rank"], team=list(t["team"]),
            supplement=False,
        )  # fmt: skip
        target.enterprise = ents[t["enterprise_id"]]
        batch.targets.append(target)
    db.session.flush()
    _event(
        batch, DrawEventKind.DRAWN, actor=actor, data={"seed": batch.seed, "targets": len(result["targets"])}
    )
    create_pending_inspections(batch, actor=actor, limit=INLINE_INSPECTIONS)
    workflow.complete_task(task, {"drawn": True}, actor=actor)  # → 已抽取
    _publish_record(batch, actor)
    audit.record(
        actor,
        DRAWN,
        batch,
        summary=f"双随机批次{batch.number}抽取：公开随机种子，抽中{len(result['targets'])}户，生成检查任务",
        changes={"status": [DrawStatus.COMMITTED.value, DrawStatus.DRAWN.value]},
        data={"seed": batch.seed, "version": batch.algorithm_version},
    )
    return batch


INLINE_INSPECTIONS = 60  # a draw creates this many inspections itself; the sweep below the rest
SWEEP_CHUNK = 300


def create_pending_inspections(batch: DrawBatch, *, actor: User, limit: int | None = None) -> int:
    """Create the inspections of the drawn targets that have none yet (at most `limit`), in draw order,
    after replacing any member who since the commit declared a 回避 relation or can no longer inspect
    (_fix_teams: logged, replayed). One inspection costs ~50 ms (the cap, the team, the workflow), so a draw
    of thousands creates the first INLINE_INSPECTIONS itself and the timer worker's sweep the rest."""
    pending = [t for t in batch.targets if t.inspection_id is None]
    if limit is not None:
        pending = pending[:limit]
    if not pending:
        return 0
    _fix_teams(batch, pending)
    for target in pending:
        _create_inspection(batch, target, actor, approved_by=actor if target.supplement else None)
    return len(pending)


def sweep_draw_inspections() -> str | None:
    """app.periodic sweep: the drawn batches' remaining inspections, SWEEP_CHUNK per pass, created as the
    section head who drew the batch. Idempotent."""
    made = 0
    batches = db.session.scalars(
        select(DrawBatch)
        .where(DrawBatch.status.in_([DrawStatus.DRAWN, DrawStatus.DONE]))
        .where(select(DrawTarget.id).where(DrawTarget.batch_id == DrawBatch.id, DrawTarget.inspection_id.is_(None)).exists())
        .order_by(DrawBatch.id)
    )  # fmt: skip
    for batch in batches:
        actor = db.session.get(User, batch.drawn_by_id) if batch.drawn_by_id else None
        if actor is None:
            continue
        made += create_pending_inspections(batch, actor=actor, limit=SWEEP_CHUNK - made)
        if made >= SWEEP_CHUNK:
            break
    return f"双随机抽查：生成检查任务{made}项" if made else None


def close_batch(batch: DrawBatch, data: dict, *, actor: User, task=None) -> DrawBatch:
    _require_manager(actor, batch.region_path)
    if batch.status != DrawStatus.DRAWN:
        raise InvalidState("批次未抽取或已办结")
    if any(ev.pending for ev in batch.events):
        raise InvalidState("尚有待审批的回避或补抽申请，不能办结")
    if any(t.inspection_id is None for t in batch.targets):
        raise InvalidState("检查任务尚在生成中，不能办结")
    task = _ready(batch, PROCESS, "close_batch", task, "批次当前不能办结")
    workflow.complete_task(task, {"closed": True}, actor=actor)  # → 已完成
    audit.record(
        actor, CLOSED, batch, summary=f"双随机批次{batch.number}办结",
        changes={"status": [DrawStatus.DRAWN.value, DrawStatus.DONE.value]},
    )  # fmt: skip
    return batch


# ---- 回避 ------------------------------------------------------------------------------------------------


def _left(batch: DrawBatch, target: DrawTarget) -> set[int]:
    """Everyone who left the target's team before (a recused officer never comes back)."""
    return {
        int(ev.data["out"])
        for ev in batch.events
        if ev.kind == DrawEventKind.RECUSAL and ev.data.get("target_id") == target.id
    }


def _require_not_started(target: DrawTarget) -> None:
    """Recusal changes the team of an inspection not yet begun (待审批/待检查); once the team is on site,
    回避 is the on-site step's (the enterprise's answer recorded there)."""
    from app.inspections.models import Inspection, InspectionStatus

    insp = db.session.get(Inspection, target.inspection_id) if target.inspection_id else None
    if insp is not None and insp.status not in (InspectionStatus.PENDING_APPROVAL, InspectionStatus.PLANNED):
        raise InvalidState(f"该检查已{insp.status}，不能再申请回避替换")


def request_recusal(target: DrawTarget, data: dict, *, actor: User) -> DrawEvent:
    """The drawn officer asks to be recused from the target (a relation not declared before)."""
    batch = target.batch
    require(not actor.is_enterprise_user and actor.id in target.team, "只有被抽中的检查人员本人可以申请回避")
    if batch.status != DrawStatus.DRAWN:
        raise InvalidState("批次不在抽取后阶段，不能申请回避")
    if any(
        ev.pending and ev.kind == DrawEventKind.RECUSAL_REQUESTED and ev.data.get("target_id") == target.id
        and ev.actor_id == actor.id
        for ev in batch.events
    ):  # fmt: skip
        raise InvalidState("您对该企业的回避申请正在审批中")
    _require_not_started(target)
    reason = _text(data, "reason", "回避理由")
    ev = _event(
        batch, DrawEventKind.RECUSAL_REQUESTED, actor=actor, reason=reason, pending=True,
        data={"target_id": target.id, "enterprise_id": target.enterprise_id, "out": actor.id},
    )  # fmt: skip
    workflow.start(
        RECUSAL_PROCESS,
        subject=ev,
        title=f"回避申请：{batch.number} {actor.name}",
        region_path=batch.region_path,
        data={"batch_id": batch.id, "event_id": ev.id},
        actor=actor,
    )
    audit.record(actor, RECUSAL_REQUESTED, batch, summary=f"{actor.name}申请回避：{reason}",
                 data={"event_id": ev.id, "target_id": target.id})  # fmt: skip
    return ev


def decide_recusal(event: DrawEvent, data: dict, *, actor: User, task=None) -> DrawEvent:
    """The section head approves (the replacement drawn deterministically) or refuses a recusal."""
    batch = event.batch
    _require_manager(actor, batch.region_path, "回避申请由本辖区科室负责人审批")
    require(actor.id != event.actor_id, "不能审批本人的回避申请")
    if not event.pending or event.kind != DrawEventKind.RECUSAL_REQUESTED:
        raise InvalidState("该回避申请已审批")
    task = _ready(event, RECUSAL_PROCESS, "decide_recusal", task, "该回避申请当前不能审批")
    decision = data.get("decision")
    if decision not in ("approve", "refuse"):
        raise invalid("decision", "请选择审批意见")
    opinion = _text(data, "opinion", "审批意见", required=decision == "refuse")
    target = db.session.get(DrawTarget, int(event.data["target_id"]))
    assert target is not None
    out = int(event.data["out"])
    event.pending = False
    event.approver_id = actor.id
    if decision == "approve":
        if out not in target.team:
            raise InvalidState("该人员已不在检查组中")
        _require_not_started(target)
        new = _replace(
            batch, target, out, actor=db.session.get(User, event.actor_id), approver=actor, reason=event.reason,
            extra={"request_id": event.id, "opinion": opinion},
        )  # fmt: skip
        _publish_record(batch, actor)
        summary = f"批准回避：{target.enterprise.name}的检查人员由{_name(out)}替换为{_name(new)}"
    else:
        _event(
            batch, DrawEventKind.RECUSAL_REFUSED, actor=db.session.get(User, event.actor_id), approver=actor,
            reason=opinion, data={"target_id": target.id, "out": out, "request_id": event.id},
        )  # fmt: skip
        summary = f"不予准许回避：{opinion}"
    workflow.complete_task(task, {"decision": decision}, actor=actor)
    audit.record(actor, RECUSAL_DECIDED, batch, summary=summary, data={"event_id": event.id})
    return event


def _unavailable(batch: DrawBatch) -> list[int]:
    """Inspectors of the frozen library who can no longer inspect on the planned day (certificate expired
    or withdrawn, account disabled): one statement."""
    ids = list(batch.inspectors or [])
    if not ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(ids)))
    return sorted(u.id for u in users if not u.cert_valid_on(batch.planned_on))


def _replace(batch: DrawBatch, target: DrawTarget, out: int, *, actor: User | None, approver: User | None,
             reason: str | None, extra: dict | None = None, unavailable: list[int] | None = None) -> int:  # fmt: skip
    """Replace `out` on the target's team by the rule-4 replacement, avoiding beyond the frozen pairs what
    stands now — 回避 relations declared since the commit, inspectors who can no longer inspect — and log
    the change (DrawEvent 回避替换) with those lists, so the replay avoids the same. Raises when nobody is left."""
    from app.inspections.conflicts import conflicted

    version = algo.algorithm(batch.algorithm_version or algo.ALGORITHM)
    eid = target.enterprise_id
    frozen = (batch.exclusions or {}).get("conflicts", [])
    later = sorted(conflicted(batch.inspectors or [], eid) - {u for u, e in frozen if e == eid})
    invalid_ids = _unavailable(batch) if unavailable is None else unavailable
    pairs = [*frozen, *([u, eid] for u in later)]
    gone = set(target.team) | _left(batch, target) | set(invalid_ids)
    new = version.replacement(batch.seed, eid, batch.inspectors or [], pairs, gone)
    if new is None:
        raise InvalidState(f"执法检查人员名录库中已无可替换{target.enterprise.name}检查人员的人员")
    target.team = [new if u == out else u for u in target.team]
    _replace_member(target, out, new, approver=approver, reason=reason)
    _event(
        batch, DrawEventKind.RECUSAL, actor=actor, approver=approver, reason=reason,
        data={"target_id": target.id, "enterprise_id": eid, "out": out, "in": new,
              "declared_conflicts": later, "unavailable": invalid_ids, **(extra or {})},
    )  # fmt: skip
    return new


def _fix_teams(batch: DrawBatch, targets: list[DrawTarget]) -> None:
    """Before the drawn targets become inspections: a member who since the commit declared a 回避 relation
    with the enterprise, or can no longer inspect on the planned day, is replaced by rule 4 at once (logged,
    replayed) — the draw never fails on it and never silently changes. Two statements for all targets."""
    from app.inspections.conflicts import conflict_pairs

    invalid_ids = _unavailable(batch)
    members = {u for t in targets for u in t.team}
    now = conflict_pairs(members, [t.enterprise_id for t in targets])
    if not now and not invalid_ids:
        return
    invalid = set(invalid_ids)
    for target in targets:
        for out in list(target.team):
            if (out, target.enterprise_id) in now:
                why = "抽取后发现该人员已申报与该企业的回避关系，按规则顺延替换"
            elif out in invalid:
                why = "该人员于计划检查日执法证无效或账号已停用，按规则顺延替换"
            else:
                continue
            _replace(batch, target, out, actor=None, approver=None, reason=why, extra={"auto": True},
                     unavailable=invalid_ids)  # fmt: skip


def _name(user_id: int) -> str:
    u = db.session.get(User, user_id)
    return u.name if u else str(user_id)


def _replace_member(
    target: DrawTarget, out: int, new: int, *, approver: User | None, reason: str | None
) -> None:
    """The drawn inspection's team follows the replacement through the inspection's own operation
    (onsite's replace_member: audited, refused once the visit started, the new member checked for
    certificate, scope and 回避 as at creation; the lead's tasks follow). A target without its inspection yet
    (created later from target.team) needs nothing."""
    from app.inspections.models import Inspection
    from app.inspections.operations.inspection import replace_member

    if target.inspection_id is None:
        return
    insp = db.session.get(Inspection, target.inspection_id)
    if insp is None:
        return
    if approver is None:
        raise InvalidState("已生成检查任务的检查人员替换须经科室负责人批准")
    replace_member(insp, out, new, actor=approver, reason=reason or "回避替换")


# ---- 补抽 ------------------------------------------------------------------------------------------------


def request_supplement(batch: DrawBatch, data: dict, *, actor: User) -> DrawEvent:
    """The section head asks for a 补抽 (a drawn enterprise closed, …): count, stratum, reason."""
    _require_manager(actor, batch.region_path, "补抽由本辖区科室负责人申请")
    if batch.status != DrawStatus.DRAWN:
        raise InvalidState("批次不在抽取后阶段，不能申请补抽")
    if any(ev.pending and ev.kind == DrawEventKind.SUPPLEMENT_REQUESTED for ev in batch.events):
        raise InvalidState("已有补抽申请正在审批中")
    count = _int(data, "count", "补抽户数", low=1, high=1000)
    stratum = str(data.get("stratum") or "").strip() or None
    keys = [s.key for s in algo.parse_strata(batch.strata)]
    if stratum is not None and stratum not in keys:
        raise invalid("stratum", "请选择本批次的分层")
    reason = _text(data, "reason", "补抽理由")
    ev = _event(
        batch, DrawEventKind.SUPPLEMENT_REQUESTED, actor=actor, reason=reason, pending=True,
        data={"count": count, "stratum": stratum},
    )  # fmt: skip
    workflow.start(
        SUPPLEMENT_PROCESS,
        subject=ev,
        title=f"补抽申请：{batch.number}（{count}户）",
        region_path=batch.region_path,
        data={"batch_id": batch.id, "event_id": ev.id},
        actor=actor,
    )
    audit.record(actor, SUPPLEMENT_REQUESTED, batch, summary=f"申请补抽{count}户：{reason}",
                 data={"event_id": ev.id})  # fmt: skip
    return ev


def decide_supplement(event: DrawEvent, data: dict, *, actor: User, task=None) -> DrawEvent:
    """The leader approves (the 补抽 drawn from the remaining pool with the same seed) or refuses."""
    batch = event.batch
    require(
        not actor.is_enterprise_user and actor.has_role(Role.LEADER) and in_scope(actor, batch.region_path),
        "补抽须经本辖区负责人批准",
    )
    # four eyes: a 负责人 who asked for the 补抽 (MANAGER_ROLES may ask) does not approve it too
    require(actor.id != event.actor_id, "不能审批本人申请的补抽，须由其他负责人审批")
    if not event.pending or event.kind != DrawEventKind.SUPPLEMENT_REQUESTED:
        raise InvalidState("该补抽申请已审批")
    task = _ready(event, SUPPLEMENT_PROCESS, "approve_supplement", task, "该补抽申请当前不能审批")
    decision = data.get("decision")
    if decision not in ("approve", "refuse"):
        raise invalid("decision", "请选择审批意见")
    opinion = _text(data, "opinion", "审批意见", required=decision == "refuse")
    event.pending = False
    event.approver_id = actor.id
    requester = db.session.get(User, event.actor_id) if event.actor_id else None
    if decision == "approve":
        n = 1 + sum(1 for ev in batch.events if ev.kind == DrawEventKind.SUPPLEMENT)
        version = algo.algorithm(batch.algorithm_version or algo.ALGORITHM)
        try:
            more = version.supplement(
                inputs_of(batch), n, [t.enterprise_id for t in batch.targets], int(event.data["count"]),
                event.data.get("stratum"), algo.loads({"team": t.team} for t in batch.targets),
            )  # fmt: skip
        except algo.DrawInputError as exc:
            raise InvalidState(f"无法补抽：{exc}") from None
        if not more:
            raise InvalidState("剩余对象库中没有可补抽的对象")
        ents = {e.id: e for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(
            [t["enterprise_id"] for t in more])))}  # fmt: skip
        new_targets = []
        for t in more:
            target = DrawTarget(enterprise_id=t["enterprise_id"], stratum=t["stratum"], rank=t["rank"],
                                team=list(t["team"]), supplement=True)  # fmt: skip
            target.enterprise = ents[t["enterprise_id"]]
            batch.targets.append(target)
            new_targets.append(target)
        db.session.flush()
        _event(
            batch, DrawEventKind.SUPPLEMENT, actor=requester, approver=actor, reason=event.reason,
            data={"n": n, "count": int(event.data["count"]), "stratum": event.data.get("stratum"),
                  "targets": more, "request_id": event.id, "opinion": opinion},
        )  # fmt: skip
        create_pending_inspections(batch, actor=actor)
        _publish_record(batch, actor)
        summary = f"批准补抽（第{n}次）：{'、'.join(t.enterprise.name for t in new_targets)}"
    else:
        _event(batch, DrawEventKind.SUPPLEMENT_REFUSED, actor=requester, approver=actor, reason=opinion,
               data={"request_id": event.id})  # fmt: skip
        summary = f"不予批准补抽：{opinion}"
    workflow.complete_task(task, {"decision": decision}, actor=actor)
    audit.record(actor, SUPPLEMENT_DECIDED, batch, summary=summary, data={"event_id": event.id})
    return event


# ---- replay ----------------------------------------------------------------------------------------------


@dataclass
class Replay:
    ok: bool
    commitment_ok: bool | None
    pool_hash_ok: bool | None
    exclusions_hash_ok: bool | None
    result_ok: bool | None
    result: dict | None
    error: str | None
    changes: list[dict]


def replay(data: dict, *, published: DrawBatch | None = None) -> Replay:
    """Recompute a draw from published inputs (a batch's, or pasted JSON with the same keys plus
    "version", and optionally "pool_hash", "exclusions_hash", "seed_commitment", "result")."""
    try:
        inputs = algo.DrawInputs.from_json(data)
        version = str(data.get("version") or algo.ALGORITHM)
        result = algo.run(version, inputs)
    except algo.DrawInputError as exc:
        return Replay(False, None, None, None, None, None, str(exc), [])
    expected_commitment = data.get("seed_commitment")
    commitment_ok = algo.commitment(inputs.seed) == expected_commitment if expected_commitment else None
    ph = data.get("pool_hash")
    pool_ok = (
        algo.pool_hash(inputs.pool, inputs.inspectors, inputs.strata, inputs.inspectors_per_target) == ph
        if ph
        else None
    )
    eh = data.get("exclusions_hash")
    excl_ok = algo.exclusions_hash(inputs.exclusions) == eh if eh else None
    published_result = data.get("result")
    result_ok = _same_result(result, published_result) if published_result else None
    changes: list[dict] = []
    if published is not None:
        changes = _replay_changes(published, inputs, version)
    checks = [c for c in (commitment_ok, pool_ok, excl_ok, result_ok) if c is not None]
    ok = all(checks) and all(c["ok"] for c in changes)
    return Replay(ok, commitment_ok, pool_ok, excl_ok, result_ok, result, None, changes)


def _same_result(a: dict, b: Any) -> bool:
    if not isinstance(b, dict):
        return False
    key = ("enterprise_id", "stratum", "rank", "team")
    return [tuple(t.get(k) for k in key) for t in a.get("targets", [])] == [
        tuple(t.get(k) for k in key) for t in b.get("targets", [])
    ]


def _replay_changes(batch: DrawBatch, inputs: algo.DrawInputs, version: str) -> list[dict]:
    """Recompute each logged 回避 replacement and 补抽 in order (the log is the rest of the input)."""
    alg = algo.algorithm(version)
    teams: dict[int, list[int]] = {}
    drawn = [t["enterprise_id"] for t in (batch.result or {}).get("targets", [])]
    loads_targets: list[dict] = [dict(t) for t in (batch.result or {}).get("targets", [])]
    for t in batch.targets:
        if not t.supplement:
            orig = next((r for r in loads_targets if r["enterprise_id"] == t.enterprise_id), None)
            teams[t.id] = list(orig["team"]) if orig else list(t.team)
    left: dict[int, set[int]] = {}
    out: list[dict] = []
    by_enterprise = {t.id: t.enterprise_id for t in batch.targets}
    for ev in batch.events:
        if ev.kind == DrawEventKind.RECUSAL:
            tid = int(ev.data["target_id"])
            eid = by_enterprise[tid]
            team = teams.get(tid, [])
            pairs = [
                *inputs.exclusions.get("conflicts", []),
                *([u, eid] for u in ev.data.get("declared_conflicts", [])),
            ]
            gone = set(team) | left.get(tid, set()) | {int(u) for u in ev.data.get("unavailable", [])}
            new = alg.replacement(inputs.seed, eid, inputs.inspectors, pairs, gone)
            ok = new == ev.data.get("in")
            left.setdefault(tid, set()).add(int(ev.data["out"]))
            teams[tid] = [new if u == ev.data["out"] else u for u in team] if new is not None else team
            out.append({"kind": ev.kind, "ok": ok, "enterprise_id": eid, "out": ev.data["out"], "in": new})
        elif ev.kind == DrawEventKind.SUPPLEMENT:
            load_now = algo.loads({"team": tm} for tm in teams.values())
            more = alg.supplement(inputs, int(ev.data["n"]), drawn, int(ev.data["count"]), ev.data.get("stratum"),
                                  load_now)  # fmt: skip
            ok = _same_result({"targets": more}, {"targets": ev.data.get("targets", [])})
            for t in batch.targets:
                if t.supplement and t.id not in teams:
                    m = next((x for x in more if x["enterprise_id"] == t.enterprise_id), None)
                    if m is not None:
                        teams[t.id] = list(m["team"])
            drawn.extend(t["enterprise_id"] for t in more)
            out.append(
                {"kind": ev.kind, "ok": ok, "n": ev.data["n"], "targets": [t["enterprise_id"] for t in more],
                 "rows": more}
            )  # fmt: skip
    return out


def replay_rows(outcome: Replay) -> list[dict]:
    """The replay page's result table laid out as the public record's: the recomputed draw's targets, then
    each recomputed 补抽's, in the log's order, each 回避 replacement applied to its target's team (the row
    keeps the pairs (out, in) replaced). Rows: stratum, rank, enterprise_id, team, replaced, supplement (n or
    None)."""
    if outcome.result is None:
        return []
    rows = [
        {"stratum": t.get("stratum"), "rank": t.get("rank"), "enterprise_id": t.get("enterprise_id"),
         "team": list(t.get("team") or []), "replaced": [], "supplement": None}
        for t in outcome.result.get("targets", [])
    ]  # fmt: skip
    for c in outcome.changes:
        if c["kind"] == DrawEventKind.SUPPLEMENT:
            rows.extend(
                {"stratum": t.get("stratum"), "rank": t.get("rank"), "enterprise_id": t.get("enterprise_id"),
                 "team": list(t.get("team") or []), "replaced": [], "supplement": c["n"]}
                for t in c.get("rows", [])
            )  # fmt: skip
        elif c["kind"] == DrawEventKind.RECUSAL:
            row = next((r for r in reversed(rows) if r["enterprise_id"] == c["enterprise_id"]), None)
            if row is not None and c["in"] is not None:
                row["team"] = [c["in"] if u == c["out"] else u for u in row["team"]]
                row["replaced"].append((c["out"], c["in"]))
    return rows


def published_inputs(batch: DrawBatch) -> dict:
    """What the replay page is prefilled with (the seed only once drawn)."""
    drawn = batch.status in (DrawStatus.DRAWN, DrawStatus.DONE)
    return {
        "version": batch.algorithm_version,
        "seed": batch.seed if drawn else "",
        "seed_commitment": batch.seed_commitment,
        "pool_hash": batch.pool_hash,
        "exclusions_hash": batch.exclusions_hash,
        "pool": batch.pool or [],
        "inspectors": batch.inspectors or [],
        "exclusions": batch.exclusions or {"enterprises": [], "conflicts": []},
        "strata": batch.strata or [],
        "inspectors_per_target": batch.inspectors_per_target,
        "result": batch.result if drawn else None,
    }


# ---- 抽查结果公告 (抽公) --------------------------------------------------------------------------------------


def register_documents() -> None:
    from app import documents
    from app.documents.doc_types import DocType, register_doc_type

    register_doc_type(DocType(RESULT_DOC, "抽查结果公告", "抽公", aliases=("双随机抽查结果公告",)))

    def visible(user, batch_id: int) -> bool:
        batch = db.session.get(DrawBatch, batch_id)
        return batch is not None and not user.is_enterprise_user and in_scope(user, batch.region_path)

    documents.register_access("draw_batches", visible)


WAITING = ("待审批", "待检查", "检查中")


def result_rows(batch: DrawBatch) -> list[dict]:
    """One row per target: the enterprise, its inspection and what it found (the notice's table)."""
    from app.inspections.models import Finding, Inspection

    ids = [t.inspection_id for t in batch.targets if t.inspection_id]
    insps = (
        {i.id: i for i in db.session.scalars(select(Inspection).where(Inspection.id.in_(ids)))} if ids else {}
    )
    counts: dict[int, tuple[int, int]] = {}
    if ids:
        for iid, n, v in db.session.execute(
            select(
                Finding.inspection_id,
                func.count(Finding.id),
                func.count(Finding.id).filter(Finding.is_violation),
            )
            .where(Finding.inspection_id.in_(ids))
            .group_by(Finding.inspection_id)
        ):
            counts[iid] = (n, v)
    rows = []
    for t in batch.targets:
        insp = insps.get(t.inspection_id) if t.inspection_id else None
        n, v = counts.get(t.inspection_id or 0, (0, 0))
        if insp is None:
            result = "未生成检查任务"
        elif insp.status == "已取消":
            result = f"未检查（{insp.cancelled_reason or '已取消'}）"
        elif n == 0:
            result = "未发现问题"
        else:
            result = f"发现问题{n}项，已责令整改" + (f"，其中违法行为{v}项依法处理" if v else "")
        rows.append(
            {
                "enterprise": t.enterprise.name,
                "credit_code": t.enterprise.credit_code,
                "inspection_code": insp.code if insp else "",
                "inspected_on": (insp.started_at.astimezone(clock.TZ).date().isoformat()
                                 if insp is not None and insp.started_at else ""),
                "status": insp.status if insp else "",
                "result": result,
                "supplement": t.supplement,
            }
        )  # fmt: skip
    return rows


def issue_result_notice(batch: DrawBatch, data: dict, *, actor: User):
    """The batch's 抽查结果公告 (抽公), once every drawn inspection has been carried out (or cancelled)."""
    _require_manager(actor, batch.region_path, "抽查结果公告由本辖区科室负责人制发")
    if batch.status not in (DrawStatus.DRAWN, DrawStatus.DONE):
        raise InvalidState("批次尚未抽取，不能制发抽查结果公告")
    if batch.result_document_id is not None:
        raise InvalidState("该批次的抽查结果公告已制发")
    rows = result_rows(batch)
    waiting = [r["enterprise"] for r in rows if r["status"] in WAITING or not r["inspection_code"]]
    if waiting:
        raise InvalidState(f"以下企业尚未完成现场检查，不能制发抽查结果公告：{'、'.join(waiting)}")
    from app.documents import issue_document

    doc = issue_document(
        RESULT_DOC,
        agency=batch.agency,
        subject=batch,
        title=f"抽查结果公告（{batch.number}）",
        content={
            "batch_no": batch.number,
            "title": batch.title,
            "item": batch.item.name if batch.item else "",
            "basis": batch.item.basis if batch.item else "",
            "drawn_on": batch.drawn_at.astimezone(clock.TZ).date().isoformat() if batch.drawn_at else "",
            "pool_size": len(batch.pool or []),
            "count": len(rows),
            "rows": rows,
            "record_url": record_url(batch),
            "remark": _text(data, "remark", "说明", required=False),
        },
        actor=actor,
    )
    batch.result_document_id = doc.id
    db.session.flush()
    audit.record(actor, RESULT_NOTICE, batch, summary=f"制发抽查结果公告 {doc.number.text}",
                 data={"document_id": doc.id})  # fmt: skip
    return doc
