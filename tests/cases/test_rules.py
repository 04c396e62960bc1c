import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from app.cases import rules
from app.cases.rules import Period, RulesError, pack_for

D = date
SUZHOU_TOWN = "/340000/341300/341302/"  # 宿州市埇桥区


@pytest.fixture(autouse=True)
def _fresh_cache():
    rules.reload()
    yield
    rules.reload()


# --- the shipped packs ----------------------------------------------------------------------------


def test_national_defaults():
    p = pack_for("", D(2026, 3, 1))
    assert p.layers == ("全国默认",)
    assert (p.hearing_threshold_person, p.hearing_threshold_unit) == (Decimal("10000"), Decimal("30000"))
    assert p.hearing_request == Period(5, "working")
    assert p.hearing_notice == Period(7, "working")
    assert p.decision_period == Period(90, "calendar")
    assert p.payment == Period(15, "calendar")
    assert p.public_notice_service == Period(30, "calendar")
    assert p.surcharge_rate == Decimal("0.03")
    assert p.litigation == Period(6, "months")
    assert p.reconsideration == Period(60, "calendar")
    assert p.transfer == Period(24, "hours")
    assert (p.simple_cap_person, p.simple_cap_unit, p.on_spot_collection_cap) == (200, 3000, 100)
    assert (p.limitation, p.limitation_extended) == (Period(2, "years"), Period(5, "years"))
    assert [s.up_to_days for s in p.decision_extensions] == [180]
    assert p.decision_extensions[0].approver == "上一级应急管理部门"
    assert p.max_decision_days == 180


def test_province_and_city_override_only_their_values():
    anhui = pack_for("/340000/340100/", D(2026, 3, 1))  # 合肥: only the province applies
    assert anhui.layers == ("全国默认", "安徽省（演示）")
    assert (anhui.hearing_threshold_person, anhui.hearing_threshold_unit) == (
        Decimal("20000"),
        Decimal("50000"),
    )
    assert anhui.legal_review.mode == "listed"
    assert anhui.payment == Period(15, "calendar")  # from the national pack

    suzhou = pack_for(SUZHOU_TOWN, D(2026, 3, 1))
    assert suzhou.layers == ("全国默认", "安徽省（演示）", "宿州市（演示）")
    assert suzhou.legal_review.mode == "all"  # the city's value
    assert suzhou.hearing_threshold_unit == Decimal("50000")  # the province's value
    assert suzhou.hearing_request == Period(5, "working")  # the nation's value


def test_city_pack_not_yet_in_force():
    assert pack_for(SUZHOU_TOWN, D(2023, 12, 31)).layers == ("全国默认", "安徽省（演示）")


def test_other_province_and_path_forms():
    assert pack_for("/320000/320100/", D(2026, 3, 1)).hearing_threshold_unit == Decimal("30000")
    assert pack_for("340000", D(2026, 3, 1)).region_path == "/340000/"
    assert pack_for("/340000", D(2026, 3, 1)).hearing_threshold_person == Decimal("20000")
    # a code that merely starts with the same digits is another region
    assert pack_for("/3400001/", D(2026, 3, 1)).layers == ("全国默认",)


def test_no_pack_before_the_national_pack():
    with pytest.raises(RulesError, match="没有施行中的全国默认规则参数包"):
        pack_for("/340000/", D(2021, 7, 14))


def test_source_of_cites_the_layer_that_gave_the_value():
    p = pack_for(SUZHOU_TOWN, D(2026, 3, 1))
    assert p.source_of("hearing_threshold_person").startswith("安徽省（演示）（自2021-07-15起）：")
    assert "S7" in p.source_of("hearing_threshold_person")
    assert p.source_of("legal_review").startswith("宿州市（演示）")
    assert "第67条" in p.source_of("payment")
    assert "第64条" in p.source_of("hearing_request")
    with pytest.raises(KeyError):
        p.source_of("no_such_value")


def test_every_value_has_a_citation():
    p = pack_for("", D(2026, 3, 1))
    for name in rules.FIELDS:
        assert p.source_of(name)


def test_hearing_right_threshold_is_inclusive():
    p = pack_for(SUZHOU_TOWN, D(2026, 3, 1))
    assert not p.hearing_right("person", Decimal("19999.99"))
    assert p.hearing_right("person", Decimal("20000"))
    assert not p.hearing_right("unit", Decimal("49999.99"))
    assert p.hearing_right("unit", Decimal("50000"))
    national = pack_for("", D(2026, 3, 1))
    assert national.hearing_right("unit", Decimal("30000"))
    assert not national.hearing_right("unit", Decimal("29999"))
    with pytest.raises(ValueError, match="当事人类别"):
        p.hearing_right("company", Decimal("1"))


def test_hearing_right_for_listed_kinds_whatever_the_fine():
    p = pack_for("", D(2026, 3, 1))
    assert p.hearing_right("unit", Decimal("0"), ["责令停产停业整顿"])
    assert p.hearing_right("person", Decimal("500"), ["罚款", "吊销岗位证书"])
    assert not p.hearing_right("unit", Decimal("500"), ["警告", "罚款"])


def test_legal_review_triggers():
    anhui = pack_for("/340000/340100/", D(2026, 3, 1))
    assert not anhui.legal_review_required("unit", Decimal("49999"))
    assert anhui.legal_review_required("unit", Decimal("50000"))
    assert anhui.legal_review_required("person", Decimal("100"), hearing_held=True)
    assert anhui.legal_review_required("person", Decimal("100"), ["责令关闭"])
    suzhou = pack_for(SUZHOU_TOWN, D(2026, 3, 1))  # mode "all"
    assert suzhou.legal_review_required("person", Decimal("0"))


def test_collective_discussion_triggers():
    p = pack_for("/340000/", D(2026, 3, 1))
    assert not p.collective_discussion_required("person", Decimal("19999"))
    assert p.collective_discussion_required("person", Decimal("20000"))
    assert p.collective_discussion_required("person", Decimal("1"), band_deviation=True)
    assert p.collective_discussion_required("unit", Decimal("1"), ["吊销许可证件"])


def test_simple_procedure_caps():
    p = pack_for("", D(2026, 3, 1))
    assert p.simple_procedure_allowed("person", Decimal("200"), ["罚款"])
    assert not p.simple_procedure_allowed("person", Decimal("200.01"), ["罚款"])
    assert p.simple_procedure_allowed("unit", Decimal("3000"), ["罚款"])
    assert not p.simple_procedure_allowed("unit", Decimal("3000.01"), ["罚款"])
    assert p.simple_procedure_allowed("unit", Decimal("0"), ["警告"])
    assert not p.simple_procedure_allowed("unit", Decimal("0"), ["责令停产停业"])


def test_packs_are_cached_and_frozen():
    a = pack_for(SUZHOU_TOWN, D(2026, 3, 1))
    assert pack_for(SUZHOU_TOWN, D(2026, 3, 1)) is a
    with pytest.raises(AttributeError):
        a.hearing_threshold_unit = Decimal("1")  # type: ignore[misc]
    rules.reload()
    assert pack_for(SUZHOU_TOWN, D(2026, 3, 1)) is not a


# --- loading and validating files -----------------------------------------------------------------


def _national() -> dict:
    with rules.RULES_DIR.joinpath("national.json").open(encoding="utf-8") as fh:
        return json.load(fh)["versions"][0]


def _write(folder, name, versions):
    folder.joinpath(name).write_text(json.dumps({"versions": versions}, ensure_ascii=False), encoding="utf-8")


def test_versions_by_effective_date(tmp_path):
    old = _national()
    old["effective_to"] = "2026-01-31"
    new = copy.deepcopy(_national())
    new["effective_from"] = "2026-02-01"
    new["name"] = "全国默认（18号令）"
    new["values"]["statement_window"] = {"days": 5, "kind": "working"}
    new["sources"]["statement_window"] = "18号令（假设）"
    _write(tmp_path, "national.json", [old, new])
    _write(
        tmp_path,
        "prov.json",
        [
            {
                "jurisdiction": "/340000/",
                "name": "安徽旧",
                "effective_from": "2021-07-15",
                "effective_to": "2025-12-31",
                "source": "旧标准",
                "values": {"hearing_threshold_unit": "40000"},
            }
        ],
    )
    before = pack_for("/340000/", D(2025, 12, 31), directory=tmp_path)
    assert before.statement_window == Period(3, "working")
    assert before.hearing_threshold_unit == Decimal("40000")
    on_last_day = pack_for("/340000/", D(2026, 1, 31), directory=tmp_path)
    assert on_last_day.hearing_threshold_unit == Decimal("30000")  # provincial version lapsed: national value
    after = pack_for("/340000/", D(2026, 2, 1), directory=tmp_path)
    assert after.statement_window == Period(5, "working")
    assert after.source_of("statement_window") == "全国默认（18号令）（自2026-02-01起）：18号令（假设）"
    assert after.layers == ("全国默认（18号令）",)


def _error(tmp_path, versions, name="national.json") -> str:
    _write(tmp_path, name, versions)
    with pytest.raises(RulesError) as exc:
        rules.load_versions(tmp_path)
    return str(exc.value)


def test_invalid_json_names_the_file(tmp_path):
    tmp_path.joinpath("broken.json").write_text("{ not json", encoding="utf-8")
    assert "broken.json" in str(pytest.raises(RulesError, rules.load_versions, tmp_path).value)


def test_empty_directory(tmp_path):
    with pytest.raises(RulesError, match="没有 .json 文件"):
        rules.load_versions(tmp_path)


def test_missing_national_pack(tmp_path):
    msg = _error(
        tmp_path,
        [{"jurisdiction": "/340000/", "effective_from": "2021-07-15", "source": "x", "values": {}}],
        name="p.json",
    )
    assert "没有全国默认参数包" in msg


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda v: v["values"].update(hearing_request={"days": 5, "kind": "weekdays"}),
            "values.hearing_request",
        ),
        (
            lambda v: v["values"].update(hearing_request={"days": 0, "kind": "working"}),
            "values.hearing_request",
        ),
        (lambda v: v["values"].update(payment={"days": 15, "kind": "working"}), "values.payment"),
        (lambda v: v["values"].update(transfer={"days": 1, "kind": "calendar"}), "values.transfer"),
        (lambda v: v["values"].update(hearing_threshold_unit="三万"), "values.hearing_threshold_unit"),
        (lambda v: v["values"].update(hearing_threshold_unit="-1"), "values.hearing_threshold_unit"),
        (lambda v: v["values"].update(surcharge_rate="3"), "values.surcharge_rate"),
        (lambda v: v["values"].update(hearing_always_kinds="吊销许可证件"), "values.hearing_always_kinds"),
        (lambda v: v["values"]["legal_review"].update(mode="some"), "values.legal_review"),
        (lambda v: v["values"]["legal_review"].pop("kinds"), "values.legal_review"),
        (
            lambda v: v["values"].update(
                decision_extensions=[
                    {"up_to_days": 180, "approver": "甲"},
                    {"up_to_days": 120, "approver": "乙"},
                ]
            ),
            "values.decision_extensions",
        ),
        (lambda v: v["values"].update(hearing_thresold_person="1"), "未知参数 hearing_thresold_person"),
        (lambda v: v["values"].pop("payment"), "缺少 payment"),
        (lambda v: v.update(effective_from="2021-13-01"), "effective_from"),
        (lambda v: v.update(effective_to="2020-01-01"), "effective_to 早于"),
        (lambda v: v.update(source=""), "source"),
        (lambda v: v.update(jurisdiction="安徽"), "jurisdiction"),
        (lambda v: v.update(extra=1), "未知的键 extra"),
        (lambda v: v["sources"].update(not_a_value="x"), "sources 中的 not_a_value"),
    ],
)
def test_validation_errors_name_file_and_key(tmp_path, change, expected):
    version = _national()
    change(version)
    msg = _error(tmp_path, [version])
    assert "national.json" in msg
    assert expected in msg


def test_overlapping_versions_are_rejected(tmp_path):
    a, b = _national(), _national()
    b["effective_from"] = "2025-01-01"
    msg = _error(tmp_path, [a, b])
    assert "重叠" in msg
