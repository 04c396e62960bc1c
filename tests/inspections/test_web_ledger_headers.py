"""User trial: the 执法检查台账 headers are plain column names — no spec hints listing the values or the rules
("检查方式（四不两直/常规/联合/综合查一次）", "（≥2，证号）", "（双随机≤20工作日）"); the cells say which."""

from __future__ import annotations

from app.inspections import ledger
from app.ledgers import definitions


def test_the_ledger_headers_carry_no_spec_hints(app):
    headers = [c.header for c in definitions.get(ledger.LEDGER).columns]
    assert "任务来源" in headers and "检查方式" in headers and "结果公示日期" in headers
    for h in headers:
        hint = h.split("（", 1)[1] if "（" in h else ""
        assert not any(mark in hint for mark in ("/", "≥", "≤", "–")), h
