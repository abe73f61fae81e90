"""The job for a year, the annual refresh schedule, the landing-folder sensor and the failure alerts."""

import hashlib
import json
import logging
import os
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from orchestration import settings
from orchestration.dagster_instance import WAREHOUSE_TAG
from orchestration.defs.partitions import DATA_YEARS

# Any executor: steps that write the warehouse queue on its writer lock (orchestration/locking.py); whole
# runs queue one at a time on the warehouse tag (the project's dagster.yaml).
WRITES_WAREHOUSE = {WAREHOUSE_TAG: "writer"}
annual_report_job = dg.define_asset_job(
    "annual_report",
    tags=WRITES_WAREHOUSE,
    selection=dg.AssetSelection.all(),
    description="Intake, dbt build, quality gates, school feedback, report and publication for one data year.",
)
# Parts of the annual job, for an operator who needs one step again (each for one data year).
_INTAKE, _PUBLISHED = dg.AssetSelection.groups("intake"), dg.AssetSelection.groups("published")
intake_job = dg.define_asset_job(
    "intake",
    selection=_INTAKE,
    tags=WRITES_WAREHOUSE,
    description="Read, check and load the year's landing folder; nothing else.",
)
marts_and_reports_job = dg.define_asset_job(
    "marts_and_reports",
    tags=WRITES_WAREHOUSE,
    selection=dg.AssetSelection.all() - _INTAKE - _PUBLISHED,
    description="Rebuild the dbt models, gates, feedback workbooks and reports from what the warehouse holds.",
)
publish_job = dg.define_asset_job(
    "publish",
    selection=_PUBLISHED,
    tags=WRITES_WAREHOUSE,
    description="Publish the analysts' copy (and Data Docs) again.",
)

# The schools' and districts' own reports: under a second each per school (mostly the PDF), so hours at national
# scale. There the year's figures run without them and they follow in a run of their own, behind the same gate
# (the feedback's blocking warnings_resolved check runs again in that run, on what the warehouse holds).
SCHOOL_AND_DISTRICT_REPORTS = dg.AssetSelection.assets(["reports", "school_reports"], ["reports", "district_reports"])
year_figures_job = dg.define_asset_job(
    "year_figures",
    tags=WRITES_WAREHOUSE,
    selection=dg.AssetSelection.all() - SCHOOL_AND_DISTRICT_REPORTS,
    description="The annual job without the schools' and districts' own reports: intake, dbt build, quality gates, "
    "school feedback, the city report and publication. When it succeeds, school_and_district_reports follows.",
)
school_and_district_reports_job = dg.define_asset_job(
    "school_and_district_reports",
    tags=WRITES_WAREHOUSE,
    selection=SCHOOL_AND_DISTRICT_REPORTS
    | dg.AssetSelection.checks(dg.AssetCheckKey(dg.AssetKey(["feedback", "school_feedback"]), "warnings_resolved")),
    description="Each school's and each district's report of the year, from the warehouse as the last run left it, "
    "behind the feedback's warnings_resolved gate.",
)


class MissingTemplateError(RuntimeError):
    """The calendar says a data year is due, but the year has no submission template."""


def due_data_year(now: datetime) -> int:
    """The data year the calendar says is due: the one that ended on the last 31 Aug (a data year runs
    1 Sep – 31 Aug and is named by the year it ends in; the November refresh is for the year just ended)."""
    return now.year if now.month >= 9 else now.year - 1


def missing_template_message(year: str, available: list[str]) -> str:
    return (
        f"data year {year} is due (it ended on 31 Aug {year}) but has no submission template, so it cannot run. "
        f"Add a row per level to seeds/template_versions.csv (data_year={year}, level, template_version, note); "
        f"if the template changed, add that version's sheets and rows to seeds/template_sheets.csv and "
        f"seeds/template_rows.csv. Data years with a template: {', '.join(available)}. "
        f"数据年度 {year} 已到期，但没有数据采集模板。"
    )


def refresh_year(now: datetime, available: list[str] | None = None) -> str:
    """The data year the annual refresh at `now` runs; MissingTemplateError when that year has no
    template (never an older year in its place). `available`: the data years with a template."""
    available = DATA_YEARS if available is None else available
    year = str(due_data_year(now))
    if year not in available:
        raise MissingTemplateError(missing_template_message(year, list(available)))
    return year


def latest_year(now: datetime) -> str:
    """The data year that ended most recently, if it has a template (see refresh_year)."""
    return refresh_year(now)


@dg.schedule(
    job=annual_report_job,
    cron_schedule="0 3 15 11 *",
    execution_timezone="Asia/Shanghai",
    description=(
        "Annual refresh in mid-November, after schools submit: the data year that ended on 31 Aug. "
        "The tick fails (and notifies) when that year has no template."
    ),
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def annual_refresh(context: dg.ScheduleEvaluationContext):
    now = context.scheduled_execution_time or datetime.now(UTC)
    try:
        year = refresh_year(now)
    except MissingTemplateError as exc:
        notify(
            {
                "time": _now(),
                "kind": "schedule_tick_failed",
                "job": annual_report_job.name,
                "run_id": None,
                "partition": str(due_data_year(now)),
                "summary": str(exc),
            },
            context.log,
        )
        raise
    return dg.RunRequest(partition_key=year, run_key=f"annual-{year}-{now:%Y%m%d}")


def folder_fingerprint(year: str) -> str:
    """Changes whenever a file in the year's landing folder (schools' and the commission's) is added,
    replaced or removed."""
    folder = settings.landing_dir(year)
    files = (
        [
            (str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        ]
        if folder.exists()
        else []
    )
    return hashlib.sha256(json.dumps(files).encode()).hexdigest()[:16] if files else ""


@dg.sensor(
    job=annual_report_job,
    minimum_interval_seconds=60,
    description="Runs a year's partition when files in var/landing/<year>/ change.",
    # off until turned on: its first tick starts a run for every year that has files
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def landing_folder_sensor(context: dg.SensorEvaluationContext):
    seen = json.loads(context.cursor) if context.cursor else {}
    requests = []
    for year in DATA_YEARS:
        fingerprint = folder_fingerprint(year)
        if fingerprint and seen.get(year) != fingerprint:
            requests.append(dg.RunRequest(partition_key=year, run_key=f"landing-{year}-{fingerprint}"))
            seen[year] = fingerprint
    context.update_cursor(json.dumps(seen, sort_keys=True))
    return requests or dg.SkipReason("no new or changed submissions")


# ---- alerts: a line in the notifications log, and a POST to VOCWH_ALERT_WEBHOOK when it is set ----

WEBHOOK_ENV = "VOCWH_ALERT_WEBHOOK"
log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def failure_alert(
    time: str, run_id: str, partition: str | None, job: str, failures: list[tuple[str, str, str]]
) -> dict:
    """The alert of a failed run; failures are (step key, error class, error message) per failed step.
    A blocking check that failed (warnings_resolved, a chapter's quality gate) means the report was held
    back, not that the pipeline broke."""
    held_back = [step for step, cls, _ in failures if cls == "DagsterAssetCheckFailedError"]
    steps = "; ".join(f"{step}: {_first_line(message, cls)}" for step, cls, message in failures)
    return {
        "time": time,
        "kind": "report_held_back" if held_back else "run_failed",
        "job": job,
        "run_id": run_id,
        "partition": partition,
        "failed_steps": [step for step, _, _ in failures],
        "summary": steps or "run failed before any step",
    }


def _first_line(message: str, cls: str) -> str:
    lines = [line.strip() for line in (message or cls).splitlines() if line.strip()]
    if cls == "DagsterAssetCheckFailedError":  # "1 blocking asset check failed…" then "asset: check"
        return "blocking check failed: " + ", ".join(lines[1:] or lines)
    text = lines[-1] if lines else cls
    return text if len(text) <= 300 else text[:297] + "…"


def alert_line(alert: dict) -> str:
    """One line of the notifications log: time, kind, job, partition, run id, summary (tab-separated)."""
    fields = [alert["time"], alert["kind"], alert["job"], alert.get("partition") or "-", alert.get("run_id") or "-"]
    summary = " ".join(str(alert.get("summary", "")).split())
    return "\t".join([*map(str, fields), summary])


def append_alert(alert: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(alert_line(alert) + "\n")


def webhook_request(url: str, alert: dict) -> urllib.request.Request:
    return urllib.request.Request(
        url,
        data=json.dumps(alert, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )


def notify(alert: dict, logger=None, opener=urllib.request.urlopen) -> None:
    """Log the alert to settings.notifications_log(); POST it to VOCWH_ALERT_WEBHOOK if set. A webhook
    that fails is logged, never raised: the log line is already written."""
    logger = logger or log
    append_alert(alert, settings.notifications_log())
    url = os.environ.get(WEBHOOK_ENV)
    if url:
        try:
            with opener(webhook_request(url, alert), timeout=10):
                pass
        except Exception as exc:  # noqa: BLE001 - an unreachable webhook must not hide the alert
            logger.warning(f"alert webhook {url} failed: {exc}")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[year_figures_job],
    request_job=school_and_district_reports_job,
    description="After a successful year_figures run, the same year's school and district reports.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def reports_after_year_figures(context: dg.RunStatusSensorContext):
    partition = context.dagster_run.tags.get("dagster/partition")
    return dg.RunRequest(partition_key=partition, run_key=f"after-{context.dagster_run.run_id}")


@dg.run_failure_sensor(
    monitored_jobs=[annual_report_job, year_figures_job, school_and_district_reports_job],
    description=(
        "A failed annual_report, year_figures or school_and_district_reports run (or a report held back by a "
        "blocking check) is written to notifications.log under the warehouse home and POSTed to "
        "VOCWH_ALERT_WEBHOOK if set."
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_alert(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    failures = [
        (
            event.step_key or "",
            event.event_specific_data.error.cls_name if event.event_specific_data.error else "",
            event.event_specific_data.error.message if event.event_specific_data.error else "",
        )
        for event in context.get_step_failure_events()
    ]
    if not failures and context.failure_event.message:
        failures = [("run", "", context.failure_event.message)]
    partition = run.tags.get("dagster/partition")
    notify(failure_alert(_now(), run.run_id, partition, run.job_name, failures), context.log)
