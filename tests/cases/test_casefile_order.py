"""The 卷内目录 files each 送达回执 right after the document it served (告知书, its 回执, … 决定书, its 回执),
not all receipts together at the end out of date order."""

from __future__ import annotations

from app.cases import casefile
from app.cases.models import PenaltyCase
from app.extensions import db
from tests.cases.walk import to_execution


def test_receipts_follow_the_document_they_served(world, make_case):
    case = db.session.get(PenaltyCase, to_execution(world, make_case).case.id)
    types = [e.document.doc_type for e in casefile.contents(case)]
    assert types.index("service_receipt") == types.index("penalty_notice") + 1, types
    last_receipt = len(types) - 1 - types[::-1].index("service_receipt")
    assert last_receipt == types.index("penalty_decision") + 1, types
    assert types.index("penalty_notice") < types.index("case_decision_form") < types.index("penalty_decision")
