"""The case page of a 当场处罚 (简易程序) says it needs no 立案 — not “尚未立案（立案审批中）” as if a filing
were pending."""

from __future__ import annotations

import re

from app import clock
from tests.factories.db import commit


def test_simple_case_page_does_not_show_a_pending_filing(login, world, make_proposal):
    p = make_proposal()
    commit()
    officer = login(world.officer)
    r = officer.post(
        f"/cases/proposals/{p.id}/simple",
        data={
            "officer_ids": [str(world.officer.id), str(world.officer2.id)],
            "target": "单位",
            "kinds": ["罚款"],
            "fine": "2000",
            "facts": "未设置安全警示标志",
            "provisions": "《安全生产法》第九十九条",
            "act_date": clock.today().isoformat(),
            "party_signed": "y",
        },
    )
    assert r.status_code == 302
    text = re.sub(
        r"\s+", "", re.sub(r"<[^>]+>", "", officer.get(r.headers["Location"]).get_data(as_text=True))
    )
    assert "尚未立案" not in text and "立案审批中" not in text
    assert "简易程序（当场处罚，无需立案）" in text
