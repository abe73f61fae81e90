"""Write the submission workbook for a level and data year from the catalogue.

The blank template and the sample submissions come from this one writer, so schools fill
exactly the layout the reader expects. Every value goes through safe_cell: nothing we write (a
school's name or 填报人 in a sample, a catalogue label) can turn into a formula.

It is a form: a 填报说明 sheet it opens on (seeds/template_guide.csv, then every indicator of the template
with its unit and definition from the catalogue), sheets protected with only the yellow input cells
unlocked, data validation from the catalogue (whole numbers for counts, the valid range, messages in
the row's own unit with numbers written plainly), a drop-down for 办学层次, and A4 print setup.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from orchestration import catalogue
from orchestration.catalogue import LEVELS
from orchestration.intake.reader import INFO_SHEET
from orchestration.workbook_text import plain_number, print_setup, safe_cell

# 说明 is the school's: a reason for a value that moved a lot explains the warning on that row.
HEADER = ("序号", "指标", "单位", "数值", "填写提示", "说明")
REQUIRED_HINT = "必填"
OPTIONAL_HINT = "未开展可留空（留空表示未填报，0 表示确无）"
HINTS = (REQUIRED_HINT, OPTIONAL_HINT)
INFO_FIELDS = (
    ("学校代码", "school_code", "见学校名录（如 {example}）"),
    ("学校名称", "school_name", "填写学校全称"),
    ("数据年度", "data_year", "观测年度：上一年 9 月 1 日至当年 8 月 31 日"),
    ("办学层次", "level", "从下拉列表选择：" + " 或 ".join(LEVELS)),
    ("模板版本", "template_version", "请勿修改"),
    ("填报人", "filled_by", ""),
    ("联系电话", "phone", ""),
)
LOCKED_INFO = ("template_version",)  # 请勿修改: the reader picks the layout by it
LIST_INPUT_ROWS = 300  # rows left unlocked on a list sheet (one per major) below its header
_BOLD = Font(bold=True)
_INPUT = PatternFill("solid", fgColor="FFF2CC")
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="top")


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
            records = values.get(f"list:{sheet['sheet_name']}", [])
            _write_list(ws, lists[sheet["sheet_name"]], records)
            _unlock(ws, 4, 3 + len(records) + LIST_INPUT_ROWS, range(1, len(lists[sheet["sheet_name"]]) + 1))
        else:
            _write_rows(ws, catalogue.template_rows(version, level), sheet["sheet_name"], values)
        _protect(ws)
        print_setup(ws, "1:3")
    # the instructions go after the data sheets, so sheet1.xml … keep naming what they always named, and
    # the workbook opens on them
    for name, items in catalogue.guide().items():
        ws = wb.create_sheet(name)
        ws["A1"] = safe_cell(f"{name}（{data_year} 年度 · {level}）")
        ws["A1"].font = Font(bold=True, size=13)
        _write_guide(ws, items, version, level)
        for other in wb.worksheets:
            other.sheet_view.tabSelected = other is ws
        wb.active = ws
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def example_school_code(level: str) -> str:
    """A registry code of the template's level to show as the example (BJZZ… for 中职, BJGZ… for 高职)."""
    codes = sorted(s.code for s in catalogue.schools().values() if s.level == level and not s.is_placeholder)
    return codes[0] if codes else next(iter(sorted(catalogue.schools())), "")


def _write_info(ws, info: dict[str, object]) -> None:
    for col, text in enumerate(("项目", "填写内容", "说明"), start=1):
        ws.cell(row=3, column=col, value=safe_cell(text)).font = _BOLD
    for i, (label, key, hint) in enumerate(INFO_FIELDS, start=4):
        ws.cell(row=i, column=1, value=safe_cell(label))
        cell = ws.cell(row=i, column=2, value=safe_cell(info.get(key)))
        if key not in LOCKED_INFO:
            cell.fill = _INPUT
            cell.protection = _UNLOCKED
        if key == "level":
            levels = DataValidation(
                type="list",
                formula1='"' + ",".join(LEVELS) + '"',
                allow_blank=True,
                showErrorMessage=True,
                showInputMessage=True,
                promptTitle="办学层次",
                prompt="从下拉列表选择：" + " 或 ".join(LEVELS),
                errorTitle="办学层次",
                error="办学层次只能是 " + " 或 ".join(LEVELS),
            )
            ws.add_data_validation(levels)
            levels.add(cell)
        if key == "school_code":
            hint = hint.format(example=example_school_code(str(info.get("level", ""))))
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
        cell.protection = _UNLOCKED
        dv = validation(trow)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(cell)
        ws.cell(row=row, column=5, value=safe_cell(REQUIRED_HINT if trow.required else OPTIONAL_HINT))
        note = ws.cell(row=row, column=6)
        note.fill = _INPUT
        note.protection = _UNLOCKED
        row += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 8
    ws.column_dimensions["D"].width = 16
    ws.column_dimensions["E"].width = 40
    ws.column_dimensions["F"].width = 40


def _formula(x: float) -> str:
    """A bound as Excel reads it in a validation formula: plain digits, never 5e+06."""
    return format(x, "f").rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def value_rule(trow: catalogue.TemplateRow) -> tuple[str, float | None, float | None]:
    """(whole or decimal, lowest, highest) a value cell accepts; counts are never below 0."""
    ind = trow.indicator
    lo, hi = ind.min_value, ind.max_value
    if ind.whole_number and lo is None:
        lo = 0.0
    return ("whole" if ind.whole_number else "decimal"), lo, hi


def value_requirement(trow: catalogue.TemplateRow) -> str:
    """What the cell accepts, in the row's own unit: 0–5,000,000 平方米 之间的数值 / 不小于 0 人的整数."""
    kind, lo, hi = value_rule(trow)
    what = "整数" if kind == "whole" else "数值（可带小数）"
    unit = trow.unit
    if lo is not None and hi is not None:
        return f"{plain_number(lo)}–{plain_number(hi)} {unit} 之间的{what}"
    if lo is not None:
        return f"不小于 {plain_number(lo)} {unit} 的{what}"
    if hi is not None:
        return f"不大于 {plain_number(hi)} {unit} 的{what}"
    return f"以 {unit} 为单位的{what}"


def validation(trow: catalogue.TemplateRow) -> DataValidation | None:
    """The value cell's data validation: whole numbers for counts, the catalogue's range, messages in the
    row's unit (所, not the catalogue's 个) with plain numbers."""
    kind, lo, hi = value_rule(trow)
    if lo is None and hi is None and kind == "decimal":
        return None
    if lo is not None and hi is not None:
        bounds = {"operator": "between", "formula1": _formula(lo), "formula2": _formula(hi)}
    elif lo is not None:
        bounds = {"operator": "greaterThanOrEqual", "formula1": _formula(lo)}
    elif hi is not None:
        bounds = {"operator": "lessThanOrEqual", "formula1": _formula(hi)}
    else:
        bounds = {"operator": "between", "formula1": "-999999999999", "formula2": "999999999999"}
    need = value_requirement(trow)
    return DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        promptTitle="填写要求"[:32],
        prompt=f"{trow.label}：请填 {need}，不带单位和文字；留空表示未填报，0 表示确无。"[:255],
        errorTitle="数值超出要求"[:32],
        error=f"{trow.label}应为 {need}。"[:255],
        **bounds,
    )


def _write_guide(ws, items: tuple[dict[str, str], ...], version: str, level: str) -> None:
    """填报说明: how to fill (seeds/template_guide.csv), then every indicator of this template."""
    row = 3
    for item in items:
        ws.cell(row=row, column=1, value=safe_cell(item["heading_zh"])).font = _BOLD
        text = ws.cell(row=row, column=2, value=safe_cell(item["text_zh"]))
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        text.alignment = _WRAP
        ws.row_dimensions[row].height = 36
        row += 1
    row += 1
    header = row
    for col, text in enumerate(("序号", "工作表", "指标", "单位", "填写要求", "指标口径"), start=1):
        ws.cell(row=row, column=col, value=safe_cell(text)).font = _BOLD
    n = 0
    for trow in catalogue.template_rows(version, level):
        row += 1
        n += 1
        ind = trow.indicator
        need = ("必填；" if trow.required else "未开展可留空；") + value_requirement(trow)
        for col, value in enumerate((n, trow.sheet, trow.label, trow.unit, need, ind.description), start=1):
            ws.cell(row=row, column=col, value=safe_cell(value)).alignment = _WRAP
    for sheet_name, columns in catalogue.list_columns(version, level).items():
        for c in columns:
            if c["column_name"] == "row_no":
                continue
            row += 1
            n += 1
            need = "必填" if c["required"] == "true" else "可留空"
            what = f"每行一条记录的「{c['column_label_zh']}」"
            for col, value in enumerate((n, sheet_name, c["column_label_zh"], "", need, what), start=1):
                ws.cell(row=row, column=col, value=safe_cell(value)).alignment = _WRAP
    for col, width in zip("ABCDEF", (10, 16, 30, 8, 36, 60), strict=True):
        ws.column_dimensions[col].width = width
    _protect(ws)
    print_setup(ws, f"{header}:{header}")


def _unlock(ws, first_row: int, last_row: int, columns) -> None:
    for r in range(first_row, last_row + 1):
        for c in columns:
            ws.cell(row=r, column=c).protection = _UNLOCKED


def _protect(ws) -> None:
    """Only unlocked (yellow) cells take input; no password, and columns may still be widened."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


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
        # list sheets (专业设置): one row per cell of a record, 指标 = the record's key, 单位 = the column
        for sheet, columns in catalogue.list_columns(version, level).items():
            key = next(c["column_name"] for c in columns if c["type"] == "code")
            for record in values.get(f"list:{sheet}", []):
                for c in columns:
                    if c["column_name"] not in (key, "row_no"):
                        cell = record.get(c["column_name"])
                        out.writerow((sheet, record[key], c["column_label_zh"], "" if cell is None else cell))
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
