"""One dispatch from each rule of seeds/quality_rules.csv to the code that implements it, by check_kind.

- Read-stage kinds (the file, its sheets, rows and cells; commission datasets; schools' explanations)
  are found while the intake reads a file: their implementation is the intake module named here, and
  the findings come back with the parsed file.
- Batch-stage kinds run here over the new submissions of an intake batch: the GX kinds contribute
  expectations to one suite per level (submission_checks), the others are Python (cross-file,
  year-on-year). A new rule row of a known kind needs no code.
- Mart-stage kinds are the blocking gate on the chapter marts (mart_checks).

A rule row whose kind is not here, or a kind here without a row, fails tests/test_rule_registry.py.
"""

from __future__ import annotations

from collections import defaultdict

from data_checks import mart_checks, plausibility, submission_checks
from data_checks.gx_runner import validate
from data_checks.submission_checks import KEY, LIST_KEY, Context
from orchestration import catalogue
from orchestration.findings import Finding, errors, rules
from orchestration.intake.parse import ParsedSubmission

READ_STAGE = {
    "readable_workbook": "orchestration.intake.reader",
    "size_limit": "orchestration.intake.reader",
    "encrypted_workbook": "orchestration.intake.reader",
    "xml_no_dtd": "orchestration.intake.reader",
    "sheet_extent": "orchestration.intake.reader",
    "zip_unique_members": "orchestration.intake.reader",
    "safe_file_entry": "orchestration.intake.files",
    "reader_limits": "orchestration.intake.isolation",
    "intake_failure": "orchestration.intake.isolation",
    "required_sheet": "orchestration.intake.parse",
    "info_field": "orchestration.intake.parse",
    "header_row": "orchestration.intake.parse",
    "extra_sheet": "orchestration.intake.parse",
    "required_row": "orchestration.intake.parse",
    "unknown_row": "orchestration.intake.parse",
    "unit_mismatch": "orchestration.intake.parse",
    "duplicate_row": "orchestration.intake.parse",
    "numeric": "orchestration.intake.parse",
    "percent_as_fraction": "orchestration.intake.parse",
    "formula_cached_value": "orchestration.intake.parse",
    "footnote_marker": "orchestration.intake.parse",
    "error_value": "orchestration.intake.parse",
    "whole_number": "orchestration.intake.parse",
    "level_collected": "orchestration.intake.parse",
    "school_name_match": "orchestration.intake.parse",
    "school_identity": "orchestration.intake.parse",
    "list_header": "orchestration.intake.parse",
    "major_code_known": "orchestration.intake.parse",
    "list_duplicate_key": "orchestration.intake.parse",
    "numeric_nonneg": "orchestration.intake.parse",
    "dataset_known": "orchestration.intake.datasets",
    "dataset_header": "orchestration.intake.datasets",
    "dataset_number": "orchestration.intake.datasets",
    "dataset_required": "orchestration.intake.datasets",
    "dataset_reference": "orchestration.intake.datasets",
    "explain_workbook": "orchestration.intake.explanations",
    "explain_warning_only": "orchestration.intake.explanations",
    "explanation_complete": "orchestration.intake.explanations",
    "explanation_rule_known": "orchestration.intake.explanations",
    "explanation_school_known": "orchestration.intake.explanations",
    "explanation_year": "orchestration.intake.explanations",
}
_registry = submission_checks.Registry()
_parts = submission_checks.PartsAndWhole()
SUBMISSION_FRAME = {
    "school_known": _registry,
    "school_active": _registry,
    "year_match": _registry,
    "level_match": _registry,
    "required_value": submission_checks.RequiredValue(),
    "value_range": submission_checks.ValueRange(),
    "part_le_whole": _parts,
    "parts_equal_whole": _parts,
    "list_sum_equals": submission_checks.ListSum(),
}
LIST_RECORD_FRAME = {"list_part_le_whole": submission_checks.ListRecordPartLeWhole()}
CROSS_FILE = {"one_file_per_school": submission_checks.OneFilePerSchool()}
PREVIOUS_YEAR = {"yoy_change": plausibility.YearOnYear()}
MART = mart_checks.CHECKS


def implementation_module(check_kind: str) -> str | None:
    """Where a kind is implemented (a module name), or None for a kind nothing implements."""
    if check_kind in READ_STAGE:
        return READ_STAGE[check_kind]
    for table in (SUBMISSION_FRAME, LIST_RECORD_FRAME, CROSS_FILE, PREVIOUS_YEAR, MART):
        if check_kind in table:
            return type(table[check_kind]).__module__
    return None


def _rules_of(table: dict) -> list[dict]:
    return [r for r in rules().values() if r["check_kind"] in table]


def check_batch(
    subs: list[ParsedSubmission], data_year: int, previous: dict[str, dict[str, float]]
) -> dict[str, list[Finding]]:
    """The findings of the batch-stage rules on each new submission, by file name. Reading's findings
    are an input (a cell already reported unreadable gets no second finding); nothing is appended to them.
    A large batch is checked in parts (check_files per part, check_across over all, then combine)."""
    return combine(check_files(subs, data_year, previous), check_across(subs))


def check_files(
    subs: list[ParsedSubmission], data_year: int, previous: dict[str, dict[str, float]]
) -> dict[str, list[Finding]]:
    """The batch-stage rules that judge each file on its own (the GX suites, year-on-year): any split of a
    batch into parts finds the same."""
    out: dict[str, list[Finding]] = defaultdict(list)
    for level in catalogue.LEVELS:
        batch = [s for s in subs if submission_checks.level_of(s) == level]
        if batch:
            for f in _frame_checks(batch, level, data_year):
                out[f.file_name].append(f)
    # year-on-year warnings only for files that are not refused anyway: those are fixed first
    refused = {s.file_name for s in subs if s.blocking} | {name for name, fs in out.items() if errors(fs)}
    clean = [s for s in subs if s.file_name not in refused]
    for rule in _rules_of(PREVIOUS_YEAR):
        for f in PREVIOUS_YEAR[rule["check_kind"]].findings(rule, clean, previous):
            out[f.file_name].append(f)
    return dict(out)


def check_across(subs: list[ParsedSubmission]) -> dict[str, list[Finding]]:
    """The cross-file rules over a whole batch. They look at each file's identity only, never its values."""
    out: dict[str, list[Finding]] = defaultdict(list)
    for rule in _rules_of(CROSS_FILE):
        for f in CROSS_FILE[rule["check_kind"]].findings(rule, subs):
            out[f.file_name].append(f)
    return dict(out)


def combine(per_file: dict[str, list[Finding]], across: dict[str, list[Finding]]) -> dict[str, list[Finding]]:
    """Each file's findings of both: a file a cross-file rule refuses loses its year-on-year warnings."""
    refused = {name for name, fs in across.items() if errors(fs)}
    yoy = {r["rule_id"] for r in _rules_of(PREVIOUS_YEAR)}
    return {
        name: across.get(name, []) + [f for f in per_file.get(name, []) if not (name in refused and f.rule_id in yoy)]
        for name in across.keys() | per_file.keys()
    }


def _frame_checks(subs: list[ParsedSubmission], level: str, data_year: int) -> list[Finding]:
    indicators = submission_checks.indicators_of(level, data_year)
    by_name = {s.file_name: s for s in subs}
    frames = (
        (
            SUBMISSION_FRAME,
            submission_checks.submission_frame(subs, [i.code for i in indicators]),
            [KEY],
            "submissions",
        ),
        (LIST_RECORD_FRAME, submission_checks.list_record_frame(subs), LIST_KEY, "list_rows"),
    )
    out = []
    for table, frame, index, gate in frames:
        if frame.empty:
            continue
        ctx = Context(data_year, level, by_name, frame, indicators)
        expectations = [e for rule in _rules_of(table) for e in table[rule["check_kind"]].expectations(rule, ctx)]
        if not expectations:
            continue
        parameters = {
            k: v
            for rule in _rules_of(table)
            if hasattr(table[rule["check_kind"]], "parameters")
            for k, v in table[rule["check_kind"]].parameters(rule, ctx).items()
        }
        failures, _ = validate(ctx.frame, expectations, f"{gate}_{level}_{data_year}", index, parameters=parameters)
        unknown = {
            row[KEY]
            for f in failures
            if rules()[f.meta["rule_id"]]["check_kind"] == "school_known"
            for row in f.unexpected_rows
        }
        for failure in failures:
            rule = rules()[failure.meta["rule_id"]]
            for row in failure.unexpected_rows:
                finding = table[rule["check_kind"]].finding(rule, failure.meta, row, ctx, unknown)
                if finding is not None:
                    out.append(finding)
    return out
