"""The published copy analysts query: a complete copy of the warehouse, swapped in atomically.

The copy is written to a temporary file beside the target and renamed over it. An analyst who has
the old copy open keeps reading the old file (rename does not touch open files) and never blocks
the run; a new connection sees the new copy whole. A run killed mid-copy leaves only a stray
temporary file, which the next publication removes.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

PUBLICATION_TABLE = "main.publication"


def publish(con: duckdb.DuckDBPyConnection, target: Path, run_id: str, data_year: int) -> dict[str, object]:
    target.parent.mkdir(parents=True, exist_ok=True)
    for stray in target.parent.glob(f".{target.name}.*.tmp*"):
        stray.unlink()
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    source = con.execute("select current_database()").fetchone()[0]
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)
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
    return {"run_id": run_id, "published_at": published_at.isoformat(), "bytes": target.stat().st_size}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
