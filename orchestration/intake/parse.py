"""Parse one submission file: school and year from 基本信息, indicator values matched by name and unit.

Everything wrong is collected as findings, so the school sees all its problems at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from openpyxl.utils import get_column_letter

from orchestration import catalogue
from orchestration.catalogue import normalize_label, normalize_unit
from orchestration.findings import Finding, errors
from orchestration.intake.files import display_name, entry_findings, entry_hash
from orchestration.intake.reader import INFO_SHEET, Sheets, read_or_finding
from orchestration.intake.template import HINTS, INFO_FIELDS
from orchestration.intake.values import (
    ErrorValue,
    NoCachedValue,
    NotANumber,
    cell_text,
    parse_number,
    parse_percent,
    split_footnote,
)

REQUIRED_INFO = ("school_code", "data_year", "level")
# Header cells by meaning, compared whole (never by prefix: a column 数值（上年） before 数值 must not be
# taken for this year's values). A trailing unit in brackets is allowed: 数值（人）.
HEADER_WORDS = {
    "指标": {"指标", "指标名称", "项目"},
    "单位": {"单位", "计量单位"},
    "数值": {"数值", "本年", "本年数", "本年数值", "填报数值"},
    "说明": {"说明", "备注"},
}
PREVIOUS_YEAR = re.compile(r"上年|上一年|去年|前一年")
YEAR = re.compile(r"(?:19|20)\d{2}\s*(?:年度|年)?")


@dataclass
class ParsedSubmission:
    path: Path
    file_hash: str
    info: dict[str, object] = field(default_factory=dict)
    info_rows: dict[str, int] = field(default_factory=dict)  # 基本信息 field -> the row it was read from
    values: list[dict[str, object]] = field(default_factory=list)
    list_rows: list[dict[str, object]] = field(default_factory=list)  # records of list sheets (专业设置 …)
    findings: list[Finding] = field(default_factory=list)
    identity_conflict: bool = False  # code and name belong to two schools (M008): the file is nobody's

    @property
    def file_name(self) -> str:
        """Safe to store and show: control characters and undecodable bytes escaped."""
        return display_name(self.path.name)

    @property
    def school_code(self) -> str | None:
        code = self.info.get("school_code")
        return str(code).strip().upper() if code not in (None, "") and not self.identity_conflict else None

    @property
    def blocking(self) -> list[Finding]:
        return errors(self.findings)


def parse_submission(
    path: Path, data_year: int, reading: Sheets | Finding | None = None, file_hash: str | None = None
) -> ParsedSubmission:
    """`reading`: the file as read_isolated read it (a batch reads in worker processes); read here if None.
    `file_hash`: its entry_hash, when the batch has taken it already."""
    sub = ParsedSubmission(path=path, file_hash=file_hash or entry_hash(path))
    findings, openable = entry_findings(path)
    sub.findings += findings
    if not openable:
        return sub
    reading = read_or_finding(path) if reading is None else reading
    if isinstance(reading, Finding):
        sub.findings.append(reading)
        return sub
    sheets = reading
    _read_info(sub, sheets)
    level = _level_of(sub)
    if level is None:
        return sub
    version = catalogue.template_version_for(data_year, level)
    if version is None:
        sub.findings.append(
            Finding(
                "M005",
                sub.file_name,
                sheet=INFO_SHEET,
                found=f"{data_year} 年度不采集{level}数据",
                expected="本年度采集的办学层次",
            )
        )
        return sub
    sub.info["template_version"] = version
    template = [sheet["sheet_name"] for sheet in catalogue.template_sheets(version, level)]
    sheets = _template_names(sheets, template)
    lists = catalogue.list_columns(version, level)
    # A CSV has rows of a list sheet only for its records: one without any (专业设置 of a school that lists no
    # majors) is the workbook's empty sheet, not a missing one
    empty_lists = lists if sub.path.suffix.lower() == ".csv" else {}
    for name in template:
        if name not in sheets and name not in empty_lists:
            sub.findings.append(
                Finding(
                    "S001", sub.file_name, sheet=name, found="工作簿中没有该工作表", expected=f"包含工作表「{name}」"
                )
            )
    index = catalogue.label_index(version, level)
    labels = {label for _, label in index}
    guides = {_sheet_key(name) for name in catalogue.guide()}  # 填报说明: our instructions, no values
    for sheet_name, rows in sheets.items():
        if sheet_name in lists:
            _read_list(sub, sheet_name, rows, lists[sheet_name])
        elif sheet_name == INFO_SHEET or (_sheet_key(sheet_name) in guides and sheet_name not in template):
            continue
        elif sheet_name in template or _has_indicator_rows(rows, labels):
            _read_values(sub, sheet_name, rows, index, data_year)
        else:
            sub.findings.append(
                Finding(
                    "S004",
                    sub.file_name,
                    sheet=display_name(sheet_name),
                    found=f"工作表「{display_name(sheet_name)}」不是模板中的工作表，其中没有可识别的指标行，已忽略",
                    expected="模板中的工作表",
                )
            )
    _check_required_rows(sub, version, level, sheets)
    return sub


def _sheet_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _template_names(sheets, template: list[str]):
    """Sheets under their template names when they differ only in width or spaces ("教师队伍 ")."""
    wanted = {_sheet_key(name): name for name in [*template, INFO_SHEET]}
    out = {}
    for name, rows in sheets.items():
        canonical = wanted.get(_sheet_key(name), name)
        out[name if canonical in sheets or canonical in out else canonical] = rows
    return out


def _has_indicator_rows(rows, labels: set[str]) -> bool:
    return any(isinstance(c, str) and normalize_label(c) in labels for _, cells in rows for c in cells)


def _read_info(sub: ParsedSubmission, sheets) -> None:
    sheets = _template_names(sheets, [])
    if INFO_SHEET not in sheets:
        sub.findings.append(
            Finding(
                "S001",
                sub.file_name,
                sheet=INFO_SHEET,
                found="工作簿中没有该工作表",
                expected=f"包含工作表「{INFO_SHEET}」",
            )
        )
        return
    keys = {normalize_label(label): key for label, key, _ in INFO_FIELDS}
    info: dict[str, object] = {}
    for row_no, cells in sheets[INFO_SHEET]:
        # the label is the first cell that names a field (columns may be shifted), the value the next one
        at = next((i for i, c in enumerate(cells[:-1]) if normalize_label(c) in keys), None)
        if at is None or cells[at + 1] in (None, ""):
            continue
        key = keys[normalize_label(cells[at])]
        info[key] = cell_text(cells[at + 1])
        sub.info_rows[key] = row_no
    sub.info = info
    _identify_school(sub)
    for key in REQUIRED_INFO:
        if key not in info:
            label = next(lbl for lbl, k, _ in INFO_FIELDS if k == key)
            sub.findings.append(
                Finding("S002", sub.file_name, sheet=INFO_SHEET, found=f"「{label}」未填写", expected=f"填写{label}")
            )


def _identify_school(sub: ParsedSubmission) -> None:
    """Code and name must name the same school (its registry name or a former name); a missing code is
    taken from a name that identifies exactly one school. Both cases warn (M006): the clerk confirms."""
    name = str(sub.info.get("school_name") or "")
    row = sub.info_rows.get("school_name")
    if sub.school_code is None:
        school = catalogue.school_by_name(name) if name else None
        if school is not None:
            sub.info["school_code"] = school.code
            sub.findings.append(
                Finding(
                    "M006",
                    sub.file_name,
                    sheet=INFO_SHEET,
                    row=row,
                    found=f"学校代码未填写，学校名称为「{name}」",
                    expected=f"学校代码「{school.code}」（已按名称识别为「{school.name}」，请补填）",
                )
            )
        return
    school = catalogue.schools().get(sub.school_code)
    if school is None or not name:
        return  # an unknown code is M001; a missing name changes nothing
    if normalize_label(name) in {normalize_label(n) for n in (school.name, *school.former_names)}:
        return
    other = catalogue.school_by_name(name)
    if other is not None and other.code != school.code:
        sub.findings.append(
            Finding(
                "M008",
                sub.file_name,
                sheet=INFO_SHEET,
                row=row,
                found=f"学校代码「{sub.school_code}」在名录中是「{school.name}」，"
                f"学校名称却是另一所学校「{name}」（学校代码 {other.code}）",
                expected="学校代码与学校名称属于同一所学校；更正之前，本文件不计入任何一所学校",
            )
        )
        sub.identity_conflict = True
    else:
        sub.findings.append(
            Finding(
                "M006",
                sub.file_name,
                sheet=INFO_SHEET,
                row=row,
                found=f"学校代码「{sub.school_code}」在名录中是「{school.name}」，学校名称却填写为「{name}」",
                expected="学校名称与学校代码一致（名录名称或曾用名）",
            )
        )


def _level_of(sub: ParsedSubmission) -> str | None:
    """The template level to read with: as declared, else from the registry."""
    declared = str(sub.info.get("level", "")).strip()
    if declared in catalogue.LEVELS:
        return declared
    school = catalogue.schools().get(sub.school_code or "")
    return school.level if school else None


def _header(rows, data_year: int) -> tuple[int, dict[str, int]] | None:
    for pos, (_, cells) in enumerate(rows):
        cols: dict[str, int] = {}
        for i, cell in enumerate(cells):
            key = _header_key(cell, data_year)
            if key is not None:
                cols.setdefault(key, i)
        if "指标" in cols and "数值" in cols:
            return pos, cols
    return None


@lru_cache(maxsize=1 << 14, typed=True)  # the same few header texts in every workbook; typed: 1 is not True
def _header_key(cell: object, data_year: int) -> str | None:
    """What a header cell names; None for anything else, a column of another year's values included
    (数值（上年）, 上年数值, 2024年数值 — ignored, never read as this year's)."""
    text = unicodedata.normalize("NFKC", str(cell or ""))
    if PREVIOUS_YEAR.search(text) or any(int(y[:4]) != data_year for y in YEAR.findall(text)):
        return None
    label = normalize_label(YEAR.sub("", text))
    return next((key for key, words in HEADER_WORDS.items() if label in words), None)


def _read_values(sub: ParsedSubmission, sheet_name: str, rows, index, data_year: int) -> None:
    found = _header(rows, data_year)
    if found is None:
        sub.findings.append(
            Finding(
                "S003",
                sub.file_name,
                sheet=display_name(sheet_name),
                found="没有包含“指标”和“数值”的表头行",
                expected="表头：序号、指标、单位、数值、填写提示、说明",
            )
        )
        return
    header_pos, cols = found
    by_label = {label: row for (_, label), row in index.items()}
    for row_no, cells in rows[header_pos + 1 :]:
        cells = list(cells) + [None] * (max(cols.values()) + 1 - len(cells))
        label = normalize_label(cells[cols["指标"]])
        if not label:
            continue
        trow = index.get((sheet_name, label)) or by_label.get(label)
        if trow is None:
            sub.findings.append(
                Finding(
                    "R002",
                    sub.file_name,
                    sheet=sheet_name,
                    row=row_no,
                    found=f"指标「{cells[cols['指标']]}」",
                    expected="模板中的指标名称或名录认可的别名",
                )
            )
            continue
        ind = trow.indicator
        cell_ref = f"{get_column_letter(cols['数值'] + 1)}{row_no}"
        unit = normalize_unit(cells[cols["单位"]]) if "单位" in cols else ""
        if unit and unit != trow.unit:
            sub.findings.append(
                Finding(
                    "R003",
                    sub.file_name,
                    sheet=sheet_name,
                    row=row_no,
                    cell=cell_ref,
                    indicator_code=ind.code,
                    found=f"「{trow.label}」单位为「{unit}」",
                    expected=f"单位「{trow.unit}」",
                )
            )
            continue
        first = next((v for v in sub.values if v["indicator_code"] == ind.code), None)
        if first is not None:
            sub.findings.append(
                Finding(
                    "R004",
                    sub.file_name,
                    sheet=sheet_name,
                    row=row_no,
                    cell=cell_ref,
                    indicator_code=ind.code,
                    found=f"「{ind.name_zh}」在工作表「{first['sheet']}」第 {first['row_number']} 行已出现",
                    expected="每个指标只填一行",
                )
            )
            continue
        raw = cells[cols["数值"]]
        where = {"sheet": sheet_name, "row": row_no, "cell": cell_ref, "indicator_code": ind.code}
        value = _cell_value(sub, trow, raw, where)
        sub.values.append(
            {
                "indicator_code": ind.code,
                "value": value,
                "raw_text": "" if raw is None else str(raw),
                "sheet": sheet_name,
                "row_number": row_no,
                "cell": cell_ref,
                "label_as_written": str(cells[cols["指标"]]),
                "unit_as_written": unit,
                "note": _note(cells, cols),
            }
        )


def _note(cells, cols) -> str:
    """The school's own words on the row: an explanation of a warning on it (by 填报人). Workbooks of
    the first template carried the filling hints in this column; a hint is not an explanation."""
    text = str(cells[cols["说明"]] or "").strip() if "说明" in cols else ""
    return "" if text in HINTS else text


def _cell_value(sub: ParsedSubmission, trow: catalogue.TemplateRow, raw: object, where: dict) -> float | None:
    """The number in a value cell, read by the row's unit; what cannot be read is a finding, and None."""
    name, unit = trow.indicator.name_zh, trow.unit
    cell, marker = split_footnote(raw)
    try:
        percent = parse_percent(cell) if unit == "%" else None
        value = percent.value if percent else parse_number(cell)
    except NoCachedValue:
        sub.findings.append(
            Finding(
                "V005",
                sub.file_name,
                **where,
                found=f"「{name}」是公式，但文件中没有它的计算结果",
                expected="公式的计算结果（数值）",
            )
        )
        return None
    except ErrorValue as exc:
        found = (
            f"「{name}」的公式计算结果为 {exc}"
            if exc.from_formula
            else f"「{name}」填写为「{exc}」（错误值，不是数字）"
        )
        sub.findings.append(Finding("V007", sub.file_name, **where, found=found, expected=f"数字（单位：{unit}）"))
        return None
    except NotANumber as exc:
        sub.findings.append(
            Finding(
                "V001", sub.file_name, **where, found=f"「{name}」填写为「{exc}」", expected=f"数字（单位：{unit}）"
            )
        )
        return None
    if marker and value is not None:
        sub.findings.append(
            Finding(
                "V006",
                sub.file_name,
                **where,
                found=f"「{name}」填写为「{_plain(raw)}」，已去掉注释符号「{marker}」按 {value:g} 读取",
                expected="“数值”列只填数字，注释写在“说明”列",
            )
        )
    if percent and percent.from_fraction:
        sub.findings.append(
            Finding(
                "V004",
                sub.file_name,
                **where,
                found=f"「{name}」填写为 {_plain(raw)}，已按 {value:g}% 读取",
                expected=f"百分数，如 {value:g} 或 {value:g}%",
            )
        )
    if trow.indicator.whole_number and value is not None and not value.is_integer():
        sub.findings.append(
            Finding(
                "V008", sub.file_name, **where, found=f"「{name}」为 {value:g} {unit}", expected=f"整数（单位：{unit}）"
            )
        )
        return None
    return value


def _plain(raw: object) -> str:
    return f"{raw:g}" if isinstance(raw, float) else str(raw).strip()


def _read_list(sub: ParsedSubmission, sheet_name: str, rows, columns) -> None:
    """One record per row, columns found by their header labels; codes checked against the catalogue."""
    labels = {normalize_label(c["column_label_zh"]): c for c in columns}
    header = None
    for pos, (_, cells) in enumerate(rows):
        found = {i: labels[normalize_label(v)] for i, v in enumerate(cells) if normalize_label(v) in labels}
        if all(
            c["column_name"] in {x["column_name"] for x in found.values()} for c in columns if c["required"] == "true"
        ):
            header = pos, found
            break
    if header is None:
        expected = "、".join(c["column_label_zh"] for c in columns)
        sub.findings.append(
            Finding("L001", sub.file_name, sheet=sheet_name, found="没有找到规定的表头行", expected=f"表头：{expected}")
        )
        return
    pos, found = header
    seen: dict[str, int] = {}
    for row_no, cells in rows[pos + 1 :]:
        record = {c["column_name"]: cells[i] if i < len(cells) else None for i, c in found.items()}
        key = str(record.get("major_code") or "").strip()
        if not key and all(v in (None, "") for k, v in record.items() if k != "row_no"):
            continue
        if key not in catalogue.majors():
            sub.findings.append(
                Finding(
                    "L002",
                    sub.file_name,
                    sheet=sheet_name,
                    row=row_no,
                    found=f"专业代码「{key}」",
                    expected="专业目录中的代码（目录外专业使用市教委备案代码）",
                )
            )
            continue
        if key in seen:
            sub.findings.append(
                Finding(
                    "L004",
                    sub.file_name,
                    sheet=sheet_name,
                    row=row_no,
                    found=f"专业「{key}」已在第 {seen[key]} 行填写",
                    expected="每个专业只填一行",
                )
            )
            continue
        seen[key] = row_no
        for i, c in found.items():
            if c["type"] not in ("integer", "number") or c["column_name"] == "row_no":
                continue
            raw = record.get(c["column_name"])
            cell_ref = f"{get_column_letter(i + 1)}{row_no}"
            try:
                value = parse_number(raw)
            except NoCachedValue:
                sub.findings.append(
                    Finding(
                        "V005",
                        sub.file_name,
                        sheet=sheet_name,
                        row=row_no,
                        cell=cell_ref,
                        found=f"「{c['column_label_zh']}」是公式，但文件中没有它的计算结果",
                        expected="公式的计算结果（数值）",
                    )
                )
                continue
            except NotANumber as exc:
                value, wrong = None, f"「{c['column_label_zh']}」填写为「{exc}」"
            else:
                negative_or_fraction = value is not None and (value < 0 or not value.is_integer())
                wrong = f"「{c['column_label_zh']}」为 {value:g}" if negative_or_fraction else None
            if wrong:
                where = {"sheet": sheet_name, "row": row_no, "cell": cell_ref}
                sub.findings.append(Finding("L005", sub.file_name, **where, found=wrong, expected="非负整数"))
                continue
            sub.list_rows.append(
                {
                    "sheet": sheet_name,
                    "row_number": row_no,
                    "row_key": key,
                    "column_name": c["column_name"],
                    "value": value,
                    "cell": cell_ref,
                }
            )


def _check_required_rows(sub: ParsedSubmission, version: str, level: str, sheets) -> None:
    present = {v["indicator_code"] for v in sub.values} | {f.indicator_code for f in sub.findings}
    unreadable = {f.sheet for f in sub.findings if f.rule_id == "S003"}  # no header: reported once, for the sheet
    for trow in catalogue.template_rows(version, level):
        if trow.required and trow.code not in present and trow.sheet in sheets and trow.sheet not in unreadable:
            sub.findings.append(
                Finding(
                    "R001",
                    sub.file_name,
                    sheet=trow.sheet,
                    indicator_code=trow.code,
                    found=f"没有「{trow.label}」这一行",
                    expected=f"「{trow.label}」（{trow.unit}）一行",
                )
            )
