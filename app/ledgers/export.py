"""Stream rows into an .xlsx with openpyxl's write-only mode: title, 导出单位/导出时间/统计区间 rows, a frozen
header row with an auto-filter, column widths, real date cells, and hyperlinks for photo columns."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.ledgers.definitions import LedgerDef

HEADER_ROW = 6  # title, 导出单位, 导出时间, 统计区间, 筛选条件, header
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OVERDUE_FONT = Font(color="C00000")


@dataclass
class ExportMeta:
    unit: str  # 导出单位
    exported_at: datetime  # 导出时间 (local)
    period: str  # 统计区间
    filters: str  # 筛选条件 (words)
    exported_by: str = ""


@dataclass
class Link:
    """A cell value that is a list of absolute URLs; the cell links to the first one."""

    urls: list[str]

    def text(self) -> str:
        return "\n".join(self.urls)


def write(ledger: LedgerDef, rows: Iterable[dict], meta: ExportMeta, *, highlight_key: str | None = "overdue"):
    """Write the workbook to a temporary file and return (file object positioned at 0, row count)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(ledger.sheet)
    ncols = len(ledger.columns)
    last_col = get_column_letter(ncols)
    for i, col in enumerate(ledger.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"

    title = WriteOnlyCell(ws, value=ledger.title)
    title.font = Font(bold=True, size=16)
    ws.append([title])
    for label, value in (("导出单位", meta.unit), ("导出时间", meta.exported_at.strftime("%Y-%m-%d %H:%M")),
                         ("统计区间", meta.period), ("筛选条件", meta.filters)):
        ws.append([_label(ws, label), value])
    header = []
    for col in ledger.columns:
        c = WriteOnlyCell(ws, value=col.header)
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
        c.border = BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(c)
    ws.append(header)

    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    count = 0
    for row in rows:
        count += 1
        red = bool(highlight_key and row.get(highlight_key) == "是")
        cells = []
        for col in ledger.columns:
            value = row.get(col.key)
            if col.key == "seq":
                value = count
            cells.append(_cell(ws, col, value, wrap if col.wrap or col.type == "links" else top, red))
        ws.append(cells)
    last_row = HEADER_ROW + max(count, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_row}"
    ws.append([])
    for line in ledger.footer:
        ws.append([_label(ws, line)])
    ws.append([_label(ws, f"共 {count} 条")])

    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, suffix=".xlsx")
    wb.save(out)
    out.seek(0)
    return out, count


def _label(ws, text: str) -> WriteOnlyCell:
    c = WriteOnlyCell(ws, value=text)
    c.font = Font(bold=True)
    return c


def _cell(ws, col, value, alignment, red: bool) -> WriteOnlyCell:
    if isinstance(value, Link):
        c = WriteOnlyCell(ws, value=value.text() or None)
        if value.urls:
            c.hyperlink = value.urls[0]
            c.font = Font(color="0563C1", underline="single")
    else:
        if isinstance(value, datetime):
            value = value.replace(tzinfo=None)
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, date):
            c.number_format = "yyyy-mm-dd"
        elif isinstance(value, Decimal):
            c.number_format = "0.00"
        if red:
            c.font = OVERDUE_FONT
    c.alignment = alignment
    c.border = BORDER
    return c
