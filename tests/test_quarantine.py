"""One broken workbook among good ones: it is quarantined with Chinese messages naming sheet and
row (all its problems at once), and every other school's data reaches the marts."""

import shutil

import pytest
from openpyxl import load_workbook

from orchestration.samples.generator import generate
from tests.helpers import read_only
from tests.pipeline import failures, materialize_year

pytestmark = pytest.mark.e2e  # runs the real Dagster graph on a warehouse of its own

BROKEN = "BJZZ003"


def _row_of(ws, label):
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == label)


@pytest.fixture(scope="module")
def quarantine_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("quarantine")
    generate(home / "landing", [2025])
    path = home / "landing" / "2025" / f"{BROKEN}_2025.xlsx"
    wb = load_workbook(path)
    ws = wb["教师队伍"]
    teachers = ws.cell(_row_of(ws, "专任教师数"), 4).value
    senior_row = _row_of(ws, "具有高级职称的专任教师数")
    ws.cell(senior_row, 4).value = teachers + 5  # part larger than whole
    mentor_row = _row_of(ws, "行业导师数")
    ws.cell(mentor_row, 4).value = "约三十人"  # text where a number belongs
    wb.save(path)
    mp = pytest.MonkeyPatch()
    result = materialize_year(home, 2025, mp)
    yield home, result, senior_row, mentor_row
    mp.undo()
    shutil.rmtree(home, ignore_errors=True)


def test_broken_workbook_is_quarantined_with_every_problem(quarantine_run):
    home, result, senior_row, mentor_row = quarantine_run
    assert result.success, failures(result)
    with read_only(home / "warehouse.duckdb") as con:
        status = con.execute(
            "select status from raw.submissions where file_name = ?", [f"{BROKEN}_2025.xlsx"]
        ).fetchone()[0]
        findings = con.execute(
            "select rule_id, sheet, row_number, message_zh from raw.submission_findings "
            "where school_code = ? order by rule_id",
            [BROKEN],
        ).fetchall()
    assert status == "quarantined"
    by_rule = {f[0]: f for f in findings}
    assert set(by_rule) == {"V001", "X001"}
    assert by_rule["X001"][1:3] == ("教师队伍", senior_row)
    assert f"工作表「教师队伍」，第 {senior_row} 行，单元格 D{senior_row}" in by_rule["X001"][3]
    assert "高级职称" in by_rule["X001"][3] and "专任教师" in by_rule["X001"][3]
    assert by_rule["V001"][1:3] == ("教师队伍", mentor_row)
    assert "约三十人" in by_rule["V001"][3]


def test_every_other_school_reaches_the_marts(quarantine_run):
    home, _, _, _ = quarantine_run
    with read_only(home / "warehouse.duckdb") as con:
        schools = {
            r[0]
            for r in con.execute(
                "select distinct school_code from marts.fct_school_indicator where data_year = 2025"
            ).fetchall()
        }
        accepted = con.execute(
            "select count(*) from raw.submissions where data_year = 2025 and status = 'accepted'"
        ).fetchone()[0]
        teachers = con.execute(
            """select schools_reporting, schools_expected from marts.mart_ch1_indicators
               where data_year = 2025 and group_name = '职业院校合计' and indicator_code = 'fulltime_teachers'"""
        ).fetchone()
        leaked = con.execute("select count(*) from raw.submission_values where school_code = ?", [BROKEN]).fetchone()[0]
    assert BROKEN not in schools and accepted == 76 and len(schools) == 76  # 75 in scope + 首钢工学院
    assert teachers == (75, 76)
    assert leaked == 0


def test_quarantine_check_warns_in_dagster(quarantine_run):
    _, result, _, _ = quarantine_run
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["no_quarantined_submissions"].passed is False
