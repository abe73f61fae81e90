"""How the pipeline scales with the number of schools (issue 13, item 1). Not a test: run it on a quiet machine.

    python3 -m uv run python -m benchmarks.run --schools 76 1000 10000 50000 --year 2025 --out benchmarks/results.md

For each N: a copy of the repository with a synthetic registry of N schools (benchmarks/registry.py), its landing
workbooks from the project's sample generator (cached per N under --cache), a bare python-calamine read of them,
then `vocwh run --year <year> --job year_figures` (landing → marts → city report → publication) three times in a
fresh VOCWH_HOME: the full run, a re-run with nothing new, and a run after one school resubmitted a changed file;
after the full run, up to --unit-reports-up-to schools, the schools' and districts' own reports in their run.
Wall time and peak memory per process tree (Linux /proc), stage times from the Dagster run the CLI recorded.
Writes a markdown table to --out and prints it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path

from benchmarks.landing import RESUBMISSION
from benchmarks.measure import STAGE_NAMES, Measured, RunStages, run_measured, run_stages, stage_of, stage_peaks
from benchmarks.registry import copy_repository

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable  # the worktree's venv (uv run); each copy runs its own code with it (PYTHONPATH, cwd)
RUN_LINE = re.compile(r"data year (\d+): (success|FAILED) \(run ([0-9a-f-]+)\)")
NOTHING_NEW = "nothing new"
# Inputs of the generated landing files: a cached landing is used again only while these are unchanged.
GENERATOR_INPUTS = ("seeds", "orchestration/samples", "orchestration/intake/template.py", "benchmarks/landing.py")


class Deadline:
    """The time left for one N; every subprocess of that N gets what remains."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("per-N timeout reached")
        return left


def child_env(copy: Path, home: Path) -> dict[str, str]:
    """The copy's code first on the path (also for the intake and PDF workers, which inherit it) and a home of its
    own; DAGSTER_HOME and VOCWH_DUCKDB_PATH unset so both follow VOCWH_HOME."""
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "VOCWH_DUCKDB_PATH", "PYTHONPATH"}}
    return {**env, "VOCWH_HOME": str(home), "PYTHONPATH": str(copy)}


def _call(cmd: list[str], cwd: Path, env: dict[str, str], deadline: Deadline) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=deadline.left())
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[1:4])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def _json_line(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def check_imports(copy: Path, env: dict[str, str], deadline: Deadline) -> str:
    """Where the copy's processes import orchestration from: it must be the copy, not the worktree."""
    where = _call([PYTHON, "-c", "import orchestration; print(orchestration.__file__)"], copy, env, deadline).strip()
    if not Path(where).resolve().is_relative_to(copy.resolve()):
        raise RuntimeError(f"the copy imports orchestration from {where}, not from {copy}")
    return where


def _fingerprint(copy: Path) -> str:
    h = hashlib.sha256()
    for name in GENERATOR_INPUTS:
        root = copy / name
        for p in sorted([root] if root.is_file() else root.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(copy)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def cached_landing(copy: Path, cache: Path, year: int, env: dict[str, str], deadline: Deadline) -> tuple[Path, dict]:
    """cache/<year>/ with landing/<year>/ and resubmission/, generated in the copy (its registry) unless a
    generation from the same inputs is there already. done.json records the generation time."""
    folder, key = cache / str(year), _fingerprint(copy)
    done = folder / "done.json"
    if done.exists() and (info := json.loads(done.read_text()))["fingerprint"] == key:
        return folder, {**info, "cached": True}
    work = cache / f"{year}.partial"
    shutil.rmtree(work, ignore_errors=True)
    cmd = [PYTHON, "-m", "benchmarks.landing", "generate", "--out", str(work), "--year", str(year)]
    info = {**_json_line(_call(cmd, copy, env, deadline)), "fingerprint": key}
    (work / "done.json").write_text(json.dumps(info, ensure_ascii=False, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    work.rename(folder)  # complete or absent: an interrupted generation is never taken for a cached one
    return folder, {**info, "cached": False}


def run_cli(
    copy: Path, env: dict[str, str], year: int, deadline: Deadline, log: Path, job: str = "year_figures"
) -> tuple[Measured, str | None]:
    """`vocwh run --year <year> --job <job>` with the CLI's default executor, measured; the run id it printed."""
    cmd = [PYTHON, "-m", "orchestration.cli", "run", "--year", str(year), "--job", job]
    measured = run_measured(cmd, copy, env, deadline.left(), log)
    if measured.returncode is None:
        raise TimeoutError(f"per-N timeout reached during {log.name}")
    found = RUN_LINE.search(measured.stdout)
    return measured, found.group(3) if found else None


def bench_one(n: int, args, workdir: Path, row: dict) -> None:
    """Every measurement for N schools, into row as they come (a failure keeps what was measured before it)."""
    deadline = Deadline(args.timeout)
    copy = copy_repository(REPO, workdir / "repo", n)
    home = workdir / "home"
    env = child_env(copy, home)
    row["imports_from"] = check_imports(copy, env, deadline)
    start = time.perf_counter()
    _call([PYTHON, "-m", "orchestration.cli", "prepare"], copy, env, deadline)  # setup step, not part of a run
    row["prepare"] = time.perf_counter() - start
    cache, generation = cached_landing(copy, args.cache / str(n), args.year, env, deadline)
    landing = cache / "landing" / str(args.year)
    row["generation"], row["resubmission_change"] = generation, generation["resubmission"]
    row["files"] = sum(1 for p in landing.iterdir() if p.is_file())  # the schools' files, not commission/…
    read = _call([PYTHON, "-m", "benchmarks.landing", "read", str(landing)], REPO, env, deadline)
    row["bare"] = _json_line(read)
    shutil.copytree(cache / "landing", home / "landing")
    dagster_home = home / "dagster"

    full, run_id = run_cli(copy, env, args.year, deadline, workdir / "log-full")
    row["full"], row["full_ok"] = full, full.returncode == 0 and "success" in full.stdout
    row["full_stages"] = run_stages(dagster_home, run_id)
    if not row["full_ok"]:
        raise RuntimeError(f"full run failed (exit {full.returncode}): {(full.stdout + full.stderr)[-1500:]}")
    if n <= args.unit_reports_up_to:
        unit, unit_id = run_cli(copy, env, args.year, deadline, workdir / "log-unit", "school_and_district_reports")
        row["unit"], row["unit_stages"] = unit, run_stages(dagster_home, unit_id) if unit_id else None

    noop, _ = run_cli(copy, env, args.year, deadline, workdir / "log-noop")
    row["noop"], row["noop_nothing_new"] = noop, NOTHING_NEW in noop.stdout

    for changed in (cache / RESUBMISSION).iterdir():
        shutil.copyfile(changed, landing_in_home(home, args.year) / changed.name)  # new bytes and mtime
    resub, resub_id = run_cli(copy, env, args.year, deadline, workdir / "log-resubmission")
    row["resub"], row["resub_ok"] = resub, resub.returncode == 0 and "success" in resub.stdout
    row["resub_stages"] = run_stages(dagster_home, resub_id) if resub_id else None


def landing_in_home(home: Path, year: int) -> Path:
    return home / "landing" / str(year)


def fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """(a, b) of y ≈ a·N^b, least squares on log-log; None with fewer than two distinct N."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in pts}) < 2:
        return None
    mx, my = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
    b = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return math.exp(my - b * mx), b


def _s(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


HEADER = (
    "| schools | files | generation s | bare calamine read s | intake s | intake/bare | checks s | dbt s "
    "| feedback s | city report s | publication s | other s | start-up s | total s | peak MiB | no-op re-run s "
    "| one-school resubmission s (% of full) | school and district reports s (per school) |"
)


def measured(r: dict) -> bool:
    """The full run completed and its stages were read: the row has numbers (the later runs may lack)."""
    return bool(r.get("full_ok")) and "full_stages" in r


def table_row(r: dict) -> str:
    if not measured(r):
        return f"| {r['n']} | " + " | ".join(["—"] * 16) + f" | FAILED: {r.get('error', 'full run failed')} |"
    st: RunStages = r["full_stages"]
    intake, bare, total = st.stages["intake"], r["bare"]["seconds"], r["full"].wall
    gen = r["generation"]
    noop = resub = "—"
    if "noop" in r:
        noop = f"{_s(r['noop'].wall)} ({'nothing new' if r['noop_nothing_new'] else 'RAN: no “nothing new”'})"
    if "resub" in r:
        resub = f"{_s(r['resub'].wall)} ({100 * r['resub'].wall / total:.0f} %){'' if r['resub_ok'] else ' FAILED'}"
    if "error" in r:
        resub += f" — then FAILED: {r['error']}"
    unit = "not run (N above --unit-reports-up-to)"
    if r.get("unit_stages"):
        unit = f"{_s(r['unit'].wall)} ({r['unit'].wall / r['files']:.2f})"
    elif "unit" in r:
        unit = f"{_s(r['unit'].wall)} FAILED"
    cells = [
        r["n"],
        r["files"],
        f"{_s(gen['seconds'])}{' (cached)' if gen['cached'] else ''}",
        f"{bare:.2f}",
        _s(intake),
        (f"{intake / bare:.1f}×" if intake / bare < 10 else f"{intake / bare:.0f}×") if bare else "—",
        *(_s(st.stages[s]) for s in ("checks", "dbt", "feedback", "reports", "publication", "other")),
        _s(total - st.duration),
        _s(total),
        f"{r['full'].peak_mib:.0f}",
        noop,
        resub,
        unit,
    ]
    return "| " + " | ".join(map(str, cells)) + " |"


def details(r: dict) -> list[str]:
    """Per N: every step with its stage (full run and resubmission), and what the reports cost per school."""
    failure = ["", "```", r["trace"].strip()[-3000:], "```", ""] if "trace" in r else []
    if not measured(r):
        return [f"### N = {r['n']}: failed", *failure]
    full: RunStages = r["full_stages"]
    resub: RunStages | None = r.get("resub_stages")
    peaks = ", ".join(f"{k} {r[k].peak_mib:.0f} MiB" for k in ("full", "unit", "noop", "resub") if k in r)
    by_stage = ", ".join(f"{k} {v:.0f} MiB" for k, v in stage_peaks(r["full"].samples, full.windows).items())
    lines = [
        f"### N = {r['n']}",
        "",
        f"Full run {full.run_id} ({full.status}, run {full.duration:.1f} s of {r['full'].wall:.1f} s wall); "
        f"resubmission run {resub.run_id if resub else '—'} after {r['resubmission_change']}. "
        f"`vocwh prepare` in the fresh copy (dbt parse, before the runs, in no time above): {r['prepare']:.1f} s. "
        f"Bare read: {r['bare']['files']} files (commission and explanation files included), "
        f"{r['bare']['cells']} cells. Peak memory: {peaks}. Peak of the full run by stage: {by_stage}.",
        "",
        "| step | stage | full s | resubmission s |",
        "| --- | --- | ---: | ---: |",
    ]
    for step in sorted(full.steps, key=lambda k: (STAGE_NAMES.index(stage_of(k)), k)):
        again = resub.steps.get(step) if resub else None
        lines.append(f"| {step} | {stage_of(step)} | {full.steps[step]:.1f} | {_s(again)} |")
    submissions = full.metadata.get("raw/submissions", {})
    quarantined = len(submissions.get("quarantined") or {})
    lines += ["", f"Intake: accepted {submissions.get('accepted', '?')}, quarantined {quarantined}."]
    unit: RunStages | None = r.get("unit_stages")
    schools = unit.metadata.get("reports/school_reports", {}) if unit else {}
    if schools.get("schools"):
        step = unit.steps.get("reports__school_reports", 0.0)
        lines.append(
            f"School reports: {step:.1f} s for {schools['schools']} schools = {step / schools['schools']:.2f} s "
            f"per school (render {schools.get('render_seconds')} s, Word {schools.get('word_seconds')} s, "
            f"PDF {schools.get('pdf_seconds')} s, as the asset records them; the PDFs in one process per core)."
        )
    districts = unit.metadata.get("reports/district_reports", {}) if unit else {}
    if districts.get("districts"):
        step = unit.steps.get("reports__district_reports", 0.0)
        lines.append(f"District reports: {step:.1f} s for {districts['districts']} districts.")
    return [*lines, *failure, ""]


def machine() -> str:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    gib = int(mem.split()[1]) / 1024**2
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Machine: {os.cpu_count()} cores, {gib:.1f} GiB RAM, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {datetime.now().isoformat(timespec='minutes')}, "
        f"load average at the end {load}."
    )


def report(rows: list[dict], args) -> str:
    ok = [r for r in rows if measured(r)]
    lines = [
        f"# Scaling benchmark: data year {args.year}",
        "",
        machine(),
        "",
        "Command: `python3 -m uv run python -m benchmarks.run "
        + f"--schools {' '.join(map(str, args.schools))} --year {args.year} "
        + f"--unit-reports-up-to {args.unit_reports_up_to} --out {args.out}`",
        "",
        HEADER,
        "|" + " ---: |" * 18,
        *(table_row(r) for r in rows),
        "",
    ]
    for label, key in (("total", lambda r: r["full"].wall), ("intake", lambda r: r["full_stages"].stages["intake"])):
        fitted = fit([(r["n"], key(r)) for r in ok])
        lines.append(
            f"- {label} ≈ {fitted[0]:.3g}·N^{fitted[1]:.2f} (least squares on log-log over N = "
            f"{', '.join(str(r['n']) for r in ok)})"
            if fitted
            else f"- {label}: no fit (fewer than two measured N)"
        )
    lines += [
        "",
        "Stages are sums of the Dagster steps of the run (the CLI's default executor runs them one after another); "
        "intake includes the GX checks of each submission batch, which run inside the intake step; checks are the "
        "asset checks that are steps of their own (quarantine, warnings_resolved, the chapters' quality gates). "
        "Start-up = wall time of the process minus the run's own duration (interpreter, imports, definitions, "
        "the run-inputs fingerprint). Peak memory: the largest sum of VmRSS over the process tree, polled every "
        "0.2 s (Linux /proc only). Generation (the sample generator, cached per N) is not part of any run.",
        "",
        "## Step → stage, per N",
        "",
    ]
    for r in rows:
        lines += details(r)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, nargs="+", required=True, help="registry sizes N")
    parser.add_argument("--year", type=int, default=2025, help="the one data year run")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results.md"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/vocwh-bench-cache"), help="landing files per N")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per N, all its steps together")
    parser.add_argument("--keep", action="store_true", help="keep each N's repository copy and home")
    parser.add_argument(
        "--unit-reports-up-to",
        type=int,
        default=1000,
        help="time the school and district reports' run for N up to this (about a second per school)",
    )
    args = parser.parse_args()
    rows = []
    for n in args.schools:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench_home_{n}_", dir="/tmp"))
        print(f"N = {n}: working in {workdir}", flush=True)
        row: dict = {"n": n}
        try:
            bench_one(n, args, workdir, row)
            print(f"N = {n}: imports orchestration from {row['imports_from']}; total {row['full'].wall:.1f} s")
        except Exception as exc:  # one N failing or timing out must not cost the others
            row["error"] = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
            row["trace"] = traceback.format_exc()
            print(f"N = {n}: {row['error']}", flush=True)
        rows.append(row)
        if args.keep:
            print(f"N = {n}: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(rows, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
