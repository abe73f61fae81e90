"""The feedback workbook as schools read it.

Writes real workbooks in tmp_path and reads them back with openpyxl; no Dagster, no dbt.
"""

from datetime import datetime

import pytest
from openpyxl import load_workbook

from orchestration import catalogue
from orchestration.findings import rules
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


def test_the_feedback_prints_one_page_wide_with_its_headers(tmp_path):
    written, _ = write_year_feedback([("BJZZ001", "BJZZ001_2025.xlsx")], [], tmp_path, YEAR, {})
    for ws in load_workbook(written[0]).worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$2", ws.title
