"""One intake batch, composed: read every new file of a year's landing folder (orchestration.intake),
check the batch against the quality rules (data_checks), load accepted files and every finding
(orchestration.intake.loader). The intake never calls the checks itself."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from orchestration.intake.files import entry_hash, landing_files
from orchestration.intake.isolation import failure_finding, read_isolated
from orchestration.intake.loader import LoadSummary, already_loaded, load, submission_id
from orchestration.intake.parse import ParsedSubmission, parse_submission

log = logging.getLogger(__name__)


def ingest(con: duckdb.DuckDBPyConnection, data_year: int, folder: Path) -> LoadSummary:
    from data_checks.plausibility import previous_values
    from data_checks.registry import check_batch  # GX is imported only when a batch is checked

    known = already_loaded(con, data_year)
    probes: dict[str, ParsedSubmission] = {}
    for path in landing_files(folder):
        probe = ParsedSubmission(path=path, file_hash=entry_hash(path))
        probes.setdefault(
            submission_id(data_year, probe), probe
        )  # the same bytes under a second name are one submission
    new = [p.path for sid, p in probes.items() if sid not in known]
    readings = read_isolated(new)
    subs = [
        probe if sid in known else _parse(probe, data_year, readings.get(probe.path)) for sid, probe in probes.items()
    ]
    fresh = [s for s in subs if submission_id(data_year, s) not in known]
    checked = check_batch(fresh, data_year, previous_values(con, data_year)) if fresh else {}
    return load(con, data_year, subs, checked)


def _parse(probe: ParsedSubmission, data_year: int, reading) -> ParsedSubmission:
    """Parsed, or refused whole (F009) when the parser fails on it: never a half-read file, never the
    end of the batch for the other schools."""
    try:
        return parse_submission(probe.path, data_year, reading, probe.file_hash)
    except Exception as exc:  # noqa: BLE001 - logged with its traceback; the school gets the finding
        log.exception("parsing %s failed", probe.path)
        return ParsedSubmission(path=probe.path, file_hash=probe.file_hash, findings=[failure_finding(probe.path, exc)])
