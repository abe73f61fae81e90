"""The blocking GX gate on the chapter 一 mart stops the report edition when the numbers are not fit to publish."""

import pytest

from orchestration.samples.generator import generate
from tests.pipeline import materialize_year

pytestmark = pytest.mark.e2e  # runs the real Dagster graph on a warehouse of its own

REPORT = ["reports", "annual_report_combined"]


def test_report_is_not_materialized_when_completeness_is_too_low(tmp_path, monkeypatch):
    generate(tmp_path / "landing", [2025])
    files = sorted(p for p in (tmp_path / "landing" / "2025").iterdir() if p.is_file())
    for path in files[10:]:  # only 10 of 77 schools submit
        path.unlink()
    result = materialize_year(tmp_path, 2025, monkeypatch)
    gate = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "quality_gate" and e.asset_key.path[-1] == "mart_ch1_indicators"
    )
    assert gate.passed is False
    assert "Q004" in gate.metadata["problems"].value
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("marts", "mart_ch1_indicators") in materialized
    assert tuple(REPORT) not in materialized
    # no edition file (the schools' own reports, var/reports/2025/schools/, do not wait for the city's gate)
    assert not list((tmp_path / "reports" / "2025").glob("annual_report.*"))
