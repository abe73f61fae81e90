"""Feedback workbooks: a school's text never becomes a formula, one bad school never costs another its
workbook, and a file without a (known) school code is told its real problems.

Writes real workbooks in tmp_path and reads them back with openpyxl; no Dagster, no dbt.
"""

from datetime import datetime

import pytest
from openpyxl import load_workbook

from orchestration.intake.template import write_workbook
from orchestration.reports import feedback
from orchestration.reports.feedback import feedback_file_name, write_feedback_workbook, write_year_feedback
from orchestration.workbook_text import safe_cell, unescaped

YEAR = 2025
NAN = float("nan")


def _finding(school_code, file_name, severity="warning", **extra):
    return {
        "data_year": YEAR,
        "school_code": school_code,
        "file_name": file_name,
        "rule_id": "V004",
        "severity": severity,
        "title_zh": "数值变化过大",
        "sheet": "教师队伍",
        "row_number": 5,
        "cell": "D5",
        "indicator_code": "teachers",
        "found": "12",
        "expected": "10",
        "message_zh": "专任教师数变化过大",
        "resolution": "open" if severity == "warning" else "must_fix",
        "resolution_text": None,
        "resolved_by": None,
        "resolved_at": None,
        **extra,
    }


def _cells(path):
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _text(path):
    return "\n".join(str(c.value) for c in _cells(path))


HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+1+1",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "a\x00b",
    "bell\x07",
    "esc\x1b[31m",
]


@pytest.mark.parametrize(
    "value,written",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a\x00b\x1f", "a\\x00b\\x1f"),
        ("\x00=1", "\\x00=1"),
        ("正常文字", "正常文字"),
        ("a=b", "a=b"),
        ("=", "'="),
    ],
)
def test_safe_cell_escapes_formula_starts_and_control_characters(value, written):
    assert safe_cell(value) == written


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@A1", "'quoted", "正常文字", "'正常"])
def test_text_read_back_from_a_returned_workbook_is_as_written(value):
    assert unescaped(safe_cell(value)) == value


@pytest.mark.parametrize("value", [None, 0, -3, 2.5, datetime(2025, 9, 1), True])
def test_safe_cell_leaves_non_text_alone(value):
    assert safe_cell(value) is value


def test_hostile_text_in_findings_stays_text(tmp_path):
    keys = ("found", "expected", "message_zh", "explanation", "explained_by", "sheet", "cell", "title_zh")
    rows = [
        _finding(
            "BJZZ001",
            "BJZZ001_2025.xlsx",
            severity,
            **dict.fromkeys(keys, text),
            explained_on=datetime(2025, 10, 8, 9, 30),
        )
        for text in HOSTILE
        for severity in ("warning", "error")
    ]
    path = write_feedback_workbook(tmp_path / "f.xlsx", '=HYPERLINK("http://x","标题")', rows)
    cells = _cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    text = _text(path)
    assert 'HYPERLINK("http://x","y")' in text and "@SUM(A1)" in text and "-2+3" in text
    assert "a\\x00b" in text and "bell\\x07" in text and "esc\\x1b[31m" in text
    explain = load_workbook(path)["预警说明"]
    assert explain.max_row == 2 + len(HOSTILE)  # warnings only
    explained = {explain.cell(r, 8).value.replace("\r", "\n") for r in range(3, explain.max_row + 1)}
    assert explained == {safe_cell(t).replace("\r", "\n") for t in HOSTILE}  # a stored \r reads back as \n without lxml
    assert (
        explain.cell(3, 10).value == datetime(2025, 10, 8, 9, 30) and explain.cell(3, 10).number_format == "yyyy-mm-dd"
    )
    assert explain.column_dimensions["J"].width >= 12  # a date, not "###"


def test_one_school_failing_does_not_stop_the_others(tmp_path, monkeypatch):
    files = [("BJZZ001", "BJZZ001_2025.xlsx"), ("BJZZ002", "BJZZ002_2025.xlsx"), ("BJZZ003", "BJZZ003_2025.xlsx")]
    findings = [_finding(code, name) for code, name in files]
    real = feedback.write_feedback_workbook

    def writer(path, title, rows):
        if any(r["school_code"] == "BJZZ002" for r in rows):
            raise ValueError("odd data of BJZZ002")
        return real(path, title, rows)

    monkeypatch.setattr(feedback, "write_feedback_workbook", writer)
    written, failed = write_year_feedback(files, findings, tmp_path, YEAR, {})
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["BJZZ001_2025_反馈.xlsx", "BJZZ003_2025_反馈.xlsx"]
    assert [p.name for p in written] == ["BJZZ001_2025_反馈.xlsx", "BJZZ003_2025_反馈.xlsx"]
    assert failed == [
        {"school_code": "BJZZ002", "file_name": "BJZZ002_2025.xlsx", "error": "ValueError: odd data of BJZZ002"}
    ]


def test_only_the_workbooks_whose_findings_changed_are_rewritten(tmp_path):
    files = [("BJZZ001", "BJZZ001_2025.xlsx"), ("BJZZ002", "BJZZ002_2025.xlsx"), ("BJZZ003", "BJZZ003_2025.xlsx")]
    findings = [_finding(code, name) for code, name in files]
    written, _ = write_year_feedback(files, findings, tmp_path, YEAR, {})
    assert len(written) == 3
    # the next build: the same findings (new build ids and stamps are not shown, so not a change)
    again = [{**f, "dbt_invocation_id": "next"} for f in findings]
    assert write_year_feedback(files, again, tmp_path, YEAR, {}) == ([], [])
    # one school's finding explained; another school's workbook deleted by hand; a third school renamed
    again[1] = {**again[1], "resolution": "explained", "resolution_text": "新专业首年招生"}
    (tmp_path / "BJZZ003_2025_反馈.xlsx").unlink()
    written, _ = write_year_feedback(files, again, tmp_path, YEAR, {})
    assert [p.name for p in written] == ["BJZZ002_2025_反馈.xlsx", "BJZZ003_2025_反馈.xlsx"]
    assert "已说明" in _text(written[0])
    written, _ = write_year_feedback(files, again, tmp_path, YEAR, {"BJZZ001": "北京市商业职业学校"})
    assert [p.name for p in written] == ["BJZZ001_2025_反馈.xlsx"]


def test_an_illegal_character_no_longer_fails_a_workbook(tmp_path):
    files = [("BJZZ001", "BJZZ001_2025.xlsx")]
    written, failed = write_year_feedback(
        files, [_finding("BJZZ001", "BJZZ001_2025.xlsx", found="x\x00y")], tmp_path, YEAR, {}
    )
    assert failed == [] and "x\\x00y" in _text(written[0])


@pytest.mark.parametrize("missing", [None, NAN], ids=["None", "NaN"])
def test_a_file_without_school_code_is_told_its_problems(tmp_path, missing):
    empty, other = "empty.xlsx", "BJZZ001_2025.xlsx"
    files = [(None, empty), ("BJZZ001", other)]
    findings = [
        _finding(missing, empty, "error", rule_id="F001", message_zh="文件「empty.xlsx」无法打开"),
        _finding("BJZZ001", other),
    ]
    written, failed = write_year_feedback(files, findings, tmp_path, YEAR, {"BJZZ001": "北京市商业学校"})
    assert failed == []
    path = tmp_path / feedback_file_name(None, empty, YEAR)
    assert path in written and path.name.startswith("未识别学校_empty.xlsx")
    ws = load_workbook(path)["问题清单"]
    assert ws["A1"].value.startswith("文件「empty.xlsx」 2025 年度") and "错误 1 条" in ws["A1"].value
    assert ws.cell(3, 3).value == "F001" and ws.max_row == 3
    assert "未发现问题" not in _text(path) and "nan" not in _text(path).lower()
    title = load_workbook(tmp_path / "BJZZ001_2025_反馈.xlsx")["问题清单"]["A1"].value
    assert title.startswith("北京市商业学校 2025 年度")


def test_unknown_and_clean_schools_are_titled_without_nan(tmp_path):
    files = [("BJZZ999", "BJZZ999_2025.xlsx"), ("BJZZ001", "BJZZ001_2025.xlsx")]
    findings = [
        _finding("BJZZ999", "BJZZ999_2025.xlsx", "error", rule_id="M001"),
        _finding("BJZZ999", "BJZZ999_2025.xlsx", "info", rule_id="S009", resolution="noted"),
    ]
    written, _ = write_year_feedback(files, findings, tmp_path, YEAR, school_names={"BJZZ001": "北京市商业学校"})
    unknown = load_workbook(tmp_path / "BJZZ999_2025_反馈.xlsx")
    title = unknown["问题清单"]["A1"].value
    assert title.startswith("学校代码 BJZZ999（名录中没有） 2025 年度") and "nan" not in title.lower()
    assert title.endswith("错误 1 条，预警 0 条，提示 1 条")
    assert "提示（无需处理）" in _text(written[0]) and "无需处理" in [c.value for c in unknown["问题清单"][4]]
    assert unknown["预警说明"].max_row == 2  # an info row needs no explanation
    clean = load_workbook(tmp_path / "BJZZ001_2025_反馈.xlsx")["问题清单"]
    assert clean["A1"].value.startswith("北京市商业学校 2025 年度") and clean["A1"].value.endswith("预警 0 条")
    assert clean["B3"].value == "本次提交未发现问题。"


def test_a_code_as_written_cannot_leave_the_feedback_folder():
    assert "/" not in feedback_file_name("../../ETC", "x.xlsx", YEAR)


@pytest.mark.parametrize("filled", [False, True])
def test_template_has_no_formula_cells(tmp_path, filled):
    info = (
        {"school_code": "BJZZ001", "filled_by": '=HYPERLINK("http://x","y")', "phone": "+86 10 1234"}
        if filled
        else None
    )
    path = write_workbook(tmp_path / "t.xlsx", "中职", YEAR, info)
    cells = _cells(path)
    assert cells and [c.coordinate for c in cells if c.data_type == "f"] == []
    if filled:
        assert "'=HYPERLINK" in _text(path) and "'+86 10 1234" in _text(path)


def test_many_workbooks_are_written_by_worker_processes_as_by_one(tmp_path, monkeypatch):
    """From PARALLEL_FROM workbooks on they are written in spawned workers: the same workbooks, the same
    digests, and a failing school still costs only itself (its failure comes back in order)."""
    files = [(f"BJZZ{n:03}", f"BJZZ{n:03}_2025.xlsx") for n in range(1, 6)]
    findings = [_finding(code, name) for code, name in files]
    findings[2]["found"] = 1j  # a value no workbook can hold: BJZZ003's workbook fails, in the worker
    one, failed_one = write_year_feedback(files, findings, tmp_path / "one", YEAR, {})
    monkeypatch.setattr(feedback, "PARALLEL_FROM", 2)
    several, failed = write_year_feedback(files, findings, tmp_path / "several", YEAR, {})
    assert (
        failed
        == failed_one
        == [
            {
                "school_code": "BJZZ003",
                "file_name": "BJZZ003_2025.xlsx",
                "error": "ValueError: Cannot convert 1j to Excel",
            }
        ]
    )
    assert [p.name for p in several] == [p.name for p in one] and len(one) == 4
    assert all(_text(a) == _text(b) for a, b in zip(one, several, strict=True))
    assert (tmp_path / "one" / ".digests.json").read_text() == (tmp_path / "several" / ".digests.json").read_text()
