"""A school's data report (orchestration/reports/school_report.py) from a small warehouse built here: the
numbers as the school mart holds them, each change in its indicator's unit, the level's city value and the rank,
the indicators left blank, the warnings to explain, and what a school wrote shown as text, never as markup."""

import dataclasses
import html as html_lib
import re

import duckdb
import pytest
from docx import Document

from orchestration.reports.school_report import file_stem, load_year, render_school, write_school_reports
from tests.helpers import table_rows

YEAR = 2025
MART_COLUMNS = """
    data_year integer, school_code varchar, school_name varchar, school_type varchar, level varchar,
    district varchar, ownership varchar, in_city_scope boolean, indicator_code varchar, indicator_name varchar,
    unit varchar, value_type varchar, change_semantics varchar, value double, prev_value double,
    change_abs double, change_pct double, change_pp double, level_rank bigint, level_percentile double,
    schools_ranked bigint, city_value double, diff_from_city double, share_of_city_pct double,
    dbt_invocation_id varchar
"""
SCRIPT = "<script>alert('x')</script> 新校区启用，新进教师 120 人"


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(f"create table marts.mart_school_indicator_year ({MART_COLUMNS})")
    rows = [
        # code, name, unit, value_type, semantics, value, prev, abs, pct, pp, rank, ranked, city, diff, share
        ("fulltime_teachers", "专任教师数", "人", "count", "difference_and_percent",
         520, 500, 20, 4.0, None, 3, 25, 12000, None, 100 * 520 / 12000),
        ("dual_qualified_share", "“双师型”教师占比", "%", "rate", "percentage_points",
         62.5, 60.25, None, None, 2.25, 7, 25, 58.125, 4.375, None),
        ("student_teacher_ratio", "生师比", ":1", "ratio", "ratio",
         15.2, 16.0, -0.8, None, None, 12, 25, 14.856, 0.344, None),
        ("teaching_funds", "教学经费", "元", "amount", "difference_and_percent",
         1234567.895, None, None, None, None, 1, 25, 98765432.1, None, 1.25),
    ]  # fmt: skip
    for code, name, unit, vtype, sem, v, p, ca, cp, cpp, rank, ranked, city, diff, share in rows:
        con.execute(
            "insert into marts.mart_school_indicator_year values "
            "(?, 'S001', '测试职业学院', '高职', '高职', '海淀区', '公办', true, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " 50.0, ?, ?, ?, ?, 'x')",
            [YEAR, code, name, unit, vtype, sem, v, p, ca, cp, cpp, rank, ranked, city, diff, share],
        )
    con.execute(
        "create table marts.dim_indicator as select * from (values "
        "('fulltime_teachers', '七、发展保障', 'ch7', 1), ('dual_qualified_share', '七、发展保障', 'ch7', 2), "
        "('student_teacher_ratio', '七、发展保障', 'ch7', 3), ('teaching_funds', '七、发展保障', 'ch7', 4)) "
        "t(indicator_code, chapter, chapter_code, table_row)"
    )
    con.execute(
        "create table marts.mart_school_reporting as select * from (values "
        f"({YEAR}, 'S001', '测试职业学院', '高职', 1, 'fulltime_teachers', '专任教师数', '人', true, true), "
        f"({YEAR}, 'S001', '测试职业学院', '高职', 2, 'library_books', '纸质图书', '册', true, false), "
        f"({YEAR}, 'S002', '另一学校', '高职', 1, 'fulltime_teachers', '专任教师数', '人', true, true), "
        f"({YEAR}, 'S003', '未提交学校', '高职', 1, 'fulltime_teachers', '专任教师数', '人', false, false)) "
        "t(data_year, school_code, school_name, level, row_order, indicator_code, indicator_name, unit, "
        "submitted, reported)"
    )
    con.execute(
        "create table marts.fct_submission_findings as select * from (values "
        f"({YEAR}, 'S001', true, 'P106', 'warning', '专任教师数变化过大', '专任教师数', '教师', 'D5', 5, "
        "'专任教师数较上年增加 4%', 'explained', ?, timestamp '2025-10-08 09:00:00'), "
        f"({YEAR}, 'S001', true, 'P110', 'warning', '生均经费变化过大', null, '经费', 'D9', 9, "
        "'生均经费较上年减少', 'open', null, null), "
        f"({YEAR}, 'S001', true, 'P114', 'warning', '已容忍', null, '经费', 'D9', 9, 'x', 'tolerated', 'r', null)) "
        "t(data_year, school_code, is_current, rule_id, severity, title_zh, indicator_name, sheet, cell, "
        "row_number, message_zh, resolution, resolution_text, resolved_at)",
        [SCRIPT],
    )
    return con


@pytest.fixture(scope="module")
def data():
    con = _warehouse()
    yield load_year(con, YEAR)
    con.close()


def test_the_schools_numbers_changes_city_values_and_ranks(data):
    report = render_school(data, "S001")
    assert report.problems == []  # every number traced; the school's own text is data, not a numeral to back
    assert "<title>测试职业学院 2025 年度数据报告</title>" in report.html
    rows = table_rows(report.html)
    # indicator: unit, this year, last year, change, city value of the level, rank
    assert rows["专任教师数"] == ["人", "520", "500", "+20（+4.00%）", "12,000（本校占 4.33%）", "3/25"]
    assert rows["“双师型”教师占比"] == ["%", "62.50", "60.25", "+2.25 个百分点", "58.13", "7/25"]
    assert rows["生师比"] == [":1", "15.20", "16.00", "-0.80", "14.86", "12/25"]
    # amounts in 元 print in 万元, as the city report prints them
    assert rows["教学经费"] == ["万元", "123.46", "—", "—", "9,876.54（本校占 1.25%）", "1/25"]
    assert "全市高职值" in report.html
    # every printed number traced to its row of the school mart
    keys = {n.source_key: n.text for n in report.numbers}
    assert keys["fulltime_teachers · S001 · 2025 · change_pct"] == "+4.00"
    assert keys["dual_qualified_share · S001 · 2025 · change_pp"] == "+2.25"


def test_blank_indicators_and_warnings_with_the_schools_text_escaped(data):
    report = render_school(data, "S001")
    rows = table_rows(report.html)
    assert rows["纸质图书"] == ["册"]  # asked for by its template, left blank
    assert "其中 1 项未填报" in html_lib.unescape(re.sub(r"<[^>]+>", "", report.html))
    assert rows["P110 生均经费变化过大"][-1] == "（待说明）"
    assert rows["P106 专任教师数变化过大"][-1] == f"{SCRIPT}（2025-10-08）"
    assert "<script>" not in report.html and "&lt;script&gt;" in report.html
    assert "P114" not in report.html  # a tolerated warning needs nothing of the school


def test_every_school_that_submitted_gets_html_word_and_pdf(data, tmp_path):
    written = write_school_reports(data, tmp_path / "schools")
    assert set(written.files) == {"S001", "S002"}  # S003 sent nothing
    stem = file_stem("S001", "测试职业学院", YEAR)
    assert stem == "S001_测试职业学院_2025"
    for kind in ("html", "docx", "pdf"):
        assert (tmp_path / "schools" / f"{stem}.{kind}").stat().st_size > 0
    doc = Document(tmp_path / "schools" / f"{stem}.docx")
    texts = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "+20（+4.00%）" in texts and f"{SCRIPT}（2025-10-08）" in texts
    assert written.problems == []
    # a second build replaces the folder whole
    write_school_reports(data, tmp_path / "schools", pdf=False)
    assert not list((tmp_path / "schools").glob("*.pdf"))


def test_a_report_that_shows_the_same_is_kept_not_rewritten(data, tmp_path):
    folder = tmp_path / "schools"
    first = write_school_reports(data, folder, pdf=False)
    assert first.kept == 0
    inodes = {p.name: p.stat().st_ino for p in folder.glob("S0*")}
    again = write_school_reports(data, folder, pdf=False)
    assert again.kept == 2 and {p.name: p.stat().st_ino for p in folder.glob("S0*")} == inodes
    # S001's figure changes: its report is written anew, S002's kept
    indicators = data.indicators.copy()
    indicators.loc[indicators["indicator_code"] == "fulltime_teachers", "value"] = 521
    changed = write_school_reports(dataclasses.replace(data, indicators=indicators), folder, pdf=False)
    assert changed.kept == 1
    after = {p.name: p.stat().st_ino for p in folder.glob("S0*")}
    stem = file_stem("S001", "测试职业学院", YEAR)
    assert sorted(n for n in after if after[n] != inodes[n]) == [f"{stem}.docx", f"{stem}.html"]
    assert "521" in (folder / "S001_测试职业学院_2025.html").read_text(encoding="utf-8")
    # asked for PDFs now: none kept, every school's written
    assert write_school_reports(data, folder).kept == 0 and len(list(folder.glob("*.pdf"))) == 2
