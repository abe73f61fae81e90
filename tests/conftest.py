"""Every test session gets its own warehouse home: nothing touches var/ of the checkout."""

import os
import tempfile
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="vocwh-test-"))
os.environ["VOCWH_HOME"] = str(_HOME)
os.environ.pop("VOCWH_DUCKDB_PATH", None)
os.environ["DAGSTER_HOME"] = str(_HOME / "dagster")
(_HOME / "dagster").mkdir(parents=True, exist_ok=True)


def pytest_sessionstart(session):
    """The setup step, as `vocwh prepare` does it: the definitions load a prepared dbt manifest."""
    from orchestration.dbt_manifest import prepare

    prepare()


@pytest.fixture(scope="session")
def home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def built_warehouse(home):
    """The whole graph materialized for every data year with data, oldest first, from the sample submissions."""
    import dagster as dg

    from orchestration import settings
    from orchestration.definitions import defs
    from orchestration.defs.partitions import DATA_YEARS
    from orchestration.samples.generator import generate

    generate(settings.landing_dir(), [int(y) for y in DATA_YEARS])
    job = defs.resolve_job_def("annual_report")
    results = {}
    with dg.instance_for_test() as instance:
        for year in DATA_YEARS:
            # school reports as PDF too for the last year only: a second per school per year is minutes
            config = {"ops": {"reports__school_reports": {"config": {"pdf": year == DATA_YEARS[-1]}}}}
            results[year] = job.execute_in_process(partition_key=year, instance=instance, run_config=config)
            assert results[year].success
    return results


def pytest_collection_modifyitems(items):
    """A test that reads the session's built warehouse is end-to-end, wherever it is written."""
    for item in items:
        if "built_warehouse" in item.fixturenames:
            item.add_marker(pytest.mark.e2e)
