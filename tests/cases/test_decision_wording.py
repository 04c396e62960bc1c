"""The 行政处罚决定书 reads like one (spec §3.3: facts and evidence, the article breached and the penalty article,
the penalty per party): “经查，你单位……。以上事实有……等证据为证。你单位的上述行为违反了《…》第…条的规定，依据《…》第…条的
规定，……本机关决定给予……的行政处罚。” — and the report's own wording of the facts is rewritten only at its opening."""

from __future__ import annotations

import re

import pytest

from app import clock
from app.cases import gates
from app.cases import operations as ops
from app.cases.operations.common import case_document
from app.cases.operations.decision import stated_facts
from app.documents import documents_for
from tests.factories.db import commit

BREACHED = "《安全生产法》第四十一条第二款"
PENALTY = "《安全生产法》第九十七条第五项"


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def _decision_text(login, world, case) -> str:
    (doc,) = [d for d in documents_for(case, include_voided=False) if d.doc_type == "penalty_decision"]
    r = login(world.officer).get(f"/documents/{doc.id}")
    assert r.status_code == 200
    return _text(r.get_data(as_text=True))


def _decide(world, w):
    case = w.case
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    ops.legal_review(
        case,
        {
            "review_opinion": "agree",
            "reasons": "事实清楚，证据确凿，程序合法",
            "confirmed": [i.key for i in gates.checklist(case, clock.today())],
        },
        actor=world.legal,
    )
    if "collective_discussion" in w.ready:
        ops.collective_discussion(
            case,
            {
                "held_on": clock.today(),
                "place": "局会议室",
                "chair": "周局长",
                "opinions": [{"name": "周局长", "opinion": "同意"}, {"name": "吴队长", "opinion": "同意"}],
                "conclusion": "同意处罚",
            },
            actor=world.leader,
        )
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    commit()


@pytest.mark.parametrize(
    ("report", "stated"),
    [
        ("经调查，当事人未如实记录事故隐患排查治理情况。", "经查，你单位未如实记录事故隐患排查治理情况。"),
        ("经查，该公司未建立安全生产责任制。", "经查，你单位未建立安全生产责任制。"),
        ("2026年10月9日，你单位在车间动火作业。", "经查，2026年10月9日，你单位在车间动火作业。"),
        ("当事人未培训。\n当事人另有记录缺失。", "经查，你单位未培训。\n当事人另有记录缺失。"),
        ("", ""),
    ],
)
def test_the_facts_open_as_a_decision_states_them(report, stated):
    assert stated_facts(report) == stated


def test_the_decision_reads_like_a_decision(login, world, make_case):
    w = make_case().file().evidence().report().notify().waive()
    _decide(world, w)
    text = _decision_text(login, world, w.case)
    assert "经查，你单位未如实记录事故隐患排查治理情况。" in text, text
    assert "经调查，当事人" not in text
    assert "以上事实有询问笔录（李四）等证据为证。" in text
    assert (
        f"你单位的上述行为违反了{BREACHED}的规定，依据{PENALTY}的规定，参照" in text
        and "本机关决定给予你单位罚款人民币30,000.00元（大写：叁万元整）的行政处罚。" in text
    ), text
    assert "裁量阶次" not in text and "罚款罚款" not in text


def test_a_unit_and_a_person_are_each_given_their_penalty(login, world, make_case):
    """(The 违法行为库's entries fine a unit and a person together only on their stage 2: the document is issued
    here with such content directly.)"""
    case = make_case().file().case
    doc = case_document(
        case,
        "penalty_decision",
        {
            "facts_stated": "经查，你单位未对从业人员进行安全生产教育和培训。",
            "evidence": [{"kind": "询问笔录", "title": "询问笔录（李四）"}],
            "breached": BREACHED,
            "penalty_article": PENALTY,
            "lines": [
                {
                    "target": "单位",
                    "party_name": "甲公司",
                    "kinds": ["警告", "罚款"],
                    "fine": "30000",
                    "fine_capital": "叁万元整",
                },
                {
                    "target": "个人",
                    "party_name": "张三",
                    "position": "主要负责人",
                    "kinds": ["罚款"],
                    "fine": "5000",
                    "fine_capital": "伍仟元整",
                },
            ],
        },
        actor=world.officer,
    )
    commit()
    text = _text(login(world.officer).get(f"/documents/{doc.id}").get_data(as_text=True))
    assert (
        f"你单位的上述行为违反了{BREACHED}的规定，依据{PENALTY}的规定，本机关决定给予下列行政处罚：" in text
    ), text
    assert "对你单位给予警告、罚款人民币30,000.00元（大写：叁万元整）的行政处罚；" in text
    assert "对张三（主要负责人）给予罚款人民币5,000.00元（大写：伍仟元整）的行政处罚。" in text
    assert "当事人：张三，主要负责人" in text


def test_an_older_decision_snapshot_still_prints(login, world, make_case):
    """A 决定书 issued before (content without facts_stated/breached) prints from its own snapshot."""
    case = make_case().file().case
    doc = case_document(
        case,
        "penalty_decision",
        {
            "facts": "经调查，当事人未如实记录。",
            "basis": f"违反{BREACHED}的规定，依据{PENALTY}的规定",
            "lines": [{"target": "单位", "party_name": "甲公司", "kinds": ["罚款"], "fine": "1000"}],
        },
        actor=world.officer,
    )
    commit()
    text = _text(login(world.officer).get(f"/documents/{doc.id}").get_data(as_text=True))
    assert "经调查，当事人未如实记录。" in text
    assert (
        f"你单位的上述行为违反{BREACHED}的规定，依据{PENALTY}的规定，本机关决定给予你单位罚款人民币1,000.00元的行政处罚。"
        in text
    )
