"""Excel ledgers: exactly the filtered rows, header rows, frozen header, auto-filter, widths, real dates,
absolute photo links; read back with python-calamine and compared with the database."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import event, func, insert, select

from app import attachments, clock
from app.extensions import db
from app.hazards import operations as ops
from app.hazards.ledger import hazard_rows
from app.hazards.models import Hazard, HazardStatus
from app.hazards.queries import HazardFilters, filtered
from app.ledgers import definitions
from tests.factories.db import commit
from tests.factories.hazards import rect_data, review_data
from tests.factories.jobs import export_ledger

HEADER_ROW = 6


def read(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def data_rows(sheet: list[list], ledger) -> list[list]:
    rows = []
    for row in sheet[HEADER_ROW:]:
        if not row or row[0] in ("", None) or isinstance(row[0], str):
            break
        rows.append(row)
    return rows


def col(ledger, key: str) -> int:
    return [c.key for c in ledger.columns].index(key)


def _world_of_hazards(world, make_order, upload):
    a1 = make_order({"location": "配电室"}, {"location": "仓库", "source": "暗访"}).hazards
    b1 = make_order({"location": "料仓", "enterprise_id": world.ent_b.id}).hazards[0]
    closed = a1[0]
    ops.submit_rectification(closed, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(closed, review_data(world))], actor=world.officer)
    a1[1].is_overdue = True
    a1[1].overdue_at = clock.now()
    commit()
    return a1[0], a1[1], b1


def test_export_is_exactly_the_filtered_rows(login, world, make_order, upload):
    closed, overdue, other_town = _world_of_hazards(world, make_order, upload)
    c = login(world.supervisor)
    data = export_ledger(c, "hazard_ledger", f"town={world.town_a.path}")
    ledger = definitions.get("hazard_ledger")
    sheet = read(data)
    assert sheet[0][0] == "隐患排查治理台账"
    assert sheet[1][:2] == ["导出单位", "萧县应急管理局"]
    assert sheet[2][0] == "导出时间" and sheet[3][0] == "统计区间" and "龙城镇" in sheet[4][1]
    assert sheet[HEADER_ROW - 1][: len(ledger.columns)] == ledger.headers
    rows = data_rows(sheet, ledger)
    expected = db.session.scalar(
        select(func.count()).select_from(
            filtered(world.supervisor, HazardFilters(town=world.town_a.path)).subquery()
        )
    )
    assert len(rows) == expected == 2
    by_code = {row[col(ledger, "code")]: row for row in rows}
    assert set(by_code) == {closed.code, overdue.code} and other_town.code not in by_code

    row = by_code[closed.code]
    assert row[col(ledger, "enterprise")] == world.ent_a.name
    assert row[col(ledger, "credit_code")] == world.ent_a.credit_code
    assert row[col(ledger, "found_on")] == closed.found_on  # a real date cell
    assert row[col(ledger, "deadline")] == closed.deadline
    assert row[col(ledger, "closed_on")] == clock.today()
    assert row[col(ledger, "status")] == "已销号"
    assert row[col(ledger, "funds")] == 0.5
    assert row[col(ledger, "responsible_person")] == "张工"
    assert closed.order.doc_number in row[col(ledger, "documents")]
    assert closed.reviews[0].doc_number in row[col(ledger, "documents")]
    assert row[col(ledger, "locality")] == "萧县龙城镇"
    assert row[col(ledger, "inspectors")] == "王执法、赵执法"
    [photo] = attachments.attachments_for(closed, "photos")
    assert row[col(ledger, "photos_before")] == f"http://localhost/attachments/{photo.id}"
    after = attachments.attachments_for(closed.rectifications[0], "after_photos")
    assert row[col(ledger, "photos_after")] == f"http://localhost/attachments/{after[0].id}"
    assert by_code[overdue.code][col(ledger, "overdue")] == "是"
    assert by_code[overdue.code][col(ledger, "source")] == "暗访"

    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
    assert (
        ws.auto_filter.ref
        == f"A{HEADER_ROW}:{ws.cell(HEADER_ROW, len(ledger.columns)).column_letter}{HEADER_ROW + 2}"
    )
    assert ws.column_dimensions["K"].width == ledger.columns[10].width
    photo_cell = ws.cell(HEADER_ROW + 1 + list(by_code).index(closed.code), col(ledger, "photos_before") + 1)
    assert photo_cell.hyperlink.target == f"http://localhost/attachments/{photo.id}"
    assert ws.cell(HEADER_ROW + 1, col(ledger, "found_on") + 1).number_format == "yyyy-mm-dd"
    assert isinstance(ws.cell(HEADER_ROW + 1, col(ledger, "found_on") + 1).value, datetime)  # a real date
    assert photo_cell.font.u == "single" and photo_cell.font.color.rgb.endswith("0563C1")
    assert ws.title == ledger.sheet
    # the overdue hazard's row is red, the other one's is not
    for code, red in ((overdue.code, True), (closed.code, False)):
        cell = ws.cell(HEADER_ROW + 1 + list(by_code).index(code), col(ledger, "code") + 1)
        color = cell.font.color
        assert (color is not None and color.type == "rgb" and color.rgb.endswith("C00000")) == red, code


def test_export_filters_match_list_page(login, world, make_order, upload):
    closed, overdue, other_town = _world_of_hazards(world, make_order, upload)
    c = login(world.supervisor)
    ledger = definitions.get("hazard_ledger")
    for query, codes in (
        ("overdue=1", {overdue.code}),
        ("status=closed", {closed.code}),
        (f"enterprise_id={world.ent_b.id}", {other_town.code}),
        ("source=暗访", {overdue.code}),
        ("industry=危险化学品", set()),
        (
            f"date_from={clock.today().isoformat()}&date_to={clock.today().isoformat()}",
            {closed.code, overdue.code, other_town.code},
        ),
        (f"date_to={(clock.today() - timedelta(days=1)).isoformat()}", set()),
    ):
        rows = data_rows(read(export_ledger(c, "hazard_ledger", query)), ledger)
        assert {r[col(ledger, "code")] for r in rows} == codes, query
        page = c.get(f"/hazards?{query}").get_data(as_text=True)
        for code in codes:
            assert code in page


def test_export_respects_jurisdiction(login, world, make_order, upload):
    _world_of_hazards(world, make_order, upload)
    c = login(world.other_officer)
    ledger = definitions.get("hazard_ledger")
    assert data_rows(read(export_ledger(c, "hazard_ledger")), ledger) == []


def test_enterprise_cannot_export(login, world, make_hazard):
    make_hazard()
    c = login(world.manager_a)
    assert c.get("/ledgers/hazard_ledger.xlsx").status_code == 403
    assert c.post("/ledgers/hazard_ledger.xlsx").status_code == 403
    assert c.get("/ledgers").status_code == 403


def test_unknown_ledger_404(login, world):
    c = login(world.supervisor)
    assert c.get("/ledgers/nope.xlsx").status_code == 404
    assert c.post("/ledgers/nope.xlsx").status_code == 404


def test_major_ledger_only_major_rows(login, world, make_order, upload):
    general = make_order({"location": "配电室"}).hazards[0]
    major = make_order(
        {
            "level": "重大",
            "criterion_code": "HG2017-15",
            "location": "反应釜安全阀",
            "description": "安全阀未投用",
            "deadline": date(2026, 12, 31),
        }
    ).hazards[0]
    ops.decide_supervision(
        major,
        {
            "listed": "yes",
            "level": "县级",
            "supervising_unit": "萧县安委办",
            "deadline": date(2026, 12, 31),
            "plan_days": 7,
        },
        actor=world.leader,
    )
    commit()
    ledger = definitions.get("major_hazard_ledger")
    sheet = read(export_ledger(login(world.leader), "major_hazard_ledger"))
    assert sheet[0][0] == "重大事故隐患挂牌督办台账"
    assert sheet[HEADER_ROW - 1][: len(ledger.columns)] == ledger.headers
    rows = data_rows(sheet, ledger)
    assert len(rows) == 1
    row = rows[0]
    assert row[col(ledger, "supervision_level")] == "县级"
    assert (
        row[col(ledger, "notice_no")] == major.supervision.doc_number
        and "督办" in row[col(ledger, "notice_no")]
    )
    assert row[col(ledger, "listed_on")] == clock.today()
    assert "安监总管三〔2017〕121号" in row[col(ledger, "criterion")]
    assert row[col(ledger, "supervising_unit")] == "萧县安委办"
    assert general.code not in str(rows)


def _rows_and_statements(user) -> tuple[int, int]:
    """How many rows the 隐患排查治理台账 has for user, and how many SQL statements reading them runs."""
    statements = 0

    def count(*args):
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = sum(
            1 for _ in hazard_rows(user, HazardFilters(), attachment_base="http://h/", today=clock.today())
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return rows, statements


def test_large_export_spans_chunks(login, world, make_hazard, upload):
    """Rows are read in batches of 1000, each table by one statement for the whole export (as many
    statements for 2,500 rows as for one); 2,500 rows come out complete and in order, each with its own
    photos, at the batch edges too."""
    h = make_hazard()
    one_row, one_row_statements = _rows_and_statements(world.supervisor)
    base = {c.name: getattr(h, c.name) for c in Hazard.__table__.columns if c.name not in ("id", "code")}
    db.session.execute(
        insert(Hazard),
        [{**base, "code": f"YH2026B{i:06d}", "status": HazardStatus.RECTIFYING} for i in range(2499)],
    )
    db.session.commit()
    hazards = list(db.session.scalars(select(Hazard).order_by(Hazard.id)))
    photo = upload(world.officer)
    edges = (999, 1000, 1999, 2000, 2499)  # the last and first rows of batches, and the very last row
    for i in edges:
        attachments.link(photo, hazards[i], "photos")
    commit()
    assert (one_row, _rows_and_statements(world.supervisor)) == (1, (2500, one_row_statements))
    ledger = definitions.get("hazard_ledger")
    rows = data_rows(read(export_ledger(login(world.supervisor), "hazard_ledger")), ledger)
    assert len(rows) == 2500
    assert [r[0] for r in rows[:3]] == [1, 2, 3] and rows[-1][0] == 2500
    assert rows[-1][col(ledger, "code")] == "YH2026B002498"
    photos = [r[col(ledger, "photos_before")] for r in rows]
    [first_photo] = attachments.attachments_for(h, "photos")
    assert photos[0] == f"http://localhost/attachments/{first_photo.id}"
    assert {i for i, p in enumerate(photos) if p} == {0, *edges}
    assert all(photos[i] == f"http://localhost/attachments/{photo}" for i in edges)


def test_ledger_index_page(login, world, make_hazard):
    make_hazard()
    html = login(world.supervisor).get(f"/ledgers?town={world.town_a.path}").get_data(as_text=True)
    assert "隐患排查治理台账" in html and "重大事故隐患挂牌督办台账" in html and "龙城镇" in html
    assert 'data-testid="ledger-total">1<' in html


def test_export_is_audited(login, world, make_hazard):
    from app import audit
    from app.audit.models import AuditEvent

    make_hazard()
    c = login(world.supervisor)
    c.post("/ledgers/hazard_ledger.xlsx?level=一般")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.exported")) is None  # queued
    export_ledger(c, "hazard_ledger", "level=一般")  # the job runs (the same filter: the queued job), then the download
    ev = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.exported"))
    assert ev is not None and ev.data["rows"] == 1 and ev.data["filters"] == {"level": "一般"} and ev.data["job"]
    assert ev.actor_id == world.supervisor.id
    downloaded = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.downloaded"))
    assert downloaded is not None and downloaded.data["job"] == ev.data["job"]
    assert audit.verify().ok
