"""Resubmission, re-runs and history: a corrected workbook supersedes the earlier version, every
version stays queryable, only that school is parsed and only its year is rebuilt; re-running with
the same inputs changes nothing."""

import shutil

import pytest

from tests.helpers import add_to_cell, read_only
from tests.pipeline import copy_built_home, failures, materialize_year

pytestmark = pytest.mark.e2e  # runs the real Dagster graph on a copy of the session's built warehouse

SCHOOL = "BJGZ003"
FILE = f"{SCHOOL}_2025.xlsx"
ADDED_TEACHERS = 37


CITY_TEACHERS = (
    "select data_year, value from marts.fct_city_indicator_year "
    "where group_name = '职业院校合计' and indicator_code = 'fulltime_teachers'"
)


def _snapshot(con):
    return {
        "submissions": con.execute("select count(*) from raw.submissions").fetchone()[0],
        "files_2025": con.execute("select count(*) from raw.submissions where data_year = 2025").fetchone()[0],
        "city_teachers": dict(con.execute(CITY_TEACHERS).fetchall()),
        "values": con.execute("select count(*) from raw.submission_values").fetchone()[0],
        "city": con.execute(
            "select * exclude (dbt_invocation_id) from marts.fct_city_indicator_year "
            "order by data_year, group_name, indicator_code"
        ).fetchall(),
    }


def _invocations(con, table):
    return dict(
        con.execute(f"select data_year, any_value(dbt_invocation_id) from {table} group by data_year").fetchall()
    )


def _metadata(result, key):
    mats = [m for m in result.get_asset_materialization_events() if m.asset_key.path == key]
    # the year's partition; the reference data and dimensions are unpartitioned (one state for every year)
    return mats[0].materialization.metadata, {
        m.materialization.partition
        for m in result.get_asset_materialization_events()
        if m.materialization.partition is not None
    }


@pytest.fixture(scope="module")
def resubmitted(built_warehouse, home, tmp_path_factory):
    home = copy_built_home(home, tmp_path_factory.mktemp("resubmission"))
    mp = pytest.MonkeyPatch()
    db = home / "warehouse.duckdb"
    with read_only(db) as con:
        before = _snapshot(con)
        before["invocations"] = {
            t: _invocations(con, t)
            for t in ("intermediate.int_school_indicator_values", "marts.fct_city_indicator_year")
        }
        before["teachers"] = con.execute(
            "select value from marts.fct_school_indicator "
            "where data_year = 2025 and school_code = ? and indicator_code = 'fulltime_teachers'",
            [SCHOOL],
        ).fetchone()[0]
    add_to_cell(home / "landing" / "2025" / FILE, "教师队伍", "专任教师数", ADDED_TEACHERS)  # the corrected figure
    resubmission = materialize_year(home, 2025, mp)
    with read_only(db) as con:
        after = _snapshot(con)
        after["invocations"] = {t: _invocations(con, t) for t in before["invocations"]}
    rerun = materialize_year(home, 2025, mp)
    with read_only(db) as con:
        again = _snapshot(con)
    yield home, before, resubmission, after, rerun, again
    mp.undo()
    shutil.rmtree(home, ignore_errors=True)


def test_new_version_wins_and_old_one_stays_in_history(resubmitted):
    home, before, resubmission, _, _, _ = resubmitted
    assert resubmission.success, failures(resubmission)
    with read_only(home / "warehouse.duckdb") as con:
        versions = con.execute(
            """select s.file_hash, s.loaded_at, s.status, st.is_current
               from raw.submissions s join staging.stg_submissions st using (submission_id)
               where s.data_year = 2025 and s.school_code = ? order by s.loaded_at""",
            [SCHOOL],
        ).fetchall()
        teachers = con.execute(
            "select value from marts.fct_school_indicator "
            "where data_year = 2025 and school_code = ? and indicator_code = 'fulltime_teachers'",
            [SCHOOL],
        ).fetchone()[0]
        old_value = con.execute(
            "select v.value from raw.submission_values v "
            "where v.submission_id = ? and v.indicator_code = 'fulltime_teachers'",
            [f"2025-{versions[0][0][:20]}"],
        ).fetchone()[0]
        city = dict(con.execute(CITY_TEACHERS).fetchall())
    old_city = before["city_teachers"]
    assert len(versions) == 2 and versions[0][0] != versions[1][0] and versions[0][1] < versions[1][1]
    assert [v[2] for v in versions] == ["accepted", "accepted"] and [v[3] for v in versions] == [False, True]
    assert old_value == before["teachers"] and teachers == before["teachers"] + ADDED_TEACHERS
    assert city[2025] == old_city[2025] + ADDED_TEACHERS and city[2024] == old_city[2024]


def test_only_the_school_and_its_year_are_reprocessed(resubmitted):
    _, before, resubmission, after, _, _ = resubmitted
    meta, partitions = _metadata(resubmission, ["raw", "submissions"])
    assert meta["accepted"].value == 1 and meta["unchanged"].value == before["files_2025"] - 1
    assert partitions == {"2025"}
    # seeds and dimensions unchanged: the reference build of the base run holds, nothing of it is rebuilt
    reference, _ = _metadata(resubmission, ["marts", "dim_school"])
    assert "unchanged_since_run" in reference
    for table, old in before["invocations"].items():
        new = after["invocations"][table]
        assert new[2024] == old[2024], f"{table}: 2024 was rebuilt"
        assert new[2025] != old[2025], f"{table}: 2025 was not rebuilt"


def test_rerun_with_the_same_inputs_changes_nothing(resubmitted):
    _, _, _, after, rerun, again = resubmitted
    assert rerun.success, failures(rerun)
    meta, _ = _metadata(rerun, ["raw", "submissions"])
    assert meta["accepted"].value == 0
    assert {k: again[k] for k in ("submissions", "values", "city")} == {
        k: after[k] for k in ("submissions", "values", "city")
    }
