"""Excel (.xlsx) import of enterprises: every bad row reported with its row number, good rows imported.

`import_enterprises(file, actor=..., all_or_nothing=False)` reads the data sheet (企业名录, else the first
sheet; openpyxl, read-only), validates every row with the same schema and checks as the admin form, then
adds all good rows in one flush. It never commits; the caller commits once, so either every good row is
stored or none is.

Cells are read as typed, not as cached results: a formula cell is reported as a formula (“请粘贴为数值”),
never as an empty field. Text goes through the registry's one normalisation (app.org.text: NFKC), the same
as the admin form and the API. The template's example row sits on the 填写说明 sheet; the example row of
templates downloaded before that change is recognised and skipped, never reported as an error.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import IO

from marshmallow import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from app import audit
from app.auth.models import User
from app.errors import ValidationFailed
from app.extensions import db
from app.org.models import CATEGORIES, INDUSTRIES, Enterprise, EnterpriseStatus, Region, RiskGrade
from app.org.operations import diff, enterprise_snapshot, new_enterprise
from app.org.queries import towns_in_scope
from app.org.schemas import EnterpriseSchema, first_errors
from app.org.text import normalize_text

# (column header, schema field or a pseudo-field, required)
COLUMNS: list[tuple[str, str, bool]] = [
    ("企业名称", "name", True),
    ("统一社会信用代码", "credit_code", True),
    ("行业", "industry", True),
    ("细分行业", "sub_sector", False),
    ("风险等级", "risk_grade", True),
    ("分类分级", "category", True),
    ("乡镇/街道", "_town", True),
    ("村/社区", "_village", False),
    ("地址", "address", False),
    ("法定代表人", "legal_rep", False),
    ("主要负责人", "main_person", False),
    ("主要负责人电话", "main_person_phone", False),
    ("安全管理人员", "safety_manager", False),
    ("联系电话", "phone", False),
    ("从业人数", "staff_count", False),
]
HEADERS = [c[0] for c in COLUMNS]
LABEL_OF = {f: h for h, f, _ in COLUMNS}
MAX_ROWS = 5000
DATA_SHEET = "企业名录"
NOTES_SHEET = "填写说明"
EXAMPLE_ROW = [
    "萧县示例精细化工有限公司", "91341322MA2XXXXXXX（请替换为真实代码）", "危险化学品", "生产", "较大", "C类",
    "龙城镇", "", "萧县龙城镇工业园区纬一路8号", "张三", "张三", "13912345678", "李四", "0557-5012345", 85,
]
# (企业名称, 统一社会信用代码) of the example row: a row carrying both is the example, never an enterprise
EXAMPLE_KEY = (EXAMPLE_ROW[0], EXAMPLE_ROW[1])


class Formula(str):
    """A cell holding a formula (its text, e.g. '=A2&B2'): reported, never imported."""


@dataclass
class RowError:
    row: int  # Excel row number (the header is row 1)
    column: str | None  # header of the offending column, None for whole-row problems
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行" + (f"【{self.column}】" if self.column else "") + f"：{self.reason}"


@dataclass
class ImportResult:
    filename: str = ""
    total_rows: int = 0
    imported: list[Enterprise] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    all_or_nothing: bool = False
    file_error: str | None = None  # the file itself could not be read
    skipped_example_rows: list[int] = field(default_factory=list)  # the template's example row, skipped

    @property
    def imported_count(self) -> int:
        return len(self.imported)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def _cell(value) -> str | int | None:
    """Excel cells → text (numbers typed as numbers become '13912345678' / 120), normalised (NFKC); a
    formula stays a Formula."""
    if value is None or isinstance(value, Formula):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = normalize_text(str(value), prose=True)
    return text or None


def _value(cell):
    """A read-only cell's value as typed: formulas (plain or array) as Formula, never a cached result."""
    if getattr(cell, "data_type", None) == "f":
        text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None) or "="
        return Formula(text)
    return cell.value


def _header_key(value) -> str:
    return str(value or "").strip().lstrip("*＊").rstrip("*＊").strip()


def _read_rows(file: IO[bytes]) -> tuple[dict[str, int], list[tuple[int, list]]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it does not read
            wb = load_workbook(file, read_only=True)  # not data_only: a formula must be seen as one
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed("无法读取文件，请上传 Excel 2007 及以上格式（.xlsx）的文件") from exc
    try:
        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        rows = ([_value(c) for c in row] for row in ws.iter_rows())
        header = next(rows, None)
        if header is None:
            raise ValidationFailed("文件是空的：第1行应为表头")
        index = {}
        for i, h in enumerate(header):
            key = _header_key(h)
            if key and key not in index:
                index[key] = i
        missing = [h for h, _, required in COLUMNS if required and h not in index]
        if missing:
            raise ValidationFailed(f"表头缺少必填列：{'、'.join(missing)}。请使用导入模板。")
        data = []
        for n, row in enumerate(rows, start=2):
            values = list(row)
            if all(_cell(v) is None for v in values):
                continue
            data.append((n, values))
            if len(data) > MAX_ROWS:
                raise ValidationFailed(f"单次最多导入{MAX_ROWS}行，请拆分文件")
        return index, data
    finally:
        wb.close()


def import_enterprises(
    file: IO[bytes], *, actor: User, all_or_nothing: bool = False, filename: str = ""
) -> ImportResult:
    """Validate every row; add all good rows (or none, if all_or_nothing and any row is bad). Flushes."""
    result = ImportResult(filename=filename, all_or_nothing=all_or_nothing)
    try:
        index, rows = _read_rows(file)
    except ValidationFailed as exc:
        result.file_error = exc.message
        return result
    result.total_rows = len(rows)

    towns: dict[str, list[Region]] = {}
    for t in towns_in_scope(actor):
        towns.setdefault(t.name, []).append(t)
    villages: dict[tuple[int, str], Region] = {}
    if towns:
        town_ids = [t.id for ts in towns.values() for t in ts]
        for v in db.session.scalars(select(Region).where(Region.parent_id.in_(town_ids), Region.level == "village")):
            villages[(v.parent_id, v.name)] = v

    schema = EnterpriseSchema()
    good: list[tuple[int, dict, Region]] = []
    seen_codes: dict[str, int] = {}
    for rownum, values in rows:
        raw = {f: _cell(values[index[h]]) if h in index and index[h] < len(values) else None for h, f, _ in COLUMNS}
        if (raw["name"], raw["credit_code"]) == EXAMPLE_KEY:
            result.skipped_example_rows.append(rownum)
            continue
        errors: list[RowError] = []
        formulas = {f for f, v in raw.items() if isinstance(v, Formula)}
        for f in formulas:
            raw[f] = None  # validated as empty below; only the formula is reported for this cell

        def err(field_name: str | None, reason: str, _row=rownum, _errors=errors, _formulas=formulas) -> None:
            if field_name in _formulas:
                return  # the formula is the problem with this cell, not what it lacks
            _errors.append(RowError(_row, LABEL_OF.get(field_name) if field_name else None, reason))

        for f in sorted(formulas, key=list(LABEL_OF).index):
            errors.append(RowError(rownum, LABEL_OF[f], f"「{LABEL_OF[f]}」是公式，请粘贴为数值"))

        # 属地: town by name within the actor's jurisdiction, optional village inside it
        region = None
        town_name = raw.pop("_town")
        village_name = raw.pop("_village")
        town_name = str(town_name) if town_name is not None else None
        if not town_name:
            err("_town", "请填写乡镇/街道")
        elif town_name not in towns:
            err("_town", f"未找到乡镇/街道“{town_name}”（或不在您的管辖范围内）")
        elif len(towns[town_name]) > 1:
            err("_town", f"乡镇/街道“{town_name}”重名，无法确定属地，请在系统中逐个登记")
        else:
            region = towns[town_name][0]
            if village_name:
                village = villages.get((region.id, str(village_name)))
                if village is None:
                    err("_village", f"“{town_name}”下未找到村/社区“{village_name}”")
                    region = None
                else:
                    region = village
        raw["region_id"] = region.id if region is not None else 0

        try:
            loaded = schema.load({k: (str(v) if isinstance(v, int) and k != "staff_count" else v)
                                  for k, v in raw.items()})
        except ValidationError as exc:
            messages = first_errors(exc.messages)
            loaded = None
            for f, msg in messages.items():
                if f == "region_id":
                    continue  # already reported as 乡镇/街道 / 村/社区
                err(f if f in LABEL_OF else None, msg)

        code = raw.get("credit_code")
        code = str(code).strip().upper() if code else None
        if loaded is not None:
            code = loaded["credit_code"]
        if code and not any(e.column == LABEL_OF["credit_code"] for e in errors):
            if code in seen_codes:
                err("credit_code", f"与第{seen_codes[code]}行的统一社会信用代码重复")
            else:
                owner = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
                if owner is not None:
                    err("credit_code", f"该统一社会信用代码已登记为“{owner.name}”")
        if code:
            seen_codes.setdefault(code, rownum)

        if errors:
            result.errors.extend(errors)
        elif loaded is not None and region is not None:
            good.append((rownum, loaded, region))

    result.total_rows -= len(result.skipped_example_rows)
    if all_or_nothing and result.errors:
        return result
    for _rownum, values, region in good:
        result.imported.append(new_enterprise(values, region))
    if result.imported:
        db.session.flush()
        for enterprise in result.imported:
            audit.record(actor, "enterprise.imported", enterprise,
                         summary=f"Excel 导入登记企业“{enterprise.name}”（{enterprise.credit_code}）",
                         changes=diff({}, enterprise_snapshot(enterprise)))
        audit.record(actor, "enterprise.import_batch", None,
                     summary=f"Excel 导入企业：成功{result.imported_count}家，错误{len(result.bad_rows)}行"
                             + (f"（{filename}）" if filename else ""),
                     data={"filename": filename, "imported": result.imported_count, "bad_rows": result.bad_rows})
    return result


def template_workbook() -> bytes:
    """The import template: the data sheet holds only the header row (required columns marked); the
    填写说明 sheet explains each column and shows an example row, which is never imported from there."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    required = {h for h, _, r in COLUMNS if r}
    ws.append(HEADERS)
    head_font, req_fill = Font(bold=True), PatternFill("solid", fgColor="FCE4D6")
    for i, h in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = head_font
        cell.alignment = Alignment(horizontal="center")
        if h in required:
            cell.fill = req_fill
        ws.column_dimensions[cell.column_letter].width = max(12, len(h) * 2 + 4)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["I"].width = 34
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["列", "是否必填", "说明 / 可选值"])
    help_text = {
        "统一社会信用代码": "18位，按 GB 32100-2015 校验（第18位为校验码）；不得与系统中已有企业重复",
        "行业": "、".join(INDUSTRIES),
        "细分行业": "；".join(f"{k}：{'、'.join(v)}" for k, v in INDUSTRIES.items()),
        "风险等级": "、".join(g.value for g in RiskGrade),
        "分类分级": "、".join(f"{c}类" for c in CATEGORIES) + "（也可只写字母，如 C）",
        "乡镇/街道": "填写本辖区乡镇/街道名称，如“龙城镇”",
        "村/社区": "可不填；填写时须为该乡镇/街道下的村/社区",
        "从业人数": "整数",
    }
    for h in HEADERS:
        notes.append([h, "必填" if h in required else "选填", help_text.get(h, "")])
    notes.append([])
    notes.append(["经营状态", "—", f"导入的企业默认为“{EnterpriseStatus.OPERATING.value}”"])
    notes.append(["数据", "—", f"在“{DATA_SHEET}”工作表第2行起填写，每行一家企业；本工作表不会导入"])
    notes.append(["公式", "—", "单元格不能是公式：请复制后“选择性粘贴为数值”"])
    for col, width in (("A", 18), ("B", 10), ("C", 90)):
        notes.column_dimensions[col].width = width
    for cell in notes[1]:
        cell.font = head_font
    notes.append([])
    notes.append(["填写示例（仅供参考，不会导入）"])
    notes.cell(row=notes.max_row, column=1).font = head_font
    notes.append(HEADERS)
    notes.append(EXAMPLE_ROW)

    # drop-down lists for the enumerations
    for col, values in (("C", list(INDUSTRIES)), ("E", [g.value for g in RiskGrade]),
                        ("F", [f"{c}类" for c in CATEGORIES])):
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        dv.error, dv.errorTitle = "请从下拉列表中选择", "取值无效"
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}{MAX_ROWS + 1}")

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["COLUMNS", "HEADERS", "ImportResult", "RowError", "import_enterprises", "template_workbook"]
