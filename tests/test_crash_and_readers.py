"""Crashes and concurrent readers, with real processes and real signals.

- An analyst holding the published copy open read-only never blocks a run and never sees a
  half-written state: every fresh connection sees the old copy or the new one, whole.
- A run killed mid-intake (SIGKILL to the whole process group) leaves the warehouse and the
  published copy readable and consistent; the next run completes.
- A run whose steps each run in their own process (multiprocess executor) completes: steps that
  write the warehouse queue on its lock instead of failing on it.
- A run whose orchestrator is killed mid-dbt leaves an orphaned dbt holding the DuckDB file; the
  next run waits for it instead of failing on the lock, and completes.
"""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration import settings
from orchestration.samples.generator import generate
from tests.helpers import add_to_cell, read_only

pytestmark = pytest.mark.process  # starts, limits or kills real processes

YEAR = 2025
PUBLISHED_STATE = f"""
    select (select run_id from publication),
           (select sum(value) from marts.fct_school_indicator
             where data_year = {YEAR} and indicator_code = 'fulltime_teachers')
"""
# mode "hold": one analyst session open for the whole run; mode "reopen": a new session every time
# (in its own process: DuckDB shares one database instance among a process's connections to a path).
READER = r"""
import duckdb, json, os, sys, time
mode, path, log, stop, query = sys.argv[1:6]
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
with open(log, "w") as out:
    while not os.path.exists(stop):
        record = {}
        try:
            con = held or duckdb.connect(path, read_only=True)
            record["state"] = con.execute(query).fetchone()
            if con is not held:
                con.close()
        except Exception as exc:
            record["error"] = repr(exc)
        out.write(json.dumps(record) + "\n")
        out.flush()
        time.sleep(0.05)
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (settings.DUCKDB_ENV,)}
    env.update({settings.HOME_ENV: str(home), "DAGSTER_HOME": str(home / "dagster")})
    return env


def _start_run(home: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "run", "--year", str(YEAR), *options],
        cwd=settings.REPO_ROOT,
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the test can kill the run with all its children
    )


def _run(home: Path, *options: str) -> str:
    proc = _start_run(home, *options)
    out, _ = proc.communicate(timeout=1800)  # a hang stopper, sized for a busy machine
    assert proc.returncode == 0, out[-4000:]
    return out


def _published(home: Path):
    with read_only(home / "published" / "warehouse.duckdb") as con:
        return con.execute(PUBLISHED_STATE).fetchone()


def _session_processes(sid: int) -> dict[int, str]:
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid:  # field 6 of /proc/<pid>/stat: session id
                procs[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return procs


def _writer_lock_held(home: Path) -> bool:
    with open(home / "warehouse.duckdb.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _wait_for(condition, proc: subprocess.Popen, what: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _assert_warehouse_consistent(home: Path) -> None:
    """Readable, and no half-loaded submission: every accepted file has its values, every value its file."""
    con = duckdb.connect(str(home / "warehouse.duckdb"))  # read-write: nothing is left holding the file
    try:
        empty = con.execute(
            """select count(*) from raw.submissions s where s.status = 'accepted'
               and not exists (select 1 from raw.submission_values v where v.submission_id = s.submission_id)"""
        ).fetchone()[0]
        orphans = con.execute(
            "select count(*) from raw.submission_values v "
            "where not exists (select 1 from raw.submissions s where s.submission_id = v.submission_id)"
        ).fetchone()[0]
        con.execute("select count(*) from marts.fct_city_indicator_year").fetchone()
    finally:
        con.close()
    assert empty == 0 and orphans == 0


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("crash")
    generate(home / "landing", [YEAR])
    # each step in its own process: steps that write the warehouse queue on its lock, none fails on it
    _run(home, "--executor", "multiprocess")
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_a_rerun_with_nothing_new_builds_and_republishes_nothing(home):
    published = home / "published" / "warehouse.duckdb"
    stamp = published.stat().st_mtime_ns
    with read_only(home / "warehouse.duckdb") as con:
        builds = con.execute("select count(*) from meta.dbt_builds").fetchone()
    out = _run(home)
    assert f"data year {YEAR}: nothing new since run" in out
    assert published.stat().st_mtime_ns == stamp
    with read_only(home / "warehouse.duckdb") as con:
        assert con.execute("select count(*) from meta.dbt_builds").fetchone() == builds


def test_analyst_with_the_published_copy_open_never_blocks_a_run(home, tmp_path):
    old = _published(home)
    add_to_cell(home / "landing" / str(YEAR) / f"BJGZ005_{YEAR}.xlsx", "教师队伍", "专任教师数", 11)
    stop = tmp_path / "stop"
    published = str(home / "published" / "warehouse.duckdb")
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, mode, published, str(tmp_path / f"{mode}.jsonl"), str(stop), PUBLISHED_STATE]
        )
        for mode in ("hold", "reopen")
    }
    try:
        time.sleep(2)
        _run(home)
        time.sleep(2)
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=300)
    new = _published(home)
    held, reopened = (
        [json.loads(line) for line in (tmp_path / f"{mode}.jsonl").read_text().splitlines()]
        for mode in ("hold", "reopen")
    )
    assert new[0] != old[0] and new[1] == old[1] + 11
    assert held and reopened and not [r for r in held + reopened if "error" in r]
    assert {tuple(r["state"]) for r in held} == {tuple(old)}  # the open session keeps its snapshot
    assert {tuple(r["state"]) for r in reopened} == {tuple(old), tuple(new)}  # old or new, whole; never a mix


def test_run_killed_mid_intake_leaves_everything_readable_and_the_next_run_completes(home):
    before = _published(home)
    add_to_cell(home / "landing" / str(YEAR) / f"BJGZ006_{YEAR}.xlsx", "教师队伍", "专任教师数", 13)
    run = _start_run(home)
    _wait_for(lambda: _writer_lock_held(home), run, "the intake to take the warehouse")
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=300)
    assert run.returncode == -signal.SIGKILL
    assert _published(home) == before
    _assert_warehouse_consistent(home)
    _run(home)
    after = _published(home)
    assert after[0] != before[0] and after[1] == before[1] + 13


def test_orchestrator_killed_mid_dbt_leaves_an_orphan_the_next_run_waits_for(home):
    before = _published(home)
    add_to_cell(home / "landing" / str(YEAR) / f"BJGZ007_{YEAR}.xlsx", "教师队伍", "专任教师数", 17)
    run = _start_run(home)
    dbt = {}

    def dbt_running():
        dbt.update(
            {p: c for p, c in _session_processes(run.pid).items() if p != run.pid and "dbt" in c and " build" in c}
        )
        return bool(dbt)

    _wait_for(dbt_running, run, "dbt build to start")
    os.kill(run.pid, signal.SIGKILL)  # the orchestrator only: its dbt goes on, holding the DuckDB file
    run.wait(timeout=300)
    try:
        assert any(Path(f"/proc/{p}").exists() for p in dbt), "dbt should outlive the killed orchestrator"
        assert _published(home) == before
        _run(home)
    finally:
        for p in dbt:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    after = _published(home)
    assert after[0] != before[0] and after[1] == before[1] + 17
    _assert_warehouse_consistent(home)
