"""One intake batch, composed: read every new file of a year's landing folder (orchestration.intake),
check the batch against the quality rules (data_checks), load accepted files and every finding
(orchestration.intake.loader), part by part, landing in one transaction. The intake never calls the checks
itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import duckdb

from orchestration.findings import Finding
from orchestration.intake.files import entry_hash, landing_files
from orchestration.intake.isolation import read_isolated
from orchestration.intake.loader import LoadSummary, already_loaded, batch, submission_id
from orchestration.intake.parse import ParsedSubmission, parse_submission

# Files read, checked and loaded at a time. The next part is read while one is checked and loaded, so a
# batch holds two parts whatever its size; each part costs its GX validations once more (~2 s), so parts
# are large.
PART_FILES = 2000


def ingest(con: duckdb.DuckDBPyConnection, data_year: int, folder: Path) -> LoadSummary:
    from data_checks.plausibility import previous_values
    from data_checks.registry import check_across, check_files, combine  # GX is imported only when checked

    known = already_loaded(con, data_year)
    probes: dict[str, ParsedSubmission] = {}
    for path in landing_files(folder):
        probe = ParsedSubmission(path=path, file_hash=entry_hash(path))
        probes.setdefault(
            submission_id(data_year, probe), probe
        )  # the same bytes under a second name are one submission
    fresh = [probe for sid, probe in probes.items() if sid not in known]
    previous = previous_values(con, data_year) if fresh else {}
    with batch(con, data_year) as loading:
        for part, parsed in read_ahead(parts(fresh, PART_FILES), partial(_read_part, data_year=data_year)):
            subs = [_parsed(probe, data_year, parsed.get(probe.path)) for probe in part]
            loading.add(subs, check_files(subs, data_year, previous))
        checked = combine(loading.checked, check_across(loading.files))
        return loading.finish(checked, unchanged=[p.file_name for sid, p in probes.items() if sid in known])


def parts(files: list, size: int) -> list[list]:
    return [files[i : i + size] for i in range(0, len(files), size)]


def read_ahead(todo: list, read: Callable) -> Iterator[tuple]:
    """(part, read(part)) for each part, the next part read in a thread meanwhile: the reader workers
    keep the cores busy while this process checks and loads (at most two parts are held)."""
    with ThreadPoolExecutor(max_workers=1) as reader:
        ahead = reader.submit(read, todo[0]) if todo else None
        for i, part in enumerate(todo):
            done = ahead.result()
            ahead = reader.submit(read, todo[i + 1]) if i + 1 < len(todo) else None
            yield part, done


def _read_part(part: list[ParsedSubmission], data_year: int) -> dict:
    """Each file read and parsed in the reader worker processes."""
    parse = {p.path: partial(parse_submission, p.path, data_year, file_hash=p.file_hash) for p in part}
    return read_isolated(list(parse), then=parse)


def _parsed(probe: ParsedSubmission, data_year: int, outcome) -> ParsedSubmission:
    """The worker's parse; else the file refused whole by the finding that stopped it: F007 (its worker
    died or overran), F009 (the parser failed on it, logged with its traceback), F005 (never opened).
    Never a half-read file, never the end of the batch for the other schools."""
    if isinstance(outcome, ParsedSubmission):
        return outcome
    if isinstance(outcome, Finding):
        return ParsedSubmission(path=probe.path, file_hash=probe.file_hash, findings=[outcome])
    return parse_submission(probe.path, data_year, None, probe.file_hash)  # not opened: its entry's findings
