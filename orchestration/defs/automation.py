"""The job for a year, the annual refresh schedule, and the landing-folder sensor."""

import hashlib
import json
from datetime import datetime

import dagster as dg

from orchestration import settings
from orchestration.defs.partitions import DATA_YEARS

# Any executor: steps that write the warehouse queue on its writer lock (orchestration/locking.py).
annual_report_job = dg.define_asset_job(
    "annual_report",
    selection=dg.AssetSelection.all(),
    description="Intake, dbt build, quality gates, school feedback, report and publication for one data year.",
)


def latest_year(now: datetime) -> str:
    """The data year that ended most recently (a year runs 1 Sep – 31 Aug)."""
    year = str(now.year if now.month >= 9 else now.year - 1)
    return year if year in DATA_YEARS else DATA_YEARS[-1]


@dg.schedule(
    job=annual_report_job,
    cron_schedule="0 3 15 11 *",
    execution_timezone="Asia/Shanghai",
    description="Annual refresh in mid-November, after schools submit.",
)
def annual_refresh(context: dg.ScheduleEvaluationContext):
    year = latest_year(context.scheduled_execution_time)
    return dg.RunRequest(partition_key=year, run_key=f"annual-{year}-{context.scheduled_execution_time:%Y%m%d}")


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
