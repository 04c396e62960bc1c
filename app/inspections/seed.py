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
area names its module as it likes); a missing one is skipped and said so in the log. Flushes, never commits."""

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
    """分类分级 of the demo county's enterprises for this year (and next year's, for a plan being drafted):
    the classify area's classify_all when it is there. Returns how many classes were computed."""
    try:
        from app.inspections import caps
    except ImportError:
        log.warning("监督检查演示数据：分类分级（app.inspections.caps）尚未提供，跳过")
        return 0
    classify_all = getattr(caps, "classify_all", None)
    if classify_all is None:
        return 0
    actor = ctx["users"].get(ACTOR) or next(iter(ctx["users"].values()))
    year = clock.today().year
    total = 0
    for y in (year, year + 1):
        result = classify_all(ctx["county"].path, y, actor=actor)
        total += len(result) if hasattr(result, "__len__") else int(result or 0)
    db.session.flush()
    return total


def seed_inspections(ctx: dict) -> dict:
    """The demo's inspection domain: classes, then each area's stories. Returns what ran (for the log and
    the tests): {"classified": n, "areas": [...], "missing": [...]}."""
    out: dict = {"classified": classify(ctx), "areas": [], "missing": []}
    seeders = find_seeders()
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
