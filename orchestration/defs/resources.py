"""Resources: the one DuckDB file, the dbt project pointing at it, the landing folder."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration import locking, settings
from orchestration.dbt_manifest import dbt_cli


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file, its published copy and the landing folder of school submissions."""

    duckdb_path: str
    landing_root: str
    published_path: str

    @contextmanager
    def connect(self):
        """A connection under the writer lock: steps queue for the file instead of failing on it."""
        with locking.exclusive(Path(self.duckdb_path)):
            con = locking.open_duckdb(Path(self.duckdb_path))
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def free_for_subprocess(self):
        """Hold the writer lock with the file closed, for a subprocess (dbt) that opens it itself."""
        with locking.exclusive(Path(self.duckdb_path)):
            locking.wait_until_free(Path(self.duckdb_path))
            yield

    def landing(self, data_year: int | str) -> Path:
        return Path(self.landing_root) / str(data_year)


def default_resources() -> dict[str, object]:
    return {
        "warehouse": Warehouse(
            duckdb_path=str(settings.duckdb_path()),
            landing_root=str(settings.landing_dir()),
            published_path=str(settings.published_path()),
        ),
        "dbt": dbt_cli(),
    }
