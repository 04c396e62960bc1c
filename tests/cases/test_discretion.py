"""裁量基准: the violation library's data and versions, the tier suggestion and the amount check (spec §9)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app import clock
from app.cases import discretion
from app.cases.violations import DATA_DIR, Catalogue, LibraryDataError, chinese_number, load_file, yuan
from app.errors import ValidationFailed

REAL_FILE = DATA_DIR / "2024-11-01.illustrative-1.json"


def _raw() -> dict:
    return json.loads(REAL_FILE.read_text(encoding="utf-8"))


def _write(directory: Path, name: str, data: dict) -> Path:
    path = directory / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def a():
    return discretion.entry("AQSCF-97-5")


def field_error(exc: pytest.ExceptionInfo, field: str) -> str:
    return exc.value.field_errors[field]


# ---------------------------------------------------------------- the data


def test_real_data_loads_the_spec_examples_with_statutory_ranges():
    lib = discretion.library(date(2025, 6, 1))
    assert lib.doc_no == "应急〔2024〕90号" and lib.illustrative is True
    assert "§12" in lib.note and "illustrative" in lib.note
    assert [e.code for e in lib.entries] == [
        *("AQSCF-97-5", "AQSCF-99-3", "AQSCF-102", "AQSCF-94", "AQSCF-108"),
        *("XKZTL-19", "AQSCF-92-2"),  # tagged with the 列入情形 they propose (credit_criterion 6, 7)
    ]
    a = lib.entry("AQSCF-97-5")
    assert (a.band("unit").statutory_min, a.band("unit").statutory_max) == (0, 100000)
    assert a.stage(2).trigger == "逾期未改正" and a.stage(2).other_penalties == ("责令停产停业整顿",)
    assert (a.band("unit", 2).statutory_min, a.band("unit", 2).statutory_max) == (100000, 200000)
    assert (a.band("responsible_person", 2).statutory_min, a.band("responsible_person", 2).statutory_max) == (
        20000,
        50000,
    )
    b = lib.entry("AQSCF-99-3")
    assert (b.band("unit", 2).statutory_min, b.band("responsible_person", 2).statutory_max) == (50000, 20000)
    c = lib.entry("AQSCF-102")
    assert c.stage(2).trigger == "拒不执行" and c.stage(2).band("unit") is None
    assert (c.band("responsible_person", 2).statutory_min, c.band("responsible_person", 2).statutory_max) == (
        50000,
        100000,
    )
    d = lib.entry("AQSCF-94")
    assert (d.band("principal").statutory_min, d.band("principal", 2).statutory_max) == (20000, 100000)
    obstruction = lib.entry("AQSCF-108")
    assert obstruction.stage(1).targets == () and obstruction.stage(1).other_penalties == ("责令改正",)
    assert (obstruction.band("unit", 2).statutory_min, obstruction.band("unit", 2).statutory_max) == (
        20000,
        200000,
    )


def test_tiers_from_the_file_and_from_the_tiering_rule(a):
    stage1 = a.band("unit")
    assert [(t.name, t.amount_min, t.amount_max, t.derived) for t in stage1.tiers] == [
        ("不予处罚", 0, 0, True),
        ("从轻", 0, 20000, False),
        ("一般", 20000, 50000, False),
        ("从重", 50000, 100000, False),
    ]  # no 减轻: the law gives only a maximum
    persons = a.band("responsible_person", 2)  # 2万–5万, midpoint 3.5万: 从轻 below it, 从重 above it
    assert [(t.name, t.amount_min, t.amount_max) for t in persons.tiers] == [
        ("不予处罚", 0, 0),
        ("减轻", 0, 20000),
        ("从轻", 20000, 32000),
        ("一般", 32000, 38000),
        ("从重", 38000, 50000),
    ]
    assert persons.tier("从轻").amount_max <= persons.midpoint <= persons.tier("从重").amount_min
    assert "第三十二条" in persons.tier("减轻").conditions


def test_describe_and_penalty_text(a):
    assert (
        discretion.describe(a)
        == "违反《安全生产法》第四十一条第二款的规定，依据《安全生产法》第九十七条第五项的规定"
    )
    assert discretion.penalty_text(a) == "责令限期改正，对生产经营单位处10万元以下的罚款"
    assert discretion.penalty_text(a, 2) == (
        "逾期未改正的，责令停产停业整顿，对生产经营单位处10万元以上20万元以下的罚款，"
        "对直接负责的主管人员和其他直接责任人员处2万元以上5万元以下的罚款"
    )
    assert a.ref == "AQSCF-97-5@2024-11-01.illustrative-1"
    assert discretion.entry("AQSCF-97-5", "2024-11-01.illustrative-1") == a


def test_search_matches_text_articles_and_code():
    codes = lambda text: [e.code for e in discretion.search(text)]  # noqa: E731
    assert codes("隐患") == ["AQSCF-97-5", "AQSCF-102"]
    assert codes("第102条") == ["AQSCF-102"] == codes("一百零二")
    assert codes("97") == ["AQSCF-97-5"]
    assert codes("aqscf-108") == ["AQSCF-108"]
    assert codes("第四十一条 消除") == ["AQSCF-102"]  # every word must match
    assert codes("消防") == []
    assert len(codes("")) == 7


def test_unknown_code_and_wrong_target_or_stage(a):
    with pytest.raises(ValidationFailed) as exc:
        discretion.entry("AQSCF-1")
    assert "AQSCF-1" in field_error(exc, "violation_code")
    with pytest.raises(ValidationFailed) as exc:
        a.band("principal")
    assert "主要负责人" in field_error(exc, "target")
    with pytest.raises(ValidationFailed):
        a.stage(3)


def test_helpers_write_amounts_and_article_numbers():
    assert [yuan(x) for x in (100000, 32000, 5000, Decimal("1234.5"))] == [
        "10万元",
        "3.2万元",
        "5000元",
        "1234.50元",
    ]
    assert [chinese_number(n) for n in (10, 21, 97, 102, 110, 114)] == [
        "十",
        "二十一",
        "九十七",
        "一百零二",
        "一百一十",
        "一百一十四",
    ]


# ---------------------------------------------------------------- data validation


@pytest.mark.parametrize(
    ("mutate", "key", "problem"),
    [
        (lambda d: d["entries"][0].pop("penalty_article"), "entries[0](AQSCF-97-5).penalty_article", "缺少"),
        (
            lambda d: d["entries"][1]["stages"][0]["targets"][0].update(statutory_max="5万"),
            "entries[1](AQSCF-99-3).stages[0].targets[0].statutory_max",
            "类型不对",
        ),
        (
            lambda d: d["entries"][0]["stages"][0]["targets"][0]["tiers"][2].update(amount_max=150000),
            "entries[0](AQSCF-97-5).stages[0].targets[0].tiers[2]",
            "超出法定幅度",
        ),
        (lambda d: d["entries"][2].update(code="AQSCF-97-5"), "entries[2].code", "重复"),
        (
            lambda d: d["entries"][0]["stages"][1].pop("trigger"),
            "entries[0](AQSCF-97-5).stages[1].trigger",
            "缺少",
        ),
        (
            lambda d: d["entries"][3]["stages"][0]["targets"][0].update(target="owner"),
            "entries[3](AQSCF-94).stages[0].targets[0].target",
            "unit",
        ),
        (lambda d: d.update(effective_from="2024/11/01"), "effective_from", "YYYY-MM-DD"),
        (
            lambda d: d["tiering_rule"]["with_minimum"].update(从轻=[0.0, 0.7]),
            "tiering_rule.with_minimum",
            "中间值",
        ),
        (lambda d: d.update(illustrative="yes"), "illustrative", "类型不对"),
    ],
)
def test_a_broken_file_names_the_file_and_the_key(tmp_path, mutate, key, problem):
    data = _raw()
    mutate(data)
    path = _write(tmp_path, "broken.json", data)
    with pytest.raises(LibraryDataError) as exc:
        load_file(path)
    assert (exc.value.file, exc.value.key) == ("broken.json", key)
    assert problem in exc.value.problem
    assert "broken.json" in str(exc.value) and key in str(exc.value)


def test_explicit_tiers_must_respect_the_midpoint_rule(tmp_path):
    data = _raw()
    data["entries"][3]["stages"][0]["targets"][0]["tiers"] = [
        {
            "tier": "从轻",
            "conditions": "情节较轻",
            "amount_min": 20000,
            "amount_max": 40000,
        }  # midpoint is 35000
    ]
    with pytest.raises(LibraryDataError) as exc:
        load_file(_write(tmp_path, "mid.json", data))
    assert (
        exc.value.key == "entries[3](AQSCF-94).stages[0].targets[0].tiers" and "中间值" in exc.value.problem
    )


def test_invalid_json_and_clashing_versions(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"standard": "x",\n "doc_no": }', encoding="utf-8")
    with pytest.raises(LibraryDataError) as exc:
        load_file(bad)
    assert exc.value.file == "bad.json" and exc.value.key.startswith("第2行")
    other = tmp_path / "other"
    other.mkdir()
    _write(other, "a.json", _raw())
    _write(other, "b.json", {**_raw(), "effective_from": "2025-01-01"})
    with pytest.raises(LibraryDataError) as exc:
        Catalogue.load(other)
    assert exc.value.key == "version" and "a.json" in exc.value.problem


# ---------------------------------------------------------------- versions: 从旧兼从轻


@pytest.fixture
def two_versions(tmp_path):
    """The real file plus a test-only 2026 version: Art.97(5) lighter, Art.99(3) heavier, Art.102 mixed."""
    _write(tmp_path, "v1.json", _raw())
    new = _raw()
    new.update(version="2026-03-01.test", effective_from="2026-03-01", illustrative=True)
    by_code = {e["code"]: e for e in new["entries"]}
    by_code["AQSCF-97-5"]["stages"][0]["targets"][0].update(statutory_max=80000)
    for tier in by_code["AQSCF-97-5"]["stages"][0]["targets"][0]["tiers"]:
        tier["amount_max"] = min(tier["amount_max"], 80000)
    by_code["AQSCF-99-3"]["stages"][1]["targets"][0].update(statutory_min=60000)
    by_code["AQSCF-102"]["stages"][1]["targets"] = [
        {"target": "unit", "statutory_min": 10000, "statutory_max": 20000},
        {"target": "responsible_person", "statutory_min": 40000, "statutory_max": 90000},
    ]
    new["entries"] = [e for e in new["entries"] if e["code"] != "AQSCF-108"]
    _write(tmp_path, "v2.json", new)
    return tmp_path


def test_library_on_a_date_is_the_version_in_force(two_versions):
    assert (
        discretion.library(date(2026, 2, 28), directory=two_versions).version == "2024-11-01.illustrative-1"
    )
    assert discretion.library(date(2026, 3, 1), directory=two_versions).version == "2026-03-01.test"
    clock.freeze(date(2026, 5, 1))
    assert discretion.entry("AQSCF-97-5", directory=two_versions).version == "2026-03-01.test"
    with pytest.raises(ValidationFailed, match="尚无施行的裁量基准版本"):
        discretion.library(date(2024, 10, 31), directory=two_versions)


def test_from_old_unless_new_is_lighter(two_versions):
    act, decided = date(2026, 1, 10), date(2026, 4, 1)
    lighter = discretion.applicable_entry("AQSCF-97-5", act, decided, directory=two_versions)
    assert lighter.version == "2026-03-01.test"  # lower maximum for the unit (8万 < 10万)
    heavier = discretion.applicable_entry("AQSCF-99-3", act, decided, stage=2, directory=two_versions)
    assert heavier.version == "2024-11-01.illustrative-1"  # same maximum, higher minimum: keep the old
    same = discretion.applicable_entry("AQSCF-99-3", act, decided, directory=two_versions)
    assert same.version == "2024-11-01.illustrative-1"  # stage 1 unchanged: not lighter, old applies
    # Art.102 stage 2: the new version fines the unit too (heavier for it) but persons less
    mixed = discretion.applicable_entry("AQSCF-102", act, decided, stage=2, directory=two_versions)
    assert mixed.version == "2024-11-01.illustrative-1"
    persons_only = discretion.applicable_entry(
        "AQSCF-102", act, decided, target="responsible_person", stage=2, directory=two_versions
    )
    assert persons_only.version == "2026-03-01.test"
    # both dates under the new version: it is simply the version in force
    assert (
        discretion.applicable_entry("AQSCF-99-3", decided, decided, directory=two_versions).version
        == "2026-03-01.test"
    )


def test_from_old_refuses_bad_dates_and_vanished_entries(two_versions):
    with pytest.raises(ValidationFailed) as exc:
        discretion.applicable_entry("AQSCF-97-5", date(2026, 4, 1), date(2026, 1, 1), directory=two_versions)
    assert "不得早于" in field_error(exc, "decision_date")
    with pytest.raises(ValidationFailed) as exc:  # not in the version in force at decision
        discretion.applicable_entry("AQSCF-108", date(2026, 1, 1), date(2026, 4, 1), directory=two_versions)
    assert "2026-03-01.test" in field_error(exc, "violation_code")


# ---------------------------------------------------------------- suggestion


def test_no_factors_is_general(a):
    s = discretion.suggest(a, "unit", [])
    assert (s.tier, s.band_min, s.band_max, s.no_penalty, s.mandatory) == ("一般", 20000, 50000, None, False)


def test_mitigating_gives_lighter_and_two_give_reduction_below_the_minimum():
    a = discretion.entry("AQSCF-97-5")
    one = discretion.suggest(a, "responsible_person", ["confessed"], stage=2)
    assert (one.tier, one.band_min, one.band_max) == ("从轻", 20000, 32000)
    two = discretion.suggest(a, "responsible_person", ["confessed", "coerced"], stage=2)
    assert (two.tier, two.band_min, two.band_max) == ("减轻", 0, 20000)
    # the law gives only a maximum at stage 1: nothing to reduce below
    max_only = discretion.suggest(a, "unit", ["confessed", "coerced"])
    assert max_only.tier == "从轻" and any("不适用减轻" in r for r in max_only.reasons)


def test_aggravating_gives_heavier_and_both_give_general_with_both_listed(a):
    heavy = discretion.suggest(a, "unit", ["major_hazard", "repeat"])
    assert (heavy.tier, heavy.band_min, heavy.band_max) == ("从重", 50000, 100000)
    assert "属于重大事故隐患" in heavy.reasons[0] and "一年内因同一违法行为受过行政处罚" in heavy.reasons[0]
    both = discretion.suggest(a, "unit", ["eliminated_harm", "obstruction"])
    assert both.tier == "一般"
    assert any("主动消除或者减轻违法行为危害后果" in r for r in both.reasons)
    assert any("拒绝、阻碍" in r for r in both.reasons)


def test_mandatory_minor_no_penalty_beats_aggravating(a):
    s = discretion.suggest(a, "unit", ["repeat", "minor_corrected", "confessed"])
    assert (s.tier, s.band_min, s.band_max, s.no_penalty, s.mandatory) == (
        "不予处罚",
        0,
        0,
        "minor_corrected",
        True,
    )
    assert "第三十三条第一款" in s.reasons[0]
    assert any("一年内因同一违法行为受过行政处罚" in r and "不影响" in r for r in s.reasons)
    assert any("教育" in r for r in s.reasons)
    limit = discretion.suggest(a, "unit", ["no_fault", "time_barred"])
    assert limit.no_penalty == "time_barred" and limit.mandatory  # 时效 first
    assert discretion.suggest(a, "unit", ["no_fault", "major_hazard"]).no_penalty == "no_fault"


def test_first_offence_is_only_discretionary(a):
    s = discretion.suggest(a, "unit", ["first_offence", "eliminated_harm"])
    assert (s.no_penalty, s.mandatory) == ("first_offence", False)
    assert (s.tier, s.band_min, s.band_max) == ("从轻", 0, 20000)  # if the agency penalises anyway
    assert s.reasons[0].startswith("可以不予处罚")
    # a mandatory ground wins over the discretionary one
    both = discretion.suggest(a, "unit", ["first_offence", "minor_corrected"])
    assert (both.no_penalty, both.mandatory, both.tier) == ("minor_corrected", True, "不予处罚")


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        (["minor_corrected", "harm_caused"], "危害后果"),
        (["first_offence", "repeat"], "初次违法"),
        (["first_offence", "major_hazard"], "重大事故隐患"),
        (["drunk"], "未知的裁量情节：drunk"),
    ],
)
def test_contradictory_or_unknown_factors_are_refused(a, factors, message):
    with pytest.raises(ValidationFailed) as exc:
        discretion.suggest(a, "unit", factors)
    assert message in field_error(exc, "factors")


def test_suggest_refuses_a_stage_without_a_fine():
    with pytest.raises(ValidationFailed) as exc:
        discretion.suggest(discretion.entry("AQSCF-108"), "unit", [])
    assert "第1阶段没有对生产经营单位罚款" in field_error(exc, "target")


def test_factor_vocabulary_has_labels_and_legal_basis():
    assert {f.kind for f in discretion.FACTORS.values()} == set(discretion.FactorKind)
    assert all(f.label and f.basis for f in discretion.FACTORS.values())
    mandatory = {c for c, f in discretion.FACTORS.items() if f.mandatory}
    assert mandatory == {"time_barred", "no_fault", "minor_corrected"}
    assert discretion.factor_choices(discretion.FactorKind.MITIGATING)[0] == (
        "eliminated_harm",
        "主动消除或者减轻违法行为危害后果",
    )


# ---------------------------------------------------------------- amount check


def test_fine_inside_the_band(a):
    check = discretion.check_amount(a, "unit", "一般", 30000)
    assert (check.inside, check.needs_discussion) == (True, False)
    assert "2万元至5万元" in check.message


def test_fine_outside_the_band_without_reason_is_refused_naming_the_band(a):
    with pytest.raises(ValidationFailed) as exc:
        discretion.check_amount(a, "unit", "从轻", 30000, deviation_reason="   ")
    assert "从轻阶次的裁量幅度（0元至2万元）" in field_error(exc, "amount")


def test_deviation_with_a_reason_goes_to_collective_discussion(a):
    check = discretion.check_amount(a, "unit", "从轻", 30000, deviation_reason="涉及多个作业场所")
    assert (check.inside, check.needs_discussion) == (False, True)
    assert "涉及多个作业场所" in check.message and "集体讨论" in check.message


def test_above_the_statutory_maximum_is_refused_even_with_a_reason(a):
    with pytest.raises(ValidationFailed) as exc:
        discretion.check_amount(a, "unit", "从重", 100001, deviation_reason="情节特别恶劣")
    assert "不得超出法定幅度" in field_error(exc, "amount") and "10万元以下" in field_error(exc, "amount")
    discretion.check_amount(a, "unit", "从重", 100000)  # the maximum itself is allowed


def test_below_the_statutory_minimum_only_as_reduction_with_reason_and_discussion():
    d = discretion.entry("AQSCF-94")
    with pytest.raises(ValidationFailed) as exc:  # 从轻 cannot go under 2万
        discretion.check_amount(d, "principal", "从轻", 15000, deviation_reason="配合调查")
    assert "只能依法减轻" in field_error(exc, "amount")
    with pytest.raises(ValidationFailed) as exc:
        discretion.check_amount(d, "principal", "减轻", 15000)
    assert "须写明减轻理由" in field_error(exc, "amount")
    ok = discretion.check_amount(
        d, "principal", "减轻", Decimal("15000"), deviation_reason="主动消除后果且有立功表现"
    )
    assert (ok.inside, ok.needs_discussion) == (True, True)
    with pytest.raises(ValidationFailed, match="应低于法定最低数额"):
        discretion.check_amount(d, "principal", "减轻", 20000, deviation_reason="x")


def test_no_penalty_tier_and_zero_or_negative_amounts(a):
    assert discretion.check_amount(a, "unit", "不予处罚", 0).inside
    with pytest.raises(ValidationFailed, match="不得处以罚款"):
        discretion.check_amount(a, "unit", "不予处罚", 500)
    with pytest.raises(ValidationFailed, match="须大于零"):
        discretion.check_amount(a, "unit", "从轻", 0)
    with pytest.raises(ValidationFailed, match="不得为负数"):
        discretion.check_amount(a, "unit", "从轻", -1)
    with pytest.raises(ValidationFailed) as exc:  # no 减轻 where the law gives only a maximum
        discretion.check_amount(a, "unit", "减轻", 1000, deviation_reason="x")
    assert "减轻" in field_error(exc, "tier")


# ---------------------------------------------------------------- 一事不二罚


def test_competing_norms_apply_the_higher_maximum():
    # 97(5) ≤10万 vs 102 ≤5万 for the unit at stage 1
    assert discretion.higher_norm(["AQSCF-102", "AQSCF-97-5"]) == "AQSCF-97-5"
    # 99(3) and 102 both ≤5万: a tie keeps the first given
    assert discretion.higher_norm(["AQSCF-102", "AQSCF-99-3"]) == "AQSCF-102"
    assert discretion.higher_norm(["AQSCF-99-3", "AQSCF-102"]) == "AQSCF-99-3"
    # stage 2, persons: 102 (5万–10万) beats 97(5) (2万–5万); 108 has no stage-1 fine at all
    assert (
        discretion.higher_norm(["AQSCF-97-5", "AQSCF-102"], target="responsible_person", stage=2)
        == "AQSCF-102"
    )
    assert discretion.higher_norm(["AQSCF-108", "AQSCF-99-3"]) == "AQSCF-99-3"
    with pytest.raises(ValidationFailed):
        discretion.higher_norm([])
