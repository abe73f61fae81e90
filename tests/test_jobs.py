"""The annual job's parts run on their own: the intake job loads the landing folder and builds nothing else."""

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.defs.resources import default_resources
from orchestration.samples.generator import generate
from tests.helpers import read_only

pytestmark = pytest.mark.e2e  # runs a real Dagster job on a warehouse of its own


def test_the_intake_job_loads_the_year_and_builds_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setenv("VOCWH_HOME", str(tmp_path))
    monkeypatch.delenv("VOCWH_DUCKDB_PATH", raising=False)
    generate(tmp_path / "landing", [2025])
    job = defs.resolve_job_def("intake")
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(partition_key="2025", instance=instance, resources=default_resources())
    assert result.success
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("raw", "submissions") in materialized and not [k for k in materialized if k[0] != "raw"]
    with read_only(tmp_path / "warehouse.duckdb") as con:
        accepted = con.execute("select count(*) from raw.submissions where status = 'accepted'").fetchone()[0]
        schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
    assert accepted == 77 and "marts" not in schemas


def test_the_parts_cover_the_annual_job_once():
    keys = {
        name: defs.resolve_job_def(name).asset_layer.selected_asset_keys
        for name in ("intake", "marts_and_reports", "publish")
    }
    whole = defs.resolve_job_def("annual_report").asset_layer.selected_asset_keys
    assert set().union(*keys.values()) == whole and sum(map(len, keys.values())) == len(whole)
