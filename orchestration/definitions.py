"""The Dagster code location: intake → checks → dbt layers → reports."""

import dagster as dg

from orchestration.defs import automation, dbt, feedback, intake, progress, publish, reports, resources
from orchestration.defs.district_reports import district_reports

defs = dg.Definitions(
    assets=[
        intake.raw_submissions,
        intake.raw_reference_datasets,
        intake.raw_warning_explanations,
        dbt.reference_dbt_models,
        dbt.warehouse_dbt_models,
        feedback.school_feedback,
        *reports.edition_assets(),
        reports.school_reports,
        district_reports,
        publish.published_warehouse,
    ],
    asset_checks=[intake.no_quarantined_submissions, feedback.warnings_resolved, *reports.chapter_gates],
    jobs=[
        automation.annual_report_job,
        automation.intake_job,
        automation.marts_and_reports_job,
        automation.publish_job,
        automation.year_figures_job,
        automation.school_and_district_reports_job,
    ],
    schedules=[automation.annual_refresh],
    sensors=[automation.landing_folder_sensor, automation.reports_after_year_figures, automation.run_failure_alert],
    resources=resources.default_resources(),
    # a run uses the loggers its run config names (none: Dagster's console logger); `vocwh run` names both
    loggers={"console": dg.colored_console_logger, "progress": progress.step_progress},
)


def job_named(name: str) -> dg.JobDefinition:
    """A job by name, for executors that run each step in its own process (dg.build_reconstructable_job)."""
    return defs.resolve_job_def(name)
