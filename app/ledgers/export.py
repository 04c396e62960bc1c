"""Stream rows into an .xlsx with openpyxl's write-only mode: title, 导出单位/导出时间/统计区间 rows, a frozen
header row with an auto-filter, column widths, real date cells, and hyperlinks for photo columns."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from datetime import datetime

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
LINK_FONT = Font(color="0563C1", underline="single")


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


def write(
    ledger: LedgerDef, rows: Iterable[dict], meta: ExportMeta, *, highlight_key: str | None = "overdue"
):
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
    for label, value in (
        ("导出单位", meta.unit),
        ("导出时间", meta.exported_at.strftime("%Y-%m-%d %H:%M")),
        ("统计区间", meta.period),
        ("筛选条件", meta.filters),
    ):
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

    # Style once per column (normal / overdue-red), then copy the style array into each cell: assigning
    # Font/Border objects per cell costs a hash of every style object, ~10x the rest of the export.
    protos = [(_prototype(ws, col, red=False), _prototype(ws, col, red=True)) for col in ledger.columns]
    count = 0
    for row in rows:
        count += 1
        red = 1 if highlight_key and row.get(highlight_key) == "是" else 0
        cells = []
        for col, proto in zip(ledger.columns, protos, strict=True):
            value = count if col.key == "seq" else row.get(col.key)
            cells.append(_cell(ws, value, proto[red]))
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


def _prototype(ws, col, *, red: bool) -> WriteOnlyCell | None:
    """The styled template cell of a column, or None when plain values need no style (the fast path)."""
    if col.type in ("text", "int") and not col.wrap and not red:
        return None
    c = WriteOnlyCell(ws)
    c.alignment = Alignment(wrap_text=col.wrap or col.type == "links", vertical="top")
    if col.type == "date":
        c.number_format = "yyyy-mm-dd"
    elif col.type == "decimal":
        c.number_format = "0.00"
    if col.type == "links":
        c.font = LINK_FONT
    elif red:
        c.font = OVERDUE_FONT
    return c


def _cell(ws, value, proto: WriteOnlyCell | None):
    if value is None or value == "":
        return None  # empty cells are skipped by the writer
    if proto is None and not isinstance(value, Link | datetime):
        return value
    link = None
    if isinstance(value, Link):
        link = value.urls[0] if value.urls else None
        value = value.text() or None
    elif isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    c = WriteOnlyCell(ws, value=value)
    if proto is not None:
        c._style = copy(proto._style)
    if link:
        c.hyperlink = link
    return c
