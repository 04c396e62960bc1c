"""Issue #10 item 15: a ledger prints as one table (landscape, one page wide, the header row on every page,
the title across the table, page numbers in the footer); 整改资金 is the total of all rounds; 隐患类别 reads
as the full name the 登记隐患 form offers."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app import clock
from app.hazards import operations as ops
from app.ledgers import definitions
from app.ledgers.definitions import Column, LedgerDef
from app.ledgers.export import A3, A4, HEADER_ROW, ExportMeta, paper_for, write
from tests.factories.db import commit
from tests.factories.hazards import rect_data, review_data
from tests.factories.jobs import export_ledger
from tests.ledgers.test_export import col, data_rows, read

META = ExportMeta(
    unit="萧县应急管理局", exported_at=datetime(2026, 11, 22, 9, 30), period="2026年", filters="无"
)


def _page_setup_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    return re.search(r"<pageSetup [^>]*/>", sheet).group(0)


def test_hazard_ledger_prints_one_page_wide_landscape_a3_with_repeated_header(login, world, make_hazard):
    make_hazard()
    data = export_ledger(login(world.supervisor), "hazard_ledger")
    ledger = definitions.get("hazard_ledger")
    ws = load_workbook(io.BytesIO(data)).active
    setup = ws.page_setup
    assert setup.orientation == "landscape"
    # 36 columns are ~1.1 m wide: on A4 they would print at a quarter of their size, so A3
    assert int(setup.paperSize) == A3 == paper_for(ledger)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # fitToWidth absent means Excel's default, 1 page wide; fitToHeight 0 means as many pages tall as needed
    assert (setup.fitToWidth or 1) == 1 and int(setup.fitToHeight) == 0
    xml = _page_setup_xml(data)
    assert 'fitToHeight="0"' in xml and ("fitToWidth" not in xml or 'fitToWidth="1"' in xml)
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"  # the column headers on every page
    last = get_column_letter(len(ledger.columns))
    assert [str(r) for r in ws.merged_cells.ranges] == [f"A1:{last}1"]
    assert ws["A1"].value == "隐患排查治理台账" and ws["A1"].alignment.horizontal == "center"
    assert ws.oddFooter.center.text == "第&P页 共&N页"
    margins = ws.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 0.5, 0.6)
    assert ws.print_options.horizontalCentered is True


def test_major_ledger_prints_the_same_way(login, world, make_hazard):
    make_hazard()
    data = export_ledger(login(world.supervisor), "major_hazard_ledger")
    ledger = definitions.get("major_hazard_ledger")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert [str(r) for r in ws.merged_cells.ranges] == [f"A1:{get_column_letter(len(ledger.columns))}1"]


def test_a_narrow_ledger_prints_on_a4():
    narrow = LedgerDef(
        name="t",
        title="小台账",
        sheet="台账",
        columns=tuple(Column(f"c{i}", f"列{i}", width=12) for i in range(8)),
    )
    assert paper_for(narrow) == A4
    out, _ = write(narrow, iter([]), META)
    ws = load_workbook(io.BytesIO(out.read())).active
    assert int(ws.page_setup.paperSize) == A4 and ws.page_setup.orientation == "landscape"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:H1"]


def test_funds_are_the_total_of_all_rounds_and_categories_read_in_full(login, world, make_order, upload):
    two_rounds, management = make_order({"category": "物"}, {"category": "管理", "location": "仓库"}).hazards
    ops.submit_rectification(
        two_rounds, rect_data(upload, world.manager_a, funds=Decimal("0.50")), actor=world.manager_a
    )
    ops.review_hazards(
        [
            (
                two_rounds,
                review_data(
                    world,
                    result="整改不合格",
                    decision="return",
                    new_deadline=clock.today() + timedelta(days=5),
                    opinion="警示线未划设",
                ),
            )
        ],
        actor=world.officer,
    )
    commit()
    ops.submit_rectification(
        two_rounds, rect_data(upload, world.manager_a, funds=Decimal("1.25")), actor=world.manager_a
    )
    ops.review_hazards([(two_rounds, review_data(world))], actor=world.officer)
    commit()
    assert [r.funds for r in two_rounds.rectifications] == [Decimal("0.50"), Decimal("1.25")]

    ledger = definitions.get("hazard_ledger")
    rows = data_rows(read(export_ledger(login(world.supervisor), "hazard_ledger")), ledger)
    by_code = {row[col(ledger, "code")]: row for row in rows}
    assert by_code[two_rounds.code][col(ledger, "funds")] == 1.75  # 0.50 + 1.25, not the last round's 1.25
    assert by_code[management.code][col(ledger, "funds")] in ("", None)  # no round reported yet
    assert by_code[two_rounds.code][col(ledger, "category")] == "物的不安全状态"
    assert by_code[management.code][col(ledger, "category")] == "管理缺陷"
