"""Where things live. One environment variable names the DuckDB file that Dagster and dbt share."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

DUCKDB_ENV = "VOCWH_DUCKDB_PATH"
HOME_ENV = "VOCWH_HOME"
MEMORY_LIMIT_ENV = "VOCWH_DUCKDB_MEMORY_LIMIT"
# DuckDB's own default is 80 % of the machine: a national-scale run would hold gigabytes it can spill to disk.
# dbt's profile (profiles.yml) has the same default for dbt run by hand.
DEFAULT_MEMORY_LIMIT = "512MB"


def home() -> Path:
    """Working folder for the warehouse file, landing folder and outputs (default: ./var)."""
    return Path(os.environ.get(HOME_ENV, REPO_ROOT / "var")).resolve()


def duckdb_path() -> Path:
    """The warehouse file (dbt's profile reads the same variable; the dbt asset sets it from the run's
    Warehouse resource)."""
    return Path(os.environ.get(DUCKDB_ENV, home() / "warehouse.duckdb")).resolve()


def duckdb_memory_limit() -> str:
    """What DuckDB may hold in memory in any process of a run (dbt's and the run's own), beyond which it
    spills to a temporary folder beside the warehouse file."""
    return os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT)


def landing_dir(data_year: int | str | None = None) -> Path:
    base = home() / "landing"
    return base / str(data_year) if data_year is not None else base


def report_dir(edition: str) -> Path:
    """One report edition's files (HTML, Word, PDF, data appendix), by the year on its cover."""
    return home() / "reports" / str(edition)


def school_report_dir(data_year: int | str) -> Path:
    """The school data reports of a data year (one HTML, Word and PDF file per school)."""
    return home() / "reports" / str(data_year) / "schools"


def feedback_dir(data_year: int | str) -> Path:
    """Per-school feedback workbooks of a data year (all problems of a school's latest file)."""
    return home() / "feedback" / str(data_year)


def published_path() -> Path:
    """The copy of the warehouse analysts query; replaced atomically after each successful run."""
    return home() / "published" / "warehouse.duckdb"


def gx_dir() -> Path:
    """This home's Great Expectations runtime: suites, checkpoints, validation results, Data Docs."""
    return home() / "gx"


def notifications_log() -> Path:
    """One line per alert (failed run, held-back report, due year without a template), appended."""
    return home() / "notifications.log"
