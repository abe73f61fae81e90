"""What a data year's last successful run was made from, so that running it again with nothing new does
nothing: the year's landing folder and the previous year's (changes compare with it), the dbt project
and seeds, and the code. Recorded per warehouse home in run_inputs.json."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from orchestration import settings

SOURCES = ("orchestration", "data_checks", "dbt_project/models", "dbt_project/macros", "dbt_project/tests", "seeds")
PROJECT_FILES = ("dbt_project/dbt_project.yml", "pyproject.toml")


def _record_file() -> Path:
    return settings.home() / "run_inputs.json"


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(data_year: int) -> str:
    """Landing files by name, size and modification time; project files by content."""
    h = hashlib.sha256()
    for year in (data_year - 1, data_year):
        folder = settings.landing_dir(year)
        for p in _files(folder) if folder.exists() else []:
            stat = p.stat()
            h.update(f"{year}\0{p.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for name in (*SOURCES, *PROJECT_FILES):
        for p in _files(settings.REPO_ROOT / name):
            h.update(str(p.relative_to(settings.REPO_ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _records() -> dict[str, dict[str, str]]:
    path = _record_file()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _key(data_year: int, job: str) -> str:
    return str(data_year) if job == "annual_report" else f"{data_year} {job}"


def last_unchanged_run(data_year: int, job: str = "annual_report") -> dict[str, str] | None:
    """The job's last successful run of the year when nothing it was made from has changed since (and its
    warehouse and published copy are still there); None when the year must run. A run of the annual job
    stands for its parts too."""
    records = _records()
    candidates = [records.get(_key(data_year, j)) for j in dict.fromkeys((job, "annual_report"))]
    candidates = [r for r in candidates if r is not None]
    if not candidates or not (settings.duckdb_path().exists() and settings.published_path().exists()):
        return None
    inputs = fingerprint(data_year)
    return next((r for r in candidates if r["fingerprint"] == inputs), None)


def record_run(data_year: int, job: str, run_id: str, inputs: str) -> None:
    """`inputs`: the fingerprint taken before the run started (a file landing during the run makes the
    next run go ahead)."""
    records = _records()
    at = datetime.now(UTC).isoformat(timespec="seconds")
    records[_key(data_year, job)] = {"fingerprint": inputs, "run_id": run_id, "at": at}
    path = _record_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(records, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
