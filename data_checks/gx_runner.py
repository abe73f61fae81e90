"""The warehouse's Great Expectations project: gates run as checkpoints, results and Data Docs per home.

The project is file-backed and part of the repository: `data_checks/gx/great_expectations.yml`
(stores, the Data Docs site, the pandas data source whose assets every gate validates). That file
is only read at run time. Every store and the Data Docs site have their base directory under
`${VOCWH_GX_HOME}`, which GX 1.x substitutes when it loads the config (runtime environment first,
then environment variables, then config_variables.yml); `open_context()` passes
`VOCWH_GX_HOME = $VOCWH_HOME/gx` (`orchestration.settings.gx_dir()`) as a runtime variable, so
the one committed project writes what a run produces into each warehouse home of its own:

    <home>/gx/expectations/            one suite per gate, generated at build time from the rules
    <home>/gx/validation_definitions/  one per gate: the suite + the asset's whole-dataframe batch
    <home>/gx/checkpoints/             one per gate, named as the gate's suite
    <home>/gx/validations/             the last validation result of each gate (older ones pruned)
    <home>/gx/data_docs/local_site/    the static Data Docs site, built by build_data_docs()
    <home>/gx/project.lock             taken around every write to the above

A gate is a suite name (`mart_<year>`, `recon_<year>`, `submissions_<level>_<year>`,
`list_rows_<level>_<year>`). `validate()` stores the caller's expectations (from
seeds/quality_rules.csv) as that suite, adds or updates the gate's validation definition and
checkpoint, and runs the checkpoint with the DataFrame as batch parameter. The asset is the one
of the committed data source whose name prefixes the gate (`mart`, `recon`, `submissions`,
`list_rows`; `dataframe` otherwise), so nothing is added to the committed config at run time.

Processes (Dagster runs gates in parallel) serialise on `<home>/gx/project.lock`
(`orchestration.locking.exclusive`, re-entrant within a thread). The context is opened once per
process and home and cached. GX is imported here only, lazily: it costs seconds, and most
processes never validate. Validation runs on DataFrames read from DuckDB (GX over duckdb-engine
returns empty metrics).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlparse

import pandas as pd

from orchestration import settings
from orchestration.findings import rules
from orchestration.locking import exclusive

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

PROJECT_DIR = Path(__file__).resolve().parent / "gx"  # the committed project (great_expectations.yml)
HOME_VARIABLE = "VOCWH_GX_HOME"  # substituted by GX in the store and site base directories
DATASOURCE = "dataframes"
DEFAULT_ASSET = "dataframe"
BATCH_DEFINITION = "whole_dataframe"
SITE = "local_site"

log = logging.getLogger(__name__)
_contexts: dict[str, FileDataContext] = {}
_contexts_guard = threading.Lock()


@dataclass(frozen=True)
class Failure:
    meta: dict
    expectation_type: str
    unexpected_rows: list[dict]
    observed: object


def _home(gx_home: Path | None) -> Path:
    return Path(gx_home if gx_home is not None else settings.gx_dir()).resolve()


def _lock(gx_home: Path):
    return exclusive(gx_home / "project")  # <home>/gx/project.lock


def open_context(gx_home: Path | None = None) -> FileDataContext:
    """The project's file context writing into `gx_home` (default: this home's gx dir), cached per process."""
    home = _home(gx_home)
    with _contexts_guard:
        context = _contexts.get(str(home))
    if context is None:
        with _lock(home):  # first open creates the stores' directories and backend ids
            context = _open(home)
        with _contexts_guard:
            context = _contexts.setdefault(str(home), context)
    return context


def _gx():
    """Import GX (seconds, the first time), with its analytics off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations

    return great_expectations


def expectations():
    """GX's expectation classes, for the suites the rule families build (GX imported only then)."""
    return _gx().expectations


def _open(home: Path) -> FileDataContext:
    gx = _gx()
    home.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", context_root_dir=PROJECT_DIR, runtime_environment={HOME_VARIABLE: str(home)})
    # The committed config declares every data source, asset and batch definition: nothing needs
    # saving, and a save would rewrite a file of the repository that parallel processes share.
    context._save_project_config = _refuse_config_write  # type: ignore[method-assign]
    return context


def _refuse_config_write() -> None:
    log.warning("GX tried to rewrite %s; the committed project config is read-only at run time", PROJECT_DIR)


def _asset_for(context: FileDataContext, gate: str):
    datasource = context.data_sources.get(DATASOURCE)
    names = [a.name for a in datasource.assets if a.name != DEFAULT_ASSET and gate.startswith(a.name + "_")]
    return datasource.get_asset(max(names, key=len) if names else DEFAULT_ASSET)  # get_asset binds it to its source


def validate(
    df: pd.DataFrame,
    expectations: list,
    suite_name: str,
    index_columns: list[str],
    *,
    parameters: dict | None = None,
    gx_home: Path | None = None,
) -> tuple[list[Failure], int]:
    """Store `expectations` as the gate `suite_name`, run its checkpoint on `df` with the suite `parameters`
    (the values of the expectations' {"$PARAMETER": name} arguments); return (failures, evaluated)."""
    gx = _gx()
    from great_expectations.data_context import set_context

    home = _home(gx_home)
    context = open_context(home)
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": list(index_columns)}
    with _lock(home):
        set_context(context)  # objects GX cannot trace to their owner resolve through this one
        checkpoint = _checkpoint(gx, context, home, suite_name, [_described(e) for e in expectations], result_format)
        with configurations_built_once():
            outcome = checkpoint.run(batch_parameters={"dataframe": df}, expectation_parameters=parameters)
        _keep_only(context, suite_name, set(outcome.run_results))
    (result,) = outcome.run_results.values()
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


_validating = threading.local()


@contextmanager
def configurations_built_once():
    """Within this block (one validation in this thread), each expectation's configuration is built once, and
    each configuration's expectation.

    GX (1.24) rebuilds `Expectation.configuration`, a pydantic dict() of the whole expectation, each time it
    reads one of its arguments while planning a validation (~23 times per expectation, 60 % of the time of
    a submissions gate over 2,000 files), and for every metric it plans it builds the expectation again from
    its configuration (`to_domain_obj`, which validates every argument): with a registry of 50,000 school
    codes as a value set, a third of the intake went to copying those lists. Nothing changes an expectation
    or a configuration while it is validated, so the first one built serves the rest of the validation;
    outside such a block GX's own methods run."""
    _cache_configurations()
    built, _validating.built = getattr(_validating, "built", None), {}
    try:
        yield
    finally:
        _validating.built = built


@cache
def _cache_configurations() -> None:
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    Expectation.configuration = property(_once_per_validation(Expectation.configuration.fget))
    ExpectationConfiguration.to_domain_obj = _once_per_validation(ExpectationConfiguration.to_domain_obj)


def _once_per_validation(build):
    """`build(obj)`, built once per object within a configurations_built_once block."""

    def once(self):
        built = getattr(_validating, "built", None)
        if built is None:
            return build(self)
        key = (build, id(self))
        if key not in built:  # the object is kept with its result, so its id is not reused meanwhile
            built[key] = (self, build(self))
        return built[key][1]

    return once


def _checkpoint(gx, context: FileDataContext, home: Path, gate: str, described: list, result_format: dict):
    """The gate's stored checkpoint, re-stored only when its expectations changed. GX's add_or_update
    compares every stored expectation with every new one (quadratic: ~30 s for six gates of ~150
    expectations); a fingerprint of what would be stored says whether anything changed, and a change
    replaces the suite, its validation definition and its checkpoint whole."""
    fingerprint = hashlib.sha256(
        json.dumps([[e.dict() for e in described], result_format], sort_keys=True, default=str).encode()
    ).hexdigest()
    marker = home / "fingerprints" / f"{gate}.sha256"
    if marker.is_file() and marker.read_text() == fingerprint:
        try:
            return context.checkpoints.get(gate)
        except Exception:  # noqa: BLE001 - a store file removed by hand: stored again below
            log.info("gate %s: stored checkpoint unreadable, storing it again", gate)
    for factory in (context.checkpoints, context.validation_definitions, context.suites):
        try:
            factory.delete(gate)
        except gx.exceptions.DataContextError:  # not stored yet
            pass
    batch_definition = _asset_for(context, gate).get_batch_definition(BATCH_DEFINITION)
    suite = context.suites.add(gx.ExpectationSuite(name=gate, expectations=described))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=gate, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=gate, validation_definitions=[definition], actions=[], result_format=result_format)
    )
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(fingerprint)
    return checkpoint


# seeds/quality_rules.csv severity -> GX's own: an error rule's expectation is critical
SEVERITY = {"error": "critical", "warning": "warning", "info": "info"}


def _described(expectation):
    """The expectation with its rule's ID, title and text as notes and the rule's severity, so the stored
    suite and the Data Docs say which rule of seeds/quality_rules.csv each expectation is."""
    rule = rules().get((expectation.meta or {}).get("rule_id", ""))
    if rule is not None:
        expectation.notes = f"{rule['rule_id']} {rule['title_zh']}：{rule['what_zh']}"
        expectation.severity = SEVERITY[rule["severity"]]
    return expectation


def _keep_only(context: FileDataContext, gate: str, keep: set) -> None:
    """Drop the gate's older validation results: the store (and Data Docs) hold its last validation."""
    store = context.validation_results_store
    for key in store.list_keys():
        if key.expectation_suite_identifier.name == gate and key not in keep:
            store.remove_key(key)


def has_validations(gx_home: Path | None = None) -> bool:
    """Whether any gate has been validated in this home (checked without importing GX)."""
    return any((_home(gx_home) / "validations").rglob("*.json"))


def build_data_docs(gx_home: Path | None = None) -> Path:
    """(Re)build the home's Data Docs site from the stored results; return its index.html.

    The site is cleaned first, so it shows exactly the stored results: the last validation of each
    gate, and each gate's suite. With no validation yet it is an index listing nothing.
    """
    home = _home(gx_home)
    context = open_context(home)
    with _lock(home):
        context.clean_data_docs(site_name=SITE)
        urls = context.build_data_docs(site_names=[SITE])
        index = Path(unquote(urlparse(urls[SITE]).path))
        _static_gate_list(index, home / "validations")
    return index


def _static_gate_list(index: Path, results: Path) -> None:
    """GX draws its index with scripts fetched from CDNs: offline the page lists nothing. A plain list
    of each gate's last validation (passed or not, linked to its page) goes at the top, readable
    without them; the validation pages themselves are static HTML."""
    items = []
    for result in sorted(results.rglob("*.json")):
        passed = json.loads(result.read_text(encoding="utf-8")).get("success")
        page = result.relative_to(results).with_suffix(".html")
        status = "通过" if passed else "未通过"
        items.append(f'<li><a href="validations/{quote(page.as_posix())}">{escape(page.parts[0])}</a>：{status}</li>')
    section = (
        '<section style="margin:1em"><h2>各检查关卡最近一次验证（Great Expectations）</h2>'
        f"<ul>{''.join(items) or '<li>尚无验证结果</li>'}</ul></section>"
    )
    html = index.read_text(encoding="utf-8")
    at = html.find(">", html.find("<body")) + 1
    index.write_text(html[:at] + section + html[at:], encoding="utf-8")
