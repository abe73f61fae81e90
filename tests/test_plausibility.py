"""Year-on-year plausibility warnings: large swings against the school's accepted value of last year."""
from datetime import datetime
from pathlib import Path

import duckdb

from data_checks.plausibility import add_yoy_warnings
from orchestration.intake.loader import ensure_schema
from orchestration.intake.parse import ParsedSubmission


def _con_with_last_year(values: dict[str, float]):
    con = duckdb.connect()
    ensure_schema(con)
    now = datetime(2025, 1, 1)
    con.execute(
        "insert into raw.submissions (submission_id, data_year, school_code, file_name, file_hash, file_bytes, template_version, status, error_count, warning_count, received_at, loaded_at) "
        "values ('2019-x', 2019, 'BJGZ002', 'a.xlsx', 'x', 1, '2020', 'accepted', 0, 0, ?, ?)", [now, now]
    )
    for code, value in values.items():
        con.execute(
            "insert into raw.submission_values (submission_id, data_year, school_code, indicator_code, value, raw_text, sheet, row_number, cell, label_as_written, unit_as_written, loaded_at) "
            "values ('2019-x', 2019, 'BJGZ002', ?, ?, '', '教育教学表', 5, 'D5', '', '', ?)", [code, value, now]
        )
    return con


def _submission(values: dict[str, float]) -> ParsedSubmission:
    sub = ParsedSubmission(path=Path("BJGZ002_2020.xlsx"), file_hash="y", info={"school_code": "BJGZ002"})
    sub.values = [{"indicator_code": c, "value": v, "sheet": "教育教学表", "row_number": 7, "cell": "D7"} for c, v in values.items()]
    return sub


def test_a_count_that_doubles_is_a_warning_naming_the_cell():
    con = _con_with_last_year({"fulltime_teachers": 200, "graduates": 1000})
    sub = _submission({"fulltime_teachers": 420, "graduates": 1100})
    add_yoy_warnings(con, [sub], 2020)
    [finding] = sub.findings
    assert finding.indicator_code == "fulltime_teachers" and finding.severity == "warning"
    assert "本年 420，上年 200（+110.0%）" in finding.message_zh and "第 7 行" in finding.message_zh


def test_no_previous_year_no_warning():
    con = _con_with_last_year({})
    sub = _submission({"fulltime_teachers": 420})
    add_yoy_warnings(con, [sub], 2020)
    assert sub.findings == []
