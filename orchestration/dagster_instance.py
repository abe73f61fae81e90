"""The one Dagster home that the CLI (`vocwh run`, `vocwh report`) and the UI (`vocwh ui`) share:
<VOCWH_HOME>/dagster, with the project's dagster.yaml, so the UI shows every run, materialization and
check result the CLI made. Nothing here runs at import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from orchestration import settings

# `vocwh ui` serves the definitions as this code location; runs the CLI starts carry its label, as the UI's
# own runs do, so the job's page and the timeline list them (the UI filters a job's runs by this tag).
CODE_LOCATION = "orchestration.definitions"
REPOSITORY_LABEL = {".dagster/repository": f"__repository__@{CODE_LOCATION}"}
WAREHOUSE_TAG = "vocwh/warehouse"  # on every job: runs that write the warehouse, queued one at a time

HEADER = "# Written by vocwh (orchestration/dagster_instance.py): the Dagster instance of this warehouse home."


def dagster_yaml(home: Path) -> str:
    """The project's dagster.yaml for a Dagster home (the event log's folder is named in full)."""
    return f"""\
{HEADER}
# Runs, events, schedules and compute logs are stored in this folder (SQLite), next to the warehouse.
# Delete this file to get the project's current version back; without the first line it is yours and kept.
telemetry:
  enabled: false
# Runs that write the warehouse (every job carries the tag) wait in the queue and run one at a time, in the
# order they were queued: a backfill of several data years from the UI runs them oldest first, as each
# year's changes read the year before.
concurrency:
  runs:
    tag_concurrency_limits:
      - key: {WAREHOUSE_TAG}
        limit: 1
# Dagster's SQLite event log, with its connections kept between events (orchestration/dagster_event_log.py);
# the same files, in the same folder, as Dagster's own.
event_log_storage:
  module: orchestration.dagster_event_log
  class: KeptConnectionsSqliteEventLogStorage
  config:
    base_dir: {json.dumps(str(home / "history" / "runs"))}
"""


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or settings.home() / "dagster").resolve()


def ensure_home() -> Path:
    """The home exists with the project's current dagster.yaml (an operator's own dagster.yaml, one not
    starting with the project's header, is kept), and DAGSTER_HOME names it for this process and the
    processes it starts."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    ours = not config.exists() or config.read_text(encoding="utf-8").startswith(HEADER)
    wanted = dagster_yaml(home)
    if ours and (not config.exists() or config.read_text(encoding="utf-8") != wanted):
        config.write_text(wanted, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


STOP_GRACE_SECONDS = 60  # dagster dev's own clean shutdown; then its processes are killed
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def run_ui(host: str, port: int) -> int:
    """`dagster dev` on the code location, against the shared home."""
    ensure_home()
    command = [str(Path(sys.executable).parent / "dagster"), "dev", "-m", CODE_LOCATION]
    return supervise([*command, "-h", host, "-p", str(port)], settings.REPO_ROOT)


def supervise(command: list[str], cwd: Path, grace: float = STOP_GRACE_SECONDS) -> int:
    """Run `command` until it ends. SIGTERM (a service manager, a container stop) and Ctrl-C are passed on
    as the Ctrl-C that dagster dev shuts down cleanly on; if it has not stopped `grace` seconds later (a code
    server still loading), its processes are killed."""
    # its own process group: one signal reaches the webserver, the daemon and their code servers
    child = subprocess.Popen(command, cwd=cwd, start_new_session=True, preexec_fn=_stop_with(os.getpid()))
    stop_by: list[float] = []

    def stop(*_) -> None:
        if not stop_by:
            stop_by.append(time.monotonic() + grace)
            os.killpg(child.pid, signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        try:
            return child.wait(timeout=1)
        except subprocess.TimeoutExpired:
            if stop_by and time.monotonic() > stop_by[0]:
                os.killpg(child.pid, signal.SIGKILL)


def _stop_with(parent: int):
    """What the child does before it starts, so that Ctrl-C stops it cleanly:
    - it hears SIGINT: a shell's background job (`vocwh ui &`, nohup) starts with SIGINT ignored, and an ignored
      signal is inherited, so dagster dev would never stop on it and only the grace's SIGKILL would end it;
    - on Linux, it gets SIGINT from the kernel when this process dies, even by SIGKILL (an OOM kill, `kill -9`),
      which no handler here can pass on: in its own session, the webserver, the daemon and their code servers
      would otherwise run on with nobody to stop them."""

    def arm() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if sys.platform.startswith("linux"):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGINT)
            if os.getppid() != parent:  # died before the signal was armed
                os.kill(os.getpid(), signal.SIGINT)

    return arm
