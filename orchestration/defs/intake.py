"""Intake: the submissions in a year's landing folder, checked and loaded into DuckDB's raw schema."""

import dagster as dg

from orchestration.defs.partitions import data_years
from orchestration.defs.resources import Warehouse
from orchestration.intake.batch import ingest
from orchestration.intake.datasets import COMMISSION_FOLDER, load_datasets
from orchestration.intake.explanations import EXPLANATION_FOLDER, load_explanations

RAW_TABLES = {
    "submissions": "Every version of every submitted file, with hash, status and counts of findings.",
    "submission_values": "Indicator values of accepted submissions with lineage (file, sheet, row, cell).",
    "submission_list_values": "Records of list sheets (专业设置: one row per major) of accepted submissions, long form.",
    "submission_findings": "Quality-rule findings per submission, with the Chinese message for the school.",
}


def raw_specs(tables: dict[str, str]) -> list[dg.AssetSpec]:
    return [dg.AssetSpec(["raw", name], description=text, group_name="intake", kinds={"python", "duckdb"}) for name, text in tables.items()]


def report_load(context: dg.AssetExecutionContext, tables: dict[str, str], quarantined: dict[str, list[str]], what: str = "已隔离（quarantined）", **meta):
    """Log each quarantined file with its messages; one materialization per raw table written."""
    for file_name, messages in quarantined.items():
        context.log.warning(f"{file_name} {what}：\n" + "\n".join(messages))
    for name in tables:
        yield dg.MaterializeResult(asset_key=["raw", name], metadata={"quarantined": dg.MetadataValue.json(quarantined), **meta})


@dg.multi_asset(
    specs=raw_specs(RAW_TABLES),
    partitions_def=data_years,
    description="Read the year's landing folder, check every file (GX), load accepted ones, quarantine the rest.",
)
def raw_submissions(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year = int(context.partition_key)
    with warehouse.connect() as con:
        summary = ingest(con, year, warehouse.landing(year))
    yield from report_load(context, RAW_TABLES, summary.quarantined, accepted=len(summary.accepted), unchanged=len(summary.unchanged))


REFERENCE_TABLES = {
    "reference_files": "Every version of every reference-dataset file of the education commission, with hash and status.",
    "reference_rows": "Rows of accepted reference datasets (quality monitoring, national textbooks, 贯通 plans, new/withdrawn majors), long form.",
}


@dg.multi_asset(
    specs=raw_specs(REFERENCE_TABLES),
    partitions_def=data_years,
    description="Load the education commission's reference datasets of the year (landing/<year>/commission/<dataset>.xlsx).",
)
def raw_reference_datasets(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year = int(context.partition_key)
    with warehouse.connect() as con:
        quarantined = load_datasets(con, year, warehouse.landing(year) / COMMISSION_FOLDER)
    yield from report_load(context, REFERENCE_TABLES, quarantined)


EXPLANATION_TABLES = {
    "warning_explanations": "Schools' explanations of warnings (returned 预警说明 sheets): rule, indicator, why, who, when; refused rows with the reason.",
}


@dg.multi_asset(
    specs=raw_specs(EXPLANATION_TABLES),
    partitions_def=data_years,
    description="Load the schools' returned explanations of warnings (landing/<year>/explanations/*.xlsx).",
)
def raw_warning_explanations(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year = int(context.partition_key)
    with warehouse.connect() as con:
        refused = load_explanations(con, year, warehouse.landing(year) / EXPLANATION_FOLDER)
    yield from report_load(context, EXPLANATION_TABLES, refused, what="中有未被接受的说明")


@dg.asset_check(asset=dg.AssetKey(["raw", "submissions"]), description="No school's current submission is quarantined; lists every error of every quarantined file.")
def no_quarantined_submissions(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
    year = int(context.partition_key) if context.has_partition_key else None
    with warehouse.connect() as con:
        rows = con.execute(
            """
            select s.file_name, f.message_zh
            from raw.submissions s join raw.submission_findings f using (submission_id)
            where s.status = 'quarantined' and f.severity = 'error' and (? is null or s.data_year = ?)
            order by s.file_name, f.sheet, f.row_number
            """,
            [year, year],
        ).fetchall()
    files: dict[str, list[str]] = {}
    for file_name, message in rows:
        files.setdefault(file_name, []).append(message)
    return dg.AssetCheckResult(
        passed=not files,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined_files": len(files), "messages": dg.MetadataValue.json(files)},
    )
