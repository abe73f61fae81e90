"""Publication: after a run whose gates passed, analysts get a fresh, complete copy of the warehouse."""

from pathlib import Path

import dagster as dg

from orchestration.defs.partitions import data_years
from orchestration.defs.reports import CHAPTER_MARTS
from orchestration.defs.resources import Warehouse
from orchestration.publish import publish


@dg.asset(
    key=["published", "warehouse"],
    # Downstream of every gated mart and of the report: a failed blocking gate skips the publication,
    # so analysts keep the last good copy.
    deps=[dg.AssetKey(["marts", m]) for m in CHAPTER_MARTS] + [dg.AssetKey(["reports", "ch1_overview"])],
    partitions_def=data_years,
    group_name="published",
    kinds={"duckdb"},
    description="The DuckDB copy analysts query (var/published/warehouse.duckdb), replaced atomically after a successful run.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        info = publish(con, Path(warehouse.published_path), context.run.run_id, int(context.partition_key))
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(warehouse.published_path), **info})
