"""The district mart (marts.mart_district_indicator_year) and the district reports against the schools' own figures
(marts.mart_school_indicator_year): a district's count is the sum of its schools', a rate is Σ numerator / Σ
denominator of its schools' parts (never a mean of their rates), and every district with schools has a report."""

import csv

import pytest

from orchestration import settings
from orchestration.defs.partitions import DATA_YEARS
from tests.helpers import read_only

YEAR = int(DATA_YEARS[-1])

# the schools a district's figures count: registry district, not excluded as non-vocational schools
IN_DISTRICT = """
    select s.school_code, s.district, s.level
    from staging.stg_schools as s
    where s.district is not null
      and not exists (
          select 1 from reference.city_scope_exclusions as x
          where x.school_code = s.school_code and $year between x.first_year and x.last_year
      )
"""


def _district(con, district: str, level: str, indicator: str) -> dict:
    cursor = con.execute(
        "select * from marts.mart_district_indicator_year "
        "where data_year = ? and district = ? and level = ? and indicator_code = ?",
        [YEAR, district, level, indicator],
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, (district, level, indicator, rows)
    return dict(zip(names, rows[0], strict=True))


def _largest_district(con, level: str) -> str:
    """The district with the most schools of the level reporting the year (the sum is then a real sum)."""
    return con.execute(
        f"select m.district from marts.mart_school_indicator_year as m inner join ({IN_DISTRICT}) as s "
        "on s.school_code = m.school_code where m.data_year = $year and m.level = $level "
        "and m.indicator_code = 'fulltime_teachers' and m.value is not null "
        "group by m.district order by count(*) desc, m.district limit 1",
        {"year": YEAR, "level": level},
    ).fetchone()[0]


@pytest.mark.parametrize("level", ["高职", "中职"])
def test_a_district_count_is_the_sum_of_its_schools(built_warehouse, level):
    with read_only(settings.duckdb_path()) as con:
        district = _largest_district(con, level)
        total, schools = con.execute(
            f"select sum(m.value), count(m.value) from marts.mart_school_indicator_year as m "
            f"inner join ({IN_DISTRICT}) as s on s.school_code = m.school_code "
            "where m.data_year = $year and s.district = $district and m.level = $level "
            "and m.indicator_code = 'fulltime_teachers'",
            {"year": YEAR, "district": district, "level": level},
        ).fetchone()
        row = _district(con, district, level, "fulltime_teachers")
    assert schools >= 1
    assert row["value"] == pytest.approx(total)
    assert row["schools_reporting"] == schools
    if row["prev_value"]:
        assert row["change_abs"] == pytest.approx(row["value"] - row["prev_value"])
        assert row["change_pct"] == pytest.approx(100 * (row["value"] - row["prev_value"]) / row["prev_value"])
        assert row["change_pp"] is None


@pytest.mark.parametrize("level", ["高职", "中职"])
def test_a_district_rate_is_the_ratio_of_its_schools_sums(built_warehouse, level):
    with read_only(settings.duckdb_path()) as con:
        district = _largest_district(con, level)
        num, den = con.execute(
            f"""
            with parts as (
                select m.school_code,
                       max(m.value) filter (where m.indicator_code = 'senior_title_teachers') as num,
                       max(m.value) filter (where m.indicator_code = 'fulltime_teachers') as den
                from marts.mart_school_indicator_year as m
                inner join ({IN_DISTRICT}) as s on s.school_code = m.school_code
                where m.data_year = $year and s.district = $district and m.level = $level
                group by m.school_code
            )
            select sum(num), sum(den) from parts where num is not null and den is not null
            """,
            {"year": YEAR, "district": district, "level": level},
        ).fetchone()
        row = _district(con, district, level, "senior_title_share")
        prev = con.execute(
            "select value from marts.mart_district_indicator_year "
            "where data_year = ? and district = ? and level = ? and indicator_code = 'senior_title_share'",
            [YEAR - 1, district, level],
        ).fetchone()
    assert row["value"] == pytest.approx(100.0 * num / den)
    assert (row["numerator"], row["denominator"]) == (pytest.approx(num), pytest.approx(den))
    # a rate changes in percentage points, never by a percent of itself
    assert row["change_abs"] is None and row["change_pct"] is None
    if prev and prev[0] is not None:
        assert row["change_pp"] == pytest.approx(row["value"] - prev[0])


def test_the_city_figures_hold_no_district(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        kinds = {k for (k,) in con.execute("select distinct group_kind from marts.fct_city_indicator_year").fetchall()}
    assert kinds <= {"city", "level", "school_type", "ownership"}


def test_every_district_with_schools_has_a_report(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        loaded = [
            y
            for (y,) in con.execute(
                "select distinct data_year from staging.stg_submissions where is_current"
            ).fetchall()
        ]
        assert loaded
        for year in loaded:
            districts = {
                d
                for (d,) in con.execute(
                    f"select distinct s.district from ({IN_DISTRICT}) as s inner join intermediate.int_school_years "
                    "as y on y.school_code = s.school_code and y.data_year = $year and y.in_district_scope",
                    {"year": year},
                ).fetchall()
            }
            assert districts, year
            folder = settings.home() / "reports" / "districts" / str(year)
            for district in districts:
                for kind in ("html", "docx", "pdf"):
                    assert (folder / f"{district}_{year}.{kind}").stat().st_size > 0, (district, year, kind)
            assert len(list(folder.glob("*.pdf"))) == len(districts)


def test_the_schools_no_district_report_counts_are_named(built_warehouse):
    """The registry's districts come from the published reports; a school without one is in no district report,
    and the district reports asset names it instead of dropping it silently."""
    from orchestration.reports.district_report import schools_without_district

    with open(settings.SEEDS_DIR / "schools.csv", encoding="utf-8") as f:
        registry = {r["school_code"]: r["district"] for r in csv.DictReader(f)}
    with read_only(settings.duckdb_path()) as con:
        named = {s.split(" ")[0] for s in schools_without_district(con, YEAR)}
        submitted = {
            c
            for (c,) in con.execute(
                "select school_code from staging.stg_submissions where is_current and data_year = ?", [YEAR]
            ).fetchall()
        }
    assert named and all(not registry[c] for c in named)
    assert {c for c in submitted if not registry[c]} <= named
