"""Intake, second pass: cells that look like numbers but are not, headers by meaning, sheets a clerk
adds or renames, parts of a zip readers disagree on, and files that name two schools at once."""

import re
import zipfile

import pytest
from openpyxl import load_workbook

from orchestration import catalogue
from orchestration.intake.parse import _header_key, parse_submission
from orchestration.intake.template import write_workbook
from orchestration.intake.values import ErrorValue, FormulaError, parse_number, split_footnote

YEAR = 2025


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-inf", "Infinity", "#N/A", "#div/0!", "#REF!", "＃N/A"])
def test_error_texts_are_errors_not_blanks(text):
    with pytest.raises(ErrorValue) as exc:
        parse_number(text)
    assert not exc.value.from_formula


def test_a_formula_error_result_is_an_error_from_a_formula():
    with pytest.raises(ErrorValue) as exc:
        parse_number(FormulaError("#DIV/0!"))
    assert exc.value.from_formula and str(exc.value) == "#DIV/0!"


@pytest.mark.parametrize(
    "cell,number,marker",
    [
        ("114①", "114", "①"),
        ("114 *", "114", "*"),
        ("114¹", "114", "¹"),
        ("114注", "114", "注"),
        ("1,234（注2）", "1,234", "（注2）"),
        ("114", "114", None),
        ("①", "①", None),
        ("约30人①", "约30人①", None),
        (114, 114, None),
    ],
)
def test_footnote_markers_are_split_off_before_normalisation(cell, number, marker):
    assert split_footnote(cell) == (number, marker)


@pytest.mark.parametrize(
    "header,key",
    [
        ("数值", "数值"),
        ("数值（人）", "数值"),
        ("本年数值", "数值"),
        ("数值（2025年）", "数值"),
        ("2025年度数值", "数值"),
        ("数值（上年）", None),
        ("上年数值", None),
        ("数值（2024年）", None),
        ("去年数值", None),
        ("数值说明", None),
        ("指标名称", "指标"),
        ("单位", "单位"),
        ("说明", "说明"),
        ("填写提示", None),
    ],
)
def test_header_cells_by_whole_meaning_never_by_prefix(header, key):
    assert _header_key(header, YEAR) == key


# --- workbooks -------------------------------------------------------------------------------------


def _sample(tmp_path, level="中职", code="BJZZ001", **info):
    values = {r.code: 10 for r in catalogue.template_rows("2025", level)}
    name = catalogue.schools()[code].name
    return write_workbook(
        tmp_path / f"{code}_{YEAR}.xlsx", level, YEAR, {"school_code": code, "school_name": name, **info}, values
    ), values


def _value_cell(ws, label):
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == label)
    return ws.cell(row, 4)


def _rules(sub):
    return sorted({f.rule_id for f in sub.findings})


def _value(sub, code):
    return next(v["value"] for v in sub.values if v["indicator_code"] == code)


def test_last_years_column_before_this_years_is_ignored(tmp_path):
    path, _ = _sample(tmp_path)
    wb = load_workbook(path)
    for ws in wb.worksheets[1:]:
        ws.insert_cols(4)
        ws.cell(3, 4).value = "数值（上年）"
        for row in range(4, ws.max_row + 1):
            ws.cell(row, 4).value = 7
    wb.save(path)
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == [] and {v["value"] for v in sub.values} == {10.0}


def test_footnotes_are_stripped_with_a_warning_and_errors_refused(tmp_path):
    path, _ = _sample(tmp_path)
    wb = load_workbook(path)
    ws = wb["教师队伍"]
    _value_cell(ws, "专任教师数").value = "114¹"
    _value_cell(ws, "行业导师数").value = "NaN"
    _value_cell(ws, "校外兼课教师数").value = 108.5
    wb.save(path)
    sub = parse_submission(path, YEAR)
    by_rule = {f.rule_id: f for f in sub.findings}
    assert _value(sub, "fulltime_teachers") == 114.0  # not 1141
    assert by_rule["V006"].severity == "warning" and "已去掉注释符号「¹」按 114 读取" in by_rule["V006"].message_zh
    assert by_rule["V007"].severity == "error" and "填写为「NaN」（错误值，不是数字）" in by_rule["V007"].message_zh
    assert by_rule["V008"].severity == "error" and "为 108.5 人" in by_rule["V008"].message_zh
    assert _value(sub, "industry_mentors") is None


def test_extra_sheets_are_ignored_and_sheet_tabs_matched_after_trimming(tmp_path):
    path, _ = _sample(tmp_path)
    wb = load_workbook(path)
    wb["教师队伍"].title = "教师队伍 "
    wb["满意度"].title = "满意度\u3000"
    wb.create_sheet("Sheet1")
    wb.create_sheet("填表说明")["A1"] = "本表由教务处填写，数据截至 8 月 31 日。"
    wb.save(path)
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == ["S004"]
    assert sorted(f.sheet for f in sub.findings) == ["Sheet1", "填表说明"] and {f.severity for f in sub.findings} == {
        "info"
    }
    assert _value(sub, "fulltime_teachers") == 10.0


@pytest.mark.parametrize("level,code,other", [("中职", "BJZZ001", "BJZZ002"), ("高职", "BJGZ001", "BJGZ002")])
def test_code_and_name_of_two_schools_make_the_file_nobodys(tmp_path, level, code, other):
    path, _ = _sample(tmp_path, level, code, school_name=catalogue.schools()[other].name)
    sub = parse_submission(path, YEAR)
    finding = next(f for f in sub.findings if f.rule_id == "M008")
    assert finding.severity == "error" and sub.school_code is None
    assert catalogue.schools()[code].name in finding.message_zh and f"学校代码 {other}" in finding.message_zh


def test_a_name_of_no_school_only_warns(tmp_path):
    path, _ = _sample(tmp_path, school_name="北京市某某职业学校")
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == ["M006"] and sub.school_code == "BJZZ001"


# --- zip parts --------------------------------------------------------------------------------------


def _rewrite(path, edit):
    with zipfile.ZipFile(path) as zf:
        parts = [(i.filename, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in edit(parts):
            zf.writestr(name, data)


def _sheet_part(path, sheet):
    wb = load_workbook(path, read_only=True)
    return f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"


@pytest.mark.parametrize("error", ["#DIV/0!", "#REF!", "#N/A"])
def test_a_cached_formula_error_is_reported_not_read_as_blank(tmp_path, error):
    path, _ = _sample(tmp_path)
    part = _sheet_part(path, "教师队伍")
    coordinate = _value_cell(load_workbook(path)["教师队伍"], "行业导师数").coordinate

    def edit(parts):
        for name, data in parts:
            if name == part:
                data = re.sub(
                    rf'<c r="{coordinate}"[^>]*>.*?</c>'.encode(),
                    f'<c r="{coordinate}" t="e"><f>1/0</f><v>{error}</v></c>'.encode(),
                    data,
                )
            yield name, data

    _rewrite(path, edit)
    sub = parse_submission(path, YEAR)
    finding = next(f for f in sub.findings if f.rule_id == "V007")
    assert finding.cell == coordinate and f"公式计算结果为 {error}" in finding.message_zh
    assert "V002" not in _rules(sub)  # a required row with an error value is reported once


@pytest.mark.parametrize("twin", ["same", "case"])
def test_duplicate_zip_member_names_are_refused(tmp_path, twin):
    path, _ = _sample(tmp_path)
    part = _sheet_part(path, "教师队伍")

    def edit(parts):
        for name, data in parts:
            yield name, data
            if name == part:
                yield (name if twin == "same" else name.upper()), data.replace(b"<v>10</v>", b"<v>99</v>")

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        _rewrite(path, edit)
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == ["F008"] and "出现 2 次" in sub.findings[0].message_zh


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.bin", "xl/worksheets/data", "customXml/item9.dat"])
def test_a_dtd_is_refused_in_any_member_whatever_its_name(tmp_path, member):
    path, _ = _sample(tmp_path)

    def edit(parts):
        yield from parts
        yield member, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'

    _rewrite(path, edit)
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == ["F004"] and member in sub.findings[0].message_zh


@pytest.mark.parametrize("ref", ["XFD1048576", "A10001", "GS1", "HA1", "AAA1", "ZZ5", "GZ77", "B99999"])
def test_a_cell_beyond_the_grid_is_refused_before_parsing(tmp_path, ref):
    path, _ = _sample(tmp_path)
    wb = load_workbook(path)
    wb["满意度"][ref] = " "
    wb.save(path)
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == ["F006"] and f"工作表「满意度」的单元格 {ref} 远在表格之外" in sub.findings[0].message_zh


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_row_beyond_the_grid_whose_cells_carry_no_reference_is_refused(tmp_path, prefix):
    """A row numbered past the limit is found by its own number: its cells may carry no r attribute."""
    path, _ = _sample(tmp_path)
    part = _sheet_part(path, "满意度")
    cell = f'<{prefix}c t="inlineStr"><{prefix}is><{prefix}t>x</{prefix}t></{prefix}is></{prefix}c>'
    row = f'<{prefix}row r="12345">{cell}</{prefix}row>'

    def edit(parts):
        for name, data in parts:
            yield name, data.replace(b"</sheetData>", row.encode() + b"</sheetData>") if name == part else data

    _rewrite(path, edit)
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == ["F006"] and "A12345" in sub.findings[0].message_zh


def test_a_cell_at_the_grid_limit_is_read(tmp_path):
    path, _ = _sample(tmp_path)
    wb = load_workbook(path)
    wb["满意度"]["GR10000"] = "备注"
    wb.save(path)
    assert _rules(parse_submission(path, YEAR)) == []


def test_a_declared_range_beyond_the_grid_is_refused(tmp_path):
    path, _ = _sample(tmp_path)
    part = _sheet_part(path, "满意度")

    def edit(parts):
        for name, data in parts:
            yield (
                name,
                re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data) if name == part else data,
            )

    _rewrite(path, edit)
    sub = parse_submission(path, YEAR)
    assert _rules(sub) == ["F006"] and "声明的范围延伸到 XFD1048576" in sub.findings[0].message_zh
