"""The ledger writer on its own: every column type and awkward text, read back with openpyxl (styles, links)
and python-calamine (values), so the fast row serializer is checked against two independent readers."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from app.ledgers.definitions import Column, LedgerDef
from app.ledgers.export import HEADER_ROW, MAX_CELL_CHARS, TRUNCATED, ExportMeta, Link, write

LEDGER = LedgerDef(
    name="t",
    title="测试台账",
    sheet="台账",
    columns=(
        Column("seq", "序号", type="int"),
        Column("name", "名称"),
        Column("note", "说明", wrap=True),
        Column("found_on", "发现日期", type="date"),
        Column("funds", "资金（万元）", type="decimal"),
        Column("count", "次数", type="int"),
        Column("photos", "照片", type="links"),
        Column("overdue", "是否逾期"),
    ),
    footer=("填表说明：测试",),
)
META = ExportMeta(unit="萧县应急管理局", exported_at=datetime(2026, 11, 22, 9, 30), period="2026年", filters="无")

ROWS = [
    {
        "name": "A&B <公司> \"甲\" 'x'",
        "note": "  前后有空格  ",
        "found_on": date(2026, 3, 1),
        "funds": Decimal("12.50"),
        "count": 3,
        "photos": Link(["http://h/attachments/1", "http://h/attachments/2"]),
        "overdue": "否",
    },
    {
        "name": "控制\x01字符\x1f去掉",
        "note": "第一行\n第二行",
        "found_on": datetime(2026, 3, 2, 8, 0),
        "funds": None,
        "count": 0,
        "photos": Link([]),
        "overdue": "是",
    },
    {"name": "长" * (MAX_CELL_CHARS + 10), "note": "", "overdue": "否"},
]


def _export():
    out, count = write(LEDGER, iter(ROWS), META)
    return out.read(), count


def test_values_read_back_exactly():
    data, count = _export()
    assert count == 3
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "测试台账"
    assert sheet[1][:2] == ["导出单位", "萧县应急管理局"]
    assert sheet[HEADER_ROW - 1] == [c.header for c in LEDGER.columns]
    first, second, third = sheet[HEADER_ROW : HEADER_ROW + 3]
    assert first[:6] == [1, "A&B <公司> \"甲\" 'x'", "  前后有空格  ", date(2026, 3, 1), 12.5, 3]
    assert first[6] == "http://h/attachments/1\nhttp://h/attachments/2"
    assert second[1] == "控制字符去掉"
    assert second[2] == "第一行\n第二行"
    assert second[3] == datetime(2026, 3, 2, 8, 0)
    assert second[4] in ("", None) and second[5] == 0 and second[6] in ("", None)
    assert len(third[1]) == MAX_CELL_CHARS and third[1].endswith(TRUNCATED)
    assert sheet[HEADER_ROW + 4][0] == "填表说明：测试"
    assert sheet[HEADER_ROW + 5][0] == "共 3 条"


def test_styles_links_and_sheet_settings():
    data, _ = _export()
    ws = load_workbook(io.BytesIO(data))["台账"]
    row = HEADER_ROW + 1
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:H{HEADER_ROW + 3}"
    assert ws.column_dimensions["A"].width == 12
    assert ws.cell(row, 4).number_format == "yyyy-mm-dd" and ws.cell(row, 4).is_date
    assert ws.cell(row, 5).number_format == "0.00"
    assert ws.cell(row, 3).alignment.wrap_text is True
    assert ws.cell(row, 2).font.color.rgb != "00C00000"  # not overdue: default font
    link = ws.cell(row, 7)
    assert link.hyperlink.target == "http://h/attachments/1" and link.font.underline == "single"
    # the overdue row is red in every styled and plain cell that has a value
    for c in (2, 3, 4, 6, 8):
        assert ws.cell(row + 1, c).font.color.rgb.endswith("C00000"), c
    assert ws.cell(HEADER_ROW, 1).font.bold and ws.cell(HEADER_ROW, 1).fill.fgColor.rgb.endswith("DDEBF7")


def test_empty_export_still_has_header_and_total():
    out, count = write(LEDGER, iter([]), META)
    sheet = CalamineWorkbook.from_filelike(out).get_sheet_by_index(0).to_python()
    assert count == 0
    assert sheet[HEADER_ROW - 1][0] == "序号"
    assert any(r and r[0] == "共 0 条" for r in sheet)
