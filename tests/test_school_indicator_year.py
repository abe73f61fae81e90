"""The school mart (marts.mart_school_indicator_year) against one sample school's submitted values.

Everything expected here is computed from the school's two submissions as staging holds them (and from the
other schools' for the rank), not from the marts: a count changes by a difference and a percent, a rate by
percentage points (from the school's own numerator and denominator), the rank is a direct ranking of the
level's schools the city figures count, and the city value is fct_city_indicator_year's of the level.
"""

import pytest

from orchestration import settings
from tests.helpers import read_only

SCHOOL, YEAR, LEVEL = "BJGZ008", 2025, "高职"

# the schools of the level the city figures count in the year (registry, minus the scope exclusions)
IN_SCOPE = """
    select s.school_code
    from staging.stg_schools as s
    where s.level = $level
      and not exists (
          select 1 from reference.city_scope_exclusions as x
          where x.school_code = s.school_code and $year between x.first_year and x.last_year
      )
"""


def _submitted(con, year: int, indicator: str, school: str = SCHOOL) -> float:
    rows = con.execute(
        "select value from staging.stg_submission_values "
        "where school_code = ? and data_year = ? and indicator_code = ?",
        [school, year, indicator],
    ).fetchall()
    assert len(rows) == 1, f"{school} {year} {indicator}: {rows}"
    return rows[0][0]


def _mart(con, indicator: str) -> dict:
    cursor = con.execute(
        "select * from marts.mart_school_indicator_year where school_code = ? and data_year = ? and indicator_code = ?",
        [SCHOOL, YEAR, indicator],
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


def _city(con, indicator: str) -> float:
    return con.execute(
        "select value from marts.fct_city_indicator_year where data_year = ? and group_name = ? and indicator_code = ?",
        [YEAR, LEVEL, indicator],
    ).fetchone()[0]


def _direct_rank(con, indicator: str, numerator: str | None = None, denominator: str | None = None):
    """(rank, schools ranked, percentile) of SCHOOL from staging: 1 = highest, ties share the rank."""
    if numerator:
        value = (
            "100.0 * max(value) filter (where indicator_code = $num) / max(value) filter (where indicator_code = $den)"
        )
        codes = [numerator, denominator]
    else:
        value, codes = "max(value)", [indicator]
    params = {"level": LEVEL, "year": YEAR, "codes": codes, "school": SCHOOL}
    if numerator:
        params |= {"num": numerator, "den": denominator}
    return con.execute(
        f"""
        with values_ as (
            select school_code, {value} as value
            from staging.stg_submission_values
            where data_year = $year and indicator_code in (select unnest($codes::varchar[]))
              and school_code in ({IN_SCOPE})
            group by school_code
        ),
        ranked as (
            select school_code,
                   rank() over (order by value desc) as level_rank,
                   count(*) over () as schools_ranked,
                   100.0 * cume_dist() over (order by value) as level_percentile
            from values_ where value is not null
        )
        select level_rank, schools_ranked, level_percentile from ranked where school_code = $school
        """,
        params,
    ).fetchone()


def test_a_count_changes_by_difference_and_percent(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        prev, cur = _submitted(con, YEAR - 1, "fulltime_teachers"), _submitted(con, YEAR, "fulltime_teachers")
        row = _mart(con, "fulltime_teachers")
        rank = _direct_rank(con, "fulltime_teachers")
        city = _city(con, "fulltime_teachers")
    assert (row["value"], row["prev_value"]) == (cur, prev)
    assert row["change_abs"] == cur - prev
    assert row["change_pct"] == pytest.approx(100 * (cur - prev) / prev)
    assert row["change_pp"] is None
    assert (row["level_rank"], row["schools_ranked"]) == rank[:2]
    assert row["level_percentile"] == pytest.approx(rank[2])
    assert row["city_value"] == city
    # a level total is no peer of one school's count: its share instead
    assert row["diff_from_city"] is None
    assert row["share_of_city_pct"] == pytest.approx(100 * cur / city)


def test_a_rate_changes_in_percentage_points_from_the_schools_own_parts(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        share = {
            year: 100 * _submitted(con, year, "dual_qualified_teachers") / _submitted(con, year, "fulltime_teachers")
            for year in (YEAR - 1, YEAR)
        }
        row = _mart(con, "dual_qualified_share")
        rank = _direct_rank(con, "dual_qualified_share", "dual_qualified_teachers", "fulltime_teachers")
        city = _city(con, "dual_qualified_share")
    assert row["value"] == pytest.approx(share[YEAR])
    assert row["prev_value"] == pytest.approx(share[YEAR - 1])
    assert row["change_pp"] == pytest.approx(share[YEAR] - share[YEAR - 1])
    assert row["change_abs"] is None and row["change_pct"] is None  # never a percent of a percent
    assert (row["level_rank"], row["schools_ranked"]) == rank[:2]
    assert row["level_percentile"] == pytest.approx(rank[2])
    assert row["city_value"] == city
    assert row["diff_from_city"] == pytest.approx(share[YEAR] - city)


def test_every_change_follows_the_city_rules_and_every_city_value_is_the_levels(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        mismatches = con.execute(
            """
            select count(*)
            from marts.mart_school_indicator_year as s
            left join marts.fct_city_indicator_year as c
                on c.data_year = s.data_year and c.group_name = s.level and c.indicator_code = s.indicator_code
            where s.city_value is distinct from c.value
               or s.change_semantics is distinct from c.change_semantics and c.change_semantics is not null
            """
        ).fetchone()[0]
        first_year = con.execute(
            "select count(*) from marts.mart_school_indicator_year where data_year = (select min(data_year) from "
            "marts.mart_school_indicator_year) and (prev_value is not null or change_abs is not null "
            "or change_pct is not null or change_pp is not null)"
        ).fetchone()[0]
    assert mismatches == 0
    assert first_year == 0  # the first loaded year has nothing to compare with
