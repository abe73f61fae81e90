"""The annual refresh's year (never an old year in place of a due one) and the failure alerts."""

import json
from datetime import datetime

import dagster as dg
import pytest

from orchestration import settings
from orchestration.defs import automation
from orchestration.defs.automation import (
    MissingTemplateError,
    alert_line,
    append_alert,
    due_data_year,
    failure_alert,
    refresh_year,
    webhook_request,
)

WITH_2026 = ["2024", "2025", "2026"]
WITH_2027 = ["2024", "2025", "2027"]
UP_TO_2025 = ["2024", "2025"]


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2025, 11, 15, 3), 2025),
        (datetime(2026, 11, 15, 3), 2026),
        (datetime(2027, 11, 15, 3), 2027),
        (datetime(2026, 3, 1), 2025),  # before 31 Aug the year just ended is the previous one
        (datetime(2026, 8, 31), 2025),
        (datetime(2026, 9, 1), 2026),
    ],
)
def test_due_data_year_follows_the_calendar(now, due):
    assert due_data_year(now) == due


@pytest.mark.parametrize(
    ("now", "available", "year"),
    [
        (datetime(2025, 11, 15, 3), UP_TO_2025, "2025"),
        (datetime(2026, 11, 15, 3), WITH_2026, "2026"),
        (datetime(2027, 11, 15, 3), WITH_2027, "2027"),
    ],
)
def test_refresh_runs_the_due_year_when_it_has_a_template(now, available, year):
    assert refresh_year(now, available) == year


@pytest.mark.parametrize(
    ("now", "available", "due"),
    [
        (datetime(2025, 11, 15, 3), ["2019", "2020"], "2025"),
        (datetime(2026, 11, 15, 3), UP_TO_2025, "2026"),
        (datetime(2027, 11, 15, 3), WITH_2026, "2027"),
    ],
)
def test_refresh_refuses_a_due_year_without_template(now, available, due):
    with pytest.raises(MissingTemplateError) as exc:
        refresh_year(now, available)
    message = str(exc.value)
    assert f"data year {due} is due" in message
    assert "seeds/template_versions.csv" in message and "template_rows.csv" in message
    assert ", ".join(available) in message


def test_schedule_requests_the_due_year(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.HOME_ENV, str(tmp_path))
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2025, 11, 15, 3))
    request = automation.annual_refresh(context)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2025"
    assert not settings.notifications_log().exists()


def test_schedule_tick_fails_loudly_and_notifies_when_the_due_year_has_no_template(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.HOME_ENV, str(tmp_path))
    monkeypatch.delenv(automation.WEBHOOK_ENV, raising=False)
    monkeypatch.setattr(automation, "DATA_YEARS", UP_TO_2025)
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 15, 3))
    with pytest.raises(Exception, match="data year 2026 is due"):
        automation.annual_refresh(context)
    line = settings.notifications_log().read_text(encoding="utf-8")
    assert "schedule_tick_failed" in line and "2026" in line and "template_versions.csv" in line


def test_schedule_and_sensors_default_status():
    assert automation.annual_refresh.default_status == dg.DefaultScheduleStatus.RUNNING
    assert automation.landing_folder_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert automation.run_failure_alert.default_status == dg.DefaultSensorStatus.RUNNING
    assert automation.reports_after_year_figures.default_status == dg.DefaultSensorStatus.RUNNING


def test_failure_alert_names_steps_and_held_back_reports():
    failed = failure_alert(
        "2025-11-15T03:10:00+08:00",
        "abc123",
        "2025",
        "annual_report",
        [("warehouse_dbt_models", "DbtCliError", "Traceback …\ndbt build failed: 2 errors")],
    )
    assert failed["kind"] == "run_failed" and failed["failed_steps"] == ["warehouse_dbt_models"]
    assert failed["summary"] == "warehouse_dbt_models: dbt build failed: 2 errors"
    held = failure_alert(
        "t",
        "r",
        "2025",
        "annual_report",
        [
            (
                "feedback__school_feedback_warnings_resolved",
                "DagsterAssetCheckFailedError",
                "1 blocking asset check failed with ERROR severity:\nfeedback/school_feedback: warnings_resolved\n",
            )
        ],
    )
    assert held["kind"] == "report_held_back"
    assert "blocking check failed: feedback/school_feedback: warnings_resolved" in held["summary"]


def test_alert_line_is_one_line_and_appended(tmp_path):
    alert = failure_alert("t1", "run-1", None, "annual_report", [("s", "E", "first\nsecond")])
    line = alert_line(alert)
    assert "\n" not in line and line.split("\t")[:5] == ["t1", "run_failed", "annual_report", "-", "run-1"]
    path = tmp_path / "sub" / "notifications.log"
    append_alert(alert, path)
    append_alert({**alert, "run_id": "run-2"}, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "run-2" in lines[1]


def test_webhook_request_posts_json():
    alert = failure_alert("t", "r", "2025", "annual_report", [("s", "E", "报告未生成")])
    request = webhook_request("http://hooks.invalid/x", alert)
    assert request.get_method() == "POST" and request.full_url == "http://hooks.invalid/x"
    assert request.get_header("Content-type").startswith("application/json")
    assert json.loads(request.data.decode("utf-8")) == alert


def test_notify_posts_only_when_the_webhook_is_set_and_survives_its_failure(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.HOME_ENV, str(tmp_path))
    sent = []

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def opener(request, timeout):
        sent.append(json.loads(request.data))
        return Response()

    def broken(request, timeout):
        raise OSError("connection refused")

    alert = failure_alert("t", "r", "2025", "annual_report", [("s", "E", "boom")])
    monkeypatch.delenv(automation.WEBHOOK_ENV, raising=False)
    automation.notify(alert, opener=opener)
    assert sent == []
    monkeypatch.setenv(automation.WEBHOOK_ENV, "http://hooks.invalid/x")
    automation.notify(alert, opener=opener)
    assert sent == [alert]
    automation.notify(alert, opener=broken)  # logged, not raised
    assert len(settings.notifications_log().read_text(encoding="utf-8").splitlines()) == 3


def test_run_failure_sensor_writes_the_alert(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.HOME_ENV, str(tmp_path))
    monkeypatch.delenv(automation.WEBHOOK_ENV, raising=False)

    @dg.asset
    def numbers():
        return 1

    @dg.asset_check(asset=numbers, blocking=True)
    def gate():
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR)

    job = dg.define_asset_job("annual_report", selection=dg.AssetSelection.all())
    defs = dg.Definitions(assets=[numbers], asset_checks=[gate], jobs=[job])
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("annual_report").execute_in_process(
        instance=instance, raise_on_error=False, tags={"dagster/partition": "2025"}
    )
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    automation.run_failure_alert(context)
    fields = settings.notifications_log().read_text(encoding="utf-8").strip().split("\t")
    assert fields[1:5] == ["report_held_back", "annual_report", "2025", result.run_id]
    assert "numbers: gate" in fields[5]
