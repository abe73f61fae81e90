"""Read untrusted files in worker processes with bounded memory and time: no file can take down the run.

The reader refuses the hostile files we know of before parsing (F002, F004, F006, F008), but calamine
is Rust: when a file makes it allocate more than the machine has, it aborts the whole process, with no
exception to catch, and a pathological file may parse for a very long time. So each file is read in a
worker process (`python -m orchestration.intake.isolation`) under an address-space limit (RLIMIT_AS)
and a CPU-time limit; a worker that dies or overruns costs only the file it was reading (F007) and is
replaced. Workers are fresh interpreters, not forks: the caller may be a threaded Dagster process.
A caller may have each file's reading processed in the worker too (the submissions' parse), so that
the work of many files is spread over the workers.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection, wait
from pathlib import Path

from orchestration.findings import Finding
from orchestration.intake.files import display_name, entry_problem
from orchestration.intake.reader import Sheets, read_or_finding

MEMORY_BYTES = 2 << 30  # address space of a worker: 20 MB files inflate to at most 200 MB
CPU_SECONDS = 60  # per file; a template workbook takes about 10 ms
WALL_SECONDS = 300  # per file, for a worker that waits without using CPU
WORKERS = max(1, min(2, os.cpu_count() or 1))
# Files given to a worker ahead of its answers: it begins the next as soon as it sends one, not when this
# process next gets the interpreter (a busy caller thread held it for ~4 ms per file with one at a time).
QUEUED = 3
EXPECTED = "Excel 或 WPS 保存的、不超过模板规模的 .xlsx 工作簿"
OUT_OF_MEMORY = f"读取时所需内存超过 {MEMORY_BYTES >> 30} GB，已中止"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)

Reading = Sheets | Finding


def read_isolated(paths: list[Path], then: Mapping[Path, Callable[[Reading], object]] | None = None) -> dict:
    """Each path's sheets, or the finding that refuses it; never raises for what a file contains.
    Entries that must not be opened at all (symlinks, pipes: F005) are left out, unread.
    `then[path]` (picklable: a module-level function or a partial of one) runs in the worker on the
    path's reading and its result comes back instead; if it raises, the path's F009 finding does (the
    traceback logged here). A worker that dies or overruns still gives the path's F007 finding; the files
    queued behind it go to another worker."""
    then = then or {}
    paths = [path for path in paths if entry_problem(path) is None]
    pending = deque(paths)
    results: dict[Path, Reading] = {}
    workers: list[_Worker] = []
    try:
        while pending or any(w.queued for w in workers):
            while pending and len(workers) < min(WORKERS, len(paths)):
                workers.append(_Worker())
            for _ in range(QUEUED):  # one each in turn, so that a small batch is shared
                for worker in workers:
                    if pending and len(worker.queued) < QUEUED:
                        path = pending.popleft()
                        worker.give(path, then.get(path))
            busy = [w for w in workers if w.queued]
            wait([w.rx for w in busy], timeout=1)
            for worker in busy:
                results.update(worker.collect())
                if worker.process.poll() is not None:  # it died or was stopped: what it had not begun goes back
                    pending.extendleft(reversed(worker.queued))
                    worker.queued.clear()
                    workers.remove(worker)
    finally:
        for worker in workers:
            worker.stop()
    return results


class _Worker:
    def __init__(self) -> None:
        path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path, "RUST_BACKTRACE": "0"}
        self.errors = tempfile.TemporaryFile()  # what a dying worker says, for the log (not a pipe: it could fill)
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            env=env,
            cwd=PROJECT_ROOT,
        )
        self.tx = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.rx = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.queued: deque[Path] = deque()  # given, not yet answered; the worker reads the first
        self.started = 0.0  # when the first of them was begun, as far as we know

    def give(self, path: Path, then: Callable[[Reading], object] | None) -> None:
        if not self.queued:
            self.started = time.monotonic()
        self.queued.append(path)
        try:
            self.tx.send((path, then))
        except OSError:
            pass  # the worker is gone; collect() says why

    def collect(self) -> list[tuple[Path, Reading]]:
        """(path, reading) of each file done since the last call, or of the one read when the worker died
        or overran (then the worker is ended, its other files left in `queued`)."""
        done = []
        while self.queued and self.rx.poll():
            try:
                reading, error = self.rx.recv()
            except (EOFError, OSError):
                break  # the worker died: its pipe closed after the last answer it sent
            path = self.queued.popleft()
            if error:
                log.error("processing %s failed in the reader worker:\n%s", path, error)
            done.append((path, reading))
            self.started = time.monotonic()
        else:
            if not self.queued or time.monotonic() - self.started < WALL_SECONDS:
                return done
        path = self.queued.popleft()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.errors.seek(0)
        log.warning(
            "reader worker stopped on %s (exit %s): %s",
            path,
            self.process.returncode,
            self.errors.read()[-2000:].decode(errors="replace"),
        )
        return [*done, (path, _limit_finding(path, _why(self.process.returncode)))]

    def stop(self) -> None:
        try:
            self.tx.send(None)
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.tx.close()
        self.rx.close()
        self.errors.close()


def _why(exitcode: int | None) -> str:
    if exitcode == -signal.SIGXCPU:
        return f"读取超过 {CPU_SECONDS} 秒计算时间，已中止"
    if exitcode == -signal.SIGKILL:
        return f"读取超过 {WALL_SECONDS} 秒，已中止"
    if exitcode == -signal.SIGABRT:  # Rust aborts when an allocation fails
        return OUT_OF_MEMORY
    return f"读取程序异常退出（退出码 {exitcode}）"


def _limit_finding(path: Path, found: str) -> Finding:
    return Finding("F007", display_name(path.name), found=found, expected=EXPECTED)


def _serve() -> None:
    """Worker: read (path, then) tasks from stdin until told to stop (None), each under a fresh CPU-time
    allowance; send back (the reading, or what `then` made of it; the traceback if `then` raised).
    Results go out on a private copy of stdout; fd 1 itself is pointed at stderr, so that nothing a
    library prints can corrupt the channel."""
    tx = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    rx = Connection(0, writable=False)
    _lower_limit(resource.RLIMIT_AS, MEMORY_BYTES)
    while (task := rx.recv()) is not None:
        path, then = task
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _lower_limit(resource.RLIMIT_CPU, int(usage.ru_utime + usage.ru_stime) + CPU_SECONDS, replace=True)
        tx.send(_task(path, then))


def _task(path: Path, then: Callable[[Reading], object] | None) -> tuple[object, str | None]:
    """What a worker does with a file: (its reading, or what `then` made of it; the traceback if `then` raised)."""
    reading = _read(path)
    if then is None:
        return reading, None
    try:
        return then(reading), None
    except Exception as exc:  # noqa: BLE001 - the file's finding; the traceback goes to the caller's log
        return failure_finding(path, exc), traceback.format_exc()


def _read(path: Path) -> Reading:
    try:
        return read_or_finding(path)
    except MemoryError:
        return _limit_finding(path, OUT_OF_MEMORY)
    except Exception as exc:  # a reader bug on an odd file is that file's finding, not the batch's end
        log.exception("reading %s failed", path)
        return failure_finding(path, exc)


def failure_finding(path: Path, exc: Exception) -> Finding:
    return Finding(
        "F009",
        display_name(path.name),
        found=f"读取或解析时出现程序错误（{type(exc).__name__}）",
        expected="采集程序能够读取的 .xlsx 或 .csv 文件",
    )


def _lower_limit(kind: int, value: int, replace: bool = False) -> None:
    """Set the soft limit to `value`, never above the hard limit nor (unless `replace`) above a lower soft
    limit someone already set (a test, or the operator's ulimit)."""
    soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    if not replace and soft != resource.RLIM_INFINITY:
        value = min(value, soft)
    resource.setrlimit(kind, (value, hard))


if __name__ == "__main__":
    _serve()
