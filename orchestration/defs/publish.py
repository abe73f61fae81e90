"""Publication: after a run whose gates passed, analysts get a fresh, complete copy of the warehouse."""

from pathlib import Path

import dagster as dg

from orchestration.defs.partitions import data_years
from orchestration.defs.reports import FACTS, REPORT_INPUTS
from orchestration.defs.resources import Warehouse
from orchestration.publish import publish


@dg.asset(
    key=["published", "warehouse"],
    # Downstream of every gated mart and of the feedback's open-warnings check: a failed blocking check
    # skips the publication, so analysts keep the last good copy. Not downstream of the reports: a data
    # year without a report edition publishes all the same.
    deps=[*REPORT_INPUTS, FACTS, dg.AssetKey(["feedback", "school_feedback"])],
    partitions_def=data_years,
    group_name="published",
    kinds={"duckdb"},
    description="The DuckDB copy analysts query (var/published/warehouse.duckdb), "
    "replaced atomically after a successful run.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        info = publish(con, Path(warehouse.published_path), context.run.run_id, int(context.partition_key))
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(warehouse.published_path), **info})
