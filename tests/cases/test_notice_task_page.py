"""The 告知 task page lists the parameter pack's sources once each (the unit's and the person's hearing
thresholds share one source, which was listed twice)."""

from __future__ import annotations

import re

from tests.cases.walk import task_of
from tests.factories.db import commit


def test_notice_task_lists_each_source_once(world, make_case, login):
    w = make_case().file().evidence().report()
    commit()
    html = login(world.officer).get(f"/tasks/{task_of(w.case, 'issue_notice').id}").get_data(as_text=True)
    block = html[html.index('data-testid="notice-sources"') :]
    items = re.findall(r"<li>(.*?)</li>", block[: block.index("</ul>")], re.S)
    assert items and len(items) == len(set(items)), items
