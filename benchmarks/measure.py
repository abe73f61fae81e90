"""Wall time and peak memory of a process tree, and the stage times of a Dagster run.

Memory is read from /proc (Linux only): every ~0.2 s the VmRSS of the process and of every process in its session
or below it is summed, and the largest sum is kept. Shared pages count once per process, so the figure is an upper
bound of what the tree needs; a process living shorter than the poll interval can be missed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

POLL_SECONDS = 0.2


@dataclass
class Measured:
    wall: float
    peak_mib: float
    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch seconds, KiB of the tree) per poll


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, session id) of every process now."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
        table[int(entry)] = (int(fields[1]), int(fields[3]))
    return table


def _tree(root: int) -> set[int]:
    """The root, its descendants, and whatever else runs in its session (the process is started as a session
    leader, so a worker that outlives its parent and is re-parented still counts)."""
    table = _proc_table()
    members = {pid for pid, (_, sid) in table.items() if sid == root} | {root}
    grew = True
    while grew:
        more = {pid for pid, (ppid, _) in table.items() if ppid in members} - members
        members |= more
        grew = bool(more)
    return members


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie (no VmRSS line)


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, log: Path) -> Measured:
    """Run cmd to its end (or kill its whole session at the timeout); stdout and stderr go to files under log/."""
    log.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log / "stdout.txt", log / "stderr.txt"
    peak, killed, samples = 0, False, []
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        while proc.poll() is None:
            kib = sum(_rss_kib(pid) for pid in _tree(proc.pid))
            peak = max(peak, kib)
            samples.append((time.time(), kib))
            if time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)  # the session we started: the CLI and its workers
                proc.wait()
                killed = True
                break
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - start
    return Measured(
        wall=wall,
        peak_mib=peak / 1024,
        returncode=None if killed else proc.returncode,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
        samples=samples,
    )


# Steps of the annual_report job, grouped into stages, first match wins (checks before feedback: the
# warnings_resolved check's step key starts with feedback__).
STAGES = (
    ("intake", lambda s: s in {"raw_submissions", "raw_reference_datasets", "raw_warning_explanations"}),
    (
        "checks",
        lambda s: s.endswith(("_quality_gate", "_no_quarantined_submissions", "_warnings_resolved")),
    ),
    ("dbt", lambda s: s.endswith("dbt_models")),
    ("feedback", lambda s: s.startswith("feedback__")),
    ("reports", lambda s: s.startswith("reports__")),
    ("publication", lambda s: s.startswith("published__")),
)
STAGE_NAMES = tuple(name for name, _ in STAGES) + ("other",)


def stage_of(step_key: str) -> str:
    return next((name for name, match in STAGES if match(step_key)), "other")


@dataclass
class RunStages:
    run_id: str
    status: str
    duration: float  # the run's own start to end
    steps: dict[str, float]  # step key -> seconds
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)  # step key -> (start, end), epoch seconds
    stages: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, dict] = field(default_factory=dict)  # asset key -> materialization metadata


def run_stages(dagster_home: Path, run_id: str | None) -> RunStages:
    """Step times of the run the CLI recorded in dagster_home (the last run when run_id is None)."""
    from dagster import DagsterEventType, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    instance = DagsterInstance.get()
    try:
        run = instance.get_run_by_id(run_id) if run_id else next(iter(instance.get_runs(limit=1)), None)
        if run is None:
            raise RuntimeError(f"no run {run_id or ''} in {dagster_home}")
        stats = instance.get_run_stats(run.run_id)
        windows = {
            s.step_key: (s.start_time, s.end_time or s.start_time)
            for s in instance.get_run_step_stats(run.run_id)
            if s.start_time
        }
        steps = {key: end - start for key, (start, end) in windows.items()}
        stages = dict.fromkeys(STAGE_NAMES, 0.0)
        for key, seconds in steps.items():
            stages[stage_of(key)] += seconds
        metadata = {}
        for record in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
            materialization = record.dagster_event.event_specific_data.materialization
            metadata["/".join(materialization.asset_key.path)] = {
                k: getattr(v, "value", v) for k, v in materialization.metadata.items()
            }
        return RunStages(
            run_id=run.run_id,
            status=run.status.value,
            duration=(stats.end_time or 0) - (stats.start_time or 0),
            steps=steps,
            windows=windows,
            stages=stages,
            metadata=metadata,
        )
    finally:
        instance.dispose()
        os.environ.pop("DAGSTER_HOME", None)


def stage_peaks(samples: list[tuple[float, int]], windows: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Peak MiB of the process tree while each stage's steps ran (polls inside a step's window), and
    "outside steps" for the rest of the process (start-up, planning, the end)."""
    peaks: dict[str, float] = {}
    for when, kib in samples:
        stage = next((stage_of(k) for k, (a, b) in windows.items() if a <= when <= b), "outside steps")
        peaks[stage] = max(peaks.get(stage, 0.0), kib / 1024)
    return peaks
