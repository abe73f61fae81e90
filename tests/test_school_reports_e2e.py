"""The school reports the pipeline wrote (reports/school_reports): one per school that submitted, in HTML, Word
and PDF, and one school's printed numbers against marts.mart_school_indicator_year."""

import pytest

from orchestration import settings
from orchestration.reports.formatting import grouped, scale_for, signed
from orchestration.reports.school_report import file_stem, shown_unit
from tests.helpers import read_only, table_rows

SCHOOL, YEAR = "BJGZ008", 2025


@pytest.mark.parametrize("year", [2024, 2025])
def test_every_school_that_submitted_has_its_report(built_warehouse, year):
    with read_only(settings.duckdb_path()) as con:
        schools = con.execute(
            "select distinct s.school_code, d.school_name from staging.stg_submissions s "
            "join marts.mart_school_reporting d on d.school_code = s.school_code and d.data_year = s.data_year "
            "where s.data_year = ? and s.is_current",
            [year],
        ).fetchall()
    folder = settings.school_report_dir(year)
    assert len(schools) > 50
    for code, name in schools:
        # the session builds the PDFs of the last year only (tests/conftest.py)
        for kind in ("html", "docx", "pdf") if year == 2025 else ("html", "docx"):
            assert (folder / f"{file_stem(code, name, year)}.{kind}").stat().st_size > 0, (code, kind)
    assert len(list(folder.glob("*.html"))) == len(schools)
    # the edition of the year, rebuilt after them or before, keeps them (var/reports/2025/ is its folder too)
    if year == 2025:
        assert (settings.report_dir("2025") / "annual_report.html").exists()


def test_one_schools_printed_numbers_are_the_school_marts(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        cursor = con.execute(
            "select * from marts.mart_school_indicator_year where data_year = ? and school_code = ? "
            "and (value is not null or prev_value is not null)",
            [YEAR, SCHOOL],
        )
        names = [d[0] for d in cursor.description]
        mart = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    name = mart[0]["school_name"]
    html = (settings.school_report_dir(YEAR) / f"{file_stem(SCHOOL, name, YEAR)}.html").read_text(encoding="utf-8")
    assert f"{name} {YEAR} 年度数据报告" in html
    rows = table_rows(html[: html.index('id="completeness"')])  # the indicator tables
    checked = set()
    assert len(rows) == len(mart)
    for r in mart:
        printed = rows[r["indicator_name"]]
        unit, value, prev, change, city, rank = printed
        assert unit == shown_unit(r)  # 元 amounts in 万元
        k = scale_for(r["unit"], unit)
        present = [v for v in (r["value"], r["prev_value"]) if v is not None]
        dec = 0 if r["value_type"] == "count" and all(float(v).is_integer() for v in present) else 2
        assert value == (grouped(r["value"] / k, dec) if r["value"] is not None else "—"), r["indicator_code"]
        assert prev == (grouped(r["prev_value"] / k, dec) if r["prev_value"] is not None else "—"), r["indicator_code"]
        if r["change_semantics"] == "percentage_points" and r["change_pp"] is not None:
            assert change == f"{signed(r['change_pp'], 2)} 个百分点"
            checked.add("pp")
        elif r["change_abs"] is not None:
            expected = signed(r["change_abs"] / k, dec)
            if r["change_pct"] is not None:
                expected += f"（{signed(r['change_pct'], 2)}%）"
                checked.add("pct")
            assert change == expected, r["indicator_code"]
        else:
            assert change == "—"
        if r["city_value"] is not None:
            assert city.startswith(grouped(r["city_value"] / k, dec)), r["indicator_code"]
            checked.add("city")
        if r["level_rank"] is not None:
            assert rank == f"{r['level_rank']}/{r['schools_ranked']}"
    assert checked == {"pp", "pct", "city"}
