"""One intake batch: every file in a year's landing folder, parsed, checked and loaded."""
from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.intake.loader import LoadSummary, already_loaded, load, submission_id
from orchestration.intake.parse import ParsedSubmission, file_hash, parse_submission



def landing_files(folder: Path) -> list[Path]:
    """Files a school dropped in the folder; Office lock files (~$…) and hidden files are not submissions."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", ".")))


def ingest(con: duckdb.DuckDBPyConnection, data_year: int, folder: Path) -> LoadSummary:
    from data_checks.plausibility import add_yoy_warnings
    from data_checks.submission_checks import check_submissions  # GX import only when a batch runs

    known = already_loaded(con, data_year)
    subs: list[ParsedSubmission] = []
    for path in landing_files(folder):
        probe = ParsedSubmission(path=path, file_hash=file_hash(path))
        subs.append(probe if submission_id(data_year, probe) in known else parse_submission(path, data_year))
    fresh = [s for s in subs if submission_id(data_year, s) not in known]
    if fresh:
        check_submissions(fresh, data_year)
        add_yoy_warnings(con, fresh, data_year)
    return load(con, data_year, subs)
