"""Excel import, cell by cell (issue #10 item 13): what the app itself writes is accepted (“C类”), full-width
text is read the same way in every column (NFKC), the template's example row is never an error row, and
a formula cell is reported as a formula, not as an empty field."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from app.org.credit_code import make_credit_code
from app.org.importer import EXAMPLE_ROW, HEADERS, import_enterprises
from app.org.models import Enterprise
from app.org.operations import create_enterprise
from tests.org.test_import import row, xlsx

CODE1 = make_credit_code("341322", 600001)
CODE2 = make_credit_code("341322", 600002)


def fullwidth(text: str) -> str:
    """ASCII letters and digits typed with a Chinese input method in full-width mode (９１３４…, Ｃ)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_category_accepted_as_the_app_writes_it(world, db):
    rows = [row("甲有限公司", CODE1, cat="C类"), row("乙有限公司", CODE2, cat="c")]
    result = import_enterprises(xlsx(rows), actor=world.admin)
    assert result.ok, [str(e) for e in result.errors]
    assert [e.category for e in result.imported] == ["C", "C"]


def test_unknown_category_still_rejected(world, db):
    result = import_enterprises(xlsx([row("甲有限公司", CODE1, cat="E类")]), actor=world.admin)
    assert [(e.column, e.reason) for e in result.errors] == [("分类分级", "分类分级应为：A、B、C、D")]


def test_fullwidth_forms_normalised_in_every_column(world, db):
    r = row(fullwidth("萧县ABC（集团）有限公司"), fullwidth(CODE1), town="龙城镇\u3000", grade=" 一般 ",
            cat=fullwidth("B") + "类", staff=fullwidth("85"), phone=fullwidth("0557-5012345"))
    r[3] = "机械"
    r[11] = fullwidth("13912345678")  # 主要负责人电话
    result = import_enterprises(xlsx([r]), actor=world.admin)
    assert result.ok, [str(e) for e in result.errors]
    [e] = result.imported
    assert e.credit_code == CODE1 and e.category == "B" and e.staff_count == 85
    assert e.phone == "0557-5012345" and e.main_person_phone == "13912345678"
    assert e.name == "萧县ABC（集团）有限公司"  # letters half-width, Chinese brackets kept
    assert e.region_id == world.town_a.id


def test_sub_sector_with_ascii_brackets_matches_the_choice(world, db):
    r = row("甲有限公司", CODE1, industry="危险化学品", sub="经营(带储存)")
    result = import_enterprises(xlsx([r]), actor=world.admin)
    assert result.ok and result.imported[0].sub_sector == "经营（带储存）"


def test_fullwidth_code_is_a_duplicate_of_the_registered_one(world, db):
    result = import_enterprises(xlsx([row("甲有限公司", fullwidth(world.ent_b.credit_code))]), actor=world.admin)
    assert [(e.column, e.reason) for e in result.errors] == [
        ("统一社会信用代码", f"该统一社会信用代码已登记为“{world.ent_b.name}”")]


def test_admin_form_normalises_like_the_import(world, db):
    """One normalisation for the form, the API and the import: the same cell typed in the form is stored
    the same way."""
    values = {"name": fullwidth("萧县XYZ(集团)有限公司"), "credit_code": fullwidth(CODE2), "industry": "工贸",
              "sub_sector": "机械", "risk_grade": "一般", "category": "ｄ类", "region_id": str(world.town_a.id),
              "staff_count": fullwidth("12"), "status": "在业"}
    e = create_enterprise(values, actor=world.admin)
    assert (e.name, e.credit_code, e.category, e.staff_count) == ("萧县XYZ（集团）有限公司", CODE2, "D", 12)


def test_old_template_example_row_is_skipped_not_reported(world, db):
    """Templates downloaded before the example moved to the 填写说明 sheet carry it as row 2."""
    result = import_enterprises(xlsx([EXAMPLE_ROW, row("甲有限公司", CODE1)]), actor=world.admin)
    assert result.ok and result.skipped_example_rows == [2] and result.total_rows == 1
    assert [e.name for e in result.imported] == ["甲有限公司"]


def test_example_row_skipped_message_on_the_page(world, login, db):
    r = login(world.admin).post("/enterprises/import", data={"file": (xlsx([EXAMPLE_ROW]), "名录.xlsx")},
                                content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="skipped-example"' in html and "第2行是导入模板的填写示例" in html
    assert 'data-testid="bad-count">0<' in html


def formula_book() -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(row("=CONCATENATE(\"萧县\",\"甲有限公司\")", CODE1))  # 2: a formula for the required name
    r = row("乙有限公司", CODE2)
    r[14] = "=10*8"  # 3: 从业人数 computed
    ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_formula_cells_reported_as_formulas(world, db):
    result = import_enterprises(formula_book(), actor=world.admin)
    assert [str(e) for e in result.errors] == [
        "第2行【企业名称】：「企业名称」是公式，请粘贴为数值",
        "第3行【从业人数】：「从业人数」是公式，请粘贴为数值",
    ]
    assert result.imported == []
    assert db.session.scalar(select(Enterprise).where(Enterprise.credit_code == CODE1)) is None


def test_formula_message_on_the_page(world, login, db):
    r = login(world.admin).post("/enterprises/import", data={"file": (formula_book(), "名录.xlsx")},
                                content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert "「企业名称」是公式，请粘贴为数值" in html and "请填写企业名称" not in html
