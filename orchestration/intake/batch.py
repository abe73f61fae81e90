"""One intake batch: every file in a year's landing folder, parsed, checked and loaded."""
from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import duckdb

from orchestration.intake.files import entry_hash, landing_files
from orchestration.intake.findings import Finding
from orchestration.intake.isolation import failure_finding, read_isolated
from orchestration.intake.loader import LoadSummary, already_loaded, load, submission_id
from orchestration.intake.parse import ParsedSubmission, parse_submission
from orchestration.intake.reader import INFO_SHEET

log = logging.getLogger(__name__)


def ingest(con: duckdb.DuckDBPyConnection, data_year: int, folder: Path) -> LoadSummary:
    from data_checks.plausibility import add_yoy_warnings
    from data_checks.submission_checks import check_submissions  # GX import only when a batch runs

    known = already_loaded(con, data_year)
    probes: dict[str, ParsedSubmission] = {}
    for path in landing_files(folder):
        probe = ParsedSubmission(path=path, file_hash=entry_hash(path))
        probes.setdefault(submission_id(data_year, probe), probe)  # the same bytes under a second name are one submission
    new = [p.path for sid, p in probes.items() if sid not in known]
    readings = read_isolated(new)
    subs = [probe if sid in known else _parse(probe, data_year, readings.get(probe.path)) for sid, probe in probes.items()]
    fresh = [s for s in subs if submission_id(data_year, s) not in known]
    if fresh:
        flag_same_school(fresh)
        check_submissions(fresh, data_year)
        add_yoy_warnings(con, fresh, data_year)
    return load(con, data_year, subs)


def _parse(probe: ParsedSubmission, data_year: int, reading) -> ParsedSubmission:
    """Parsed, or refused whole (F009) when the parser fails on it: never a half-read file, never the
    end of the batch for the other schools."""
    try:
        return parse_submission(probe.path, data_year, reading)
    except Exception as exc:  # noqa: BLE001 - logged with its traceback; the school gets the finding
        log.exception("parsing %s failed", probe.path)
        probe.findings = [failure_finding(probe.path, exc)]
        return probe


def flag_same_school(fresh: list[ParsedSubmission]) -> None:
    """Two new files of one school in one batch (M007): which one is meant cannot be guessed, so neither
    is loaded. Files loaded by an earlier run do not count: a new file for that school supersedes them."""
    by_school: dict[str, list[ParsedSubmission]] = defaultdict(list)
    for sub in fresh:
        if sub.school_code:
            by_school[sub.school_code].append(sub)
    for code, group in by_school.items():
        if len(group) < 2:
            continue
        for sub in group:
            others = "、".join(f"「{o.file_name}」" for o in group if o is not sub)
            sub.findings.append(
                Finding(
                    "M007", sub.file_name, sheet=INFO_SHEET, row=sub.info.get("_rows", {}).get("school_code"),
                    found=f"本批次中文件{others}也是学校代码「{code}」的数据", expected="每所学校每个年度只提交一个文件（更正后的文件替换原文件）",
                )
            )
