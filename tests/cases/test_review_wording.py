"""The 法制审核 opinion reads as the reviewer chose it (建议补充调查, 同意) wherever an earlier review is shown:
the 负责人's decision task, the next review, the investigation sent back and the case page — never its code."""

from __future__ import annotations

import re

from app import clock
from app.cases import gates
from app.cases import operations as ops
from tests.cases.walk import review, task_of, to_legal_review
from tests.factories.db import commit


def _text(resp) -> str:
    assert resp.status_code == 200
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", resp.get_data(as_text=True)))


def _codes(text: str) -> list[str]:
    return re.findall(r"(?<![A-Za-z])(?:agree|more|modify|disagree)(?![A-Za-z])", text)


def test_review_opinions_read_in_chinese_on_every_page(world, make_case, login):
    w = to_legal_review(world, make_case)
    case = w.case
    ops.legal_review(
        case,
        {
            "review_opinion": "more",
            "reasons": "询问笔录缺失",
            "confirmed": [i.key for i in gates.checklist(case, clock.today())],
        },
        actor=world.legal,
    )
    commit()
    officer = login(world.officer)
    text = _text(officer.get(f"/tasks/{task_of(case, 'investigate').id}"))
    assert "意见：建议补充调查，询问笔录缺失" in text and not _codes(text), _codes(text)

    w.report().notify().waive()
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    commit()
    text = _text(login(world.legal).get(f"/tasks/{task_of(case, 'legal_review').id}"))
    assert "第1次审核：建议补充调查" in text and not _codes(text), _codes(text)

    review(world, case)
    commit()
    text = _text(login(world.leader).get(f"/tasks/{task_of(case, 'decide').id}"))
    assert "：建议补充调查，询问笔录缺失" in text and "：同意，事实清楚" in text, text
    assert not _codes(text), _codes(text)
    page = _text(officer.get(f"/cases/{case.id}"))
    assert "；建议补充调查（" in page and "；同意（" in page and not _codes(page)
