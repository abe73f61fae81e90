"""`vocwh run` refuses, before any Dagster run starts, a year without template and an empty landing folder."""

from types import SimpleNamespace

import dagster as dg
import pytest

from orchestration import cli, settings


@pytest.fixture
def home(monkeypatch, tmp_path):
    """A warehouse home in tmp_path; no dbt parse, no Dagster instance, and a run that would start is
    recorded, not run."""
    monkeypatch.setenv(settings.HOME_ENV, str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setattr(cli, "_prepare", lambda args=None: None)
    monkeypatch.setattr(dg.DagsterInstance, "get", staticmethod(lambda: None))
    started = []

    def execute(executor, job, year, instance, run_config):
        started.append(year)
        return SimpleNamespace(success=False, run_id=f"fake-{year}")

    monkeypatch.setattr(cli, "_execute", execute)
    return SimpleNamespace(path=tmp_path, started=started)


def submit(year: int, name: str = "BJGZ001") -> None:
    folder = settings.landing_dir(year)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_{year}.xlsx").write_bytes(b"not read: the run is faked")


def test_year_without_template_lists_the_valid_years(home, capsys):
    assert cli.main(["run", "--year", "2023"]) == 2
    err = capsys.readouterr().err
    assert "data year 2023 has no submission template" in err
    assert "2019, 2020, 2021, 2022, 2024, 2025" in err
    assert home.started == []


def test_year_without_template_is_refused_with_all_years_too(home, capsys):
    assert cli.main(["run", "--year", "2030", "--all-years", "--samples"]) == 2
    assert "2030" in capsys.readouterr().err
    assert home.started == [] and not settings.landing_dir().exists()


def test_missing_landing_folder_is_refused(home, capsys):
    assert cli.main(["run", "--year", "2025"]) == 2
    err = capsys.readouterr().err
    assert str(settings.landing_dir(2025)) in err and "does not exist" in err
    assert "vocwh samples --years 2025" in err and "--samples" in err
    assert home.started == []


def test_landing_folder_without_submission_files_is_refused(home, capsys):
    folder = settings.landing_dir(2025)
    (folder / "commission").mkdir(parents=True)
    (folder / "commission" / "facts_register.xlsx").write_bytes(b"x")
    (folder / "~$BJGZ001_2025.xlsx").write_bytes(b"office lock file")
    assert cli.main(["run", "--year", "2025"]) == 2
    err = capsys.readouterr().err
    assert "holds no submission files" in err and str(folder) in err
    assert home.started == []


def test_previous_year_without_files_is_reported_and_skipped(home, capsys):
    submit(2025)
    assert cli.main(["run", "--year", "2025", "--with-previous"]) == 1  # the faked run "fails"
    err = capsys.readouterr().err
    assert "data year 2024 skipped" in err and str(settings.landing_dir(2024)) in err
    assert home.started == [2025]


def test_requested_year_without_files_is_refused_even_when_the_previous_has_them(home, capsys):
    submit(2024)
    assert cli.main(["run", "--year", "2025", "--with-previous"]) == 2
    assert "data year 2025" in capsys.readouterr().err
    assert home.started == []


def test_samples_fill_an_empty_landing_folder_before_the_check(home, monkeypatch):
    import orchestration.samples.generator as generator

    written = []

    def generate(out_dir, years):
        written.extend(years)
        for year in years:
            submit(year)
        return []

    monkeypatch.setattr(generator, "generate", generate)
    settings.landing_dir(2025).mkdir(parents=True)  # empty, not missing
    assert cli.main(["run", "--year", "2025", "--with-previous", "--samples"]) == 1
    assert written == [2024, 2025] and home.started == [2024]  # the faked run of 2024 "fails" and stops


@pytest.fixture
def succeeding(home, monkeypatch):
    """Runs that succeed and leave a warehouse and its published copy, as a real run does."""

    def execute(executor, job, year, instance, run_config):
        home.started.append(year)
        for path in (settings.duckdb_path(), settings.published_path()):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
        return SimpleNamespace(success=True, run_id=f"run-{len(home.started)}")

    monkeypatch.setattr(cli, "_execute", execute)
    return home


def test_a_rerun_with_nothing_new_does_nothing_and_says_so(succeeding, capsys):
    submit(2025)
    assert cli.main(["run", "--year", "2025"]) == 0
    assert cli.main(["run", "--year", "2025"]) == 0
    assert succeeding.started == [2025]
    assert "data year 2025: nothing new since run run-1" in capsys.readouterr().out
    assert cli.main(["run", "--year", "2025", "--force"]) == 0
    assert succeeding.started == [2025, 2025]


def test_a_part_of_the_annual_job_is_done_by_its_own_run_or_the_annual_one(succeeding, capsys):
    submit(2025)
    assert cli.main(["run", "--year", "2025", "--job", "year_figures"]) == 0
    assert cli.main(["run", "--year", "2025", "--job", "school_and_district_reports"]) == 0  # not done yet
    assert cli.main(["run", "--year", "2025", "--job", "school_and_district_reports"]) == 0
    assert succeeding.started == [2025, 2025]
    assert cli.main(["run", "--year", "2025"]) == 0  # the annual job: not done by its parts
    submit(2025, "BJGZ002")
    assert cli.main(["run", "--year", "2025"]) == 0
    capsys.readouterr()
    assert cli.main(["run", "--year", "2025", "--job", "year_figures"]) == 0  # done by the annual run
    assert succeeding.started == [2025] * 4
    assert "data year 2025: nothing new since run run-4" in capsys.readouterr().out


def test_a_new_file_this_year_or_last_year_runs_the_year_again(succeeding):
    submit(2025)
    assert cli.main(["run", "--year", "2025"]) == 0
    submit(2025, "BJGZ002")  # a school's file arrives
    assert cli.main(["run", "--year", "2025"]) == 0
    submit(2024)  # the year the changes compare with
    assert cli.main(["run", "--year", "2025"]) == 0
    assert succeeding.started == [2025, 2025, 2025]


def test_a_failed_run_is_not_taken_for_done(home):
    submit(2025)
    assert cli.main(["run", "--year", "2025"]) == 1
    assert cli.main(["run", "--year", "2025"]) == 1
    assert home.started == [2025, 2025]
