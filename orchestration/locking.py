"""One writer at a time on the warehouse file, across processes, queueing instead of failing.

DuckDB lets one process open a database file for writing; any other process gets "Could not set
lock". Steps of a run (in one process or in several, whatever the executor) first take an
exclusive advisory lock on `<warehouse>.lock`, so they wait for each other. A process outside
the job that still holds the file (a dbt left running by a killed run) is waited for too.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration import settings

TIMEOUT_ENV = "VOCWH_LOCK_TIMEOUT_SECONDS"
_POLL_SECONDS = 0.2
_local = threading.local()  # flock is per open file: a nested acquire in the same thread must not wait on itself


def timeout_seconds() -> float:
    return float(os.environ.get(TIMEOUT_ENV, "900"))


class WarehouseBusy(TimeoutError):
    pass


@contextmanager
def exclusive(db_path: Path) -> Iterator[None]:
    """Hold the warehouse's writer lock (re-entrant within a thread)."""
    key = str(Path(db_path).resolve())
    depth = getattr(_local, "depth", {})
    _local.depth = depth
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    Path(key).parent.mkdir(parents=True, exist_ok=True)
    with open(key + ".lock", "a+") as handle:
        deadline = time.monotonic() + timeout_seconds()
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"{key} is locked by another step for more than {timeout_seconds():.0f} s"
                    ) from None
                time.sleep(_POLL_SECONDS)
        depth[key] = 1
        try:
            yield
        finally:
            depth[key] = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_duckdb(db_path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect, waiting while a process outside our lock (e.g. an orphaned dbt) still holds the file."""
    deadline = time.monotonic() + timeout_seconds()
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(_POLL_SECONDS)
    # set, not given as connect's config: DuckDB refuses another connection of this process to the same file
    # (a reader's plain connect) when its configuration differs from the open one's
    con.execute("set memory_limit = ?", [settings.duckdb_memory_limit()])
    return con


def wait_until_free(db_path: Path) -> None:
    """Return once no other process holds the DuckDB file (before handing it to a dbt subprocess)."""
    open_duckdb(db_path).close()
