"""The platform's versioned parameter packs (app.rulepacks), on a tiny pack of its own: two values, a national
version overlaid by a province and a city from their dates, each value citing the version that gave it;
overlapping versions, unknown keys and values, incomplete national versions and bad periods refused with the
file and key named, in the domain's word."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from app.rulepacks import Pack, PackLoader, Period, RulesError, normalize_region, parse_decimal, period

FIELDS = {"cap": parse_decimal, "window": period("calendar", "working")}


@dataclass(frozen=True)
class TinyPack(Pack):
    cap: Decimal
    window: Period


NATIONAL = {
    "jurisdiction": "",
    "effective_from": "2020-01-01",
    "source": "国家标准",
    "sources": {"cap": "国家标准第3条"},
    "values": {"cap": "100", "window": {"days": 5, "kind": "working"}},
}
PROVINCE = {
    "jurisdiction": "/340000/",
    "name": "某省",
    "effective_from": "2024-01-01",
    "source": "省办法",
    "values": {"cap": 200},
}
CITY = {
    "jurisdiction": "340000/341300",
    "name": "某市",
    "effective_from": "2025-01-01",
    "effective_to": "2025-12-31",
    "source": "市办法",
    "values": {"window": {"days": 10, "kind": "calendar"}},
}


def _write(folder, name, versions):
    folder.joinpath(name).write_text(json.dumps({"versions": versions}, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def loader(tmp_path):
    _write(tmp_path, "national.json", [NATIONAL])
    _write(tmp_path, "local.json", [PROVINCE, CITY])
    return PackLoader(tmp_path, FIELDS, "小参数包", TinyPack)


def _refusal(tmp_path, versions) -> str:
    _write(tmp_path, "national.json", versions)
    with pytest.raises(RulesError) as exc:
        PackLoader(tmp_path, FIELDS, "小参数包", TinyPack).load_versions()
    return str(exc.value)


def test_region_paths_are_normalized():
    assert normalize_region("/") == "" and normalize_region("") == ""
    assert normalize_region(" 340000 ") == normalize_region("/340000") == "/340000/"


def test_overlay_least_to_most_specific_with_citations(loader):
    national = loader.pack("/320000/", date(2025, 6, 1))
    assert (national.cap, national.window, national.layers) == (
        Decimal("100"),
        Period(5, "working"),
        ("全国默认",),
    )
    assert national.source_of("cap") == "全国默认（自2020-01-01起）：国家标准第3条"
    assert national.source_of("window") == "全国默认（自2020-01-01起）：国家标准"
    with pytest.raises(KeyError, match="没有名为 rate 的参数"):
        national.source_of("rate")

    town = loader.pack("/340000/341300/341302/", date(2025, 6, 1))
    assert town.layers == ("全国默认", "某省", "某市")
    assert town.region_path == "/340000/341300/341302/"
    assert town.cap == Decimal("200")  # the province's
    assert town.window == Period(10, "calendar")  # the city's
    assert town.source_of("window") == "某市（自2025-01-01起至2025-12-31）：市办法"
    assert town.source_of("cap").startswith("某省（自2024-01-01起）")

    # the city's version lapsed; before the province's date only the national one applies
    assert loader.pack("/340000/341300/", date(2026, 1, 1)).layers == ("全国默认", "某省")
    assert loader.pack("/340000/341300/", date(2023, 12, 31)).cap == Decimal("100")
    # a code that merely starts with the same digits is another region
    assert loader.pack("/3400001/", date(2025, 6, 1)).layers == ("全国默认",)
    assert [v.name for v in loader.versions_for("340000/341300", date(2025, 6, 1))] == [
        "全国默认",
        "某省",
        "某市",
    ]


def test_no_national_version_in_force(loader):
    with pytest.raises(RulesError, match="2019-12-31 没有施行中的全国默认小参数包"):
        loader.pack("/340000/", date(2019, 12, 31))


def test_packs_are_cached_until_reload(loader, tmp_path):
    first = loader.pack("/340000/", date(2025, 6, 1))
    assert loader.pack("340000", date(2025, 6, 1)) is first
    _write(tmp_path, "local.json", [{**PROVINCE, "values": {"cap": 300}}])
    assert loader.pack("/340000/", date(2025, 6, 1)).cap == Decimal("200")  # still the cached files
    loader.reload()
    assert loader.pack("/340000/", date(2025, 6, 1)).cap == Decimal("300")


def test_another_directory_per_call(loader, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    _write(other, "n.json", [{**NATIONAL, "values": {"cap": "1", "window": {"days": 1, "kind": "calendar"}}}])
    assert loader.pack("", date(2025, 6, 1), directory=other).cap == Decimal("1")
    assert loader.pack("", date(2025, 6, 1)).cap == Decimal("100")


def test_overlapping_versions_are_refused(tmp_path):
    later = {**NATIONAL, "effective_from": "2024-06-01"}
    msg = _refusal(tmp_path, [NATIONAL, later])
    assert msg.startswith("小参数包 national.json：") and "重叠" in msg
    ended = {**NATIONAL, "effective_to": "2024-05-31"}
    _write(tmp_path, "national.json", [ended, later])
    assert len(PackLoader(tmp_path, FIELDS, "小参数包", TinyPack).load_versions()) == 2  # back to back: fine


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"extra": 1}, "未知的键 extra"),
        ({"values": {**NATIONAL["values"], "rate": "1"}}, "values 中有未知参数 rate"),
        ({"values": {"cap": "100"}}, "全国默认参数包须完整，缺少 window"),
        ({"values": {**NATIONAL["values"], "cap": "-1"}}, "values.cap 应为非负数"),
        ({"values": {**NATIONAL["values"], "window": {"months": 1}}}, "values.window 此项期间单位只能是"),
        ({"values": {**NATIONAL["values"], "window": {"days": 0, "kind": "working"}}}, "values.window"),
        ({"sources": {"rate": "x"}}, "sources 中的 rate 不是本版本给出的参数"),
        ({"effective_from": "2020-13-01"}, "effective_from 不是有效日期"),
        ({"effective_to": "2019-01-01"}, "effective_to 早于 effective_from"),
        ({"jurisdiction": "某省"}, "jurisdiction 应为 /340000/341300/ 形式"),
        ({"source": " "}, "source 须写明依据"),
    ],
)
def test_bad_versions_are_refused_naming_file_and_key(tmp_path, change, expected):
    msg = _refusal(tmp_path, [{**NATIONAL, **change}])
    assert msg.startswith("小参数包 national.json 第1个版本：")
    assert expected in msg


def test_bad_files_and_folders(tmp_path):
    with pytest.raises(RulesError, match="小参数包目录 .* 中没有 .json 文件"):
        PackLoader(tmp_path, FIELDS, "小参数包", TinyPack).load_versions()
    _write(tmp_path, "p.json", [PROVINCE])
    with pytest.raises(RulesError, match="没有全国默认参数包"):
        PackLoader(tmp_path, FIELDS, "小参数包", TinyPack).load_versions()
    tmp_path.joinpath("broken.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(RulesError, match="小参数包 broken.json：JSON 格式错误"):
        PackLoader(tmp_path, FIELDS, "小参数包", TinyPack).load_versions()
