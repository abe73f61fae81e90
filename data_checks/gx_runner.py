"""Run a Great Expectations suite over a pandas DataFrame and return the failures.

GX is imported here only, lazily: it costs ~10 s, and most processes never validate.
Validation runs on DataFrames read from DuckDB (GX over duckdb-engine returns empty metrics).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Failure:
    meta: dict
    expectation_type: str
    unexpected_rows: list[dict]
    observed: object


def validate(df: pd.DataFrame, expectations: list, suite_name: str, index_columns: list[str]) -> tuple[list[Failure], int]:
    """Return (failures, number of expectations evaluated)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas(f"{suite_name}_source").add_dataframe_asset(suite_name)
    batch = asset.add_batch_definition_whole_dataframe(f"{suite_name}_batch").get_batch(batch_parameters={"dataframe": df})
    suite = gx.ExpectationSuite(name=suite_name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    result = batch.validate(suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns})
    failures = [
        Failure(
            meta=dict(r.expectation_config.meta or {}),
            expectation_type=r.expectation_config.type,
            unexpected_rows=list(r.result.get("unexpected_index_list") or []),
            observed=r.result.get("observed_value"),
        )
        for r in result.results
        if not r.success
    ]
    return failures, len(result.results)
