"""The enterprise's progress names every state of its 信用修复 application in its own words (no state falls
through to a generic "current")."""

from app.credit.models import RepairStatus
from app.credit.view import REPAIR_WORDS


def test_every_repair_status_has_its_words():
    assert set(REPAIR_WORDS) == set(RepairStatus)
    assert REPAIR_WORDS[RepairStatus.TERMINATED] == ("信用修复申请已终止（名单已移出或撤销）", "done")
