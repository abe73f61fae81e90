"""Steps that write DuckDB queue for the file instead of failing on DuckDB's one-writer lock, whether
they run in one process or several, and wait out a process outside the job that holds the file."""

import subprocess
import sys
import time

import duckdb
import pytest

from orchestration import locking
from orchestration.defs.resources import Warehouse

pytestmark = pytest.mark.process  # starts, limits or kills real processes

WRITER = r"""
import sys, time
from orchestration.defs.resources import Warehouse
warehouse = Warehouse(duckdb_path=sys.argv[1], landing_root="", published_path="")
for n in range(5):
    with warehouse.connect() as con:
        con.execute("create table if not exists writes (writer varchar, n integer)")
        con.execute("insert into writes values (?, ?)", [sys.argv[2], n])
        time.sleep(0.2)  # hold the file a while, as a real step does
"""


def test_steps_in_parallel_processes_queue_for_the_file(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), name], stderr=subprocess.PIPE, text=True)
        for name in ("a", "b", "c")
    ]
    errors = [w.communicate(timeout=600)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0], errors
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select writer, count(*) from writes group by writer order by writer").fetchall() == [
            ("a", 5),
            ("b", 5),
            ("c", 5),
        ]


def test_a_foreign_holder_of_the_file_is_waited_for(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(3)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "open"
    started = time.monotonic()
    with Warehouse(duckdb_path=str(db), landing_root="", published_path="").connect() as con:
        waited = time.monotonic() - started
        con.execute("create table t as select 1 as x")
    holder.wait(timeout=120)
    assert waited > 1  # it waited for the holder rather than failing on the lock


def test_the_lock_is_reentrant_within_a_step(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    with locking.exclusive(db), locking.exclusive(db):
        pass  # a nested acquire in the same thread must not wait on itself
