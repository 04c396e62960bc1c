"""Stream rows into an .xlsx with xlsxwriter's constant_memory mode, public API only: a title row, the
导出单位/导出时间/统计区间/筛选条件 rows, a styled header row that stays frozen with an auto-filter on it,
column widths, real date cells, hyperlinks for photo columns, red text for overdue rows, footer lines and
the row count.

Printed, a ledger is one table wide: landscape, scaled to one page wide (as many pages tall as it takes),
the header row repeated on every page, the title centred across the table, 第&P页 共&N页 in the footer.
The paper is A4 when the table prints there at a readable scale, else A3 (see `paper_for`): the 36 columns
of the 台账 of §10.1 and §10.2 are about 1.1 m wide on screen, a quarter of their size on A4 landscape
(11 pt text printed at under 3 pt) and a third on A3, the paper such ledgers are printed on.

constant_memory writes each row out to a temporary file once the next one starts (strings inline, no shared
string table), so memory stays flat however many rows a ledger has; rows are written top to bottom. Rows
beyond what an Excel sheet holds (1,048,576 rows, the head and footer rows included) go on to a second
sheet, 隐患排查治理台账（2）, with the title rows and header again and 序号 counting on.

Text is always written with write_string, never write(): "=HYPERLINK(…)", "+1" or "http://…" typed by a user
stay text, never a formula or a link. Characters XML 1.0 forbids are dropped and text longer than an Excel
cell holds is cut with a visible note."""

from __future__ import annotations

import gc
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice

import xlsxwriter

from app.ledgers.definitions import Column, LedgerDef

HEADER_ROW = 6  # as Excel numbers rows: title, 导出单位, 导出时间, 统计区间, 筛选条件, then the header
FROZEN_COLS = 2  # 序号 and the next column stay in view when scrolling right
TITLE = {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
TITLE_ROW_HEIGHT = 30  # points
LABEL = {"bold": True}
HEADER = {
    "bold": True,
    "pattern": 1,  # solid; xlsxwriter stores a solid fill's bg_color as its foreground colour
    "bg_color": "#DDEBF7",
    "border": 1,  # thin
    "border_color": "#999999",
    "align": "center",
    "valign": "vcenter",
    "text_wrap": True,
}
OVERDUE_FONT = {"font_color": "#C00000"}
LINK_FONT = {"font_color": "#0563C1", "underline": 1}
DATE_FORMAT = "yyyy-mm-dd"
DECIMAL_FORMAT = "0.00"
PIXELS_PER_WIDTH_UNIT = 7  # the default font's (Calibri 11) digit width, Excel's unit of column width

# printing: xlsxwriter's paper codes, and the printable width of each in landscape (mm, less the margins)
A4, A3 = 9, 8
PAPER_WIDTH_MM = {A4: 297, A3: 420}
MARGINS_IN = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6}  # about 1 cm; the footer needs room
HEADER_FOOTER_MARGIN_IN = 0.3
FOOTER = "&C第&P页 共&N页"
MIN_A4_SCALE = 0.6  # below this an A4 page prints 11 pt text under 6.6 pt: use A3
MM_PER_PIXEL = 25.4 / 96

MAX_CELL_CHARS = 32767  # Excel refuses to open a file with a longer cell (UTF-16 units)
TRUNCATED = "…（超出 Excel 单元格长度，已截断）"
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0: dropped
MAX_SHEET_ROWS = 1_048_576  # Excel's rows in a worksheet: the rows beyond go on a second sheet (header repeated)
MAX_LINKS = 65530  # Excel's limit of hyperlinks in a worksheet: later link cells keep their text only
MAX_URL_CHARS = 2079  # Excel's limit for a hyperlink's address: a longer one stays text
LINK_SCHEMES = ("http://", "https://")
GC_YOUNG = 50_000  # allocations between the collector's passes while rows are written (Python's default: 700)
_SHORT_TEXT = MAX_CELL_CHARS // 2  # text up to this many characters is within the limit even in UTF-16


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


@contextmanager
def few_collections() -> Iterator[None]:
    """The garbage collector's passes made rare while rows are written. A row allocates dozens of
    short-lived containers (tuples, dicts, xlsxwriter's cells), freed by reference counting (none is in a
    cycle), but every 700 allocations start a pass, and the full passes walk the app's ~330,000 long-lived
    objects: a quarter of an export's time at 50,000 rows. Existing objects are frozen (never walked) and
    the first generation waits for GC_YOUNG allocations; both restored after. Process-wide, briefly: other
    threads only see fewer passes."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def write(
    ledger: LedgerDef, rows: Iterable[dict], meta: ExportMeta, *, highlight_key: str | None = "overdue"
):
    """Write the workbook to a temporary file and return (file object positioned at 0, row count)."""
    with few_collections():
        return _write(ledger, rows, meta, highlight_key)


def _write(ledger: LedgerDef, rows: Iterable[dict], meta: ExportMeta, highlight_key: str | None):
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, suffix=".xlsx")
    try:
        wb = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                # never used (text goes through write_string), but no value may turn into a formula or link
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "remove_timezone": True,  # an aware datetime is written as its wall-clock time
            },
        )
        styles = _Styles(wb, ledger)
        # every sheet keeps room below its rows for the footer, whichever sheet turns out to be the last
        room = MAX_SHEET_ROWS - HEADER_ROW - (2 + len(ledger.footer))
        pending: Iterator[dict] = iter(rows)
        count, sheet = 0, 0
        while True:
            sheet += 1
            ws = wb.add_worksheet(sheet_name(ledger, sheet))
            cells = _Cells(wb, ws)
            _sheet_settings(ws, ledger)
            _head(styles, cells, ledger, meta)
            written = _data_rows(ws, cells, styles, ledger, islice(pending, room), highlight_key, count)
            count += written
            ws.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1 + max(written, 1), len(ledger.columns) - 1)
            if written < room:
                break
            following = next(pending, None)  # the sheet is full: another one only if a row is left
            if following is None:
                break
            pending = chain((following,), pending)
        r = HEADER_ROW + written + 1  # 0-based: one empty row after the data of the last sheet
        for line in ledger.footer:
            cells.text(r, 0, line, styles.label)
            r += 1
        cells.text(r, 0, f"共 {count} 条", styles.label)
        wb.close()
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, count


def sheet_name(ledger: LedgerDef, number: int) -> str:
    """The first sheet's name is the ledger's; rows beyond one sheet go on 隐患排查治理台账（2）, （3）…"""
    if number == 1:
        return ledger.sheet
    suffix = f"（{number}）"
    return ledger.sheet[: 31 - len(suffix)] + suffix  # Excel's limit: 31 characters


def paper_for(ledger: LedgerDef) -> int:
    """A4 if the table, fitted to one landscape page wide, prints at MIN_A4_SCALE or more; else A3."""
    table_mm = sum(col.width for col in ledger.columns) * PIXELS_PER_WIDTH_UNIT * MM_PER_PIXEL
    printable_mm = PAPER_WIDTH_MM[A4] - (MARGINS_IN["left"] + MARGINS_IN["right"]) * 25.4
    return A4 if table_mm * MIN_A4_SCALE <= printable_mm else A3


def _sheet_settings(ws, ledger: LedgerDef) -> None:
    for i, col in enumerate(ledger.columns):
        # `width` is the width Excel stores for the column, as it was with openpyxl: that many digit widths of
        # the default font. set_column() would take it as the width Excel's dialog shows (5 pixels wider).
        ws.set_column_pixels(i, i, col.width * PIXELS_PER_WIDTH_UNIT)
    ws.freeze_panes(HEADER_ROW, FROZEN_COLS)
    ws.set_landscape()
    ws.set_paper(paper_for(ledger))
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as the rows need
    ws.repeat_rows(HEADER_ROW - 1)  # the column headers on every printed page
    ws.set_margins(**MARGINS_IN)
    ws.set_footer(FOOTER, {"margin": HEADER_FOOTER_MARGIN_IN})
    ws.center_horizontally()


def _head(styles: _Styles, cells: _Cells, ledger: LedgerDef, meta: ExportMeta) -> None:
    """The title, the four 导出单位 … 筛选条件 rows and the header row (on every sheet of the ledger)."""
    title, last = styles.title, len(ledger.columns) - 1
    cells.ws.set_row(0, TITLE_ROW_HEIGHT)
    if last > 0:  # centred across the whole table, on screen and printed
        cells.ws.merge_range(0, 0, 0, last, clean_text(ledger.title), title)
    else:
        cells.text(0, 0, ledger.title, title)
    label = styles.label
    for r, (name, value) in enumerate(
        (
            ("导出单位", meta.unit),
            ("导出时间", meta.exported_at.strftime("%Y-%m-%d %H:%M")),
            ("统计区间", meta.period),
            ("筛选条件", meta.filters),
        ),
        start=1,
    ):
        cells.text(r, 0, name, label)
        cells.text(r, 1, value, None)
    header = styles.header
    for c, col in enumerate(ledger.columns):
        cells.text(HEADER_ROW - 1, c, col.header, header)


def _data_rows(ws, cells: _Cells, styles: _Styles, ledger: LedgerDef, rows: Iterable[dict], highlight_key,
               before: int) -> int:
    """Write the data rows below the header; return how many (`before`: rows on earlier sheets, where 序号
    goes on from). They are nearly all of the file, so the common values (plain text, dates, numbers,
    links) go straight to xlsxwriter's typed writers, anything else through _Cells. Text goes through
    _Cells.text when it needs care: too long, starting with "<r>", or holding a character XML forbids (those
    are all non-printable, so printable text skips the search)."""
    formats = styles.columns  # (normal row, overdue row) per column
    seq = [(i, formats[i]) for i, col in enumerate(ledger.columns) if col.key == "seq"]
    keys = [col.key for col in ledger.columns if col.key != "seq"]
    normal = [(i, col.key, formats[i][0]) for i, col in enumerate(ledger.columns) if col.key != "seq"]
    overdue = [(i, col.key, formats[i][1]) for i, col in enumerate(ledger.columns) if col.key != "seq"]
    write_string, write_datetime, write_number = ws.write_string, ws.write_datetime, ws.write_number
    needs_care = ILLEGAL_XML.search
    count = 0
    for row in rows:
        count += 1
        r = HEADER_ROW - 1 + count
        red = bool(highlight_key) and row.get(highlight_key) == "是"
        for c, fmt in seq:
            write_number(r, c, before + count, fmt[red])
        for (c, key, fmt), value in zip(overdue if red else normal, map(row.get, keys), strict=True):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                if (
                    len(value) > _SHORT_TEXT
                    or value.startswith("<r>")
                    or (not value.isprintable() and needs_care(value))
                ):
                    cells.text(r, c, value, fmt)
                else:
                    write_string(r, c, value, fmt)
            elif kind is date or kind is datetime:
                write_datetime(r, c, value, fmt)
            elif kind is int or kind is float:
                write_number(r, c, value, fmt)
            elif kind is Link:
                if value.urls:
                    cells.link(r, c, value, fmt)
            elif kind is Decimal:
                write_number(r, c, float(value), fmt)
            else:
                cells.value(r, c, value, fmt, key)
    return count


class _Styles:
    """The workbook's formats, made once and shared by its sheets."""

    def __init__(self, wb, ledger: LedgerDef):
        self.title = wb.add_format(TITLE)
        self.label = wb.add_format(LABEL)
        self.header = wb.add_format(HEADER)
        self.columns = [_formats(wb, col) for col in ledger.columns]


def _formats(wb, col: Column) -> tuple:
    """The formats of a column's data cells in a normal and an overdue row (None: plain values need none)."""
    found: list = []
    for red in (False, True):
        if col.type in ("text", "int") and not col.wrap and not red:
            found.append(None)
            continue
        props: dict = {"valign": "top", "text_wrap": col.wrap or col.type == "links"}
        if col.type == "date":
            props["num_format"] = DATE_FORMAT
        elif col.type == "decimal":
            props["num_format"] = DECIMAL_FORMAT
        if col.type == "links":
            props.update(LINK_FONT)  # a link stays link-blue in an overdue row
        elif red:
            props.update(OVERDUE_FONT)
        found.append(wb.add_format(props))
    return tuple(found)


class _Cells:
    """Any cell value through xlsxwriter's typed write_* methods (rows and columns 0-based)."""

    def __init__(self, wb, ws):
        self.wb = wb
        self.ws = ws
        self.links = 0
        self._plain = None  # a format with the default font, for the rich-string case in text()

    def value(self, r: int, c: int, value, fmt, key: str) -> None:
        ws = self.ws
        if value is None or value == "":
            return
        if isinstance(value, str):
            self.text(r, c, value, fmt)
        elif isinstance(value, Link):
            self.link(r, c, value, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(r, c, value, fmt)
        elif isinstance(value, date):  # datetime too: a serial day number, shown in the column's date format
            ws.write_datetime(r, c, value, fmt)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, fmt)
        elif isinstance(value, Decimal):
            ws.write_number(r, c, float(value), fmt)
        else:
            raise TypeError(f"台账列 {key} 的值类型无法导出: {type(value).__name__}")

    def text(self, r: int, c: int, value: str, fmt) -> None:
        value = clean_text(value)
        if not value:
            return
        if value.startswith("<r>") and value.endswith("</r>"):
            # xlsxwriter's constant_memory mode copies a string of this shape into the sheet XML as rich text,
            # unescaped (a user could inject cells, formulas included). As a rich string of two runs, "<" and
            # the rest, both are escaped and the cell's value is the same text.
            if self._plain is None:
                self._plain = self.wb.add_format()
            if fmt is None:
                self.ws.write_rich_string(r, c, value[0], self._plain, value[1:])
            else:
                self.ws.write_rich_string(r, c, value[0], fmt, value[1:], fmt)
            return
        self.ws.write_string(r, c, value, fmt)

    def link(self, r: int, c: int, value: Link, fmt) -> None:
        """The URLs as text, one a line, the cell linking to the first one."""
        if not value.urls:
            return
        url = value.urls[0]
        text = clean_text(value.text())
        if (
            self.links < MAX_LINKS
            and url.startswith(LINK_SCHEMES)
            and _utf16_len(url) <= MAX_URL_CHARS
            and not ILLEGAL_XML.search(url)
        ):
            self.links += 1
            self.ws.write_url(r, c, url, fmt, text)
        else:
            self.text(r, c, text, fmt)


def clean_text(value: str) -> str:
    """A cell's text: characters XML 1.0 forbids dropped, cut to Excel's cell limit with a note."""
    if ILLEGAL_XML.search(value):
        value = ILLEGAL_XML.sub("", value)
    if len(value) > _SHORT_TEXT and _utf16_len(value) > MAX_CELL_CHARS:
        # cut the UTF-16 bytes; half a surrogate pair at the cut is dropped
        keep = (MAX_CELL_CHARS - len(TRUNCATED)) * 2
        value = value.encode("utf-16-le")[:keep].decode("utf-16-le", "ignore") + TRUNCATED
    return value


def _utf16_len(value: str) -> int:
    return len(value.encode("utf-16-le", "surrogatepass")) // 2
