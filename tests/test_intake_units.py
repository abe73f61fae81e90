"""Intake building blocks: cell values, label matching, the template round trip."""
import pytest

from orchestration import catalogue
from orchestration.intake.parse import parse_submission
from orchestration.intake.template import write_csv, write_workbook
from orchestration.intake.values import UNCALCULATED, NoCachedValue, NotANumber, Percent, parse_number, parse_percent


@pytest.mark.parametrize(
    "cell,value",
    [
        (12, 12.0), (3.5, 3.5), (0, 0.0), ("0", 0.0), ("1,234", 1234.0), ("12,345,678", 12345678.0), ("１２３", 123.0),
        ("１２３，４５６．７", 123456.7), (" 7 ", 7.0), ("\u00a07\u3000", 7.0), ("1 234", 1234.0),
        ("—", None), ("——", None), ("--", None), ("－－", None), ("/", None), ("／", None), ("无", None), ("", None), ("  ", None), (None, None),
    ],
)
def test_parse_number(cell, value):
    assert parse_number(cell) == value


@pytest.mark.parametrize("cell", ["约三十人", "85%", "1,23", True, "12人"])
def test_text_is_not_a_number(cell):
    with pytest.raises(NotANumber):
        parse_number(cell)


def test_a_formula_without_result_is_not_a_blank():
    with pytest.raises(NoCachedValue):
        parse_number(UNCALCULATED)


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("94.26%", Percent(94.26, False)), ("９４．２６％", Percent(94.26, False)), (" 94.26 % ", Percent(94.26, False)),
        (94.26, Percent(94.26, False)), ("94.26", Percent(94.26, False)), ("0.5%", Percent(0.5, False)),
        (0.9426, Percent(94.26, True)), ("0.9426", Percent(94.26, True)), (1, Percent(100.0, True)), (0.07, Percent(7.0, True)),
        (0, Percent(0.0, False)), ("—", Percent(None, False)), (None, Percent(None, False)),
    ],
)
def test_parse_percent(cell, expected):
    assert parse_percent(cell) == expected


def test_labels_match_names_aliases_and_units_in_headers():
    index = catalogue.label_index("2025", "高职")
    assert index[("教师队伍", catalogue.normalize_label("“双师型”专任教师数"))].code == "dual_qualified_teachers"
    assert index[("教师队伍", catalogue.normalize_label("双师型教师数"))].code == "dual_qualified_teachers"  # alias
    assert index[("学生规模", catalogue.normalize_label("全日制专科在校生数（人）"))].code == "students_associate_ft"


def test_blank_template_has_every_row_and_reports_missing_values(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", "中职", 2025, info={"school_code": "BJZZ001"})
    sub = parse_submission(path, 2025)
    expected = {r.code for r in catalogue.template_rows("2025", "中职")}
    assert {v["indicator_code"] for v in sub.values} == expected
    assert all(v["value"] is None for v in sub.values)
    assert not [f for f in sub.findings if f.rule_id in ("S001", "R001", "R002")]


def test_csv_and_workbook_read_the_same(tmp_path):
    values = {r.code: n for n, r in enumerate(catalogue.template_rows("2025", "高职"), start=1)}
    info = {"school_code": "BJGZ002", "school_name": "北京工业职业技术学院"}
    a = parse_submission(write_workbook(tmp_path / "a.xlsx", "高职", 2025, info, values), 2025)
    b = parse_submission(write_csv(tmp_path / "b.csv", "高职", 2025, info, values), 2025)
    as_map = lambda s: {v["indicator_code"]: v["value"] for v in s.values}  # noqa: E731
    assert as_map(a) == as_map(b) == {k: float(v) for k, v in values.items()}
    assert a.school_code == b.school_code == "BJGZ002"


def test_missing_sheet_and_unreadable_file(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    assert [f.rule_id for f in parse_submission(bad, 2025).findings] == ["F001"]
    assert "文件「x.xlsx」" in parse_submission(bad, 2025).findings[0].message_zh


def test_a_row_given_twice_is_an_error_not_a_silent_choice(tmp_path):
    from openpyxl import load_workbook

    values = {r.code: 10 for r in catalogue.template_rows("2025", "中职")}
    path = write_workbook(tmp_path / "d.xlsx", "中职", 2025, {"school_code": "BJZZ001"}, values)
    wb = load_workbook(path)
    ws = wb["教师队伍"]
    ws.append([99, "专任教师数", "人", 12, ""])
    wb.save(path)
    findings = [f for f in parse_submission(path, 2025).findings if f.rule_id == "R004"]
    assert len(findings) == 1 and findings[0].row == ws.max_row and findings[0].severity == "error"
