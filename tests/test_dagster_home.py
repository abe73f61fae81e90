"""One Dagster home for the CLI and the UI, with the project's dagster.yaml; the UI stops on SIGTERM."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from orchestration import dagster_instance, settings


def test_the_home_gets_the_projects_dagster_yaml_once(monkeypatch, tmp_path):
    monkeypatch.setenv("VOCWH_HOME", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = dagster_instance.ensure_home()
    assert home == tmp_path.resolve() / "dagster" and os.environ["DAGSTER_HOME"] == str(home)
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    assert config["telemetry"] == {"enabled": False}
    # an older version written by the project is replaced; an operator's own file is kept
    (home / "dagster.yaml").write_text(dagster_instance.HEADER + "\ntelemetry:\n  enabled: false\n", encoding="utf-8")
    dagster_instance.ensure_home()
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == dagster_instance.dagster_yaml(home)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n", encoding="utf-8")
    dagster_instance.ensure_home()
    assert "enabled: true" in (home / "dagster.yaml").read_text(encoding="utf-8")


def test_warehouse_runs_queue_one_at_a_time_in_order(monkeypatch, tmp_path):
    """Every job carries the warehouse tag and the instance lets one such run go at a time: a backfill of
    several data years from the UI runs them in the order queued (oldest first)."""
    import dagster as dg

    from orchestration import definitions

    monkeypatch.setenv("VOCWH_HOME", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = dagster_instance.ensure_home()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [{"key": dagster_instance.WAREHOUSE_TAG, "limit": 1}]
    jobs = [j for j in definitions.defs.resolve_all_job_defs() if not j.name.startswith("__")]
    assert {j.name for j in jobs} >= {"annual_report", "intake", "marts_and_reports", "publish"}
    assert all(dagster_instance.WAREHOUSE_TAG in j.tags for j in jobs), [j.name for j in jobs]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.process
def test_the_ui_serves_the_code_location_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    env = {**os.environ, "VOCWH_HOME": str(tmp_path)}
    env.pop("DAGSTER_HOME", None)
    vocwh = Path(sys.executable).parent / "vocwh"
    ui = subprocess.Popen([str(vocwh), "ui", "--port", str(port)], env=env, cwd=settings.REPO_ROOT)
    try:
        deadline, served = time.monotonic() + 600, None  # a hang stopper: the UI loads the whole code location
        while served is None and time.monotonic() < deadline and ui.poll() is None:
            try:
                served = urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).read()
            except OSError:
                time.sleep(2)
        assert served and b"dagster_webserver_version" in served
        assert (tmp_path / "dagster" / "dagster.yaml").exists()
        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=300) is not None
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait()


STUBBORN = (
    "import os, signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print(os.getpid(), flush=True); "
    "time.sleep(600)"
)
SUPERVISOR = (
    "import sys; from pathlib import Path; from orchestration.dagster_instance import supervise; "
    "sys.exit(supervise([sys.executable, '-c', sys.argv[1]], Path('.'), grace=2))"
)


@pytest.mark.process
def test_a_ui_that_ignores_the_stop_is_killed_after_the_grace(tmp_path):
    """dagster dev can sit out a Ctrl-C (a code server still loading on a busy machine): the stop still ends it."""
    ui = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, STUBBORN], cwd=settings.REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    stubborn = int(ui.stdout.readline())
    started = time.monotonic()
    ui.send_signal(signal.SIGTERM)
    assert ui.wait(timeout=120) == 256 - signal.SIGKILL  # supervise returned the child's -9
    assert time.monotonic() - started < 60
    with pytest.raises(ProcessLookupError):
        os.kill(stubborn, 0)


# stops the way dagster dev does: on the KeyboardInterrupt Python raises for SIGINT, unless SIGINT was ignored at start
LISTENER = (
    "import os, time\n"
    "try:\n"
    "    print(os.getpid(), flush=True)\n"
    "    time.sleep(600)\n"
    "except KeyboardInterrupt:\n"
    "    open({path!r}, 'w').write('stopped')\n"
)


@pytest.mark.process
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_dagster_dev_stops_cleanly_when_the_ui_is_stopped_or_killed(tmp_path, stop):
    """`vocwh ui` started as a shell's background job (SIGINT ignored, and inherited) and then stopped (SIGTERM)
    or killed outright (SIGKILL: the OOM killer, kill -9, which it cannot pass on): dagster dev, in a session of
    its own, still gets the Ctrl-C it shuts down cleanly on, rather than the grace's SIGKILL or nothing at all."""
    if stop == signal.SIGKILL and not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux only")
    stopped = tmp_path / "stopped"
    ui = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, LISTENER.format(path=str(stopped))],
        cwd=settings.REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    child = int(ui.stdout.readline())
    ui.send_signal(stop)
    ui.wait(timeout=120)
    deadline = time.monotonic() + 60
    while not stopped.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert stopped.exists() and stopped.read_text() == "stopped"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
