"""004's figures as a submission (北京市昌平职业学校, only the rows 004 fills): accepted, and the funding rules
warn with the report's own gaps (200 万元 between 经费投入 and its parts, 36.96 万元 in 项目经费)."""

from pathlib import Path

import pytest

from data_checks import registry
from orchestration import catalogue
from orchestration.intake.parse import parse_submission
from tests.helpers import read_only
from tests.report_004 import FIGURES, school_code, write_004


def _findings(path, year):
    sub = parse_submission(path, year)
    return sub, [*sub.findings, *registry.check_batch([sub], year, {}).get(sub.file_name, [])]


@pytest.mark.parametrize("data_year", [2019, 2020])
def test_004_figures_are_accepted_in_the_zhongzhi_template(tmp_path, data_year):
    # a voluntary collection in the 2025 中职 template (seeds/template_versions.csv): blank optional rows are
    # not findings
    path = write_004(tmp_path, data_year)
    sub, findings = _findings(path, data_year)
    assert not [f for f in findings if f.severity == "error"], [(f.rule_id, f.found) for f in findings]
    reported = {v["indicator_code"]: v["value"] for v in sub.values if v["value"] is not None}
    assert reported == pytest.approx({k: float(v) for k, v in FIGURES[data_year].items()})


def test_funding_rules_warn_with_the_reports_gaps(tmp_path):
    _, findings = _findings(write_004(tmp_path, 2020), 2020)
    warned = {f.rule_id: f for f in findings if f.severity == "warning"}
    assert "分项之和比「经费投入总额」少 2,000,000 元" in warned["X311"].found  # 10297.2895 of 10497.2895 万元
    assert "少 369,600 元" in warned["X312"].found  # 2565.0143 − 2528.0543 万元: the parts fall short
    assert "X313" not in warned  # 237.7027 + 118.0875 = 355.7902


def test_blank_compulsory_row_is_still_an_error(tmp_path):
    from tests.report_004 import FIGURES as figures

    saved = figures[2020].pop("fulltime_teachers")
    try:
        _, findings = _findings(write_004(tmp_path, 2020), 2020)
    finally:
        figures[2020]["fulltime_teachers"] = saved
    assert [f.indicator_code for f in findings if f.rule_id == "V002"] == ["fulltime_teachers"]


def test_only_the_core_counts_are_compulsory_in_the_zhongzhi_templates():
    for version in ("2022", "2025"):
        required = {r.code for r in catalogue.template_rows(version, "中职") if r.required}
        assert required <= {"enrol_secondary", "students_secondary_ft", "graduates", "fulltime_teachers"}
        assert {"enrol_secondary", "students_secondary_ft", "graduates"} <= required


@pytest.mark.e2e
def test_004_two_years_through_the_pipeline(tmp_path, monkeypatch):
    from tests.pipeline import materialize_year

    home = tmp_path / "home"
    for year in (2019, 2020):
        write_004(home / "landing" / str(year), year)
    for year in (2019, 2020):
        materialize_year(home, year, monkeypatch)
    code = school_code()
    with read_only(home / "warehouse.duckdb") as con:
        status = con.execute("select data_year, status from raw.submissions where school_code = ?", [code]).fetchall()
        values = dict(
            con.execute(
                "select data_year || ':' || indicator_code, value "
                "from marts.fct_school_indicator where school_code = ?",
                [code],
            ).fetchall()
        )
    assert sorted(status) == [(2019, "accepted"), (2020, "accepted")], status
    assert values["2020:enrol_secondary"] == 978 and values["2019:enrol_secondary"] == 612
    assert values["2020:funding_input_total"] == 104_972_895

    # the school mart: the changes computed from the two years' figures (004's right ones; its wrong change
    # columns are what check-report lists)
    with read_only(home / "warehouse.duckdb") as con:
        mart = {
            code_: (value, prev, abs_, pct, pp)
            for code_, value, prev, abs_, pct, pp in con.execute(
                "select indicator_code, value, prev_value, change_abs, change_pct, change_pp "
                "from marts.mart_school_indicator_year where school_code = ? and data_year = 2020",
                [code],
            ).fetchall()
        }
    value, prev, change, pct, pp = mart["enrol_secondary"]
    assert (value, prev, change, round(pct, 2), pp) == (978, 612, 366, 59.80, None)
    value, prev, change, pct, pp = mart["dual_qualified_share"]
    assert (round(value, 1), round(prev, 1), round(pp, 1), pct) == (71.5, 83.7, -12.2, None)
    value, prev, change, pct, pp = mart["paper_books_per_student_secondary"]
    assert (round(value, 2), round(prev, 2), round(change, 2), round(pct, 2)) == (56.47, 54.37, 2.10, 3.86)

    # 004 checked against this submission: its wrong change columns, and its figures that agree are matched
    from orchestration.report_check.check import check_report

    report = Path(__file__).parent / "expected" / "reports" / "004_f3bde97ff30458f4.txt"
    result = check_report(report, 2020, code, db=home / "warehouse.duckdb", write=False)
    assert "已与数据仓库" in result.warehouse_note
    wrong = {(p.no, p.printed) for p in result.problems}
    assert {(55, "8.95"), (55, "19.7%"), (70, "0.39%"), (135, "0.6%")} <= wrong, sorted(wrong)
    agreed = {f.indicator_code for f in result.figures if f.status == "一致"}
    assert {"enrol_secondary", "graduates"} <= agreed, agreed
