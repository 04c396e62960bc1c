"""The ledger writer on its own: every column type and awkward text, read back with openpyxl (styles, links,
sheet settings) and python-calamine (values, decoded as Excel does), two readers independent of xlsxwriter."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from app.ledgers import definitions, export
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
META = ExportMeta(
    unit="萧县应急管理局", exported_at=datetime(2026, 11, 22, 9, 30), period="2026年", filters="无"
)

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
    data = out.read()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert count == 0
    assert sheet[HEADER_ROW - 1][0] == "序号"
    assert any(r and r[0] == "共 0 条" for r in sheet)
    ws = load_workbook(io.BytesIO(data))["台账"]
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:H{HEADER_ROW + 1}"  # the header and one (empty) row


def _rgb(color) -> str | None:
    """The RGB of a colour given as RGB, else None (a theme or indexed colour: the default text colour)."""
    return color.rgb[-6:] if color is not None and color.type == "rgb" else None


def _widths(ws) -> dict[int, float]:
    """Column number -> stored width; a <col> element may cover a range of equal columns."""
    return {
        i: d.width
        for d in list(ws.column_dimensions.values())
        if d.customWidth
        for i in range(d.min, d.max + 1)
    }


def test_head_rows_header_row_and_sheet_settings():
    data, _ = _export()
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["台账"]
    ws = wb["台账"]
    title = ws["A1"]
    assert title.value == "测试台账" and title.font.b and title.font.sz == 16
    for r, label in enumerate(("导出单位", "导出时间", "统计区间", "筛选条件"), start=2):
        assert ws.cell(r, 1).value == label and ws.cell(r, 1).font.b, label
        assert not ws.cell(r, 2).font.b
    assert ws["B3"].value == "2026-11-22 09:30"  # 导出时间 as text, local time to the minute
    for c, col in enumerate(LEDGER.columns, start=1):
        cell = ws.cell(HEADER_ROW, c)
        assert cell.value == col.header and cell.font.b
        assert cell.fill.fill_type == "solid" and _rgb(cell.fill.fgColor) == "DDEBF7"
        for side in (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom):
            assert side.style == "thin" and _rgb(side.color) == "999999"
        assert (cell.alignment.horizontal, cell.alignment.vertical) == ("center", "center")
        assert cell.alignment.wrap_text
    assert _widths(ws) == {c: col.width for c, col in enumerate(LEDGER.columns, start=1)}
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"  # rows above and columns left of C7 stay in view
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:H{HEADER_ROW + 3}"
    for r in (HEADER_ROW + 5, HEADER_ROW + 6):  # footer line and row count, bold
        assert ws.cell(r, 1).font.b


def test_real_ledger_column_widths_and_sheet_name():
    """Widths as in reports/*.json: the width Excel stores, so the ledger looks as it always did."""
    ledger = definitions.get("hazard_ledger")
    out, _ = write(ledger, iter([]), META)
    wb = load_workbook(out)
    assert wb.sheetnames == [ledger.sheet]
    assert _widths(wb.active) == {c: col.width for c, col in enumerate(ledger.columns, start=1)}


def test_data_cell_styles_and_links():
    data, _ = _export()
    ws = load_workbook(io.BytesIO(data))["台账"]
    row = HEADER_ROW + 1
    assert not ws.cell(row, 1).has_style and not ws.cell(row, 2).has_style  # plain text and numbers: no style
    assert _rgb(ws.cell(row, 2).font.color) is None  # the default text colour
    for c in (3, 4, 5, 7):  # styled cells align to the top
        assert ws.cell(row, c).alignment.vertical == "top", c
    assert ws.cell(row, 4).alignment.wrap_text is not True and ws.cell(row, 7).alignment.wrap_text is True
    link = ws.cell(row, 7)
    assert link.hyperlink.target == "http://h/attachments/1"
    assert _rgb(link.font.color) == "0563C1" and link.font.u == "single"
    links = [c.coordinate for r in ws.iter_rows() for c in r if c.hyperlink is not None]
    assert links == [link.coordinate]  # an empty Link writes nothing; no other cell is a link
    red_row = row + 1
    assert _rgb(ws.cell(red_row, 5).font.color) is None  # an empty value writes no cell, even in a red row
    assert ws.cell(red_row, 6).value == 0 and ws.cell(red_row, 6).data_type == "n"


def test_dates_are_real_dates():
    rows = [
        {"found_on": date(2026, 3, 1), "overdue": "否"},
        {"found_on": datetime(2026, 3, 2, 8, 30), "overdue": "是"},
        {"found_on": datetime(2026, 3, 3, 23, 15, tzinfo=timezone(timedelta(hours=8))), "overdue": "否"},
    ]
    out, _ = write(LEDGER, iter(rows), META)
    data = out.read()
    ws = load_workbook(io.BytesIO(data))["台账"]
    for r in range(HEADER_ROW + 1, HEADER_ROW + 4):
        cell = ws.cell(r, 4)
        # a number with a date format, which openpyxl reads back as a datetime (text would stay a str)
        assert isinstance(cell.value, datetime) and cell.is_date and cell.number_format == "yyyy-mm-dd", r
    assert _rgb(ws.cell(HEADER_ROW + 2, 4).font.color) == "C00000"  # overdue: still a date, and red
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    found = [sheet[r][3] for r in range(HEADER_ROW, HEADER_ROW + 3)]
    # an aware datetime keeps its wall-clock time (what the user saw), not a converted one
    assert found == [date(2026, 3, 1), datetime(2026, 3, 2, 8, 30), datetime(2026, 3, 3, 23, 15)]


def test_text_is_never_a_formula_link_or_markup():
    """Text a user typed is stored as text, whatever it looks like: formula injection ("=…", "+…", "-…",
    "@…"), URLs, XML (a string shaped like rich text was once copied into the sheet unescaped by xlsxwriter's
    constant_memory mode) and Excel's own _xHHHH_ escapes."""
    texts = [
        "=1+1",
        '=HYPERLINK("http://evil.example/","点我")',
        "+1",
        "-2",
        "@SUM(A1)",
        "http://example.com/not-a-link",
        "<r><t>x</t></r>",
        '<r><t>a</t></r></is></c><c r="Z7"><f>1+1</f></c><c r="ZZ7" t="inlineStr"><is><r><t>b</t></r>',
        "_x0041_",
        "&amp; &lt;",
    ]
    rows = [{"name": t, "note": t, "overdue": "是" if i % 2 else "否"} for i, t in enumerate(texts)]
    out, count = write(LEDGER, iter(rows), META)
    data = out.read()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert [r[1] for r in sheet[HEADER_ROW : HEADER_ROW + count]] == texts
    assert [r[2] for r in sheet[HEADER_ROW : HEADER_ROW + count]] == texts
    ws = load_workbook(io.BytesIO(data))["台账"]
    cells = [c for r in ws.iter_rows() for c in r if c.value is not None]
    assert all(c.data_type == "s" or isinstance(c.value, int | float) for c in cells)
    assert not [c.coordinate for c in cells if c.hyperlink is not None]
    assert ws.max_column == len(LEDGER.columns)  # nothing injected beyond the ledger's columns
    for i, r in enumerate(range(HEADER_ROW + 1, HEADER_ROW + 1 + count)):
        assert (_rgb(ws.cell(r, 2).font.color) == "C00000") == bool(i % 2), texts[i]


def test_other_value_types():
    rows = [{"name": True, "count": 2.5, "funds": Decimal("0.1"), "note": None, "overdue": "否"}]
    out, _ = write(LEDGER, iter(rows), META)
    sheet = CalamineWorkbook.from_filelike(out).get_sheet_by_index(0).to_python()
    assert sheet[HEADER_ROW][1] is True and sheet[HEADER_ROW][5] == 2.5 and sheet[HEADER_ROW][4] == 0.1
    with pytest.raises(TypeError, match="count"):
        write(LEDGER, iter([{"count": object()}]), META)


def test_links_excel_cannot_take_keep_their_text(monkeypatch):
    """Excel takes 65,530 links a sheet and 2,079-character addresses; past that a link cell keeps its text.
    Only http(s) addresses become links (the app's are always absolute http(s) URLs)."""
    monkeypatch.setattr(export, "MAX_LINKS", 2)
    long_url = "http://h/attachments/" + "9" * 2100
    urls = ["http://h/a/1", long_url, "file:///etc/passwd", "http://h/a/2", "http://h/a/3"]
    rows = [{"photos": Link([u]), "overdue": "是" if u == "http://h/a/2" else "否"} for u in urls]
    out, _ = write(LEDGER, iter(rows), META)
    data = out.read()
    ws = load_workbook(io.BytesIO(data))["台账"]
    cells = [ws.cell(r, 7) for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(urls))]
    assert [c.value for c in cells] == urls
    assert [c.hyperlink.target if c.hyperlink else None for c in cells] == [
        "http://h/a/1",
        None,
        None,
        "http://h/a/2",  # link-blue in an overdue row too
        None,  # the third http link is over the (lowered) limit
    ]
    assert all(_rgb(c.font.color) == "0563C1" for c in cells)


def test_text_longer_than_a_cell_is_cut_in_utf16_units():
    """Excel counts a cell's length in UTF-16 units: a character outside the BMP (emoji) counts twice."""
    rows = [{"name": "😀" * 20000, "note": "长" * MAX_CELL_CHARS, "overdue": "否"}]
    out, _ = write(LEDGER, iter(rows), META)
    sheet = CalamineWorkbook.from_filelike(out).get_sheet_by_index(0).to_python()
    emoji, exact = sheet[HEADER_ROW][1], sheet[HEADER_ROW][2]
    assert emoji.endswith(TRUNCATED) and len(emoji.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS
    assert set(emoji[: -len(TRUNCATED)]) == {"😀"}
    assert exact == "长" * MAX_CELL_CHARS  # exactly at the limit: kept whole


def _numbered(n: int) -> list[dict]:
    return [{"name": f"第{i}条", "found_on": date(2026, 3, 1), "overdue": "是" if i == 2 else "否"} for i in range(1, n + 1)]


@pytest.mark.parametrize("n, per_sheet", [(7, [3, 3, 1]), (6, [3, 3]), (3, [3]), (0, [0])])
def test_rows_beyond_a_sheet_go_on_to_the_next_with_the_header_repeated(monkeypatch, n, per_sheet):
    """Excel holds 1,048,576 rows a sheet: the rows beyond go on 台账（2）, （3）…, each with the title rows,
    the header, frozen panes, auto-filter and print settings of the first; 序号 goes on counting; the footer
    and 共 N 条 end the last sheet (every sheet keeps room for them). Here a sheet holds 3 rows."""
    footer_rows = 2 + len(LEDGER.footer)  # an empty row, the footer lines, 共 N 条
    monkeypatch.setattr(export, "MAX_SHEET_ROWS", HEADER_ROW + 3 + footer_rows)
    out, count = write(LEDGER, iter(_numbered(n)), META)
    data = out.read()
    assert count == n
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["台账", *[f"台账（{i}）" for i in range(2, len(per_sheet) + 1)]]
    wb = load_workbook(io.BytesIO(data))
    seq = 0
    for number, (name, rows) in enumerate(zip(book.sheet_names, per_sheet, strict=True), start=1):
        sheet = book.get_sheet_by_name(name).to_python()
        assert sheet[0][0] == "测试台账" and sheet[1][:2] == ["导出单位", "萧县应急管理局"]
        assert sheet[HEADER_ROW - 1] == [c.header for c in LEDGER.columns]
        body = sheet[HEADER_ROW : HEADER_ROW + rows]
        assert [r[0] for r in body] == list(range(seq + 1, seq + rows + 1))
        assert [r[1] for r in body] == [f"第{i}条" for i in range(seq + 1, seq + rows + 1)]
        seq += rows
        ws = wb[name]
        assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
        assert ws.auto_filter.ref == f"A{HEADER_ROW}:H{HEADER_ROW + max(rows, 1)}"
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert len(sheet) <= export.MAX_SHEET_ROWS
        tail = [r[0] for r in sheet[HEADER_ROW + rows :] if r and r[0] != ""]
        if number == len(per_sheet):
            assert tail == ["填表说明：测试", f"共 {n} 条"]
            assert len(sheet) == export.MAX_SHEET_ROWS or rows < 3
        else:
            assert tail == []
    red = wb["台账"].cell(HEADER_ROW + 2, 2) if n >= 2 else None
    assert red is None or red.font.color.rgb.endswith("C00000")  # row styles go on across sheets


def test_a_long_sheet_name_keeps_its_number_within_excels_31_characters():
    ledger = LedgerDef(name="t", title="t", sheet="长" * 31, columns=LEDGER.columns)
    assert export.sheet_name(ledger, 1) == "长" * 31
    assert export.sheet_name(ledger, 12) == "长" * 27 + "（12）" and len(export.sheet_name(ledger, 12)) == 31
