"""分类分级 rules: the inspection pack (山西 2025 table as the national default, 山西's own version, versions by
effective date, validation), the base class of each sector and every adjustment, each written to `basis`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app import clock
from app.cases.models import Outcome
from app.extensions import db
from app.inspections.caps import class_of
from app.inspections.operations.classification import Facts, classify_all, compute
from app.inspections.rules import RULES_DIR, RulesError, inspection_pack, load_versions, year_pack

# --- the pack ---------------------------------------------------------------------------------------------


def test_national_pack_carries_the_shanxi_2025_table_with_every_field_cited():
    pack = inspection_pack("/340000/341300/341322/", date(2026, 1, 1))
    expected = {
        "煤矿": (2, 4, 6, 4),
        "非煤矿山": (1, 1, 2, 4),
        "危化冶金": (2, 4, 8, 12),
        "非高危": (1, 2, 4, 6),
    }
    for sector, caps in expected.items():
        assert tuple(pack.limits(sector, k).cap for k in "ABCD") == caps
        assert all(pack.limits(sector, k).frequency <= pack.limits(sector, k).cap for k in "ABCD")
    assert pack.supervision_cap == 3
    assert pack.result_publish_period.label() == "20个工作日"
    assert pack.recent_days == 90 and pack.min_inspectors == 2
    assert pack.report_verify_period.label() == "15个工作日"
    assert pack.report_feedback_period.label() == "5个工作日"
    assert pack.assignment_period.label() == "15个工作日"
    assert pack.capacity_slack == Decimal("0.8") and pack.officer_days_per_inspection == 1
    assert "S17" in pack.source_of("class_table") and "山西" in pack.source_of("class_table")
    assert "19号" in pack.source_of("reward_bands")
    for name in ("classification", "industry_sectors", "supervision_cap", "capacity_slack"):
        assert pack.source_of(name)


def test_shanxi_overlays_the_national_default_from_its_effective_date():
    before = inspection_pack("/140000/140100/", date(2025, 3, 31))
    after = inspection_pack("/140000/140100/", date(2025, 4, 1))
    assert before.layers == ("全国默认（山西2025表）",)
    assert after.layers == ("全国默认（山西2025表）", "山西省")
    assert after.source_of("class_table").startswith("山西省（自2025-04-01起）")
    # the other values still come from the national version
    assert after.source_of("recent_days").startswith("全国默认")
    # the caps of a year come from the pack in force on 1 January
    assert year_pack("/140000/140100/", 2025).layers == ("全国默认（山西2025表）",)
    assert year_pack("/140000/140100/", 2026).layers[-1] == "山西省"


def test_industry_to_sector():
    pack = inspection_pack("", date(2026, 1, 1))
    assert pack.sector_of("危险化学品", "生产") == "危化冶金"
    assert pack.sector_of("工贸", "冶金") == "危化冶金"
    assert pack.sector_of("工贸", "有色") == "危化冶金"
    assert pack.sector_of("工贸", "机械") == "非高危"
    assert pack.sector_of("非煤矿山", "尾矿库") == "非煤矿山"
    assert pack.sector_of("商贸", None) == "非高危"
    assert pack.sector_of(None) == "非高危"


def test_reward_bands_rate_floor_and_cap():
    pack = inspection_pack("", date(2026, 1, 1))
    assert pack.reward_for(0) == Decimal(3000)  # 最低3000元
    assert pack.reward_for(100_000) == Decimal(15_000)  # 15%
    assert pack.reward_for("5000000") == Decimal(300_000)  # 最高30万


def _write(tmp_path, versions):
    (tmp_path / "national.json").write_text(json.dumps({"versions": versions}, ensure_ascii=False), "utf-8")


def _national():
    return json.loads((RULES_DIR / "national.json").read_text("utf-8"))["versions"][0]


def test_a_new_table_from_mid_year_governs_the_next_year_only(tmp_path):
    old, new = _national(), _national()
    old["effective_to"] = "2026-06-30"
    new["effective_from"] = "2026-07-01"
    new["values"]["class_table"]["非高危"]["B"] = {"cap": 3, "frequency": 1}
    _write(tmp_path, [old, new])
    assert year_pack("/340000/", 2026, directory=tmp_path).limits("非高危", "B").cap == 2
    assert year_pack("/340000/", 2027, directory=tmp_path).limits("非高危", "B").cap == 3


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda v: v["class_table"]["非高危"].pop("D"), "A、B、C、D"),
        (lambda v: v["class_table"]["非高危"].__setitem__("A", {"cap": 1, "frequency": 2}), "超过年度上限"),
        (lambda v: v["industry_sectors"].pop("*"), '"*"'),
        (lambda v: v["classification"]["grades"]["risk_grade"].__setitem__("低", "E"), "A–D"),
        (lambda v: v["classification"]["open_major_hazard"].__setitem__("at_least", "X"), "at_least"),
        (lambda v: v["reward_bands"][0].__setitem__("amount", 100), "只须写一个"),
        (lambda v: v.__setitem__("capacity_slack", "1.5"), "0 到 1"),
        (lambda v: v.__setitem__("min_inspectors", 1), "不小于 2"),
    ],
)
def test_a_malformed_pack_is_refused_naming_the_key(tmp_path, mutate, message):
    version = _national()
    mutate(version["values"])
    _write(tmp_path, [version])
    with pytest.raises(RulesError) as exc:
        load_versions(tmp_path)
    assert message in str(exc.value)


# --- the computation (pure) ----------------------------------------------------------------------------------

PACK_DAY = date(2026, 1, 1)


def _facts(**kw) -> Facts:
    base = dict(
        enterprise_id=1, industry="工贸", sub_sector="机械", risk_grade="一般", standardization_grade=None
    )
    base.update(kw)
    return Facts(**base)


def _compute(**kw):
    return compute(_facts(**kw), inspection_pack("/340000/", PACK_DAY), 2026, date(2026, 11, 2))


@pytest.mark.parametrize(
    "grade, klass, cap", [("一级", "A", 2), ("二级", "B", 4), ("三级", "C", 8), ("未定级", "D", 12)]
)
def test_hazardous_chemicals_by_standardization_grade(grade, klass, cap):
    sector, got, basis = _compute(
        industry="危险化学品", sub_sector="生产", risk_grade="重大", standardization_grade=grade
    )
    assert (sector, got) == ("危化冶金", klass)
    assert basis["criterion"] == "standardization_grade" and basis["grade"] == grade
    assert basis["cap"] == cap and basis["adjustments"] == []


@pytest.mark.parametrize("risk, klass", [("低", "A"), ("一般", "B"), ("较大", "C"), ("重大", "D")])
def test_non_coal_mines_and_others_by_risk_grade(risk, klass):
    assert _compute(industry="非煤矿山", sub_sector="露天矿山", risk_grade=risk)[:2] == ("非煤矿山", klass)
    assert _compute(risk_grade=risk)[:2] == ("非高危", klass)


def test_metallurgy_without_a_standardization_grade_falls_back_to_risk_and_says_so():
    sector, klass, basis = _compute(industry="工贸", sub_sector="冶金", risk_grade="较大")
    assert (sector, klass) == ("危化冶金", "C")
    assert basis["criterion"] == "risk_grade" and "未登记安全生产标准化等级" in basis["note"]
    assert basis["cap"] == 8


def test_coal_mine_by_assurance_level_when_present_else_risk():
    assert _compute(industry="煤矿", risk_grade="一般", safety_assurance="A")[1] == "A"
    sector, klass, basis = _compute(industry="煤矿", risk_grade="较大")
    assert (sector, klass, basis["criterion"]) == ("煤矿", "C", "risk_grade")


def test_each_adjustment_is_one_class_worse_and_recorded():
    _, klass, basis = _compute(listed=True)
    assert klass == "C" and basis["adjustments"][0]["rule"] == "listed"
    assert "严重失信" in basis["adjustments"][0]["text"]
    acc = [{"id": 1, "name": "某较大事故", "level": "较大", "occurred_on": "2026-05-01"}]
    _, klass, basis = _compute(accidents=acc)
    assert (
        klass == "C"
        and basis["adjustments"][0]["rule"] == "accident"
        and "某较大事故" in basis["adjustments"][0]["text"]
    )
    two = [{"id": 1, "decided_on": "2025-03-01"}, {"id": 2, "decided_on": "2025-09-01"}]
    _, klass, basis = _compute(penalties=two)
    assert klass == "C" and "2025年受到行政处罚2次" in basis["adjustments"][0]["text"]
    assert _compute(penalties=two[:1])[1] == "B"
    _, klass, basis = _compute(risk_grade="低", major_hazards=[{"id": 9, "code": "YH-9"}])
    assert klass == "C" and "YH-9" in basis["adjustments"][0]["text"]


def test_adjustments_stack_and_stop_at_d_and_the_hazard_floor_never_improves():
    _, klass, basis = _compute(
        listed=True,
        penalties=[{"id": 1}, {"id": 2}],
        accidents=[{"id": 1, "name": "x", "level": "重大", "occurred_on": "2026-01-05"}],
    )
    assert klass == "D"
    assert [a["to"] for a in basis["adjustments"]] == ["C", "D", "D"]
    _, klass, basis = _compute(risk_grade="重大", major_hazards=[{"id": 1, "code": "YH-1"}])
    assert klass == "D" and basis["adjustments"][0]["from"] == basis["adjustments"][0]["to"] == "D"


# --- the facts, read from the tables -----------------------------------------------------------------------


def test_facts_from_the_registers(world, frozen, classify_rows, make_hazard):
    today = clock.today()  # 2026-11-02
    ent = world.ent_a  # 工贸/机械, 一般 → 非高危 B
    assert class_of(ent, 2026).klass == "B"

    # an ordinary accident, an old 较大 one and a next-year-only penalty change nothing
    classify_rows.accident(ent, level="一般", occurred_on=today - timedelta(days=30))
    classify_rows.accident(ent, level="较大", occurred_on=date(2025, 10, 1))
    classify_rows.penalty(ent, decided_on=date(2025, 5, 1))
    classify_rows.penalty(ent, decided_on=date(2026, 2, 1))  # this year: not the previous year
    classify_rows.penalty(ent, decided_on=date(2025, 6, 1), outcome=Outcome.NO_PENALTY)
    classify_all(world.county.path, 2026, actor=world.section_head)
    ec = class_of(ent, 2026)
    assert (ec.computed_class, ec.basis["adjustments"]) == ("B", [])

    # a 较大 accident within 12 months → C
    classify_rows.accident(ent, level="较大", occurred_on=date(2025, 12, 1))
    classify_all(world.county.path, 2026, actor=world.section_head)
    assert class_of(ent, 2026).klass == "C"

    # a second penalty decision in 2025 → D
    classify_rows.penalty(ent, decided_on=date(2025, 11, 30))
    classify_all(world.county.path, 2026, actor=world.section_head)
    ec = class_of(ent, 2026)
    assert ec.klass == "D" and [a["rule"] for a in ec.basis["adjustments"]] == ["accident", "penalties"]
    assert ec.max_inspections == 6

    # listed and an open major hazard: recorded against ent_b (一般 → B → C by listing, floor C)
    classify_rows.listing(world.ent_b)
    hazard = make_hazard(enterprise_id=world.ent_b.id, level="重大", criterion_code="GM2023-11-3")
    classify_all(world.county.path, 2026, actor=world.section_head)
    ec_b = class_of(world.ent_b, 2026)
    assert ec_b.klass == "C"
    assert [a["rule"] for a in ec_b.basis["adjustments"]] == ["listed", "major_hazard"]
    assert hazard.code in ec_b.basis["adjustments"][1]["text"]
    db.session.commit()
