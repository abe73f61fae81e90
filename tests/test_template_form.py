"""The submission template as a form: instructions from the catalogue, protection, validation, print setup.

Writes the blank template for each level and reads it back with openpyxl; no Dagster, no dbt.
"""

import pytest
from openpyxl import load_workbook

from orchestration import catalogue
from orchestration.intake.parse import parse_submission
from orchestration.intake.reader import INFO_SHEET
from orchestration.intake.template import write_workbook

YEAR = 2025
GUIDE = next(iter(catalogue.guide()))


@pytest.fixture(scope="module", params=[("中职", 2025), ("高职", 2025), ("中职", 2022), ("高职", 2020)])
def template(request, tmp_path_factory):
    level, year = request.param
    path = write_workbook(tmp_path_factory.mktemp("t") / "t.xlsx", level, year)
    version = catalogue.template_version_for(year, level)
    return load_workbook(path), catalogue.template_rows(version, level), level, path, year


def _value_cells(ws):
    """(template row label, value cell) for every indicator row of a values sheet."""
    return {ws.cell(r, 2).value: ws.cell(r, 4) for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}


def _validations(ws):
    return {coord: dv for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges for coord in [rng.coord]}


def test_workbook_opens_on_instructions_listing_every_indicator(template):
    wb, rows, *_ = template
    assert wb.active.title == GUIDE and wb.sheetnames[-1] == GUIDE
    guide = wb[GUIDE]
    listed = {
        (guide.cell(r, 2).value, guide.cell(r, 3).value, guide.cell(r, 4).value) for r in range(1, guide.max_row + 1)
    }
    assert {(r.sheet, r.label, r.unit) for r in rows} <= listed
    text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert "留空表示未填报" in text and "0 表示确实没有" in text
    described = [r for r in rows if r.indicator.description]
    assert described and all(r.indicator.description in text for r in described)


def test_data_sheets_are_protected_with_only_the_input_cells_unlocked(template):
    wb, rows, *_ = template
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    for sheet in {r.sheet for r in rows}:
        ws = wb[sheet]
        for label, cell in _value_cells(ws).items():
            assert not cell.protection.locked and not ws.cell(cell.row, 6).protection.locked, (sheet, label)
            assert ws.cell(cell.row, 2).protection.locked and ws.cell(cell.row, 3).protection.locked
    info = wb[INFO_SHEET]
    assert not info["B4"].protection.locked and info["A4"].protection.locked


def test_head_counts_take_whole_numbers_and_messages_name_the_rows_unit(template):
    wb, rows, *_ = template
    for r in rows:
        ws = wb[r.sheet]
        cell = _value_cells(ws)[r.label]
        dv = _validations(ws)[cell.coordinate]
        assert dv.type == ("whole" if r.indicator.whole_number else "decimal"), r.code
        assert dv.showErrorMessage and r.unit in dv.error and r.unit in dv.prompt, r.code
        for text in (dv.error, dv.prompt, dv.formula1, dv.formula2 or ""):
            assert "e+" not in text.lower(), text
        if r.indicator.max_value and r.indicator.max_value >= 1_000_000:
            assert f"{r.indicator.max_value:,.0f}" in dv.error


def test_units_in_messages_follow_the_row_not_the_catalogue(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", "高职", YEAR)
    version = catalogue.template_version_for(YEAR, "高职")
    differing = [r for r in catalogue.template_rows(version, "高职") if r.unit != r.indicator.unit]
    wb = load_workbook(path)
    for r in differing:
        dv = _validations(wb[r.sheet])[_value_cells(wb[r.sheet])[r.label].coordinate]
        assert f" {r.unit} " in dv.error and f" {r.indicator.unit} " not in dv.error


def test_level_is_a_drop_down_and_the_example_code_is_of_the_level(template):
    wb, _, level, *_ = template
    info = wb[INFO_SHEET]
    level_row = next(r for r in range(4, info.max_row + 1) if info.cell(r, 1).value == "办学层次")
    [dv] = [dv for dv in info.data_validations.dataValidation if f"B{level_row}" in dv.sqref]
    assert dv.type == "list" and dv.formula1 == '"高职,中职"'
    hint = info["C4"].value
    prefix = "BJZZ" if level == "中职" else "BJGZ"
    assert info["A4"].value == "学校代码" and prefix in hint and ("BJGZ" if level == "中职" else "BJZZ") not in hint


def test_every_sheet_prints_on_a4_one_page_wide_with_its_header_repeated(template):
    wb, *_ = template
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows, ws.title


def test_the_blank_template_reads_without_sheet_findings(template):
    *_, path, year = template
    sub = parse_submission(path, year)
    assert {f.rule_id for f in sub.findings} <= {"S002"}  # only the blank 基本信息 fields
