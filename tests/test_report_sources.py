"""The report's lookups in the marts (orchestration/reports/sources.py): a group is the city's (or a district's,
a type's) row first, else a school's own, read only when a report names that school.

A real DuckDB file in tmp_path holding the three marts the lookups read, a few rows each; no dbt.
"""

import duckdb
import pytest

from orchestration.reports.sources import CITY, FACTS, SCHOOL, Sources
from orchestration.reports.trace import Trace

SETUP = f"""
create schema marts; create schema staging;
create table staging.stg_submissions as select 2025 as data_year, true as is_current;
create table {CITY} as select * from (values
    (2025, '全市', 'teachers', '专任教师数', '人', 1200.0, 1100.0),
    (2025, '东城区', 'teachers', '专任教师数', '人', 300.0, 280.0)
) t(data_year, group_name, indicator_code, indicator_name, unit, value, prev_value);
create table {SCHOOL} as select * from (values
    (2024, 'BJZZ001', '北京市商业学校', 'teachers', '专任教师数', '人', 90.0),
    (2025, 'BJZZ001', '北京市商业学校', 'teachers', '专任教师数', '人', 96.0),
    (2025, 'BJZZ002', '北京市实验学校', 'teachers', '专任教师数', '人', 50.0),
    (2025, 'BJZZ003', '东城区', 'teachers', '专任教师数', '人', 7.0)
) t(data_year, school_code, school_name, indicator_code, indicator_name, unit, value);
create table {FACTS} (data_year integer, fact_code varchar);
"""


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(SETUP)
    yield con
    con.close()


def test_a_school_is_read_when_a_report_names_it_and_the_city_rows_come_first(con):
    sources = Sources(con, 2025, Trace())
    assert sources.metric_row("teachers", "全市")["value"] == 1200.0
    assert sources.metric_row("teachers", "东城区")["value"] == 300.0  # a school of that name does not replace it
    school = sources.metric_row("teachers", "北京市商业学校")
    assert (school["value"], school["prev_value"], school["relation"]) == (96.0, 90.0, SCHOOL)
    assert school["change_abs"] is None and school["schools_reporting"] == 1
    assert sources.metric_row("teachers", "北京市商业学校", offset=-1)["value"] == 90.0
    assert sources.metric_row("teachers", "没有这所学校") is None
    assert sources.metric_row("enrolment", "北京市实验学校") is None  # a school without that indicator


def test_only_the_schools_a_report_names_are_read(con):
    sources = Sources(con, 2025, Trace())
    assert not any(group == "北京市实验学校" for _, group, _ in sources.city)  # not read up front
    sources.metric_row("teachers", "北京市商业学校")
    assert {group for _, group, _ in sources.city} == {"全市", "东城区", "北京市商业学校"}
    con.execute(f"drop table {SCHOOL}")  # a school looked up once is not looked up again
    assert sources.metric_row("teachers", "北京市商业学校")["value"] == 96.0
    assert sources.metric_row("nothing", "北京市商业学校") is None
