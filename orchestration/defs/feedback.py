"""Feedback to schools: one workbook per school with all its problems, and the gate on open warnings."""

import dagster as dg

from orchestration import settings
from orchestration.defs.partitions import data_years
from orchestration.defs.resources import Warehouse
from orchestration.reports.feedback import write_year_feedback

FINDINGS_MART = dg.AssetKey(["marts", "fct_submission_findings"])
SCHOOLS = dg.AssetKey(["marts", "dim_school"])  # the names the workbooks are titled with
FEEDBACK = dg.AssetKey(["feedback", "school_feedback"])

LATEST_FINDINGS = """
    select f.*
    from marts.fct_submission_findings f
    where f.data_year = ? and f.is_latest
    order by f.school_code, f.file_name, f.severity, f.sheet, f.row_number, f.rule_id
"""
LATEST_FILES = (
    "select school_code, file_name from staging.stg_submissions where data_year = ? and is_latest order by all"
)
SCHOOL_NAMES = "select school_code, school_name from marts.dim_school"


@dg.asset(
    key=FEEDBACK,
    deps=[FINDINGS_MART, SCHOOLS],
    partitions_def=data_years,
    group_name="feedback",
    kinds={"excel"},
    description="Per school: a workbook listing every problem of its latest file at once, "
    "and a 预警说明 sheet to explain warnings (var/feedback/<year>/).",
)
def school_feedback(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    year = int(context.partition_key)
    with warehouse.connect() as con:
        findings = con.execute(LATEST_FINDINGS, [year]).df().to_dict("records")
        files = con.execute(LATEST_FILES, [year]).fetchall()
        names = dict(con.execute(SCHOOL_NAMES).fetchall())  # a school without findings is still named
    folder = settings.feedback_dir(year)
    written, failed = write_year_feedback(files, findings, folder, year, names)
    for f in failed:  # the others' workbooks are written; this school's is missing until fixed
        context.log.error(
            f"反馈工作簿未能生成：学校 {f['school_code'] or '（未识别）'}，文件「{f['file_name']}」：{f['error']}"
        )
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(folder)),
            "workbooks": len(files) - len(failed),
            "rewritten": len(written),  # the others' findings did not change since their workbook was written
            "findings": len(findings),
            "failed": dg.MetadataValue.json(failed),
        }
    )


@dg.asset_check(
    asset=FEEDBACK,
    name="warnings_resolved",
    blocking=True,
    description="Every warning of the schools' current submissions is fixed, explained by the school "
    "or tolerated by the commission; open warnings hold the report back.",
)
def warnings_resolved(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
    year = int(context.partition_key)
    with warehouse.connect() as con:
        rows = con.execute(
            """select school_code, message_zh from marts.fct_submission_findings
               where data_year = ? and is_current and severity = 'warning' and resolution = 'open'
               order by school_code, rule_id, indicator_code""",
            [year],
        ).fetchall()
        resolved = con.execute(
            "select resolution, count(*) from marts.fct_submission_findings "
            "where data_year = ? and is_current and severity = 'warning' group by all",
            [year],
        ).fetchall()
    schools: dict[str, list[str]] = {}
    for school, message in rows:
        schools.setdefault(school, []).append(message)
    for school, messages in schools.items():
        context.log.error(
            f"{school}：{len(messages)} 条预警未修改也未说明，报告暂缓发布。反馈工作簿：{settings.feedback_dir(year)}"
        )
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "open_warnings": len(rows),
            "schools": len(schools),
            "by_resolution": dg.MetadataValue.json(dict(resolved)),
            "open": dg.MetadataValue.json(schools),
        },
    )
