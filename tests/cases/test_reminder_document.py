"""The 罚款缴纳催告书 as printed (行政强制法 Art.35): it names the decision by its number, states the amount
owed in figures and in capital characters, and its sentences end with their full stops."""

from __future__ import annotations

import re
from datetime import date, timedelta

from app import clock
from app.cases.operations import execution as ex
from app.documents import OfficialDocument
from app.extensions import db
from tests.cases.walk import to_execution
from tests.factories.clock import at
from tests.factories.db import commit

DUE = date(2026, 11, 17)


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def test_reminder_names_the_decision_and_the_amount_in_capitals(world, make_case, login):
    case = to_execution(world, make_case).case
    clock.freeze(at(DUE + timedelta(days=3)))
    step = ex.issue_reminder(case, {}, actor=world.officer)
    commit()
    doc = db.session.get(OfficialDocument, step.document_id)
    text = _text(login(world.officer).get(f"/documents/{doc.id}").get_data(as_text=True))
    assert "本机关作出的（萧）应急罚〔2026〕" in text and "号行政处罚决定书已依法送达" in text, text
    assert "（（" not in text
    assert "合计应缴" in text and "（大写：" in text
    assert "第三十六条）。逾期仍不履行的" in text, text
