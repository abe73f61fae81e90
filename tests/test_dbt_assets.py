"""The dbt project as Dagster assets: reference data and dimensions unpartitioned, everything that reads
the submissions partitioned by data year, every dbt model its own asset with its columns, every dbt test
a check of one of them."""

from __future__ import annotations

import json
from pathlib import Path


def _node(resource_type: str, name: str, parents: list[str] = ()) -> dict:
    return {"resource_type": resource_type, "name": name, "depends_on": {"nodes": list(parents)}}


def test_split_follows_lineage_to_the_sources():
    from orchestration.defs.dbt import split_nodes

    manifest = {
        "sources": {"source.p.raw.submissions": {"resource_type": "source", "name": "submissions"}},
        "nodes": {
            "seed.p.schools": _node("seed", "schools"),
            "model.p.stg_schools": _node("model", "stg_schools", ["seed.p.schools"]),
            "model.p.dim_school": _node("model", "dim_school", ["model.p.stg_schools"]),
            "model.p.stg_values": _node("model", "stg_values", ["source.p.raw.submissions"]),
            # one submission-fed parent is enough to make a model per-year
            "model.p.fct_values": _node("model", "fct_values", ["model.p.dim_school", "model.p.stg_values"]),
            "model.p.mart": _node("model", "mart", ["model.p.fct_values"]),
            "test.p.not_null_dim_school": _node("test", "not_null_dim_school", ["model.p.dim_school"]),
        },
    }
    reference, per_year = split_nodes(manifest)
    assert reference == ["dim_school", "schools", "stg_schools"]
    assert per_year == ["fct_values", "mart", "stg_values"]


def test_reference_assets_are_unpartitioned_and_per_year_models_partitioned():
    from orchestration.dbt_manifest import dbt_project
    from orchestration.defs import dbt
    from orchestration.defs.partitions import DATA_YEARS

    reference = {k.to_user_string() for k in dbt.reference_dbt_models.keys}
    per_year = {k.to_user_string() for k in dbt.warehouse_dbt_models.keys}
    assert {"reference/schools", "reference/indicators", "marts/dim_school", "marts/dim_indicator"} <= reference
    assert {"marts/fct_school_indicator", "marts/mart_ch1_indicators", "staging/stg_submission_values"} <= per_year
    assert not reference & per_year
    assert dbt.reference_dbt_models.partitions_def is None
    assert list(dbt.warehouse_dbt_models.partitions_def.get_partition_keys()) == DATA_YEARS

    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    built = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    assert len(reference) + len(per_year) == len(built)  # each model and seed is its own asset
    # every dbt test is a check of exactly one asset, including the relationships from a per-year model to a
    # dimension (they run with the per-year build, after both sides exist)
    tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    checks = [k.name for k in (*dbt.reference_dbt_models.check_keys, *dbt.warehouse_dbt_models.check_keys)]
    assert sorted(checks) == sorted(tests)
    crossing = {k.name for k in dbt.warehouse_dbt_models.check_keys if k.name.endswith("__ref_dim_school_")}
    assert "relationships_fct_school_indicator_school_code__school_code__ref_dim_school_" in crossing


def test_each_model_asset_shows_its_columns():
    from orchestration.defs import dbt

    specs = {s.key.to_user_string(): s for s in (*dbt.reference_dbt_models.specs, *dbt.warehouse_dbt_models.specs)}
    schema = specs["marts/fct_city_indicator_year"].metadata["dagster/column_schema"]
    columns = {c.name: c for c in schema.columns}
    assert {"data_year", "indicator_code", "value"} <= set(columns)
    assert columns["data_year"].description
    assert (columns["data_year"].type, columns["value"].type) == ("integer", "double")
    # every column of every model has a type and a description (the catalogue's table schema)
    untyped = sorted(
        f"{key}.{c.name}"
        for key, spec in specs.items()
        if not key.startswith("reference/")
        for c in spec.metadata["dagster/column_schema"].columns
        if c.type == "?" or not c.description
    )
    assert not untyped, untyped


def test_a_reference_build_holds_while_its_inputs_and_tables_do():
    from orchestration.defs.dbt import REFERENCE_RELATIONS, carried_over

    last = ("run-1", "abc")
    assert carried_over(last, "abc", []) == "run-1"
    assert carried_over(last, "abd", []) is None  # a seed, model or macro changed
    assert carried_over(last, "abc", ["marts.dim_school"]) is None  # a table gone from the warehouse
    assert carried_over(None, "abc", []) is None  # never built (or its last build had a failing test)
    assert {"marts.dim_school", "marts.dim_indicator", "intermediate.int_school_years"} <= REFERENCE_RELATIONS
    assert "reference.schools" in REFERENCE_RELATIONS and "marts.fct_school_indicator" not in REFERENCE_RELATIONS


def test_dbt_run_by_hand_has_the_same_memory_limit_as_the_runs():
    """dbt started by the run inherits VOCWH_DUCKDB_MEMORY_LIMIT; dbt run by hand (unset) falls back to the
    profile's default, which must be the run's."""
    import yaml

    from orchestration import settings

    profile = yaml.safe_load((settings.DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    limit = profile["vocwh"]["outputs"]["dev"]["settings"]["memory_limit"]
    assert limit == f"{{{{ env_var('{settings.MEMORY_LIMIT_ENV}', '{settings.DEFAULT_MEMORY_LIMIT}') }}}}"


def test_a_dbt_call_builds_no_dbt_adapter_in_the_runs_process(tmp_path):
    """dagster-dbt would load dbt's macros into an adapter in this process before each call (for row counts
    and column metadata, which the project does not fetch); the call still runs dbt and streams its events."""
    from orchestration.dbt_manifest import dbt_cli, duckdb_env

    with duckdb_env(tmp_path / "warehouse.duckdb"):
        invocation = dbt_cli().cli(["ls", "--select", "dim_school", "--quiet"], target_path=tmp_path / "target")
        lines = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()]
    assert invocation.is_successful()
    assert invocation.adapter is None
    assert "vocwh.marts.core.dim_school" in lines
