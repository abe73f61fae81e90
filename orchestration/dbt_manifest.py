"""The dbt project as Dagster sees it, and the setup step that prepares its manifest.

Nothing here runs at import: `prepare()` is called by `vocwh prepare` (and before `vocwh run` /
`vocwh report` load the definitions, and at the start of a test session); under `dagster dev` it runs
when the definitions load, so a reload picks up edited models. dbt is the executable installed beside this interpreter,
named explicitly, so nothing depends on the virtualenv being on PATH.
"""

from __future__ import annotations

import hashlib
import os
import sys
from contextlib import contextmanager
from functools import cached_property
from importlib import metadata
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject, DbtProjectPreparer
from packaging.version import Version

from orchestration import settings

DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR)

_PROJECT = Path(dbt_project.project_dir)
# dbt's static docs site (one self-contained HTML file, readable offline), published beside the analysts' copy
DOCS_SITE = Path(dbt_project.manifest_path).parent / "static_index.html"
DBT_SOURCES = [
    _PROJECT / "dbt_project.yml",
    _PROJECT / "models",
    _PROJECT / "macros",
    _PROJECT / "tests",
    settings.SEEDS_DIR,
]


class ProjectDbt(DbtCliResource):
    """dbt as this project runs it: the executable installed beside this interpreter, and nothing of dbt's
    in the run's own process. dagster-dbt asks that executable for its version (`dbt --version`, a ~3 s
    subprocess) on every step; it is the dbt-core installed here."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        """None: dagster-dbt builds a dbt adapter in the run's process before every dbt call (dbt loading
        its macros: 0.7–1.4 s per step, before dbt itself starts) only to fetch row counts or column
        metadata, which this project does not ask for; without one it does neither, as with dbt Fusion."""
        return None


def dbt_cli() -> DbtCliResource:
    return ProjectDbt(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def _files(sources: list[Path]) -> list[Path]:
    return sorted(f for root in sources for f in ([root] if root.is_file() else root.rglob("*")) if f.is_file())


def manifest_is_stale(manifest: Path, sources: list[Path]) -> bool:
    """The manifest must be rebuilt when any model, macro, seed or project file is newer than it."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(f.stat().st_mtime > built for f in _files(sources))


@contextmanager
def duckdb_env(path: str | Path):
    """The warehouse file for a dbt subprocess (its profile reads VOCWH_DUCKDB_PATH from the environment
    it inherits), set for the call only and restored afterwards."""
    before = os.environ.get(settings.DUCKDB_ENV)
    os.environ[settings.DUCKDB_ENV] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(settings.DUCKDB_ENV, None)
        else:
            os.environ[settings.DUCKDB_ENV] = before


def prepare() -> bool:
    """`dbt parse` when the manifest is missing or older than the project, then the static docs site from
    it when that is missing or older; True when it parsed."""
    manifest = Path(dbt_project.manifest_path)
    parsed = manifest_is_stale(manifest, DBT_SOURCES)
    # neither step opens a database: parsing renders the profile, the docs use the manifest and no catalog
    with duckdb_env(settings.duckdb_path()):
        if parsed:
            dbt_cli().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
        if parsed or not DOCS_SITE.exists() or DOCS_SITE.stat().st_mtime < manifest.stat().st_mtime:
            docs = ["docs", "generate", "--static", "--empty-catalog", "--no-compile", "--quiet"]
            dbt_cli().cli(docs, target_path=dbt_project.target_path).wait()
    return parsed


def project_fingerprint(sources: list[Path]) -> str:
    """Hash of every model, macro, test, seed and project file: what the built tables were made from."""
    h = hashlib.sha256()
    for f in _files(sources):
        h.update(str(f.relative_to(settings.REPO_ROOT)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


# Under `dagster dev` only (DAGSTER_IS_DEV_CLI), as dagster-dbt's prepare_if_dev does, but with the dbt
# beside this interpreter (dagster-dbt's own looks for `dbt` on PATH) and only when the manifest is stale.
if DbtProjectPreparer().using_dagster_dev():
    prepare()
