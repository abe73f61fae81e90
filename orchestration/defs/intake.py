"""Intake: the submissions in a year's landing folder, checked and loaded into DuckDB's raw schema."""

import dagster as dg

from orchestration.defs.partitions import data_years
from orchestration.defs.resources import Warehouse
from orchestration.intake.datasets import COMMISSION_FOLDER, load_datasets
from orchestration.intake.explanations import EXPLANATION_FOLDER, load_explanations
from orchestration.submission_batch import ingest

RAW_TABLES = {
    "submissions": "Every version of every submitted file, with hash, status and counts of findings.",
    "submission_values": "Indicator values of accepted submissions with lineage (file, sheet, row, cell).",
    "submission_list_values": (
        "Records of list sheets (专业设置: one row per major) of accepted submissions, long form."
    ),
    "submission_findings": "Quality-rule findings per submission, with the Chinese message for the school.",
}


def raw_specs(tables: dict[str, str]) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(["raw", name], description=text, group_name="intake", kinds={"python", "duckdb"})
        for name, text in tables.items()
    ]


def intake_asset(
    name: str, tables: dict[str, str], description: str, load, what: str = "已隔离（quarantined）"
) -> dg.AssetsDefinition:
    """A partitioned multi-asset over `tables`: load(con, year, landing folder) -> (messages per refused
    file, metadata). Each refused file is logged with its messages; one materialization per raw table."""

    @dg.multi_asset(name=name, specs=raw_specs(tables), partitions_def=data_years, description=description)
    def _intake(context: dg.AssetExecutionContext, warehouse: Warehouse):
        year = int(context.partition_key)
        with warehouse.connect() as con:
            refused, meta = load(con, year, warehouse.landing(year))
        for file_name, messages in refused.items():
            context.log.warning(f"{file_name} {what}：\n" + "\n".join(messages))
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=["raw", table], metadata={"quarantined": dg.MetadataValue.json(refused), **meta}
            )

    return _intake


def _submissions(con, year: int, folder):
    summary = ingest(con, year, folder)
    return summary.quarantined, {"accepted": len(summary.accepted), "unchanged": len(summary.unchanged)}


raw_submissions = intake_asset(
    "raw_submissions",
    RAW_TABLES,
    "Read the year's landing folder, check every file (GX), load accepted ones, quarantine the rest.",
    _submissions,
)

REFERENCE_TABLES = {
    "reference_files": (
        "Every version of every reference-dataset file of the education commission, with hash and status."
    ),
    "reference_rows": (
        "Rows of accepted reference datasets (quality monitoring, national textbooks, 贯通 plans, "
        "new/withdrawn majors), long form."
    ),
}
raw_reference_datasets = intake_asset(
    "raw_reference_datasets",
    REFERENCE_TABLES,
    "Load the education commission's reference datasets of the year (landing/<year>/commission/<dataset>.xlsx).",
    lambda con, year, folder: (load_datasets(con, year, folder / COMMISSION_FOLDER), {}),
)

EXPLANATION_TABLES = {
    "warning_explanations": (
        "Schools' explanations of warnings (returned 预警说明 sheets): rule, indicator, why, who, when; "
        "refused rows with the reason."
    ),
}
raw_warning_explanations = intake_asset(
    "raw_warning_explanations",
    EXPLANATION_TABLES,
    "Load the schools' returned explanations of warnings (landing/<year>/explanations/*.xlsx).",
    lambda con, year, folder: (load_explanations(con, year, folder / EXPLANATION_FOLDER), {}),
    what="中有未被接受的说明",
)


@dg.asset_check(
    asset=dg.AssetKey(["raw", "submissions"]),
    description="No school's current submission is quarantined; lists every error of every quarantined file.",
)
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
