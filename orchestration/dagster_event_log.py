"""Dagster's SQLite event log with its connections kept from one event to the next.

Dagster's `SqliteEventLogStorage` creates an engine and a connection for every event it stores (one SQLite
database per run, and a copy of each asset and check event in the index database), and another to ask
whether a table exists, and drops them after it: about 13 ms per event on a 2-core machine, ~10 s of a
76-school year's ~780 events. This storage is the same tables, files and queries; it keeps the engines of
the last few databases it used (a run writes to its own database and the index) and remembers which tables
exist, so an event costs one transaction. Named in the home's dagster.yaml (`dagster_instance.py`), so the
CLI, the UI and its daemon all store events this way."""

from __future__ import annotations

import os
from collections import OrderedDict
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine


class KeptConnectionsSqliteEventLogStorage(SqliteEventLogStorage):
    KEPT = 4  # a run's database and the index, and what the UI reads at the same time

    def __init__(self, base_dir: str, inst_data=None):
        # before Dagster's __init__, which already connects (to create and index a new home's index database)
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, created (and the database with it) on first use; called under Dagster's lock."""
        if self._engines_pid != os.getpid():  # a forked child must not share its parent's connections
            self._engines, self._engines_pid = OrderedDict(), os.getpid()
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > self.KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str):
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        """Dagster asks this for every asset and check event, with an engine of its own each time; a table
        once there stays (a missing one is asked again: an upgrade adds it)."""
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # Dagster deletes the run databases' files
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
