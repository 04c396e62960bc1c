"""The published 行政处罚决定 (双公示, domain spec §8.1) names the violation and the penalty article the decision
applied — not the case's 案由 (“…涉嫌…案”, a suspicion) nor the breached article — and states a fine once."""

from __future__ import annotations

from app import publication
from app.cases import discretion
from tests.cases.walk import to_execution


def test_published_decision_names_the_violation_and_the_penalty_article(world, make_case):
    case = to_execution(world, make_case).case
    current = publication.current_for(case, "penalty_decision")
    assert current is not None
    fields = {name: value for name, value in current.fields}
    entry = discretion.entry(case.violation_code, case.violation_version)
    assert fields["违法行为类型"] == entry.violation and "涉嫌" not in fields["违法行为类型"]
    assert fields["处罚依据"] == entry.penalty_article != case.provisions
    assert "罚款，罚款" not in fields["处罚内容"] and "罚款30000" in fields["处罚内容"], fields["处罚内容"]
    assert "（（" not in current.title and current.title.endswith("号"), current.title
