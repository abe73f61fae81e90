"""Schools' explanations of warnings: the 预警说明 sheet of their feedback workbook, filled and returned.

An explanation is data — which warning (school, year, rule, indicator), why, who and when — and it
releases that warning. Errors cannot be explained away: they are fixed and resubmitted, so an
explanation of an error is refused (E001). Files go in landing/<year>/explanations/; every version
is kept by hash and loading one twice changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration import catalogue
from orchestration.catalogue import normalize_label
from orchestration.findings import Finding, rules
from orchestration.intake.files import display_name, entry_findings, entry_hash, landing_files
from orchestration.intake.isolation import read_isolated
from orchestration.intake.loader import insert_all
from orchestration.intake.reader import Sheets
from orchestration.intake.values import cell_text
from orchestration.workbook_text import unescaped

EXPLANATION_FOLDER = "explanations"
SHEET = "预警说明"
# (column label in the workbook, key); the feedback workbook writes them, this module reads them back
COLUMNS = (
    ("学校代码", "school_code"),
    ("数据年度", "data_year"),
    ("规则编号", "rule_id"),
    ("指标代码", "indicator_code"),
    ("指标", "indicator_name"),
    ("位置", "location"),
    ("问题描述", "message_zh"),
    ("学校说明", "explanation"),
    ("说明人", "explained_by"),
    ("说明日期", "explained_on"),
)
FILLED_BY_SCHOOL = ("explanation", "explained_by", "explained_on")

DDL = """
create schema if not exists raw;
create table if not exists raw.warning_explanations (
    data_year integer not null,
    file_name varchar not null,
    file_hash varchar not null,
    row_number integer,
    school_code varchar,
    rule_id varchar,
    indicator_code varchar,
    explanation varchar,
    explained_by varchar,
    explained_at timestamp,
    status varchar not null,
    problem_rule_id varchar,
    problem_zh varchar,
    loaded_at timestamp not null
);
"""


def load_explanations(con: duckdb.DuckDBPyConnection, data_year: int, folder: Path) -> dict[str, list[str]]:
    """Load every new explanation file of the year; returns file name -> messages of refused rows."""
    con.execute(DDL)
    known = {
        r[0]
        for r in con.execute(
            "select distinct file_hash from raw.warning_explanations where data_year = ?", [data_year]
        ).fetchall()
    }
    now = datetime.now(UTC).replace(tzinfo=None)
    rows, refused = [], {}
    entries = [(path, digest) for path in landing_files(folder) if (digest := entry_hash(path)) not in known]
    readings = read_isolated([path for path, _ in entries if path.suffix.lower() == ".xlsx"])
    for path, digest in entries:
        base = {"data_year": data_year, "file_name": display_name(path.name), "file_hash": digest, "loaded_at": now}
        findings, openable = entry_findings(path)
        read = []
        if openable and not findings:
            read = _read(
                path,
                data_year,
                datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None),
                readings.get(path),
            )
        for record, problem in [({}, f) for f in findings] + read:
            rows.append(
                {
                    **base,
                    **record,
                    "status": "refused" if problem else "accepted",
                    "problem_rule_id": problem.rule_id if problem else None,
                    "problem_zh": problem.message_zh if problem else None,
                }
            )
            if problem:
                refused.setdefault(base["file_name"], []).append(problem.message_zh)
    insert_all(con, [("warning_explanations", rows)])
    return refused


def _read(
    path: Path, data_year: int, received: datetime, reading: Sheets | Finding | None
) -> list[tuple[dict, Finding | None]]:
    if path.suffix.lower() != ".xlsx":
        return [
            (
                {},
                Finding(
                    "E004",
                    display_name(path.name),
                    found=f"扩展名「{path.suffix}」",
                    expected=f"反馈工作簿（.xlsx）中填写好的「{SHEET}」工作表",
                ),
            )
        ]
    if isinstance(reading, Finding):
        return [({}, reading)]
    sheets = reading
    if SHEET not in sheets:
        return [
            (
                {},
                Finding(
                    "E004",
                    display_name(path.name),
                    sheet=SHEET,
                    found="工作簿中没有该工作表",
                    expected=f"包含工作表「{SHEET}」",
                ),
            )
        ]
    rows = sheets[SHEET]
    labels = {normalize_label(label): key for label, key in COLUMNS}
    for pos, (_, cells) in enumerate(rows):  # noqa: B007 -- pos (the header row) is read after the break
        cols = {labels[normalize_label(c)]: i for i, c in enumerate(cells) if normalize_label(c) in labels}
        if {"school_code", "rule_id", "explanation", "explained_by"} <= set(cols):
            break
    else:
        return [
            (
                {},
                Finding(
                    "E004",
                    display_name(path.name),
                    sheet=SHEET,
                    found="没有找到表头行",
                    expected="表头：" + "、".join(label for label, _ in COLUMNS),
                ),
            )
        ]
    out = []
    for row_no, cells in rows[pos + 1 :]:
        cell = {key: unescaped(cell_text(cells[i])) if i < len(cells) else "" for key, i in cols.items()}
        if not cell.get("explanation") and not cell.get("explained_by"):
            continue  # a warning the school has not explained (yet)
        record = {
            "row_number": row_no,
            "school_code": cell.get("school_code", "").upper(),
            "rule_id": cell.get("rule_id", "").upper(),
            "indicator_code": cell.get("indicator_code", ""),
            "explanation": cell.get("explanation", ""),
            "explained_by": cell.get("explained_by", ""),
            "explained_at": _date(
                cells[cols["explained_on"]] if "explained_on" in cols and cols["explained_on"] < len(cells) else None
            )
            or received,
        }
        out.append((record, _problem(path.name, row_no, record, cell.get("data_year", ""), data_year)))
    return out


def _problem(file_name: str, row_no: int, rec: dict, year_text: str, data_year: int) -> Finding | None:
    """The first reason to refuse an explanation row, or None."""
    where = {"sheet": SHEET, "row": row_no}
    rule = rules().get(rec["rule_id"])
    if rule is None:
        return Finding(
            "E003", file_name, **where, found=f"规则编号「{rec['rule_id']}」", expected="反馈工作簿中列出的规则编号"
        )
    if rule["severity"] != "warning":
        return Finding(
            "E001",
            file_name,
            **where,
            found=f"{rec['rule_id']}「{rule['title_zh']}」是错误（error）",
            expected="只对预警（warning）填写说明；错误须修改数据后重新提交",
        )
    if not rec["explanation"] or not rec["explained_by"]:
        missing = "、".join(label for label, key in COLUMNS if key in ("explanation", "explained_by") and not rec[key])
        return Finding("E002", file_name, **where, found=f"「{missing}」未填写", expected="填写说明内容和说明人")
    if rec["school_code"] not in catalogue.schools():
        return Finding(
            "E005", file_name, **where, found=f"学校代码「{rec['school_code']}」", expected="学校名录中的学校代码"
        )
    if year_text and year_text != str(data_year):
        return Finding("E006", file_name, **where, found=f"数据年度「{year_text}」", expected=f"{data_year}")
    return None


def _date(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None
