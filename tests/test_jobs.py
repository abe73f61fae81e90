"""The annual job's parts run on their own: the intake job loads the landing folder and builds nothing else."""

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.defs.resources import default_resources
from orchestration.samples.generator import generate
from tests.helpers import read_only
from tests.pipeline import NO_SCHOOL_PDF, failures

pytestmark = pytest.mark.e2e  # runs a real Dagster job on a warehouse of its own


def test_the_intake_job_loads_the_year_and_builds_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setenv("VOCWH_HOME", str(tmp_path))
    monkeypatch.delenv("VOCWH_DUCKDB_PATH", raising=False)
    generate(tmp_path / "landing", [2025])
    job = defs.resolve_job_def("intake")
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(partition_key="2025", instance=instance, resources=default_resources())
    assert result.success, failures(result)
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


def test_the_year_figures_and_the_unit_reports_cover_the_annual_job_once():
    figures, unit = (
        defs.resolve_job_def(name).asset_layer.selected_asset_keys
        for name in ("year_figures", "school_and_district_reports")
    )
    assert unit == {dg.AssetKey(["reports", "school_reports"]), dg.AssetKey(["reports", "district_reports"])}
    assert figures | unit == defs.resolve_job_def("annual_report").asset_layer.selected_asset_keys
    assert not figures & unit


def test_the_year_figures_run_without_unit_reports_and_the_reports_follow(tmp_path, monkeypatch):
    """National scale: the year's figures, city report and published copy first; then, started by the sensor
    on that success, each school's and district's report from the same warehouse, behind the same gate."""
    from orchestration import settings
    from orchestration.defs.automation import reports_after_year_figures

    monkeypatch.setenv("VOCWH_HOME", str(tmp_path))
    monkeypatch.delenv("VOCWH_DUCKDB_PATH", raising=False)
    generate(tmp_path / "landing", [2025])
    with dg.instance_for_test() as instance:
        figures = defs.resolve_job_def("year_figures").execute_in_process(
            partition_key="2025", instance=instance, resources=default_resources()
        )
        done = {"/".join(e.asset_key.path) for e in figures.get_asset_materialization_events()}
        assert {"published/warehouse", "feedback/school_feedback"} <= done
        assert not {"reports/school_reports", "reports/district_reports"} & done
        assert not settings.school_report_dir(2025).exists()

        context = dg.build_run_status_sensor_context(
            sensor_name="reports_after_year_figures",
            dagster_event=next(e for e in figures.all_events if e.event_type_value == "PIPELINE_SUCCESS"),
            dagster_instance=instance,
            dagster_run=figures.dagster_run,
        )
        request = reports_after_year_figures(context)
        assert request.partition_key == "2025"

        reports = defs.resolve_job_def("school_and_district_reports").execute_in_process(
            partition_key=request.partition_key,
            instance=instance,
            resources=default_resources(),
            run_config=NO_SCHOOL_PDF,
        )
    assert [e.check_name for e in reports.get_asset_check_evaluations()] == ["warnings_resolved"]
    done = {"/".join(e.asset_key.path) for e in reports.get_asset_materialization_events()}
    assert done == {"reports/school_reports", "reports/district_reports"}
    assert len(list(settings.school_report_dir(2025).glob("*.html"))) == 77
