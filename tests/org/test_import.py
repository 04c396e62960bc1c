"""Excel import: bad rows are reported with row number and reason, good rows imported, never partially."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app import audit
from app.audit.models import AuditEvent
from app.org.credit_code import make_credit_code
from app.org.importer import EXAMPLE_ROW, HEADERS, import_enterprises
from app.org.models import Enterprise

GOOD1 = make_credit_code("341322", 500001)
GOOD2 = make_credit_code("341322", 500002)
BAD_CHECK = GOOD1[:17] + ("0" if GOOD1[17] != "0" else "1")


def row(name, code, town="龙城镇", village=None, industry="工贸", sub="机械", grade="一般", cat="B", staff=12,
        phone="0557-5012345"):
    return [name, code, industry, sub, grade, cat, town, village, "萧县某路1号", "张三", "张三", "13912345678",
            "李四", phone, staff]


def xlsx(rows, headers=HEADERS) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def mixed_rows(world):
    return [
        row("萧县导入甲有限公司", GOOD1),  # 2 good
        row("萧县导入乙有限公司", BAD_CHECK),  # 3 bad checksum
        row("萧县导入丙有限公司", make_credit_code("341322", 500003), town="火星镇"),  # 4 unknown town
        row("萧县导入丁有限公司", GOOD1),  # 5 duplicate of row 2
        row("萧县导入戊有限公司", world.ent_b.credit_code),  # 6 already in the database
        row(None, make_credit_code("341322", 500006)),  # 7 missing required name
        row("萧县导入己有限公司", make_credit_code("341322", 500007), grade="特大"),  # 8 bad enum
        [None] * len(HEADERS),  # 9 empty row: skipped, numbering kept
        row("萧县导入庚有限公司", GOOD2, village="城东村", staff=30.0, phone=13905571234),  # 10 good, in a village
        row("萧县导入辛有限公司", make_credit_code("341322", 500010), town="砀城镇"),  # 11 outside the jurisdiction
        row("萧县导入壬有限公司", make_credit_code("341322", 500011), town="黄口镇", village="城东村"),  # 12 village not in town
        row("萧县导入癸有限公司", make_credit_code("341322", 500012), industry="烟花爆竹", sub="冶金"),  # 13 bad sub-sector
        row("萧县导入子有限公司", make_credit_code("341322", 500013), cat="E", staff=-3),  # 14 two errors
    ]


def test_every_bad_row_reported_and_good_rows_imported(world, db):
    before = db.session.scalar(select(func.count()).select_from(Enterprise))
    result = import_enterprises(xlsx(mixed_rows(world)), actor=world.admin, filename="名录.xlsx")
    db.session.commit()

    got = [(e.row, e.column, e.reason) for e in result.errors]
    assert got == [
        (3, "统一社会信用代码", f"统一社会信用代码校验位错误（第18位应为“{GOOD1[17]}”）"),
        (4, "乡镇/街道", "未找到乡镇/街道“火星镇”（或不在您的管辖范围内）"),
        (5, "统一社会信用代码", "与第2行的统一社会信用代码重复"),
        (6, "统一社会信用代码", f"该统一社会信用代码已登记为“{world.ent_b.name}”"),
        (7, "企业名称", "请填写企业名称"),
        (8, "风险等级", "风险等级应为：重大、较大、一般、低"),
        (11, "乡镇/街道", "未找到乡镇/街道“砀城镇”（或不在您的管辖范围内）"),
        (12, "村/社区", "“黄口镇”下未找到村/社区“城东村”"),
        (13, "细分行业", "“烟花爆竹”的细分行业应为：批发、零售"),
        (14, "分类分级", "分类分级应为：A、B、C、D"),
        (14, "从业人数", "从业人数应为0至1000000之间的整数"),
    ]
    assert result.bad_rows == [3, 4, 5, 6, 7, 8, 11, 12, 13, 14]
    assert result.total_rows == 12
    assert [e.name for e in result.imported] == ["萧县导入甲有限公司", "萧县导入庚有限公司"]
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == before + 2

    first = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == GOOD1))
    assert first.region_id == world.town_a.id and first.region_path == world.town_a.path
    second = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == GOOD2))
    assert second.region_id == world.village_a.id
    assert second.staff_count == 30 and second.phone == "13905571234" and second.status == "在业"
    # each imported enterprise has its creation in the audit trail, plus one batch event
    assert [e.action for e in audit.history(first)] == ["enterprise.imported"]
    batch = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enterprise.import_batch"))
    assert batch.data["bad_rows"] == result.bad_rows and batch.data["imported"] == 2


def test_all_or_nothing_imports_nothing_when_any_row_is_bad(world, db):
    before = db.session.scalar(select(func.count()).select_from(Enterprise))
    result = import_enterprises(xlsx(mixed_rows(world)), actor=world.admin, all_or_nothing=True)
    db.session.commit()
    assert result.imported == [] and len(result.bad_rows) == 10
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_all_or_nothing_with_clean_file_imports_all(world, db):
    result = import_enterprises(xlsx([row("甲有限公司", GOOD1), row("乙有限公司", GOOD2)]), actor=world.admin,
                                all_or_nothing=True)
    assert result.ok and result.imported_count == 2


def test_failure_while_storing_leaves_nothing_half_imported(world, db, monkeypatch):
    """Good rows go in one transaction: if anything fails midway, none of them stays."""
    before = db.session.scalar(select(func.count()).select_from(Enterprise))
    calls = {"n": 0}
    real_record = audit.record

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", flaky)
    with pytest.raises(RuntimeError):
        import_enterprises(xlsx([row("甲有限公司", GOOD1), row("乙有限公司", GOOD2)]), actor=world.admin)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_town_officer_can_only_import_into_own_town(world, db):
    result = import_enterprises(xlsx([row("甲有限公司", GOOD1, town="龙城镇"), row("乙有限公司", GOOD2, town="黄口镇")]),
                                actor=world.town_officer)
    assert [(e.row, e.column) for e in result.errors] == [(3, "乡镇/街道")]
    assert result.imported_count == 1


def test_headers_are_matched_by_name_and_required_columns_checked(world, db):
    headers = list(reversed(HEADERS))
    rows = [list(reversed(row("倒序有限公司", GOOD1)))]
    result = import_enterprises(xlsx(rows, headers=headers), actor=world.admin)
    assert result.ok and result.imported[0].name == "倒序有限公司"

    result = import_enterprises(xlsx([["x"]], headers=["企业名称", "地址"]), actor=world.admin)
    assert result.file_error.startswith("表头缺少必填列：统一社会信用代码、行业、风险等级、分类分级、乡镇/街道")


def test_not_an_excel_file(world, db):
    result = import_enterprises(io.BytesIO(b"name,code\n"), actor=world.admin)
    assert "无法读取文件" in result.file_error and result.imported == []


# --- through the page ----------------------------------------------------------------------------------
def test_import_page_shows_counts_and_error_table(world, login, db):
    client = login(world.admin)
    assert client.get("/enterprises/import").status_code == 200
    r = client.post("/enterprises/import", data={"file": (xlsx(mixed_rows(world)), "名录.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'data-testid="imported-count">2<' in html and 'data-testid="bad-count">10<' in html
    for n in (3, 4, 5, 6, 7, 8, 11, 12, 13, 14):
        assert f"第{n}行" in html
    assert "与第2行的统一社会信用代码重复" in html
    # committed: visible after the request
    assert db.session.scalar(select(Enterprise).where(Enterprise.credit_code == GOOD1)) is not None


def test_import_page_all_or_nothing_option(world, login, db):
    r = login(world.admin).post("/enterprises/import", data={"file": (xlsx(mixed_rows(world)), "名录.xlsx"),
                                                             "all_or_nothing": "1"},
                                content_type="multipart/form-data")
    assert "本次未导入任何企业" in r.get_data(as_text=True)
    assert db.session.scalar(select(Enterprise).where(Enterprise.credit_code == GOOD1)) is None


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("名录.csv", b"a,b", "仅支持 .xlsx"),
    ("名录.xlsx", b"not a zip", "无法读取文件"),
])
def test_import_page_rejects_bad_files(world, login, filename, content, message):
    r = login(world.admin).post("/enterprises/import", data={"file": (io.BytesIO(content), filename)},
                                content_type="multipart/form-data")
    assert r.status_code == 422 and message in r.get_data(as_text=True)


def test_import_without_file(world, login):
    r = login(world.admin).post("/enterprises/import", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "请选择要导入的 Excel 文件" in r.get_data(as_text=True)


def test_template_download_has_headers_and_example_row_on_the_notes_sheet(world, login, db):
    r = login(world.admin).get("/enterprises/import/template.xlsx")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.worksheets[0]
    assert ws.title == "企业名录" and [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 1  # the data sheet holds the header only
    notes = wb["填写说明"]
    rows = [[c.value for c in row] for row in notes.iter_rows()]
    assert rows[-2] == HEADERS and rows[-1] == [v or None for v in EXAMPLE_ROW]  # never imported from here
    # importing the template as-is stores nothing and reports nothing
    result = import_enterprises(io.BytesIO(r.data), actor=world.admin)
    assert result.ok and result.imported == [] and result.total_rows == 0


@pytest.mark.parametrize("username", ["officer", "legal", "leader", "section_head", "supervisor", "manager_a"])
def test_import_is_admin_only(world, login, username):
    client = login(getattr(world, username))
    assert client.get("/enterprises/import").status_code == 403
    assert client.get("/enterprises/import/template.xlsx").status_code == 403
    r = client.post("/enterprises/import", data={"file": (xlsx([row("甲有限公司", GOOD1)]), "a.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 403
