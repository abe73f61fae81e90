"""Read a submission file into plain sheets of cell values, after size limits are checked.

Cached cell values only: formulas are never evaluated (calamine returns what Excel stored).
"""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook

from orchestration.intake.findings import Finding

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
CSV_ENCODINGS = ("utf-8-sig", "gbk")
CSV_COLUMNS = ("工作表", "指标", "单位", "数值")

# sheet name -> [(row number as the school sees it, cell values)]
Sheets = dict[str, list[tuple[int, list[object]]]]
INFO_SHEET = "基本信息"


class UnreadableFile(Exception):
    def __init__(self, finding: Finding):
        super().__init__(finding.message_zh)
        self.finding = finding


def read_sheets(path: Path) -> Sheets:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(
            Finding("F002", path.name, found=f"文件大小 {size / 1048576:.1f} MB", expected=f"不超过 {MAX_FILE_BYTES // 1048576} MB")
        )
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    if path.suffix.lower() != ".xlsx":
        raise UnreadableFile(Finding("F001", path.name, found=f"扩展名「{path.suffix}」", expected=".xlsx 或 .csv 文件"))
    _check_zip(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        return {
            name: list(enumerate(wb.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1))
            for name in wb.sheet_names
        }
    except Exception as exc:  # calamine raises several types for corrupt files
        raise UnreadableFile(Finding("F001", path.name, found=f"无法解析的工作簿（{type(exc).__name__}）", expected="可用 Excel 打开的 .xlsx 文件")) from exc


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            unzipped = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(Finding("F001", path.name, found="文件不是有效的 .xlsx 工作簿（可能已损坏、加密或只是改了扩展名）", expected="可用 Excel 打开的 .xlsx 文件")) from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(
            Finding("F002", path.name, found=f"解压后 {unzipped / 1048576:.0f} MB", expected=f"解压后不超过 {MAX_UNZIPPED_BYTES // 1048576} MB")
        )


def _read_csv(path: Path) -> Sheets:
    """CSV carries the same content as the workbook, one row per cell: 工作表, 指标, 单位, 数值."""
    raw = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(Finding("F001", path.name, found="无法识别的文字编码", expected="UTF-8 或 GBK 编码的 CSV"))
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(c.strip() for c in rows[0][:4]) != CSV_COLUMNS:
        raise UnreadableFile(Finding("F001", path.name, row=1, found=f"表头「{','.join(rows[0]) if rows else ''}」", expected="表头为 " + ",".join(CSV_COLUMNS)))
    sheets: Sheets = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        sheet, label, unit, value = (row + ["", "", "", ""])[:4]
        sheet = sheet.strip()
        if sheet == INFO_SHEET:  # same shape as the workbook's 基本信息: label, value
            sheets.setdefault(sheet, []).append((line_no, [label, value]))
        else:
            target = sheets.setdefault(sheet, [(1, ["序号", "指标", "单位", "数值"])])
            target.append((line_no, ["", label, unit, value]))
    return sheets
