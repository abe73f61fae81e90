"""dbt models as Dagster assets: groups follow the dbt folders, raw sources are the intake assets."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration import settings
from orchestration.defs.partitions import data_years
from orchestration.defs.resources import dbt_project

FOLDER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "core": "marts_core"}


def group_for(dbt_props: Mapping[str, Any]) -> str:
    """Seeds are reference data; models are grouped by folder (marts by chapter folder)."""
    if dbt_props["resource_type"] == "seed":
        return "reference"
    folders = dbt_props["fqn"][1:-1]
    if not folders:
        return "dbt"
    if folders[0] == "marts" and len(folders) > 1:
        return FOLDER_GROUPS.get(folders[1], f"marts_{folders[1]}")
    return FOLDER_GROUPS.get(folders[0], folders[0])


def dbt_vars(partition_key: "str | None") -> list[str]:
    """CLI arguments that tell dbt which data year the run is for."""
    return ["--vars", json.dumps({"data_year": int(partition_key)})] if partition_key else []


class Translator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return group_for(dbt_resource_props)


translator = Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def manifest_is_stale(manifest: Path, sources: list[Path]) -> bool:
    """The manifest must be rebuilt when any model, macro, seed or project file is newer than it."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(f.stat().st_mtime > built for root in sources for f in ([root] if root.is_file() else root.rglob("*")) if f.is_file())


def _prepare() -> None:
    # `dagster dev` prepares the manifest itself; tests and the CLI need an up-to-date one too.
    project = Path(dbt_project.project_dir)
    sources = [project / "dbt_project.yml", project / "models", project / "macros", project / "tests", settings.SEEDS_DIR]
    if manifest_is_stale(Path(dbt_project.manifest_path), sources):
        dbt_project.preparer.prepare(dbt_project)


_prepare()


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, partitions_def=data_years)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, staging, intermediate and marts, built and tested (dbt build) for the run's data year."""
    partition = context.partition_key if context.has_partition_key else None
    yield from dbt.cli(["build", *dbt_vars(partition)], context=context).stream()
