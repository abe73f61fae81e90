"""dbt models as Dagster assets: groups follow the dbt folders, raw sources are the intake assets.

Two dbt multi-assets: the reference data (seeds, and the models built from seeds alone, such as the
dimensions) holds one state for every data year and is not partitioned; everything downstream of the
submissions is built per data year (partitioned)."""

import io
import json
from collections.abc import Mapping
from contextlib import contextmanager, redirect_stdout
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_manifest import DBT_SOURCES, dbt_project, duckdb_env, project_fingerprint
from orchestration.defs.partitions import data_years
from orchestration.defs.resources import Warehouse

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


def build_years(partition_key: "str | None") -> list[tuple[int, bool]]:
    """Rows of meta.dbt_build_years for a build: (data year, is_following). A run rebuilds its year, and the
    next year's changes, which read this year's values; none (every year) without a data year.

    The year reaches dbt as data, not as --vars: dbt re-parses the whole project when vars differ from the
    last parse (~7 s per step), and the models' SQL stays the same for every year."""
    if not partition_key:
        return []
    year = int(partition_key)
    return [(year, False), (year + 1, True)]


class Translator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return group_for(dbt_resource_props)


# dbt's tests on the raw sources become checks of the intake's raw assets (not observations with a warning)
translator = Translator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)
)


def carried_over(last: "tuple[str, str] | None", fingerprint: str, missing: list[str]) -> "str | None":
    """The run whose reference build still holds: its (run_id, fingerprint) is the last passing reference build,
    made from the same seeds, models and macros (the reference models read seeds alone, so the same inputs
    give the same tables and test results), and none of its tables is missing from the warehouse."""
    if last is None or last[1] != fingerprint or missing:
        return None
    return last[0]


def needs_full_refresh(last_fingerprint: "str | None", fingerprint: str, requested: bool) -> bool:
    """Per-year models keep other years' rows; when the logic or reference data changed, every year is rebuilt."""
    return requested or last_fingerprint != fingerprint


BUILD_LOG = """
create schema if not exists meta;
create table if not exists meta.dbt_builds (
    run_id varchar, data_year integer, fingerprint varchar, full_refresh boolean, finished_at timestamp
);
create table if not exists meta.dbt_build_years (data_year integer, is_following boolean);
create table if not exists meta.reference_builds (run_id varchar, fingerprint varchar, finished_at timestamp);
"""


class _DbtLog(io.TextIOBase):
    """dbt's log lines (dagster-dbt echoes them on stdout), kept for the run's log instead of the terminal."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._part = ""

    def write(self, text: str) -> int:
        *done, self._part = (self._part + text).split("\n")
        self.lines += [line for line in done if line.strip()]
        return len(text)

    def summary(self) -> str:
        """dbt's closing line (Done. PASS=… WARN=… ERROR=…), or the last one."""
        done = [line for line in self.lines if line.startswith("Done.")]
        return f"dbt build: {(done or self.lines or ['no output'])[-1]}"


@contextmanager
def dbt_log_to_run(context: dg.AssetExecutionContext):
    """dbt's whole log goes to the run's log (one debug event, in the UI) rather than the terminal; when
    dbt fails, it is logged as an error so the terminal shows why."""
    log = _DbtLog()
    try:
        with redirect_stdout(log):
            yield log
    except BaseException:
        context.log.error("\n".join(log.lines[-60:]))
        raise
    finally:
        context.log.debug("\n".join(log.lines))


def split_nodes(manifest: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Names of (reference, per-year) seeds and models: the seeds and the models with no source upstream
    (built from seeds alone) are the reference data and dimensions, the same for every data year; the rest
    read the submissions and are built per data year."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    from_source: dict[str, bool] = {}

    def reads_a_source(unique_id: str) -> bool:
        if unique_id not in from_source:
            node = nodes[unique_id]
            parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p in nodes]
            from_source[unique_id] = node["resource_type"] == "source" or any(map(reads_a_source, parents))
        return from_source[unique_id]

    built = {uid: n["name"] for uid, n in manifest["nodes"].items() if n["resource_type"] in ("seed", "model")}
    per_year = {uid for uid in built if reads_a_source(uid)}
    return sorted(n for uid, n in built.items() if uid not in per_year), sorted(built[uid] for uid in per_year)


# dbt's unit tests test the models' logic, not the data: the test suite runs them (tests/test_dbt_unit_tests.py)
PRODUCTION = ["--exclude-resource-type", "unit_test"]


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild every data year, not only the run's


if not Path(dbt_project.manifest_path).exists():
    raise RuntimeError(
        f"no dbt manifest at {dbt_project.manifest_path}: run `uv run vocwh prepare` (the setup step) first"
    )


# Each selected by name: a test of a per-year model against a dimension (relationships) then belongs to the
# per-year build (dbt's eager selection), which an --exclude of the reference nodes would drop from both.
_MANIFEST = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
REFERENCE, PER_YEAR = map(" ".join, split_nodes(_MANIFEST))
# schema.table of every seed and model the reference build makes
REFERENCE_RELATIONS = {
    f"{n['schema']}.{n['alias']}"
    for n in _MANIFEST["nodes"].values()
    if n["resource_type"] in ("seed", "model") and n["name"] in REFERENCE.split()
}
TABLES = "select table_schema, table_name from information_schema.tables"


def target_dir(duckdb_path: str | Path) -> Path:
    """dbt's target folder for builds of one warehouse file. It keeps dbt's parse state
    (partial_parse.msgpack) from one build to the next: dbt re-parses the whole project when the profile
    (the warehouse path) differs from the last parse, which dagster-dbt's fresh folder per step always
    forced. Builds of one file never overlap (the writer lock), so one folder is enough."""
    path = Path(duckdb_path).resolve()
    return path.parent / "dbt_target" / path.stem


@contextmanager
def dbt_call(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """dbt runs in its own process with the warehouse path for this call only, its log in the run's log;
    yields dbt's target folder."""
    with warehouse.free_for_subprocess(), duckdb_env(warehouse.duckdb_path), dbt_log_to_run(context) as log:
        yield target_dir(warehouse.duckdb_path)
    context.log.info(log.summary())


@dbt_assets(
    manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, select=REFERENCE, name="reference_dbt_models"
)
def reference_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """Seeds (reference data) and the dimensions built from them, built and tested (dbt build): one state
    for every data year. Built again only when a seed, model or macro changed (or a table is missing)."""
    fingerprint = project_fingerprint(DBT_SOURCES)
    with warehouse.connect() as con:
        con.execute(BUILD_LOG)
        last = con.execute(
            "select run_id, fingerprint from meta.reference_builds order by finished_at desc limit 1"
        ).fetchone()
        tables = {f"{schema}.{name}" for schema, name in con.execute(TABLES).fetchall()}
    run = carried_over(last, fingerprint, sorted(REFERENCE_RELATIONS - tables))
    if run is not None:
        context.log.info(f"reference data and dimensions unchanged since run {run}: not rebuilt")
        yield from unchanged_results(context, run)
        return
    # cautious: a test that also reads a per-year model (a relationship from the submissions to a dimension)
    # runs with the per-year build, once that model exists
    args = ["build", "--no-use-colors", "--indirect-selection", "cautious", *PRODUCTION]
    passed = True
    with dbt_call(context, warehouse) as target:
        for event in dbt.cli(args, context=context, target_path=target).stream():
            passed = passed and not (isinstance(event, dg.AssetCheckResult) and not event.passed)
            yield event
    if passed:  # a build with a failing test is built again next time, so its results are seen again
        with warehouse.connect() as con:
            con.execute(
                "insert into meta.reference_builds values (?, ?, current_timestamp)", [context.run.run_id, fingerprint]
            )


def unchanged_results(context: dg.AssetExecutionContext, run_id: str):
    """Each selected model and test of a reference build that still holds, reported as that run's: the same
    tables, tests passed on the same inputs."""
    meta = {"unchanged_since_run": run_id}
    assets = context.assets_def
    names = {assets.get_output_name_for_asset_key(key): key for key in context.selected_asset_keys}
    graph = {name: {n for n, k in names.items() if k in assets.asset_deps[key]} for name, key in names.items()}
    for name in TopologicalSorter(graph).static_order():  # Dagster wants a model's parents yielded first
        yield dg.Output(None, output_name=name, metadata=meta)
    for key in context.selected_asset_check_keys:
        yield dg.AssetCheckResult(asset_key=key.asset_key, check_name=key.name, passed=True, metadata=meta)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    select=PER_YEAR,
    partitions_def=data_years,
    name="warehouse_dbt_models",
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource, warehouse: Warehouse
):
    """Staging, intermediate and marts over the submissions, built and tested (dbt build) for the run's data year."""
    partition = context.partition_key if context.has_partition_key else None
    fingerprint = project_fingerprint(DBT_SOURCES)
    with warehouse.connect() as con:
        con.execute(BUILD_LOG)
        last = con.execute("select fingerprint from meta.dbt_builds order by finished_at desc limit 1").fetchone()
        con.execute("delete from meta.dbt_build_years")
        for row in build_years(partition):
            con.execute("insert into meta.dbt_build_years values (?, ?)", row)
    full = needs_full_refresh(last[0] if last else None, fingerprint, config.full_refresh)
    if full:
        context.log.info("dbt build --full-refresh: every data year is rebuilt")
    args = ["build", "--no-use-colors", *PRODUCTION, *(["--full-refresh"] if full else [])]
    try:
        with dbt_call(context, warehouse) as target:
            yield from dbt.cli(args, context=context, target_path=target).stream()
    finally:  # a build by hand (no rows) builds every year
        with warehouse.connect() as con:
            con.execute("delete from meta.dbt_build_years")
    with warehouse.connect() as con:
        con.execute(
            "insert into meta.dbt_builds values (?, ?, ?, ?, current_timestamp)",
            [context.run.run_id, int(partition) if partition else None, fingerprint, full],
        )
