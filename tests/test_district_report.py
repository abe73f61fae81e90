"""The district report's tables (orchestration/reports/district_report.py) from a small DuckDB holding the two
marts it reads, with 昌平区 中职's figures of report 004: a count changes by a difference and a percent, an amount
prints in 万元, a rate changes in 个百分点 with no 增长率, a ratio by its difference; HTML, Word and PDF are written
for every district with schools, and only for those."""

import duckdb
import pytest
from docx import Document

from orchestration.reports.district_report import (
    build_district_reports,
    district_report,
    districts_with_schools,
)

DISTRICT = "昌平区"
# (indicator, name, unit, value_type, 2019, 2020, schools reporting); 2 schools, one of which reports
FIGURES = [
    ("school_count", "招生职业学校数", "所", "count", 2, 2, 2),
    ("students_total", "在校生数", "人", "count", 2299, 2380, 1),
    ("assets_total", "资产总值", "元", "amount", 282_978_800, 293_157_700, 1),
    ("dual_teacher_share", "“双师型”教师比例", "%", "rate", 83.7, 71.5, 1),
    ("student_teacher_ratio", "生师比", ":1", "ratio", 11.2, 12.1, 1),
]
SEMANTICS = {"count": "difference_and_percent", "amount": "difference_and_percent", "rate": "percentage_points"}


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts; create schema staging; create schema intermediate")
    con.execute(
        "create table intermediate.int_school_years as select * from (values (2019, 'BJZZ027', true), "
        "(2020, 'BJZZ027', true), (2020, 'BJZZ099', false)) t(data_year, school_code, in_district_scope)"
    )
    con.execute(
        "create table staging.stg_submissions as "
        "select * from (values (2019, true), (2020, true)) t(data_year, is_current)"
    )
    con.execute(
        "create table marts.dim_indicator (indicator_code varchar, chapter_code varchar, official_table varchar, "
        "table_row integer)"
    )
    con.execute(
        "create table marts.mart_district_indicator_year (data_year integer, district varchar, level varchar, "
        "indicator_code varchar, indicator_name varchar, unit varchar, value_type varchar, value double, "
        "prev_value double, change_abs double, change_pct double, change_pp double, schools_reporting bigint, "
        "schools_expected bigint)"
    )
    con.execute(
        "create table marts.mart_school_indicator_year (data_year integer, school_code varchar, school_name varchar, "
        "level varchar, district varchar, indicator_code varchar, indicator_name varchar, unit varchar, "
        "value_type varchar, value double, prev_value double, change_abs double, change_pct double, change_pp double)"
    )
    for row, (code, name, unit, kind, prev, cur, reporting) in enumerate(FIGURES):
        semantics = SEMANTICS.get(kind, "ratio")
        change_abs = cur - prev if semantics != "percentage_points" else None
        change_pct = 100.0 * (cur - prev) / prev if semantics == "difference_and_percent" else None
        change_pp = cur - prev if semantics == "percentage_points" else None
        con.execute("insert into marts.dim_indicator values (?, 'ch1', '表 1', ?)", [code, row])
        for year, value, before in ((2019, prev, None), (2020, cur, prev)):
            changes = (change_abs, change_pct, change_pp) if before is not None else (None, None, None)
            con.execute(
                "insert into marts.mart_district_indicator_year values (?, ?, '中职', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 2)",
                [year, DISTRICT, code, name, unit, kind, value, before, *changes, reporting],
            )
            con.execute(
                "insert into marts.mart_school_indicator_year values (?, 'BJZZ027', '北京市昌平职业学校', '中职', ?, "
                "?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [year, DISTRICT, code, name, unit, kind, value, before, *changes],
            )
    # a school the district's figures do not count (excluded as non-vocational): not listed among its schools
    con.execute(
        "insert into marts.mart_school_indicator_year values (2020, 'BJZZ099', '某大学附设中职班', '中职', ?, "
        "'students_total', '在校生数', '人', 'count', 50, null, null, null, null)",
        [DISTRICT],
    )
    # a district whose only school left: no school this year, no report
    con.execute(
        "insert into marts.mart_district_indicator_year values "
        "(2020, '延庆区', '中职', 'school_count', '招生职业学校数', '所', 'count', 0, 1, -1, -100, null, 0, 0)"
    )
    yield con
    con.close()


def test_the_district_table_reads_as_report_004(con):
    report = district_report(con, DISTRICT, 2020)
    assert report.title == "昌平区 2020 年职业教育质量数据报告"
    [section] = report.sections
    assert (section.level, section.schools) == ("中职", 2)
    rows = {r.name: (r.prev, r.cur, r.change, r.change_pct) for r in section.district.rows}
    assert rows["在校生数（人）"] == ("2,299", "2,380", "+81", "+3.5%")
    assert rows["资产总值（万元）"] == ("28,297.88", "29,315.77", "+1,017.89", "+3.6%")
    # a rate: the change in 个百分点, never a percent of a percent
    assert rows["“双师型”教师比例（%）"] == ("83.7", "71.5", "-12.2 个百分点", "—")
    assert rows["生师比"] == ("11.2:1", "12.1:1", "+0.9", "—")
    # one of two schools did not report: the footnote says so
    assert any("1 所未填报" in note for note in section.district.notes)
    [school] = section.school_blocks
    assert school.title == "北京市昌平职业学校"
    assert [r.change for r in school.rows if r.name == "在校生数（人）"] == ["+81"]


def test_a_report_per_district_with_schools_in_three_formats(con, tmp_path):
    assert districts_with_schools(con, 2020) == [DISTRICT]
    files = build_district_reports(con, 2020, tmp_path / "districts")
    assert set(files) == {DISTRICT}
    paths = files[DISTRICT]
    assert sorted(p.name for p in (tmp_path / "districts").iterdir()) == [
        ".digests.json",
        "昌平区_2020.docx",
        "昌平区_2020.html",
        "昌平区_2020.pdf",
    ]
    html = paths["html"].read_text(encoding="utf-8")
    assert "昌平区 2020 年职业教育质量数据报告" in html and "-12.2 个百分点" in html and "上年数据未采集" not in html
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    cells = {c.text for t in Document(paths["docx"]).tables for row in t.rows for c in row.cells}
    assert {"2,380", "+81", "-12.2 个百分点", "11.2:1"} <= cells
    # built again from the same figures: the same files, kept; a changed figure writes the report anew
    inode = paths["pdf"].stat().st_ino
    build_district_reports(con, 2020, tmp_path / "districts")
    assert paths["pdf"].stat().st_ino == inode
    con.execute("update marts.mart_district_indicator_year set value = value + 1 where data_year = 2020")
    build_district_reports(con, 2020, tmp_path / "districts")
    assert paths["pdf"].stat().st_ino != inode
