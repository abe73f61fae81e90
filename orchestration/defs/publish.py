"""Publication: after a run whose gates passed, analysts get a fresh copy of the marts (no personal data)."""

from pathlib import Path

import dagster as dg

from orchestration.dbt_manifest import DOCS_SITE
from orchestration.defs.partitions import data_years
from orchestration.defs.reports import DATASET_ROWS, FACTS, REPORT_INPUTS
from orchestration.defs.resources import Warehouse
from orchestration.publish import publish

# Marts analysts read that no report step depends on (the published copy holds every mart).
ANALYST_MARTS = (
    "dim_school",
    "dim_indicator",
    "dim_major",
    "fct_school_indicator",
    "mart_school_reporting",
    "mart_school_indicator_year",
)


@dg.asset(
    key=["published", "warehouse"],
    # Downstream of every gated mart and of the feedback's open-warnings check: a failed blocking check
    # skips the publication, so analysts keep the last good copy. Not downstream of the reports: a data
    # year without a report edition publishes all the same.
    # Also downstream of the other marts it copies.
    deps=[
        *REPORT_INPUTS,
        FACTS,
        DATASET_ROWS,
        *(dg.AssetKey(["marts", m]) for m in ANALYST_MARTS),
        dg.AssetKey(["feedback", "school_feedback"]),
    ],
    partitions_def=data_years,
    group_name="published",
    kinds={"duckdb"},
    description="The DuckDB copy analysts query (var/published/warehouse.duckdb; docs/analysts.md): "
    "the marts and the reference seeds describing them, without personal data, replaced atomically "
    "after a successful run that changed any of them.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        info = publish(
            con, Path(warehouse.published_path), context.run.run_id, int(context.partition_key), dbt_docs=DOCS_SITE
        )
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(warehouse.published_path), **info})
