"""Demo 监督检查 (helper "web"): the orchestration of the domain's demo data, run after the credit seeder
(DOMAINS order). It classifies the demo county's enterprises for the demo year (分类分级, app.inspections.caps)
and then calls each area's own seeder, in the order their data build on each other, when that area provides
one — every area builds its stories through its real operations:

    seed_classify   class overrides                     (app.inspections.operations.classification …)
    seed_plan       a plan in progress                  (the annual plan: approved, months' inspections created)
    seed_draw       a committed and a drawn batch       (双随机: the drawn targets' inspections)
    seed_onsite     inspections planned and on site     (检查方案, 现场检查记录)
    seed_results    inspections handled and done        (findings → 指令书, 现场处理措施, case leads)
    seed_covert     a sealed 暗访 visible only to its team, a completed one with 交办 and 通报
    seed_tipoff     a verified tip-off with its reward decision, one in verification

A seeder is a function `seed_<area>(registry)` anywhere in the app.inspections package (found by name, so an
area names its module as it likes); a missing one is skipped and said so in the log. When neither the onsite
nor the results area brings its own, `seed_states` below tells their four stories through their operations
(an inspection 待检查 with its 检查方案, one 检查中, one 待处理 with two problems recorded and its 现场检查记录
issued, one 已完成). Flushes, never commits."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable

from app import clock
from app.extensions import db

log = logging.getLogger(__name__)

AREAS = ("classify", "plan", "draw", "onsite", "results", "covert", "tipoff")
ACTOR = "section_head"  # the demo's 科室负责人 who classifies (audited as that person)


def find_seeders() -> dict[str, Callable[[dict], object]]:
    """area -> its `seed_<area>` function, looked up in every module of app.inspections (this one excepted)."""
    import app.inspections as package

    wanted = {f"seed_{area}": area for area in AREAS}
    found: dict[str, Callable[[dict], object]] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name == __name__ or info.name.rsplit(".", 1)[-1].startswith("test"):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - a module that cannot load alone is not a seeder's home
            log.exception("监督检查演示数据：无法载入模块 %s", info.name)
            continue
        for name, area in wanted.items():
            fn = getattr(module, name, None)
            if callable(fn) and getattr(fn, "__module__", "") == module.__name__ and area not in found:
                found[area] = fn
    return found


def classify(ctx: dict) -> int:
    """分类分级 of the demo county's enterprises for this year (and next year's, for a plan being drafted)
    through caps.classify_all. Returns how many enterprises were classified (its "total", both years)."""
    from app.inspections import caps

    actor = ctx["users"].get(ACTOR) or next(iter(ctx["users"].values()))
    year = clock.today().year
    total = 0
    for y in (year, year + 1):
        total += int(caps.classify_all(ctx["county"].path, y, actor=actor)["total"])
    db.session.flush()
    return total


# --- inspections in every state, through the onsite and results operations ------------------------------

STATES = (  # enterprise, checklist, the state the story ends in
    ("萧县华源化工有限公司", "hazchem", "planned"),
    ("萧县恒泰石油销售有限公司", "hazchem", "on_site"),
    ("萧县龙城精细化工有限公司", "hazchem", "handling"),  # the demo's enterprise account (qiye) reads it
    ("萧县龙城加油站有限公司", "hazchem", "done"),
)
CAMPAIGN_REF = "危险化学品安全专项执法检查"


def _problems(state: str) -> list[dict]:
    if state == "done":  # corrected on the spot: nothing left to order or refer, the inspection ends
        return [
            {
                "location": "储罐区",
                "description": "防火堤内有杂草和可燃物",
                "corrected_on_site": True,
            }
        ]
    return [
        {
            "location": "危化品仓库",
            "description": "仓库内物品超量储存，未按规定留设通道",
            "deadline": 14,
        },
        {
            "location": "装卸区",
            "description": "装卸作业现场未设置静电接地报警装置",
            "deadline": 30,
            "is_violation": True,
        },
    ]


def seed_states(ctx: dict) -> list:
    """Four inspections of the demo county, one per state, through the real operations (the onsite and
    results areas'): created (cap counted; over the cap the leader approves), the lead's 检查方案, the team on
    site (credentials shown, recusal explained), the checklist answered, problems recorded, the refusal to
    sign recorded with a witness, the 现场检查记录 issued, the results handled. Returns the inspections."""
    from datetime import timedelta

    from app.inspections import checklists
    from app.inspections.models import InspectionSource, InspectionStatus
    from app.inspections.operations import inspection as ops

    users = ctx["users"]
    officer, officer2, head, leader = (users[u] for u in ("officer", "officer2", "section_head", "leader"))
    ents = ctx["enterprise_by_name"]
    today = clock.today()
    made = []
    for name, checklist, state in STATES:
        e = ents.get(name)
        if e is None:
            continue
        planned_on = today + timedelta(days=5) if state == "planned" else today
        insp = ops.create_inspection(
            e,
            {
                "source": InspectionSource.CAMPAIGN,
                "source_ref": f"{today.year}年{CAMPAIGN_REF}",
                "planned_on": planned_on.isoformat(),
                "lead_officer_id": officer.id,
                "member_ids": [officer.id, officer2.id],
                "checklist_code": checklist,
                "over_cap_reason": f"{CAMPAIGN_REF}（县安委会部署）",
            },
            actor=head,
        )
        if insp.status == InspectionStatus.PENDING_APPROVAL:
            ops.decide_over_cap(insp, {"decision": "approve", "opinion": "同意，专项执法检查"}, actor=leader)
        ops.prepare_scheme(
            insp,
            {
                "basis": "《中华人民共和国安全生产法》第六十五条；《危险化学品安全管理条例》第六条",
                "checklist_code": checklist,
                "method": "查阅资料、现场检查、询问有关人员",
                "division": f"{officer.name}负责资料检查，{officer2.name}负责现场检查",
                "scheduled_on": planned_on.isoformat(),
            },
            actor=officer,
        )
        made.append(insp)
        if state == "planned":
            continue
        ops.start_onsite(
            insp,
            {
                "place": "储罐区、危化品仓库、装卸区",
                "present_person": e.main_person or e.legal_rep or "企业负责人",
                "present_person_role": "主要负责人",
                "credentials_shown": True,
                "recusal_explained": True,
                "recusal_answer": "不申请回避",
            },
            actor=officer,
        )
        if state == "on_site":
            continue
        template = checklists.find(checklist)
        if template is None:
            raise LookupError(f"检查表 {checklist} 不存在")
        items = template.items
        problems = _problems(state)
        for item, problem in zip(items[-len(problems) :], problems, strict=True):
            data = {"item_code": item.code, **problem}
            if "deadline" in data:
                data["deadline"] = (today + timedelta(days=int(data["deadline"]))).isoformat()
            ops.save_finding(insp, data, actor=officer)
        for item in items[: -len(problems)]:
            ops.record_item(insp, {"item_code": item.code, "result": "符合"}, actor=officer2)
        ops.refuse_signature(
            insp,
            {"refusal_note": "企业负责人以需请示董事长为由拒绝签字", "refusal_witness": "村委会主任 刘某"},
            actor=officer2,
        )
        ops.issue_record(
            insp, {"summary": "检查了储罐区、危化品仓库和装卸区，发现问题如记录所列。"}, actor=officer
        )
        if state == "done":
            from app.inspections.operations.results import finish_handling

            finish_handling(insp, {"note": "问题已当场整改完毕"}, actor=officer)
    if (pending := seed_over_cap(ctx)) is not None:
        made.append(pending)
    db.session.flush()
    return made


def seed_over_cap(ctx: dict):
    """One inspection over its enterprise's yearly cap, left 待审批 for `leader`: the README's 待审批 state, so
    the over-cap approval can be tried. The enterprise with the fewest places left this year (by id among
    equals): its remaining places are first taken by 交办 inspections, as the demo's other stories may or may
    not have used them up by the demo's date; an enterprise whose team has a declared 回避 is passed over."""
    from datetime import timedelta

    from app.errors import ValidationFailed
    from app.inspections.caps import budget
    from app.inspections.models import InspectionSource, InspectionStatus
    from app.inspections.operations import inspection as ops

    users = ctx["users"]
    officer, officer2, head = (users[u] for u in ("officer", "officer2", "section_head"))
    today = clock.today()
    data = {
        "source": InspectionSource.ASSIGNED,
        "source_ref": "县安委办交办：群众反映该企业夜间违规作业",
        "planned_on": (today + timedelta(days=3)).isoformat(),
        "lead_officer_id": officer.id,
        "member_ids": [officer.id, officer2.id],
        "over_cap_reason": "县安委办交办群众反映问题的核查，须到现场检查",
    }
    budgets = [(b, e) for e in ctx["enterprise_by_name"].values() if (b := budget(e, today.year)) is not None]
    for b, e in sorted(budgets, key=lambda be: (be[0].remaining, be[1].id)):
        if b.remaining > 3:
            break
        try:
            with db.session.begin_nested():  # an officer with a declared 回避 relation: the next enterprise
                for _ in range(b.remaining + 1):
                    insp = ops.create_inspection(e, data, actor=head)
        except ValidationFailed:
            continue
        return insp if insp.status == InspectionStatus.PENDING_APPROVAL else None
    return None


def seed_inspections(ctx: dict) -> dict:
    """The demo's inspection domain: classes, then each area's stories. Returns what ran (for the log and
    the tests): {"classified": n, "areas": [...], "missing": [...]}."""
    out: dict = {"classified": classify(ctx), "areas": [], "missing": []}
    seeders = find_seeders()
    if "onsite" not in seeders and "results" not in seeders:
        seeders["onsite"] = seed_states  # this module's stories of the inspection itself
    for area in AREAS:
        fn = seeders.get(area)
        if fn is None:
            out["missing"].append(area)
            continue
        fn(ctx)
        db.session.flush()
        out["areas"].append(area)
    if out["missing"]:
        log.info("监督检查演示数据：以下部分未提供演示数据：%s", "、".join(out["missing"]))
    ctx["inspections_seeded"] = out
    return out
