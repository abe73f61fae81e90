"""Write the submission workbook for a level and data year from the catalogue.

The blank template and the sample submissions come from this one writer, so schools fill
exactly the layout the reader expects. Every value goes through safe_cell: nothing we write (a
school's name or 填报人 in a sample, a catalogue label) can turn into a formula.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from orchestration import catalogue
from orchestration.intake.reader import INFO_SHEET
from orchestration.workbook_text import safe_cell

# 说明 is the school's: a reason for a value that moved a lot explains the warning on that row.
HEADER = ("序号", "指标", "单位", "数值", "填写提示", "说明")
REQUIRED_HINT = "必填"
OPTIONAL_HINT = "未开展可留空（留空表示未填报，0 表示确无）"
HINTS = (REQUIRED_HINT, OPTIONAL_HINT)
INFO_FIELDS = (
    ("学校代码", "school_code", "见学校名录（如 BJGZ001）"),
    ("学校名称", "school_name", "填写学校全称"),
    ("数据年度", "data_year", "观测年度：上一年 9 月 1 日至当年 8 月 31 日"),
    ("办学层次", "level", "高职 或 中职"),
    ("模板版本", "template_version", "请勿修改"),
    ("填报人", "filled_by", ""),
    ("联系电话", "phone", ""),
)
_BOLD = Font(bold=True)
_INPUT = PatternFill("solid", fgColor="FFF2CC")


def write_workbook(
    path: Path,
    level: str,
    data_year: int,
    info: dict[str, object] | None = None,
    values: dict[str, object] | None = None,
) -> Path:
    """Write a template (values=None) or a filled submission for `level` and `data_year`."""
    version = _version(data_year, level)
    info = {"data_year": data_year, "level": level, "template_version": version, **(info or {})}
    values = values or {}
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in catalogue.template_sheets(version, level):
        ws = wb.create_sheet(sheet["sheet_name"])
        ws["A1"] = safe_cell(f"{sheet['title']}（{data_year} 年度 · {level}）")
        ws["A1"].font = Font(bold=True, size=13)
        lists = catalogue.list_columns(version, level)
        if sheet["sheet_name"] == INFO_SHEET:
            _write_info(ws, info)
        elif sheet["sheet_name"] in lists:
            _write_list(ws, lists[sheet["sheet_name"]], values.get(f"list:{sheet['sheet_name']}", []))
        else:
            _write_rows(ws, catalogue.template_rows(version, level), sheet["sheet_name"], values)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _write_info(ws, info: dict[str, object]) -> None:
    for col, text in enumerate(("项目", "填写内容", "说明"), start=1):
        ws.cell(row=3, column=col, value=safe_cell(text)).font = _BOLD
    for i, (label, key, hint) in enumerate(INFO_FIELDS, start=4):
        ws.cell(row=i, column=1, value=safe_cell(label))
        cell = ws.cell(row=i, column=2, value=safe_cell(info.get(key)))
        cell.fill = _INPUT
        ws.cell(row=i, column=3, value=safe_cell(hint))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 44


def _write_list(ws, columns, records: list[dict[str, object]]) -> None:
    """A list sheet: one header row of the columns' labels, one row per record (e.g. per major)."""
    for col, c in enumerate(columns, start=1):
        ws.cell(row=3, column=col, value=safe_cell(c["column_label_zh"])).font = _BOLD
        ws.column_dimensions[chr(64 + col)].width = 22 if c["type"] == "text" else 14
    for i, record in enumerate(records, start=4):
        for col, c in enumerate(columns, start=1):
            ws.cell(
                row=i,
                column=col,
                value=i - 3 if c["column_name"] == "row_no" else safe_cell(record.get(c["column_name"])),
            )


def _version(data_year: int, level: str) -> str:
    version = catalogue.template_version_for(data_year, level)
    if version is None:
        raise ValueError(f"no {level} submission template for data year {data_year} (seeds/template_versions.csv)")
    return version


def _write_rows(ws, rows: tuple[catalogue.TemplateRow, ...], sheet_name: str, values: dict[str, object]) -> None:
    for col, text in enumerate(HEADER, start=1):
        ws.cell(row=3, column=col, value=safe_cell(text)).font = _BOLD
    row = 4
    for n, trow in enumerate((r for r in rows if r.sheet == sheet_name), start=1):
        ind = trow.indicator
        ws.cell(row=row, column=1, value=n)
        ws.cell(row=row, column=2, value=safe_cell(trow.label))
        ws.cell(row=row, column=3, value=safe_cell(trow.unit))
        cell = ws.cell(row=row, column=4, value=safe_cell(values.get(ind.code)))
        cell.fill = _INPUT
        cell.alignment = Alignment(horizontal="right")
        if ind.min_value is not None and ind.max_value is not None:
            dv = DataValidation(
                type="decimal",
                operator="between",
                formula1=f"{ind.min_value:g}",
                formula2=f"{ind.max_value:g}",
                showErrorMessage=True,
                error=f"{ind.name_zh} 应为 {ind.min_value:g}–{ind.max_value:g} {ind.unit} 之间的数值",
            )
            ws.add_data_validation(dv)
            dv.add(cell)
        ws.cell(row=row, column=5, value=safe_cell(REQUIRED_HINT if ind.required else OPTIONAL_HINT))
        ws.cell(row=row, column=6).fill = _INPUT
        row += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 8
    ws.column_dimensions["D"].width = 16
    ws.column_dimensions["E"].width = 40
    ws.column_dimensions["F"].width = 40


def write_csv(path: Path, level: str, data_year: int, info: dict[str, object], values: dict[str, object]) -> Path:
    """The same content as the workbook, one row per cell (工作表, 指标, 单位, 数值)."""
    import csv

    version = _version(data_year, level)
    info = {"data_year": data_year, "level": level, "template_version": version, **info}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(("工作表", "指标", "单位", "数值"))
        for label, key, _ in INFO_FIELDS:
            out.writerow((INFO_SHEET, label, "", info.get(key, "")))
        for trow in catalogue.template_rows(version, level):
            value = values.get(trow.code)
            out.writerow((trow.sheet, trow.label, trow.unit, "" if value is None else value))
    return path


def write_dataset_workbook(path: Path, dataset_code: str, data_year: int, records: list[dict[str, object]]) -> Path:
    """The commission's workbook for one reference dataset and year (blank when records is empty)."""
    from orchestration.intake.datasets import columns, specs

    wb = Workbook()
    ws = wb.active
    ws.title = specs()[dataset_code]["name_zh"][:31]
    ws["A1"] = safe_cell(f"{specs()[dataset_code]['name_zh']}（{data_year} 年度）")
    ws["A1"].font = Font(bold=True, size=13)
    _write_list(ws, columns(dataset_code), records)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
