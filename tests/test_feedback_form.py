"""The feedback workbook as schools read it, and year-on-year warnings that spare small counts.

Writes real workbooks in tmp_path and reads them back with openpyxl; no Dagster, no dbt.
"""

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from data_checks.plausibility import YearOnYear
from orchestration import catalogue
from orchestration.findings import rules
from orchestration.intake.parse import ParsedSubmission
from orchestration.reports.feedback import write_year_feedback

YEAR = 2025
YOY = [r for r in rules().values() if r["check_kind"] == "yoy_change"]


def _warning(code, file_name, **extra):
    return {
        "data_year": YEAR,
        "school_code": code,
        "file_name": file_name,
        "rule_id": "P201",
        "severity": "warning",
        "title_zh": "数值变化过大",
        "sheet": "教师队伍",
        "cell": "D5",
        "message_zh": "请核对",
        "resolution": "explained",
        "resolution_text": "新校区启用",
        "resolved_by": "张老师",
        **extra,
    }


@pytest.mark.parametrize("stamp", [datetime(2025, 10, 8, 9, 30), "2025-10-08 09:30:00"])
def test_explanation_dates_are_dates_in_a_column_wide_enough(tmp_path, stamp):
    files = [("BJZZ001", "BJZZ001_2025.xlsx")]
    written, failed = write_year_feedback(
        files, [_warning("BJZZ001", "BJZZ001_2025.xlsx", resolved_at=stamp)], tmp_path, YEAR, {}
    )
    assert failed == []
    explain = load_workbook(written[0])["预警说明"]
    date_col = next(c.column for c in explain[2] if c.value == "说明日期")
    cell = explain.cell(3, date_col)
    assert cell.is_date and cell.value == datetime(2025, 10, 8, 9, 30) and cell.number_format == "yyyy-mm-dd"
    assert explain.column_dimensions[cell.column_letter].width >= 12


def test_a_clean_school_is_titled_with_its_registry_name(tmp_path):
    name = catalogue.schools()["BJZZ001"].name
    # no name from the warehouse (dim_school not built yet): the registry seed names it
    written, _ = write_year_feedback([("BJZZ001", "BJZZ001_2025.xlsx")], [], tmp_path, YEAR, {})
    wb = load_workbook(written[0])
    assert wb["问题清单"]["A1"].value.startswith(f"{name} {YEAR} 年度")  # not "学校代码 BJZZ001"
    assert wb.properties.title.startswith(name)


def test_satisfaction_warnings_speak_of_satisfaction_not_further_study():
    for rule_id in ("P304", "P305"):
        rule = rules()[rule_id]
        assert "升学" not in rule["how_zh"] and "满意度" in rule["how_zh"], rule_id


def _submission(values: dict[str, float]) -> ParsedSubmission:
    sub = ParsedSubmission(path=Path("BJGZ002_2020.xlsx"), file_hash="y", info={"school_code": "BJGZ002"})
    sub.values = [
        {"indicator_code": c, "value": v, "sheet": "教育教学表", "row_number": 7, "cell": "D7"}
        for c, v in values.items()
    ]
    return sub


def _warnings(now: dict[str, float], before: dict[str, float]):
    return [f for rule in YOY for f in YearOnYear().findings(rule, [_submission(now)], {"BJGZ002": before})]


def test_a_small_count_moving_below_its_floor_is_no_warning():
    assert catalogue.indicators()["fulltime_teachers"].yoy_min_abs_change == 5
    assert _warnings({"fulltime_teachers": 2}, {"fulltime_teachers": 1}) == []
    [doubled] = _warnings({"fulltime_teachers": 200}, {"fulltime_teachers": 100})
    assert doubled.found == "「专任教师数」本年 200，上年 100（+100.0%）"


def test_every_count_and_amount_has_a_floor_and_rates_have_none():
    for ind in catalogue.indicators().values():
        if ind.value_type in ("rate", "ratio"):
            assert ind.yoy_min_abs_change is None, ind.code
        else:
            assert ind.yoy_min_abs_change and ind.yoy_min_abs_change > 0, ind.code
