"""The credit parameter pack (app.credit.rules): the national defaults with their sources, a province
laying its own values over them from a date, the date arithmetic through app.calendar, and bad files
refused with the file and key named."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.calendar import legal_calendar
from app.credit import rules
from app.credit.rules import RulesError, credit_pack

COUNTY = "/340000/341300/341322/"


def test_national_defaults_and_their_sources():
    p = credit_pack(COUNTY, date(2026, 11, 2))
    assert (p.statement_period.n, p.statement_period.unit) == (5, "working")
    assert (p.publish_period.n, p.publish_period.unit) == (7, "working")
    assert p.term.label() == "3年" and p.repair_after.label() == "12个月"
    assert (p.repair_decision_period.n, p.withdraw_period.n, p.feedback_period.n, p.interview_period.n) == (
        15,
        3,
        20,
        10,
    )
    assert p.repair_barred_criteria == ()
    assert p.reconsideration.label() == "60日" and p.litigation.label() == "6个月"
    pub = p.penalty_publication
    assert (pub.general_min.label(), pub.general_max.label()) == ("3个月", "1年")
    assert (pub.serious_min.label(), pub.serious_max.label()) == ("1年", "3年")
    assert pub.is_serious(["吊销安全生产许可证"]) and not pub.is_serious(["罚款", "警告"])
    assert pub.is_serious(["罚款"], leads_to_listing=True)
    assert "M:low" in p.source_of("statement_period") and "全国默认" in p.source_of("term")
    with pytest.raises(KeyError):
        p.source_of("no_such")


def test_dates_from_the_pack():
    p = credit_pack(COUNTY, date(2026, 11, 2))
    assert p.end_of("statement_period", date(2026, 9, 29)) == legal_calendar.add_days(
        date(2026, 9, 29), 5, kind="working"
    )
    assert p.term_end(date(2024, 2, 29)) == date(2027, 2, 28)  # no corresponding day: the month's last
    # 满12个月 counted like the term: the 12 months end on 2027-11-02, the first day to apply is the next
    assert p.repair_opens_on(date(2026, 11, 2)) == date(2027, 11, 3)
    assert p.repair_opens_on(date(2024, 2, 29)) == date(2025, 3, 1)
    with pytest.raises(KeyError):
        p.end_of("repair_barred_criteria", date(2026, 11, 2))


def _write(tmp_path, name, versions):
    (tmp_path / name).write_text(json.dumps({"versions": versions}, ensure_ascii=False), encoding="utf-8")


def _national():
    return json.loads(rules.RULES_DIR.joinpath("national.json").read_text(encoding="utf-8"))["versions"]


def test_a_province_lays_its_values_over_the_national_ones_from_its_date(tmp_path):
    _write(tmp_path, "national.json", _national())
    _write(
        tmp_path,
        "anhui.json",
        [
            {
                "jurisdiction": "/340000/",
                "name": "安徽省",
                "effective_from": "2027-01-01",
                "source": "安徽省办法（示例）",
                "values": {
                    "statement_period": {"days": 7, "kind": "working"},
                    "repair_barred_criteria": ["1"],
                },
            }
        ],
    )
    rules.reload()
    try:
        before = credit_pack(COUNTY, date(2026, 12, 31), directory=tmp_path)
        after = credit_pack(COUNTY, date(2027, 1, 1), directory=tmp_path)
        other = credit_pack("/320000/", date(2027, 1, 1), directory=tmp_path)
    finally:
        rules.reload()
    assert before.statement_period.n == 5 and not before.repair_barred("1")
    assert after.statement_period.n == 7 and after.repair_barred("1") and not after.repair_barred("2")
    assert after.publish_period.n == 7  # not given by the province: the national value
    assert after.source_of("statement_period").startswith("安徽省")
    assert after.layers == ("全国默认", "安徽省")
    assert other.statement_period.n == 5


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda v: v["values"].pop("term"), "缺少 term"),
        (lambda v: v["values"].update(term={"days": 3, "kind": "working"}), "values.term"),
        (lambda v: v["values"].update(repair_barred_criteria=["一"]), "values.repair_barred_criteria"),
        (lambda v: v["values"].update(no_such=1), "未知参数 no_such"),
        (
            lambda v: v["values"]["penalty_publication"].update(general_min={"years": 2}),
            "最短期限不能长于最长期限",
        ),
    ],
)
def test_bad_files_are_refused_naming_file_and_key(tmp_path, change, message):
    versions = _national()
    change(versions[0])
    _write(tmp_path, "national.json", versions)
    with pytest.raises(RulesError, match=message) as exc:
        rules.load_versions(tmp_path)
    assert "national.json" in str(exc.value)
