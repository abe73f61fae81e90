"""Resources: the one DuckDB file, the dbt project pointing at it, the landing folder."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from orchestration import settings

# dbt is installed beside this interpreter; make it findable even when the venv is not activated.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
settings.duckdb_path()  # dbt's profile reads VOCWH_DUCKDB_PATH

dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder of school submissions."""

    duckdb_path: str
    landing_root: str

    @contextmanager
    def connect(self):
        con = duckdb.connect(self.duckdb_path)
        try:
            yield con
        finally:
            con.close()

    def landing(self, data_year: int | str) -> Path:
        return Path(self.landing_root) / str(data_year)


def default_resources() -> dict[str, object]:
    return {
        "warehouse": Warehouse(duckdb_path=str(settings.duckdb_path()), landing_root=str(settings.landing_dir())),
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
