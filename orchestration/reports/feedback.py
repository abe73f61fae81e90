"""A school's feedback workbook: every problem of its latest file at once, and a sheet to explain warnings.

问题清单 lists errors and warnings with where they are, what was found, what is expected and how to
fix it. 预警说明 lists the warnings with empty 学校说明 / 说明人 / 说明日期 columns: the school fills
them and returns the workbook to landing/<year>/explanations/, which releases those warnings.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from orchestration.intake.explanations import COLUMNS, FILLED_BY_SCHOOL, SHEET
from orchestration.intake.files import safe_file_name

PROBLEM_SHEET = "问题清单"
PROBLEM_COLUMNS = (
    ("序号", None),
    ("严重程度", "severity_zh"),
    ("规则编号", "rule_id"),
    ("规则", "title_zh"),
    ("工作表", "sheet"),
    ("行", "row_number"),
    ("单元格", "cell"),
    ("发现", "found"),
    ("应为", "expected"),
    ("完整说明与处理办法", "message_zh"),
    ("处理状态", "resolution_zh"),
)
SEVERITY_ZH = {"error": "错误（必须修改）", "warning": "预警（修改或说明）"}
RESOLUTION_ZH = {"must_fix": "待修改后重新提交", "open": "待说明", "explained": "已说明", "tolerated": "市教委已容许"}
_BOLD = Font(bold=True)
_INPUT = PatternFill("solid", fgColor="FFF2CC")


def feedback_file_name(school_code: str | None, file_name: str, data_year: int) -> str:
    """One workbook per school; a file no school could be read from gets one of its own (safe name)."""
    key = school_code or "未识别学校_" + safe_file_name(file_name)[:80]
    return f"{key}_{data_year}_反馈.xlsx"


def write_feedback_workbook(path: Path, title: str, findings: Iterable[dict]) -> Path:
    """findings: rows of marts.fct_submission_findings (plus school_code/data_year) for one school."""
    findings = list(findings)
    wb = Workbook()
    problems = wb.active
    problems.title = PROBLEM_SHEET
    problems["A1"] = title
    problems["A1"].font = Font(bold=True, size=13)
    problems.append([label for label, _ in PROBLEM_COLUMNS])
    for n, f in enumerate(findings, start=1):
        row = {**f, "severity_zh": SEVERITY_ZH.get(f.get("severity"), f.get("severity")), "resolution_zh": RESOLUTION_ZH.get(f.get("resolution"), "")}
        problems.append([n] + [_cell(row.get(key)) for _, key in PROBLEM_COLUMNS[1:]])
    if not findings:
        problems.append(["", "本次提交未发现问题。"])
    _style(problems, widths={"H": 40, "I": 30, "J": 80})
    explain = wb.create_sheet(SHEET)
    explain["A1"] = "请对每条预警在黄色列填写说明后，将本工作簿交回（放入 landing/<年度>/explanations/）；也可在数据文件该行的“说明”列写明原因后重新提交。错误不接受说明，须修改数据后重新提交。"
    explain.append([label for label, _ in COLUMNS])
    for f in findings:
        if f.get("severity") != "warning":
            continue
        row = {
            **f,
            "indicator_code": f.get("indicator_code") or "",
            "location": "".join(x for x in (f.get("sheet") or "", f" {f['cell']}" if f.get("cell") else "") if x),
            "explanation": f.get("explanation") or (f.get("resolution_text") if f.get("resolution") == "explained" else ""),
            "explained_by": f.get("explained_by") or (f.get("resolved_by") if f.get("resolution") == "explained" else ""),
            "explained_on": f.get("explained_on") or (f.get("resolved_at") if f.get("resolution") == "explained" else None),
        }
        explain.append([_cell(row.get(key)) for _, key in COLUMNS])
    for col, (_, key) in enumerate(COLUMNS, start=1):
        if key in FILLED_BY_SCHOOL:
            for r in range(3, explain.max_row + 1):
                explain.cell(r, col).fill = _INPUT
    _style(explain, widths={"G": 80, "H": 40})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)  # a school downloading it never gets half a workbook
    return path


def _cell(value: object) -> object:
    """A DataFrame value as openpyxl writes it: missing (None, NaN, NaT, NA) as an empty cell."""
    try:
        missing = value is None or bool(value != value)
    except TypeError:  # pd.NA
        missing = True
    if missing:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _style(ws, widths: dict[str, int]) -> None:
    for c in ws[2]:
        c.font = _BOLD
    ws.freeze_panes = "A3"
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
