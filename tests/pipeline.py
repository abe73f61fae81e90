"""Materialize the graph for one data year against a warehouse of the test's own."""

import shutil
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.resources import default_resources

# scenarios read the warehouse and the edition; a PDF per school would cost minutes (tests/conftest.py)
NO_SCHOOL_PDF = {"ops": {"reports__school_reports": {"config": {"pdf": False}}}}


def _use_home(home: Path, monkeypatch) -> None:
    monkeypatch.setenv("VOCWH_HOME", str(home))
    monkeypatch.setenv("VOCWH_DUCKDB_PATH", str(home / "warehouse.duckdb"))  # read by dbt's profile


def materialize_year(home: Path, year: int, monkeypatch) -> dg.ExecuteInProcessResult:
    """Run intake → dbt → checks → report for `year` with the warehouse under `home`."""
    _use_home(home, monkeypatch)
    assets = [a for a in defs.assets] + list(defs.asset_checks)
    return dg.materialize(
        assets, partition_key=str(year), resources=default_resources(), raise_on_error=False, run_config=NO_SCHOOL_PDF
    )


def run_job(home: Path, year: int, name: str, monkeypatch) -> dg.ExecuteInProcessResult:
    """Run one of the project's jobs for `year` with the warehouse under `home`."""
    _use_home(home, monkeypatch)
    return defs.resolve_job_def(name).execute_in_process(
        partition_key=str(year), resources=default_resources(), raise_on_error=False, run_config=NO_SCHOOL_PDF
    )


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """What failed in a run, step by step: an assertion on `success` shows it instead of just False."""
    return [
        f"{e.step_key}: {e.step_failure_data.error.to_string() if e.step_failure_data.error else e.message}"
        if e.is_step_failure
        else f"{e.step_key}: {e.message}"
        for e in result.all_events
        if e.is_failure
    ]


def copy_built_home(built: Path, home: Path) -> Path:
    """A scenario's own warehouse, copied from the session's built one (every data year, sample
    submissions) instead of built again: the warehouse file and the landing folder it was loaded from."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy2(built / "warehouse.duckdb", home / "warehouse.duckdb")
    shutil.copytree(built / "landing", home / "landing", symlinks=True)
    return home
