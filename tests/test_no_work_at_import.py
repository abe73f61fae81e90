"""Loading the code location does no work: no dbt subprocess (the manifest is prepared by the setup
step, `vocwh prepare`), no change to PATH or to the environment dbt reads."""

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration import settings
from orchestration.dbt_manifest import dbt_project

PROBE = r"""
import json, os, subprocess
started = []
original = subprocess.Popen.__init__
def record(self, args, *rest, **kw):
    started.append(args if isinstance(args, str) else " ".join(map(str, args)))
    return original(self, args, *rest, **kw)
subprocess.Popen.__init__ = record
before = dict(os.environ)
import orchestration.definitions
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print(json.dumps({"started": started, "changed": changed}))
"""


def test_importing_the_definitions_starts_no_dbt_and_changes_no_environment():
    manifest = Path(dbt_project.manifest_path)
    stat = manifest.stat()
    old = stat.st_mtime - 10 * 365 * 86400
    os.utime(manifest, (old, old))  # older than every model: the import used to re-parse here
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("VOCWH_DUCKDB_PATH", "DAGSTER_IS_DEV_CLI")}
        out = subprocess.run(
            [sys.executable, "-c", PROBE],
            capture_output=True,
            text=True,
            env=env,
            cwd=settings.REPO_ROOT,
            timeout=600,
            check=True,
        )
    finally:
        os.utime(manifest, (stat.st_atime, stat.st_mtime))
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert not [cmd for cmd in probe["started"] if "dbt" in cmd], probe["started"]
    assert probe["changed"] == [], probe["changed"]


def test_settings_only_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.DUCKDB_ENV, raising=False)
    monkeypatch.setenv(settings.HOME_ENV, str(tmp_path))
    before = dict(os.environ)
    assert settings.duckdb_path() == tmp_path / "warehouse.duckdb"
    assert dict(os.environ) == before
