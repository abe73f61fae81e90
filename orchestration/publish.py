"""The published copy analysts query: a complete copy of the warehouse, swapped in atomically.

The copy is written to a temporary file beside the target and renamed over it. An analyst who has
the old copy open keeps reading the old file (rename does not touch open files) and never blocks
the run; a new connection sees the new copy whole. A run killed mid-copy leaves only a stray
temporary file, which the next publication removes.

Beside it, `data_docs/` is the Great Expectations Data Docs site of the run's gates (the last
validation of each gate, `data_checks/gx_runner.py`), rebuilt from this home's stored results and
replaced whole: built into a temporary folder, then renamed in place of the old one. When no gate
has been validated in this home there is nothing to show: no site is built (GX is not even
imported), an existing `data_docs/` is left as it is, and the result's "data_docs" is None.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLICATION_TABLE = "main.publication"
DATA_DOCS = "data_docs"  # the Data Docs site beside the published copy


def publish(
    con: duckdb.DuckDBPyConnection, target: Path, run_id: str, data_year: int, gx_home: Path | None = None
) -> dict[str, object]:
    """Publish the warehouse copy and the Data Docs beside it (`gx_home`: default, this home's gx dir)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stray in target.parent.glob(f".{target.name}.*.tmp*"):
        stray.unlink()
    for stray in target.parent.glob(f".{DATA_DOCS}.*.tmp"):
        shutil.rmtree(stray, ignore_errors=True)
    docs_tmp = _stage_data_docs(target.parent, gx_home)  # before the copy: a failing build publishes nothing
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    source = con.execute("select current_database()").fetchone()[0]
    published_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute(f"attach '{tmp}' as published_copy")
    try:
        con.execute(f'copy from database "{source}" to published_copy')
        con.execute(
            f"create table published_copy.{PUBLICATION_TABLE} as select ? as run_id, ? as data_year, ? as published_at",
            [run_id, data_year, published_at],
        )
    finally:
        con.execute("detach published_copy")
    _fsync(tmp)
    os.replace(tmp, target)
    _fsync(target.parent)
    docs_index = _swap_in(docs_tmp, target.parent / DATA_DOCS) if docs_tmp is not None else None
    return {
        "run_id": run_id,
        "published_at": published_at.isoformat(),
        "bytes": target.stat().st_size,
        "data_docs": str(docs_index) if docs_index is not None else None,
    }


def _stage_data_docs(folder: Path, gx_home: Path | None) -> Path | None:
    """Build the Data Docs and copy the site to a temporary folder beside the published copy."""
    from data_checks import gx_runner

    if not gx_runner.has_validations(gx_home):
        return None
    site = gx_runner.build_data_docs(gx_home).parent
    staged = folder / f".{DATA_DOCS}.{uuid.uuid4().hex}.tmp"
    shutil.copytree(site, staged)
    return staged


def _swap_in(staged: Path, final: Path) -> Path:
    """Put the staged site in place of `final` (two renames; the old site is removed after)."""
    old = final.parent / f".{DATA_DOCS}.{uuid.uuid4().hex}.old.tmp"
    if final.exists():
        os.replace(final, old)
    os.replace(staged, final)
    _fsync(final.parent)
    shutil.rmtree(old, ignore_errors=True)
    return final / "index.html"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
