"""Warnings hold the report back until the school explains them; errors cannot be explained away.

A school writes its fitness rate as a fraction (0.85): the intake reads 85 % and warns (V004). The
run writes the school's feedback workbook and holds the report back (blocking warnings_resolved).
Another school does the same but says why in the row's 说明 column: its warning is explained by its
填报人 in the same run.
The school fills in 学校说明 / 说明人 in the workbook's 预警说明 sheet, adds an "explanation" of an
error for good measure, and returns it: the warning is released (who and when recorded), the
error's explanation is refused (E001), the report step runs and the published copy is produced.
"""

import shutil

import pytest
from openpyxl import load_workbook

from orchestration import settings
from orchestration.intake.explanations import EXPLANATION_FOLDER
from orchestration.reports.feedback import feedback_file_name
from orchestration.samples.generator import generate
from tests.helpers import read_only
from tests.pipeline import materialize_year, run_job

pytestmark = pytest.mark.e2e  # runs the real Dagster graph on a warehouse of its own

YEAR = 2025
LABEL = "学生体质健康测试优良率"


def _schools_with_fitness_row(folder):
    paths = [p for p in sorted(folder.glob("BJZZ*.xlsx")) if _fitness_row(load_workbook(p)["教育教学关键要素"])]
    assert len(paths) >= 2, "two 中职 workbooks with the fitness row"
    return paths[:2]


def _fitness_row(ws):
    return next((r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == LABEL), None)


def _write_fraction(path, note=None):
    wb = load_workbook(path)
    ws = wb["教育教学关键要素"]
    row = _fitness_row(ws)
    ws.cell(row, 4).value = 0.85
    ws.cell(row, 6).value = note  # 说明
    wb.save(path)


def _materialized(result):
    return {"/".join(m.asset_key.path) for m in result.get_asset_materialization_events()}


REPORT_STEP = "reports__annual_report_combined"


def _report_ran(result) -> bool:
    """The report step was not held back. Whether the edition then builds is its own business: with
    only this one data year loaded it has no previous year to compare with, and says so."""
    return REPORT_STEP in {e.step_key for e in result.all_events if e.is_step_success or e.is_step_failure}


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    home = tmp_path_factory.mktemp("explanations")
    generate(home / "landing", [YEAR])
    path, noted = _schools_with_fitness_row(home / "landing" / str(YEAR))
    school = path.name.split("_")[0]
    _write_fraction(path)
    _write_fraction(noted, note="优良率按小数 0.85 填写，即 85%")
    mp = pytest.MonkeyPatch()
    held = materialize_year(home, YEAR, mp)
    held_reports = run_job(home, YEAR, "school_and_district_reports", mp)
    with read_only(home / "warehouse.duckdb") as con:
        on_the_row = con.execute(
            "select resolution, resolved_by, resolution_text from marts.fct_submission_findings "
            "where school_code = ? and rule_id = 'V004' and is_current",
            [noted.name.split("_")[0]],
        ).fetchone()
    feedback = settings.feedback_dir(YEAR) / feedback_file_name(school, path.name, YEAR)
    wb = load_workbook(feedback)
    ws = wb["预警说明"]
    header = [c.value for c in ws[2]]
    col = {name: header.index(name) + 1 for name in header}
    listed = [r for r in range(3, ws.max_row + 1) if ws.cell(r, col["规则编号"]).value == "V004"]
    for r in listed:
        ws.cell(r, col["学校说明"]).value = "体质测试优良率按 0.85 填写，即 85%，经核对无误。"
        ws.cell(r, col["说明人"]).value = "王老师"
    error_row = ws.max_row + 1
    for name, value in {
        "学校代码": school,
        "数据年度": YEAR,
        "规则编号": "X001",
        "指标代码": "senior_title_teachers",
        "学校说明": "口径不同",
        "说明人": "王老师",
    }.items():
        ws.cell(error_row, col[name]).value = value
    returned = home / "landing" / str(YEAR) / EXPLANATION_FOLDER / feedback.name
    returned.parent.mkdir(parents=True, exist_ok=True)
    wb.save(returned)
    released = materialize_year(home, YEAR, mp)
    yield home, school, held, listed, released, error_row, on_the_row, held_reports
    mp.undo()
    shutil.rmtree(home, ignore_errors=True)


def test_an_open_warning_holds_the_report_back(explained):
    home, school, held, listed, _, _, on_the_row, _ = explained
    checks = {e.check_name: e.passed for e in held.get_asset_check_evaluations()}
    assert checks["warnings_resolved"] is False
    assert not _report_ran(held) and "published/warehouse" not in _materialized(held)
    assert len(listed) == 1  # the feedback workbook lists the warning, ready to be explained
    assert on_the_row == ("explained", "示例数据", "优良率按小数 0.85 填写，即 85%")  # by the file's 填报人
    with read_only(home / "warehouse.duckdb") as con:
        value = con.execute(
            "select value from raw.submission_values "
            "where school_code = ? and indicator_code = 'fitness_excellent_rate'",
            [school],
        ).fetchone()[0]
    assert value == 85.0


def test_an_open_warning_holds_the_school_reports_back_when_they_run_on_their_own(explained):
    """At national scale the school and district reports are a run of their own after the year's figures:
    the gate runs again in it, on what the warehouse holds."""
    held_reports = explained[-1]
    assert [(e.check_name, e.passed) for e in held_reports.get_asset_check_evaluations()] == [
        ("warnings_resolved", False)
    ]
    assert not held_reports.success and not _materialized(held_reports)


def test_the_explanation_releases_the_warning_and_records_who_and_when(explained):
    home, school, _, _, released, _, _, _ = explained
    checks = {e.check_name: e.passed for e in released.get_asset_check_evaluations()}
    assert checks["warnings_resolved"] is True
    assert _report_ran(released) and "published/warehouse" in _materialized(released)
    query = (
        "select resolution, {who} resolved_at is not null from marts.fct_submission_findings "
        "where school_code = ? and rule_id = 'V004' and is_current"
    )
    with read_only(home / "warehouse.duckdb") as con:  # who explained it: recorded in the warehouse
        resolution = con.execute(query.format(who="resolved_by,"), [school]).fetchone()
    assert resolution == ("explained", "王老师", True)
    with read_only(home / "published" / "warehouse.duckdb") as con:  # analysts see the resolution, not the person
        published = con.execute(query.format(who=""), [school]).fetchone()
        columns = {r[0] for r in con.execute("describe marts.fct_submission_findings").fetchall()}
    assert published == ("explained", True) and "resolved_by" not in columns


def test_an_explanation_of_an_error_is_refused(explained):
    home, school, _, _, _, error_row, _, _ = explained
    with read_only(home / "warehouse.duckdb") as con:
        refused = con.execute(
            "select row_number, problem_rule_id, problem_zh from raw.warning_explanations "
            "where school_code = ? and status = 'refused'",
            [school],
        ).fetchall()
    assert len(refused) == 1
    row, rule, message = refused[0]
    assert (row, rule) == (error_row, "E001")
    assert (
        "工作表「预警说明」" in message
        and f"第 {error_row} 行" in message
        and "X001" in message
        and "重新提交" in message
    )
