"""The one Dagster home that the CLI (`vocwh run`, `vocwh report`) and the UI (`vocwh ui`) share:
<VOCWH_HOME>/dagster, with the project's dagster.yaml, so the UI shows every run, materialization and
check result the CLI made. Nothing here runs at import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from orchestration import settings

DAGSTER_YAML = """\
# Written by vocwh (orchestration/dagster_instance.py): the Dagster instance of this warehouse home.
# Runs, events, schedules and compute logs are stored in this folder (SQLite), next to the warehouse.
telemetry:
  enabled: false
"""


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or settings.home() / "dagster").resolve()


def ensure_home() -> Path:
    """The home exists with the project's dagster.yaml (an operator's own dagster.yaml is kept), and
    DAGSTER_HOME names it for this process and the processes it starts."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run_ui(host: str, port: int) -> int:
    """`dagster dev` on the code location, against the shared home. SIGTERM (a service manager, a
    container stop) is passed on as the Ctrl-C that dagster dev shuts down cleanly on."""
    ensure_home()
    command = [str(Path(sys.executable).parent / "dagster"), "dev", "-m", "orchestration.definitions"]
    ui = subprocess.Popen([*command, "-h", host, "-p", str(port)], cwd=settings.REPO_ROOT)
    signal.signal(signal.SIGTERM, lambda *_: ui.send_signal(signal.SIGINT))
    return ui.wait()
