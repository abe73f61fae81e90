"""A school's feedback workbook: every problem of its latest file at once, and a sheet to explain warnings.

问题清单 lists errors and warnings with where they are, what was found, what is expected and how to
fix it. 预警说明 lists the warnings with empty 学校说明 / 说明人 / 说明日期 columns: the school fills
them and returns the workbook to landing/<year>/explanations/, which releases those warnings.
Every text goes through safe_cell: what a school wrote never becomes a formula in our workbook.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from orchestration import catalogue
from orchestration.intake.explanations import COLUMNS, FILLED_BY_SCHOOL, SHEET
from orchestration.intake.files import safe_file_name
from orchestration.reports import workbook_layout
from orchestration.reports.unchanged import DIGESTS
from orchestration.reports.workbook_layout import WorkbookLayout
from orchestration.workbook_text import print_setup, safe_cell, visible_controls

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
SEVERITY_ZH = {"error": "错误（必须修改）", "warning": "预警（修改或说明）", "info": "提示（无需处理）"}
RESOLUTION_ZH = {
    "must_fix": "待修改后重新提交",
    "open": "待说明",
    "explained": "已说明",
    "tolerated": "市教委已容许",
    "noted": "无需处理",
}
# every field of a finding a workbook shows or derives a cell from
SHOWN = (
    {key for _, key in PROBLEM_COLUMNS if key}
    | {key for _, key in COLUMNS}
    | {
        "severity",
        "resolution",
        "resolution_text",
        "resolved_by",
        "resolved_at",
    }
)
# from this many workbooks to write, they are written in worker processes; fewer cost less than starting them
PARALLEL_FROM = 1200
_BOLD = Font(bold=True)
_INPUT = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
EXPLAIN_NOTE = (
    "请对每条预警在黄色列填写说明后，将本工作簿交回（放入 landing/<年度>/explanations/）；"
    "也可在数据文件该行的“说明”列写明原因后重新提交。错误不接受说明，须修改数据后重新提交。"
)


def feedback_file_name(school_code: str | None, file_name: str, data_year: int) -> str:
    """One workbook per school; a file no school could be read from gets one of its own. Both parts are
    as the school wrote them, so both are made safe to name a file with."""
    code = _text(school_code)
    key = safe_file_name(code) if code else "未识别学校_" + safe_file_name(file_name)[:80]
    return f"{key}_{data_year}_反馈.xlsx"


def feedback_title(
    school_code: str | None, school_name: str | None, file_name: str, data_year: int, findings: list[dict]
) -> str:
    """Who the workbook is for: the registry name, else the code as written, else the file name."""
    code, name = _text(school_code), _text(school_name)
    who = name or (f"学校代码 {code}（名录中没有）" if code else f"文件「{file_name}」")
    counts = {s: sum(f.get("severity") == s for f in findings) for s in SEVERITY_ZH}
    notes = f"，提示 {counts['info']} 条" if counts["info"] else ""
    return (
        f"{who} {data_year} 年度数据质量反馈（文件「{file_name}」）："
        f"错误 {counts['error']} 条，预警 {counts['warning']} 条{notes}"
    )


# per workbook, a digest of what it shows (the reports' file name): unchanged workbooks are not rewritten;
# a new layout or way of writing rewrites every workbook
_LAYOUT = hashlib.sha256(Path(__file__).read_bytes() + Path(workbook_layout.__file__).read_bytes()).hexdigest()


def write_year_feedback(
    files: Iterable[tuple[str | None, str]],
    findings: list[dict],
    folder: Path,
    data_year: int,
    school_names: Mapping[str, str],
) -> tuple[list[Path], list[dict]]:
    """One workbook per latest file; returns (workbooks written, failures as {school_code, file_name, error}).
    A workbook whose content (title, findings, layout) is what it already holds is left as it is.

    A file's findings are those of its name and school code, a missing code (None, NaN from pandas)
    matching a missing one: a file nobody could read is told its problems, not "no problems". Each
    workbook is written on its own, so one school's odd data never costs another its feedback.
    """
    by_file: dict[tuple[str | None, str | None], list[dict]] = {}
    for f in findings:
        by_file.setdefault((f.get("file_name"), _text(f.get("school_code"))), []).append(f)
    digests_path = folder / DIGESTS
    before = json.loads(digests_path.read_text(encoding="utf-8")) if digests_path.is_file() else {}
    after: dict[str, str] = {}
    due, failed = [], []
    for school_code, file_name in files:
        code = _text(school_code)
        try:
            rows = by_file.get((file_name, code), [])
            title = feedback_title(code, school_name(code, school_names), file_name, data_year, rows)
            name = feedback_file_name(code, file_name, data_year)
            after[name] = _digest(title, rows)
            if before.get(name) != after[name] or not (folder / name).is_file():
                due.append((code, file_name, folder / name, title, rows))
        except Exception as exc:  # noqa: BLE001 - reported per school by the caller, the others go on
            failed.append(_failure(code, file_name, exc))
    written = []
    for outcome in _write_all(due):
        (written if isinstance(outcome, Path) else failed).append(outcome)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = digests_path.with_name(DIGESTS + ".tmp")
    tmp.write_text(json.dumps(after, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    tmp.replace(digests_path)
    return written, failed


def _write_all(due: list[tuple]) -> list[Path | dict]:
    """Each due workbook written (its path) or not (its failure), in order; many are written in worker
    processes, one per core (a national-scale year writes ten thousand)."""
    if len(due) < PARALLEL_FROM:
        return [_write_one(item) for item in due]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: the caller may be a threaded Dagster process
    workers = max(1, min(os.cpu_count() or 1, len(due) // PARALLEL_FROM + 1))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_write_one, due, chunksize=64))


def _write_one(item: tuple) -> Path | dict:
    code, file_name, path, title, rows = item
    try:
        return write_feedback_workbook(path, title, rows)
    except Exception as exc:  # noqa: BLE001 - reported per school by the caller, the others go on
        return _failure(code, file_name, exc)


def _failure(code: str | None, file_name: str, exc: Exception) -> dict:
    return {"school_code": code, "file_name": file_name, "error": f"{type(exc).__name__}: {exc}"}


def _digest(title: str, rows: list[dict]) -> str:
    """What a workbook shows: its title and each finding's fields (not the build's ids or stamps)."""
    shown = [{k: str(r.get(k)) for k in sorted(SHOWN)} for r in rows]
    return hashlib.sha256(json.dumps([_LAYOUT, title, shown], ensure_ascii=False).encode()).hexdigest()


def school_name(code: str | None, school_names: Mapping[str, str]) -> str | None:
    """The registry name of a school: the warehouse's (dim_school), else the registry seed's, so a clean
    school is named even when its name did not come with the findings."""
    if not code:
        return None
    school = catalogue.schools().get(code)
    return _text(school_names.get(code)) or (school.name if school else None)


def write_feedback_workbook(path: Path, title: str, findings: Iterable[dict]) -> Path:
    """findings: rows of marts.fct_submission_findings (plus school_code/data_year) for one school."""
    findings = list(findings)
    problems = [[safe_cell(title)], [label for label, _ in PROBLEM_COLUMNS]]
    for n, f in enumerate(findings, start=1):
        row = {
            **f,
            "severity_zh": SEVERITY_ZH.get(f.get("severity"), f.get("severity")),
            "resolution_zh": RESOLUTION_ZH.get(f.get("resolution"), ""),
        }
        problems.append([n] + [_cell(row.get(key)) for _, key in PROBLEM_COLUMNS[1:]])
    if not findings:
        problems.append(["", "本次提交未发现问题。"])
    explain = [[EXPLAIN_NOTE], [label for label, _ in COLUMNS]]
    for f in findings:
        if f.get("severity") != "warning":  # errors are fixed, not explained; info needs nothing
            continue
        row = {
            **f,
            "indicator_code": _text(f.get("indicator_code")) or "",
            "location": " ".join(x for x in (_text(f.get("sheet")), _text(f.get("cell"))) if x),
            "explanation": f.get("explanation")
            or (f.get("resolution_text") if f.get("resolution") == "explained" else ""),
            "explained_by": f.get("explained_by")
            or (f.get("resolved_by") if f.get("resolution") == "explained" else ""),
            "explained_on": _date(
                f.get("explained_on") or (f.get("resolved_at") if f.get("resolution") == "explained" else None)
            ),
        }
        explain.append([_cell(row.get(key)) for _, key in COLUMNS])
    # the file's title (Excel: 文件 → 信息) names the school too
    return _layout().write(path, visible_controls(title)[:255], [problems, explain])


@cache
def _layout() -> WorkbookLayout:
    """The feedback workbook without its rows, written by openpyxl once per process: row 1 is the title, row 2
    the column labels and row 3 the cells of every finding (wrapped; on 预警说明 the school's columns yellow
    and 说明日期 a date)."""
    wb = Workbook()
    problems = wb.active
    problems.title = PROBLEM_SHEET
    problems["A1"].font = Font(bold=True, size=13)
    problems.append([label for label, _ in PROBLEM_COLUMNS])
    problems.append([None] * len(PROBLEM_COLUMNS))
    _style(problems, widths={"B": 18, "D": 22, "E": 14, "H": 30, "I": 24, "J": 60, "K": 12})
    explain = wb.create_sheet(SHEET)
    explain.append([EXPLAIN_NOTE])
    explain.append([label for label, _ in COLUMNS])
    explain.append([None] * len(COLUMNS))
    for col, (_, key) in enumerate(COLUMNS, start=1):
        if key in FILLED_BY_SCHOOL:
            explain.cell(3, col).fill = _INPUT
    # 说明日期 as a date wide enough to read: a timestamp in a default-width column shows as "###"
    date_col = next(i for i, (_, key) in enumerate(COLUMNS, start=1) if key == "explained_on")
    _style(explain, widths={"G": 60, "H": 36, get_column_letter(date_col): 14})
    explain.cell(3, date_col).number_format = "yyyy-mm-dd"
    saved = io.BytesIO()
    wb.save(saved)
    return WorkbookLayout(saved.getvalue())


def _missing(value: object) -> bool:
    """None, NaN, NaT and pd.NA: how a NULL comes out of DuckDB via a DataFrame."""
    try:
        return value is None or bool(value != value)
    except TypeError:  # pd.NA
        return True


def _text(value: object) -> str | None:
    """A code or name for matching and titles: missing or blank is None, never "nan"."""
    return None if _missing(value) or not str(value).strip() else str(value)


def _cell(value: object) -> object:
    """A DataFrame value as openpyxl writes it: missing as an empty cell, text made safe (safe_cell)."""
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return safe_cell(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)


def _date(value: object) -> object:
    """An ISO date written as text (a resolution stamp read back as varchar) as a date the cell can format."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def _style(ws, widths: dict[str, int]) -> None:
    for c in ws[2]:
        c.font = _BOLD
    ws.freeze_panes = "A3"
    print_setup(ws, "1:2")  # a clerk prints it: A4 landscape, one page wide, headers on every page
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for c in row:
            c.alignment = _WRAP
