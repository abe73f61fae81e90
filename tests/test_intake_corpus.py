"""The real intake and feedback steps over a corpus of messy and hostile submissions, in one batch
(tests/corpus/cases.csv): the Dagster intake asset, the dbt models up to the findings mart, and the
feedback asset, materialized for the corpus's data year.

Messy but valid files are accepted with exactly the values a careful clerk would read; wrong or
hostile files are quarantined with the expected rule IDs and Chinese messages, every problem of a
file at once; nothing of a quarantined file is loaded; every school not in the corpus is accepted
with exactly its values; every file gets a feedback workbook with its real problems, and no cell of
any of them is a formula.
"""

import shutil

import dagster as dg
import duckdb
import pytest
from openpyxl import load_workbook

from orchestration import catalogue, settings
from orchestration.definitions import defs
from orchestration.defs.feedback import FEEDBACK
from orchestration.defs.resources import default_resources
from orchestration.findings import rules
from orchestration.reports.feedback import feedback_file_name
from orchestration.samples.generator import school_values
from tests.corpus.build import YEAR, build
from tests.pipeline import failures

pytestmark = pytest.mark.e2e  # runs the real Dagster graph on a warehouse of its own


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("corpus")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VOCWH_HOME", str(home))
        mp.setenv("VOCWH_DUCKDB_PATH", str(home / "warehouse.duckdb"))  # read by dbt's profile
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")  # only the tests of the models up to the findings mart
        _, cases = build(settings.landing_dir())
        result = dg.materialize(
            list(defs.assets),
            selection=dg.AssetSelection.assets(FEEDBACK).upstream().required_multi_asset_neighbors(),
            partition_key=str(YEAR),
            resources=default_resources(),
            raise_on_error=False,
        )
        feedback = settings.feedback_dir(YEAR)
    assert result.success, failures(result)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    quarantined = {
        r[0] for r in con.execute("select file_name from raw.submissions where status = 'quarantined'").fetchall()
    }
    yield con, cases, quarantined, feedback
    con.close()
    shutil.rmtree(home, ignore_errors=True)


def _submission(con, file_name):
    row = con.execute(
        "select submission_id, status, school_code from raw.submissions where data_year = ? and file_name = ?",
        [YEAR, file_name],
    ).fetchone()
    assert row is not None, f"{file_name} has no submission record"
    return row


def _findings(con, submission_id):
    return con.execute(
        "select rule_id, severity, message_zh from raw.submission_findings where submission_id = ?", [submission_id]
    ).fetchall()


def _loaded_rows(con, submission_id):
    return sum(
        con.execute(f"select count(*) from raw.{table} where submission_id = ?", [submission_id]).fetchone()[0]
        for table in ("submission_values", "submission_list_values")
    )


def _expected_rules(case):
    return {target for kind, target, _ in case.expectations if kind == "rule"}


def test_every_case_has_exactly_its_findings_and_messages(corpus_run):
    con, cases, _, _ = corpus_run
    for case in cases:
        for file_name in case.file_names:
            sid, _, _ = _submission(con, file_name)
            found = _findings(con, sid)
            assert {f[0] for f in found} == _expected_rules(case), f"{case.case_id} ({file_name}): {found}"
            for kind, rule_id, fragment in case.expectations:
                if kind == "rule":
                    messages = [m for r, _, m in found if r == rule_id]
                    assert any(fragment in m for m in messages), (
                        f"{case.case_id}: no {rule_id} message with「{fragment}」in {messages}"
                    )
                    assert all(f"文件「{file_name}」" in m for m in messages), (
                        f"{case.case_id}: message does not name the file"
                    )


def test_bad_files_are_quarantined_and_nothing_of_them_is_loaded(corpus_run):
    con, cases, quarantined, _ = corpus_run
    for case in cases:
        blocking = any(rules()[r]["severity"] == "error" for r in _expected_rules(case))
        for file_name in case.file_names:
            sid, status, school = _submission(con, file_name)
            assert status == ("quarantined" if blocking else "accepted"), f"{case.case_id}: {status}"
            for kind, _, expected in case.expectations:
                if kind == "school":  # a file naming two schools is stored under neither
                    assert school == (None if expected == "none" else expected), f"{case.case_id}: stored as {school}"
            if blocking:
                assert _loaded_rows(con, sid) == 0, f"{case.case_id}: rows of a quarantined file were loaded"
                assert file_name in quarantined


def test_messy_but_valid_files_give_the_exact_values(corpus_run):
    con, cases, _, _ = corpus_run
    clean = school_values(YEAR)
    checked = 0
    for case in cases:
        sid, status, school = _submission(con, case.file_names[0])
        for kind, code, expected in case.expectations:
            if kind != "value":
                continue
            assert status == "accepted" and school == case.school_code, f"{case.case_id}: {status}, {school}"
            row = con.execute(
                "select value from raw.submission_values where submission_id = ? and indicator_code = ?", [sid, code]
            ).fetchone()
            assert row is not None, f"{case.case_id}: {code} not loaded"
            want = {"none": None, "same": clean[case.school_code][code]}.get(expected, expected)
            assert row[0] == (None if want is None else float(want)), (
                f"{case.case_id}: {code} = {row[0]}, expected {want}"
            )
            checked += 1
    assert checked >= 30


def test_every_school_outside_the_corpus_is_accepted_without_findings(corpus_run):
    con, cases, _, _ = corpus_run
    in_corpus = {n for case in cases for n in case.file_names}
    others = con.execute(
        "select file_name, status, warning_count from raw.submissions where data_year = ? order by file_name", [YEAR]
    ).fetchall()
    others = [o for o in others if o[0] not in in_corpus]
    assert len(others) >= 5
    assert all(status == "accepted" and warnings == 0 for _, status, warnings in others), others


def test_one_school_per_case_and_every_rule_is_catalogued(corpus_run):
    _, cases, _, _ = corpus_run
    schools = [case.school_code for case in cases]
    assert len(schools) == len(set(schools))
    assert all(r in rules() for case in cases for r in _expected_rules(case))


def test_every_untouched_school_has_exactly_its_values(corpus_run):
    """What one school sends never costs another anything: every value of every school outside the
    corpus (the other school named by a file with two identities included) is loaded as sent."""
    con, cases, _, _ = corpus_run
    touched = {case.school_code for case in cases}
    clean = school_values(YEAR)
    loaded = con.execute(
        """select s.school_code, v.indicator_code, v.value from raw.submission_values v
           join raw.submissions s using (submission_id) where s.status = 'accepted'"""
    ).fetchall()
    by_school: dict[str, dict[str, float | None]] = {}
    for school, code, value in loaded:
        by_school.setdefault(school, {})[code] = value
    untouched = sorted(set(clean) - touched)
    assert len(untouched) >= 5
    for school in untouched:
        want = {
            code: (None if v is None else float(v)) for code, v in clean[school].items() if not code.startswith("list:")
        }
        got = {code: by_school.get(school, {}).get(code) for code in want}
        assert got == want, f"{school}: {[c for c in want if got[c] != want[c]]}"


def test_every_file_gets_feedback_with_its_real_problems(corpus_run):
    con, cases, _, folder = corpus_run
    latest = dict(con.execute("select file_name, school_code from staging.stg_submissions where is_latest").fetchall())
    checked = 0
    for case in cases:
        errors = {r for r in _expected_rules(case) if rules()[r]["severity"] == "error"}
        for file_name in case.file_names:
            if file_name not in latest:
                continue  # a school's earlier file in the same batch (M007): its feedback shows the latest
            school, checked = latest[file_name], checked + 1
            path = folder / feedback_file_name(school, file_name, YEAR)
            assert path.exists(), f"{case.case_id}: no feedback workbook {path.name}"
            sheet = load_workbook(path)["问题清单"]
            listed = {row[2] for row in sheet.iter_rows(min_row=3, values_only=True)}
            assert errors <= listed, f"{case.case_id}: {path.name} lists {listed}, expected {errors}"
            title = str(sheet["A1"].value)
            assert "nan" not in title.lower() and "None" not in title, title
            if school in catalogue.schools():  # titled with the registry's name (seeds/schools.csv)
                assert title.startswith(f"{catalogue.schools()[school].name} {YEAR} 年度"), title
    assert checked >= len(cases)


def test_no_cell_of_any_feedback_workbook_is_a_formula(corpus_run):
    _, _, _, folder = corpus_run
    workbooks = sorted(folder.glob("*.xlsx"))
    assert len(workbooks) >= 70
    for path in workbooks:
        for ws in load_workbook(path).worksheets:
            formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
            assert not formulas, f"{path.name}!{ws.title}: {formulas}"
