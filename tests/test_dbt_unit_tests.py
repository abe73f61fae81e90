"""dbt's unit tests (the models' logic on hand-made rows) run here, not in the warehouse's builds: a production
build excludes them (orchestration.defs.dbt.PRODUCTION), so the suite is where a broken formula shows."""

import json
import os
import shutil
import subprocess

import yaml

from orchestration import settings
from orchestration.dbt_manifest import DBT_EXECUTABLE, dbt_project


def _declared_unit_tests() -> set[str]:
    names = set()
    for path in (settings.DBT_PROJECT_DIR / "models").rglob("*.yml"):
        names |= {t["name"] for t in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", [])}
    return names


def test_every_unit_test_passes(built_warehouse, tmp_path):
    # a copy: unit tests create their fixtures in the warehouse they run against
    warehouse = shutil.copy(settings.duckdb_path(), tmp_path / "warehouse.duckdb")
    target = tmp_path / "target"
    done = subprocess.run(
        [DBT_EXECUTABLE, "test", "--select", "test_type:unit", "--target-path", str(target), "--no-use-colors"],
        cwd=dbt_project.project_dir,
        env={**os.environ, settings.DUCKDB_ENV: str(warehouse)},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    declared = _declared_unit_tests()
    assert len(declared) >= 6
    assert ran == dict.fromkeys(declared, "pass")


def test_the_warehouse_builds_ran_no_unit_test(built_warehouse):
    from orchestration.defs.dbt import target_dir

    results = json.loads((target_dir(settings.duckdb_path()) / "run_results.json").read_text(encoding="utf-8"))
    kinds = {r["unique_id"].split(".")[0] for r in results["results"]}
    assert "model" in kinds and "test" in kinds and "unit_test" not in kinds
