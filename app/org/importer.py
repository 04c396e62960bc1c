"""Excel (.xlsx) import of enterprises: every bad row reported with its row number, good rows imported.

`import_enterprises(file, actor=..., all_or_nothing=False)` reads the first sheet (openpyxl, read-only),
validates every row with the same schema and checks as the admin form, then adds all good rows in one
flush. It never commits; the caller commits once, so either every good row is stored or none is.
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
EXAMPLE_ROW = [
    "萧县示例精细化工有限公司", "91341322MA2XXXXXXX（请替换为真实代码）", "危险化学品", "生产", "较大", "C",
    "龙城镇", "", "萧县龙城镇工业园区纬一路8号", "张三", "张三", "13912345678", "李四", "0557-5012345", 85,
]


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
    """Excel cells → text (numbers typed as numbers become '13912345678' / 120)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return text or None


def _header_key(value) -> str:
    return str(value or "").strip().lstrip("*＊").rstrip("*＊").strip()


def _read_rows(file: IO[bytes]) -> tuple[dict[str, int], list[tuple[int, list]]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it does not read
            wb = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed("无法读取文件，请上传 Excel 2007 及以上格式（.xlsx）的文件") from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
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
        errors: list[RowError] = []

        def err(field_name: str | None, reason: str, _row=rownum, _errors=errors) -> None:
            _errors.append(RowError(_row, LABEL_OF.get(field_name) if field_name else None, reason))

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
    """The import template: header row (required columns marked), one example row, and a 填写说明 sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名录"
    required = {h for h, _, r in COLUMNS if r}
    ws.append(HEADERS)
    ws.append(EXAMPLE_ROW)
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

    notes = wb.create_sheet("填写说明")
    notes.append(["列", "是否必填", "说明 / 可选值"])
    help_text = {
        "统一社会信用代码": "18位，按 GB 32100-2015 校验（第18位为校验码）；不得与系统中已有企业重复",
        "行业": "、".join(INDUSTRIES),
        "细分行业": "；".join(f"{k}：{'、'.join(v)}" for k, v in INDUSTRIES.items()),
        "风险等级": "、".join(g.value for g in RiskGrade),
        "分类分级": "、".join(CATEGORIES),
        "乡镇/街道": "填写本辖区乡镇/街道名称，如“龙城镇”",
        "村/社区": "可不填；填写时须为该乡镇/街道下的村/社区",
        "从业人数": "整数",
    }
    for h in HEADERS:
        notes.append([h, "必填" if h in required else "选填", help_text.get(h, "")])
    notes.append([])
    notes.append(["经营状态", "—", f"导入的企业默认为“{EnterpriseStatus.OPERATING.value}”"])
    notes.append(["示例行", "—", "第2行是示例，导入前请删除或改为真实数据"])
    for col, width in (("A", 18), ("B", 10), ("C", 90)):
        notes.column_dimensions[col].width = width
    for cell in notes[1]:
        cell.font = head_font

    # drop-down lists for the enumerations
    for col, values in (("C", list(INDUSTRIES)), ("E", [g.value for g in RiskGrade]), ("F", list(CATEGORIES))):
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        dv.error, dv.errorTitle = "请从下拉列表中选择", "取值无效"
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}{MAX_ROWS + 1}")

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["COLUMNS", "HEADERS", "ImportResult", "RowError", "import_enterprises", "template_workbook"]
