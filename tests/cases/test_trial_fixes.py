"""Defects found in the 2026-12-03 user trial of the case pages (a real Chromium, as the real users), each
pinned through the page that showed it."""

from __future__ import annotations

import re
from datetime import timedelta

from app import clock
from app.cases.models import PenaltyCase
from app.extensions import db
from tests.factories.db import commit


def _text(r) -> str:
    return r.get_data(as_text=True)


def test_interview_ending_before_it_started_is_refused_next_to_the_field(login, world, make_case):
    case = make_case().file().case
    commit()
    start = clock.now().replace(microsecond=0, second=0, tzinfo=None) - timedelta(hours=2)
    r = login(world.officer).post(
        f"/cases/{case.id}/evidence",
        data={
            "kind": "询问笔录",
            "title": "询问笔录（张三）",
            "collected_on": clock.today().isoformat(),
            "interviewee": "张三",
            "started_at": start.isoformat(timespec="minutes"),
            "ended_at": (start - timedelta(hours=1)).isoformat(timespec="minutes"),
            "qa-0-question": "你在公司担任什么职务？",
            "qa-0-answer": "安全员",
            "rights_explained": "y",
            "signed_every_page": "y",
        },
    )
    html = _text(r)
    assert r.status_code == 422
    assert re.search(r'name="ended_at"[^>]*is-invalid|is-invalid[^>]*name="ended_at"', html), html
    assert "询问结束时间不能早于开始时间" in html
    assert "你在公司担任什么职务？" in html  # nothing typed is lost
    assert len(db.session.get(PenaltyCase, case.id).evidence_items) == 0
