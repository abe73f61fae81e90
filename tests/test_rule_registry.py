"""Every rule of seeds/quality_rules.csv is implemented in exactly one place, and every rule fires.

- data_checks/registry.py maps each check_kind to its implementation: no rule without one, no kind
  without a rule.
- Read-stage rule IDs are literals in the intake modules (Finding("F001", …), _reject("F002", …)): a
  static scan checks that each is emitted only by the module the registry names for its kind.
- Every rule is made to fire by a real case, for the reason intended: the intake corpus
  (tests/corpus/cases.csv) read, checked and loaded by orchestration.submission_batch.ingest, with a
  few more files claiming schools that do not submit in 2025; files of other years; one case per
  seed-driven rule (part/whole, list sums, year-on-year) generated from the rule row itself; crafted
  mart frames; commission datasets; schools' explanations. Reader failures (F007, F009) are injected
  faults here: the real worker limits are exercised by the process tier (tests/test_intake_isolation.py).
"""

from __future__ import annotations

import ast
import collections
import copy
import functools
import importlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from data_checks import registry
from data_checks.mart_checks import check_mart
from data_checks.plausibility import _value as yoy_value
from data_checks.submission_checks import tolerance
from orchestration import catalogue, submission_batch
from orchestration.findings import Finding, errors, rules
from orchestration.intake import isolation
from orchestration.intake.datasets import columns as dataset_columns
from orchestration.intake.datasets import parse_dataset
from orchestration.intake.explanations import COLUMNS as EXPLANATION_COLUMNS
from orchestration.intake.explanations import SHEET as EXPLANATION_SHEET
from orchestration.intake.explanations import load_explanations
from orchestration.intake.parse import ParsedSubmission, parse_submission
from orchestration.intake.template import write_workbook
from orchestration.samples.generator import school_values
from tests.helpers import parsed_submission as _submission

ROOT = Path(__file__).resolve().parents[1]
_clean = functools.cache(school_values)  # the clean sample values of a year (never mutated: see _break)
TABLES = {
    "READ_STAGE": registry.READ_STAGE,
    "SUBMISSION_FRAME": registry.SUBMISSION_FRAME,
    "LIST_RECORD_FRAME": registry.LIST_RECORD_FRAME,
    "CROSS_FILE": registry.CROSS_FILE,
    "PREVIOUS_YEAR": registry.PREVIOUS_YEAR,
    "MART": registry.MART,
}
EMITTERS = ("Finding", "_reject")  # the calls that construct a finding from a literal rule ID


# --- the registry ---------------------------------------------------------------------------------


def test_every_rule_has_an_implementation_and_every_kind_a_rule():
    orphans = sorted(
        f"{r['rule_id']} ({r['check_kind']})"
        for r in rules().values()
        if registry.implementation_module(r["check_kind"]) is None
    )
    assert not orphans, f"rules whose check_kind nothing implements: {orphans}"
    kinds = {r["check_kind"] for r in rules().values()}
    idle = sorted(f"{name}[{kind!r}]" for name, table in TABLES.items() for kind in table if kind not in kinds)
    assert not idle, f"kinds of data_checks/registry.py without a rule row: {idle}"
    for kind in sorted(kinds):
        importlib.import_module(registry.implementation_module(kind))  # a module that exists


def test_a_file_is_refused_by_its_error_findings_only():
    """errors(): what refuses a file, wherever it is asked (reading, the checks, the loader, the datasets)."""
    severity = {sev: next(r for r, rule in rules().items() if rule["severity"] == sev) for sev in ("error", "warning")}
    found = [
        Finding(severity["warning"], "a.xlsx"),
        Finding(severity["error"], "a.xlsx", row=3),
        Finding("M007", "a.xlsx"),
    ]
    assert errors(found) == [found[1], found[2]] and rules()["M007"]["severity"] == "error"
    assert errors(found[:1]) == [] and errors([]) == []


def test_no_two_rules_check_the_same_thing():
    """A school must not be told the same thing twice: no two rules of a kind share their parts and whole,
    and no indicator is watched by two year-on-year rules (a specific P1xx rule and a grouped P2xx one)."""
    same = collections.defaultdict(list)
    watched = collections.defaultdict(list)
    for r in rules().values():
        same[(r["check_kind"], r["part_codes"], r["whole_code"])].append(r["rule_id"])
        if r["check_kind"] in registry.PREVIOUS_YEAR:
            for code in catalogue.split_list(r["part_codes"]):
                watched[code].append(r["rule_id"])
    twins = {k: v for k, v in same.items() if len(v) > 1 and (k[1] or k[2])}
    assert not twins, twins
    assert not {c: v for c, v in watched.items() if len(v) > 1}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _literal_rule_ids(path: Path) -> list[tuple[str, int]]:
    """(rule ID, line) of each Finding(…)/_reject(…) whose rule ID is a string literal."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = (
            node.func.id
            if isinstance(node.func, ast.Name)
            else node.func.attr
            if isinstance(node.func, ast.Attribute)
            else None
        )
        if func not in EMITTERS:
            continue
        first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "rule_id"), None)
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            out.append((first.value, node.lineno))
    return out


def test_each_literal_rule_id_is_emitted_by_the_module_of_its_kind():
    emitted: dict[str, set[str]] = {}
    problems = []
    for path in sorted([*ROOT.joinpath("orchestration").rglob("*.py"), *ROOT.joinpath("data_checks").rglob("*.py")]):
        module = _module(path)
        for rule_id, line in _literal_rule_ids(path):
            emitted.setdefault(module, set()).add(rule_id)
            where = f"{path.relative_to(ROOT)}:{line}"
            rule = rules().get(rule_id)
            if rule is None:
                problems.append(f"{where}: {rule_id} is not a rule of seeds/quality_rules.csv")
            elif (owner := registry.implementation_module(rule["check_kind"])) != module:
                problems.append(f"{where}: {rule_id} ({rule['check_kind']}) belongs to {owner}")
    assert sum(map(len, emitted.values())) >= 40, f"the scan found too little to be trusted: {emitted}"
    assert not problems, "\n".join(problems)
    silent = sorted(
        f"{r['rule_id']} ({r['check_kind']}) not in {registry.READ_STAGE[r['check_kind']]}"
        for r in rules().values()
        if r["check_kind"] in registry.READ_STAGE
        and r["rule_id"] not in emitted.get(registry.READ_STAGE[r["check_kind"]], set())
    )
    assert not silent, f"read-stage rules their module never emits: {silent}"


# --- (a) the corpus, read → check → load, plus files of schools that do not submit in 2025 ----------


def _row(ws, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == label)  # 指标 is column B of the template


def _append_row(ws, label: str, value) -> None:
    """A row below the table (序号, 指标, 单位 left blank, 数值)."""
    ws.append([ws.max_row - 2, label, None, value])


def _header_cell(ws, text: str):
    return next(c for c in ws[3] if c.value == text)  # the template's header row


# Files claiming schools that do not submit in 2025 (the corpus has no unused submitting school to
# spare: tests/test_intake_corpus.py needs five untouched). file stem -> (level of the workbook,
# school whose clean values it carries, 基本信息, edits, expectations (rule ID, sheet, fragment of the
# message)). A file has exactly the rules expected.
EXTRA_FILES = {
    "BJZZ041_2025": (
        "中职",
        "BJZZ001",
        {"school_code": "BJZZ041", "school_name": "中国音乐学院", "data_year": None},
        [],
        [("S002", "基本信息", "「数据年度」未填写")],
    ),
    "BJZZ044_2025": (
        "中职",
        "BJZZ005",
        {"school_code": "BJZZ044", "school_name": "中央工艺美术学院附中", "level": None},
        [],
        [("S002", "基本信息", "「办学层次」未填写")],
    ),  # and no M004: a missing level is not another level
    "BJZZ042_2025": (
        "中职",
        "BJZZ002",
        {"school_code": "BJZZ042", "school_name": "北京舞蹈学院"},
        [lambda wb: setattr(_header_cell(wb["国际合作"], "数值"), "value", "数据")],
        [("S003", "国际合作", "没有包含“指标”和“数值”的表头行")],
    ),
    "BJZZ043_2025": (
        "中职",
        "BJZZ003",
        {"school_code": "BJZZ043", "school_name": "北京城市学院"},
        [
            lambda wb: _append_row(wb["国际合作"], "接收港澳台学生人数", 3),
            lambda wb: _append_row(wb["国际合作"], "接收国外留学生人数", 5),
            lambda wb: setattr(wb["办学条件"].cell(_row(wb["办学条件"], "占地面积"), 3), "value", "万平方米"),
        ],
        [
            ("R002", "国际合作", "指标「接收港澳台学生人数」"),
            ("R004", "国际合作", "「接收国外留学生人数」在工作表「国际合作」第 5 行已出现"),
            ("R003", "办学条件", "「占地面积」单位为「万平方米」"),
        ],
    ),
    "BJZZ045_2025": (
        "高职",
        "BJGZ014",
        {"school_code": "BJZZ045", "school_name": "北京市通州区培智学校"},
        [],
        [("M004", "基本信息", "办学层次「高职」")],
    ),
    "BJZZ912_2025": (
        "中职",
        "BJZZ004",
        {"school_code": "BJZZ912", "school_name": "未具名职业高中08"},
        [],
        [("M002", "基本信息", "未具名职业高中08 在 2025 年度不在招生学校名录中")],
    ),
}


def _write_extra(folder: Path, stem: str, clean: dict) -> Path:
    level, donor, info, edits, _ = EXTRA_FILES[stem]
    path = write_workbook(folder / f"{stem}.xlsx", level, 2025, {"filled_by": "示例数据", **info}, clean[donor])
    if edits:
        wb = load_workbook(path)
        for edit in edits:
            edit(wb)
        wb.save(path)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Findings of the corpus batch: (file name, rule ID, sheet, indicator, message), and the cases."""
    from tests.corpus.build import YEAR, build

    tmp = tmp_path_factory.mktemp("corpus")
    folder, cases = build(tmp / "landing")
    clean = _clean(YEAR)
    for stem in EXTRA_FILES:
        _write_extra(folder, stem, clean)
    con = duckdb.connect(str(tmp / "w.duckdb"))
    submission_batch.ingest(con, YEAR, folder)
    found = con.execute(
        "select file_name, rule_id, sheet, indicator_code, message_zh from raw.submission_findings"
    ).fetchall()
    fired = {r[0] for r in con.execute("select distinct rule_id from raw.submission_findings").fetchall()}
    con.close()
    return found, cases, fired


@pytest.fixture(scope="module")
def corpus_rules(corpus):
    """Rules of the corpus each confirmed by a case's expectation (rule and message fragment, in its
    file), and the expectations not met."""
    found, cases, fired = corpus
    confirmed, unmet = set(), []
    expectations = [
        (case.case_id, name, rule_id, None, fragment)
        for case in cases
        for name in case.file_names
        for kind, rule_id, fragment in case.expectations
        if kind == "rule"
    ]
    expectations += [
        (stem, f"{stem}.xlsx", rule_id, sheet, fragment)
        for stem, spec in EXTRA_FILES.items()
        for rule_id, sheet, fragment in spec[4]
    ]
    for case_id, name, rule_id, sheet, fragment in expectations:
        if any(
            f == name and r == rule_id and (sheet is None or s == sheet) and fragment in m for f, r, s, _, m in found
        ):
            confirmed.add(rule_id)
        else:
            unmet.append(
                f"{case_id}: no {rule_id} with「{fragment}」in {[(r, m) for f, r, _, _, m in found if f == name]}"
            )
    for stem, spec in EXTRA_FILES.items():
        unexpected = {r for f, r, _, _, _ in found if f == f"{stem}.xlsx"} - {r for r, _, _ in spec[4]}
        if unexpected:
            unmet.append(f"{stem}: also {sorted(unexpected)}")
    return confirmed, unmet, fired


def test_corpus_rules_fire_for_their_cases(corpus_rules):
    confirmed, unmet, fired = corpus_rules
    assert not unmet, "\n".join(unmet)
    assert confirmed <= fired
    expected = {r for spec in EXTRA_FILES.values() for r, _, _ in spec[4]}
    assert expected <= confirmed, sorted(expected - confirmed)


# --- read-stage rules the 2025 corpus cannot express ----------------------------------------------


@pytest.fixture(scope="module")
def other_years(tmp_path_factory):
    """Rule ID -> whether it fired as intended, for files of years other than the corpus's: the list
    sheet exists only in the 2022 中职 template; a level not collected in a year (M005)."""
    tmp = tmp_path_factory.mktemp("other_years")
    clean = _clean(2022)
    school = next(c for c, v in sorted(clean.items()) if any(k.startswith("list:") for k in v))
    sheet = next(iter(catalogue.list_columns(catalogue.template_version_for(2022, "中职"), "中职")))
    records = clean[school][f"list:{sheet}"]
    spare = next(
        m for m in sorted(catalogue.majors()) if m not in {r["major_code"] for r in records} and not m.endswith("W")
    )
    extra = {
        "L001": (
            records,
            lambda wb: setattr(_header_cell(wb[sheet], "专业代码"), "value", "代码"),
            "没有找到规定的表头行",
        ),
        "L002": (
            records + [{"major_code": "999999", "major_name": "未知专业", "enrol": 0, "students": 0}],
            None,
            "专业代码「999999」",
        ),
        "L004": (
            records + [{**records[0], "enrol": 0, "students": 0}],
            None,
            f"专业「{records[0]['major_code']}」已在第 4 行填写",
        ),
        "L005": (
            records + [{"major_code": spare, "major_name": "新专业", "enrol": 0, "students": "约30"}],
            None,
            "「在校生数（人）」填写为「约30」",
        ),
        "": (records, None, None),  # the clean workbook: no findings
    }
    outcome = {}
    for rule_id, (rows, edit, fragment) in extra.items():
        path = write_workbook(
            tmp / f"{school}_{rule_id or 'clean'}_2022.xlsx",
            "中职",
            2022,
            {"school_code": school, "school_name": catalogue.schools()[school].name},
            {**clean[school], f"list:{sheet}": rows},
        )
        if edit:
            wb = load_workbook(path)
            edit(wb)
            wb.save(path)
        findings = parse_submission(path, 2022).findings
        if rule_id:
            # the one finding: a row not read adds nothing to the sums, a header not found reads no row
            outcome[rule_id] = [(f.rule_id, f.sheet, fragment in f.message_zh) for f in findings] == [
                (rule_id, sheet, True)
            ]
        else:
            outcome["clean 2022 workbook has no findings"] = not findings
    # a 高职 school that fills a workbook for 2022, when only 中职 data were collected
    gz = _clean(2025)["BJGZ014"]
    path = write_workbook(
        tmp / "BJGZ014_2022.xlsx",
        "高职",
        2025,
        {"school_code": "BJGZ014", "school_name": catalogue.schools()["BJGZ014"].name, "data_year": 2022},
        gz,
    )
    assert catalogue.template_version_for(2022, "高职") is None
    outcome["M005"] = [f.rule_id for f in parse_submission(path, 2022).findings] == ["M005"]
    return outcome


def test_list_sheet_and_level_rules_fire_on_other_years(other_years):
    assert all(other_years.values()), [k for k, ok in other_years.items() if not ok]


@pytest.fixture(scope="module")
def reader_faults(tmp_path_factory):
    """F007 (the reader ran out of memory) and F009 (a bug met while reading or parsing) are the
    isolation's and the batch's answers to failures no valid file causes: injected here."""
    tmp = tmp_path_factory.mktemp("faults")
    path = tmp / "BJGZ014_2025.xlsx"
    Workbook().save(path)

    def failing(exc):
        def call(*_args):
            raise exc

        return call

    outcome = {}
    with pytest.MonkeyPatch.context() as mp:
        for exc, rule_id, fragment in (
            (MemoryError(), "F007", "内存超过 2 GB"),
            (KeyError("odd cell"), "F009", "程序错误（KeyError）"),
        ):
            mp.setattr(isolation, "read_or_finding", failing(exc))
            f = isolation._read(path)  # what a worker does with a file
            outcome[f"{rule_id} from the worker"] = f.rule_id == rule_id and fragment in f.message_zh
        mp.undo()
        finding, logged = isolation._task(path, failing(ValueError("odd cell")))  # a worker parsing what it read
        parsed = submission_batch._parsed(ParsedSubmission(path=path, file_hash="x"), 2025, finding)
        outcome["F009 from the parser"] = [
            (f.rule_id, "程序错误（ValueError）" in f.message_zh) for f in parsed.findings
        ] == [("F009", True)] and "ValueError: odd cell" in logged
    return outcome


def test_reader_failures_refuse_the_file(reader_faults):
    assert all(reader_faults.values()), [k for k, ok in reader_faults.items() if not ok]


# --- (b) seed-driven rules, one generated case per rule row -----------------------------------------

YEARS = sorted(catalogue.collected_years(), reverse=True)  # the newest template that has a rule's codes


def _codes(year: int, level: str) -> set[str]:
    version = catalogue.template_version_for(year, level)
    return {r.code for r in catalogue.template_rows(version, level)} if version else set()


def _has(year: int, level: str, code: str) -> bool:
    """The template has the indicator, or (for a rate) its numerator and denominator."""
    ind, codes = catalogue.indicators()[code], _codes(year, level)
    return code in codes or (ind.aggregation == "ratio_of_sums" and {ind.numerator_code, ind.denominator_code} <= codes)


def _list_column(year: int, level: str, column: str) -> dict | None:
    version = catalogue.template_version_for(year, level)
    return next(
        (
            c
            for cols in (catalogue.list_columns(version, level) if version else {}).values()
            for c in cols
            if c["column_name"] == column
        ),
        None,
    )


def _needs(rule: dict) -> tuple[list[str], list[str]]:
    """(indicator codes, list-sheet columns) a rule needs in a template."""
    parts, wholes = catalogue.split_list(rule["part_codes"]), catalogue.split_list(rule["whole_code"])
    return {
        "list_sum_equals": (wholes, parts),
        "list_part_le_whole": ([], parts + wholes),
        "yoy_change": (parts[:1], []),
    }.get(rule["check_kind"], (parts + wholes, []))


def _year_level(rule: dict) -> tuple[int, str]:
    codes, list_cols = _needs(rule)
    for year in YEARS:
        for level in catalogue.LEVELS:
            if all(_has(year, level, c) for c in codes) and all(_list_column(year, level, c) for c in list_cols):
                return year, level
    raise AssertionError(f"{rule['rule_id']}: no template has {codes + list_cols}")


def _school(clean: dict, level: str, usable, taken: set[str] = frozenset()) -> str:
    """A school of the level whose clean values are usable, one not taken if there is one."""
    fits = [c for c, v in sorted(clean.items()) if catalogue.schools()[c].level == level and usable(v)]
    return next((c for c in fits if c not in taken), fits[0])


def _complete(codes: list[str], list_cols: list[str], values: dict) -> bool:
    """A school's values have the codes filled in, and a list sheet if the rule needs one."""
    return all(values.get(c) is not None for c in codes) and (
        not list_cols or any(k.startswith("list:") and values[k] for k in values)
    )


def _now(code: str, values: dict) -> float | None:
    """The value a year-on-year rule compares: submitted, or a rate from its numerator and denominator."""
    return yoy_value(code, {k: x for k, x in values.items() if not k.startswith("list:") and x is not None})


def _break(rule: dict, values: dict) -> tuple[dict, dict]:
    """The school's values with the rule broken, and what the finding must show (indicator, row)."""
    parts, wholes = catalogue.split_list(rule["part_codes"]), catalogue.split_list(rule["whole_code"])
    values = copy.deepcopy(values)
    if rule["check_kind"] in ("part_le_whole", "parts_equal_whole"):
        for code in parts + wholes:
            values[code] = values.get(code) or 0
        # Σ parts above Σ wholes by more than the rule's tolerance: neither ≤ nor =
        values[parts[0]] = sum(values[w] for w in wholes) + tolerance(rule) + 1
        return values, {"indicator_code": parts[0]}
    sheet = next(k for k in values if k.startswith("list:"))
    if rule["check_kind"] == "list_sum_equals":
        values[wholes[0]] += 1
        return values, {"indicator_code": wholes[0]}
    # list_part_le_whole: one major's part above its whole; the indicator it adds up to follows, so the list still sums
    record = values[sheet][0]
    delta = record[wholes[0]] + 1 - record[parts[0]]
    record[parts[0]] += delta
    year, level = _year_level(rule)
    values[_list_column(year, level, parts[0])["maps_to"]] += delta
    return values, {"row": 4, "found": f"专业「{record['major_code']}」"}


@pytest.fixture(scope="module")
def batch_rules():
    """Rule ID -> whether check_batch found it where its generated case broke it, for every rule of a
    batch-stage seed-driven kind; and whether a clean submission of each batch has no findings. Each
    file of a batch is another school's (two files of one school would be M007)."""
    kinds = ("part_le_whole", "parts_equal_whole", "list_sum_equals", "list_part_le_whole")
    batches: dict[int, list[tuple[ParsedSubmission, str | None, dict]]] = {}
    for rule in (r for r in rules().values() if r["check_kind"] in kinds):
        year, level = _year_level(rule)
        clean = _clean(year)
        codes, list_cols = _needs(rule)
        batch = batches.setdefault(year, [])
        taken = {s.school_code for s, _, _ in batch}
        school = _school(clean, level, functools.partial(_complete, codes, list_cols), taken)
        assert school not in taken, f"{rule['rule_id']}: no school left for a file of its own in the {year} batch"
        values, want = _break(rule, clean[school])
        batch.append((_submission(rule["rule_id"], year, school, values), rule["rule_id"], want))
    for year, batch in batches.items():
        for level in sorted({s.info["level"] for s, _, _ in batch}):
            taken = {s.school_code for s, _, _ in batch}
            school = _school(_clean(year), level, lambda v: True, taken)
            assert school not in taken
            batch.append((_submission(f"clean_{level}_{year}", year, school, _clean(year)[school]), None, {}))
    outcome = {}
    for year, batch in batches.items():
        found = registry.check_batch([s for s, _, _ in batch], year, {})
        for sub, rule_id, want in batch:
            mine = found.get(sub.file_name, [])
            if rule_id is None:
                outcome[f"clean {sub.file_name} has no findings: {mine}"] = not mine
                continue
            outcome[rule_id] = any(
                f.rule_id == rule_id
                and all(want[k] in f.found if k == "found" else getattr(f, k) == want[k] for k in want)
                for f in mine
            )
    return outcome


def test_each_part_whole_and_list_rule_fires_on_its_generated_case(batch_rules):
    assert all(batch_rules.values()), sorted(k for k, ok in batch_rules.items() if not ok)


@pytest.fixture(scope="module")
def yoy_rules():
    """Rule ID -> whether its first indicator, moved beyond the rule's threshold against a previous
    year, is warned about (and not warned about when it did not move)."""
    outcome = {}
    check = registry.PREVIOUS_YEAR["yoy_change"]
    for rule in (r for r in rules().values() if r["check_kind"] in registry.PREVIOUS_YEAR):
        year, level = _year_level(rule)
        clean = _clean(year)
        code = catalogue.split_list(rule["part_codes"])[0]
        rate = catalogue.indicators()[code].value_type == "rate"
        school = _school(
            clean, level, lambda v, code=code, rate=rate: (x := _now(code, v)) is not None and (rate or x > 0)
        )
        sub, cur, limit = (
            _submission(rule["rule_id"], year, school, clean[school]),
            _now(code, clean[school]),
            float(rule["threshold"]),
        )
        if rate:  # percentage points
            before = cur - limit - 5 if cur >= limit + 5 else cur + limit + 5
        else:  # a share: now is (2 + limit) times before
            before = cur / (2 + limit)
        moved = check.findings(rule, [sub], {school: {code: before}})
        still = check.findings(rule, [sub], {school: {code: cur}})
        outcome[rule["rule_id"]] = [(f.rule_id, f.indicator_code) for f in moved] == [
            (rule["rule_id"], code)
        ] and not still
    return outcome


def test_each_year_on_year_rule_fires_on_its_generated_case(yoy_rules):
    assert all(yoy_rules.values()), sorted(k for k, ok in yoy_rules.items() if not ok)


# --- (c) the mart gate ------------------------------------------------------------------------------

MART = pd.DataFrame(
    [
        {
            "data_year": 2025,
            "group_name": "全市",
            "indicator_code": "fulltime_teachers",
            "value": 100.0,
            "value_type": "count",
            "completeness": 1.0,
            "required": True,
        },
        {
            "data_year": 2025,
            "group_name": "全市",
            "indicator_code": "placement_rate",
            "value": 95.0,
            "value_type": "rate",
            "completeness": 0.9,
            "required": True,
        },
        {
            "data_year": 2024,
            "group_name": "全市",
            "indicator_code": "placement_rate",
            "value": 94.0,
            "value_type": "rate",
            "completeness": 0.5,
            "required": True,
        },
    ]
)
RECONCILIATION = pd.DataFrame(
    [
        {
            "data_year": 2025,
            "indicator_code": "fulltime_teachers",
            "total_group": "职业院校",
            "total": 100.0,
            "parts_sum": 100.0,
            "row_key": "2025/fulltime_teachers",
        }
    ]
)


def _mart_case(rule_id: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The clean frames broken for one rule, and the row key its problem line must name."""
    mart, rec = MART.copy(), RECONCILIATION.copy()
    if rule_id == "Q001":
        mart = pd.concat([mart, mart.iloc[[0]]], ignore_index=True)
        return mart, rec, "2025/全市/fulltime_teachers"
    if rule_id == "Q002":
        mart.loc[1, "value"] = 120.0
        return mart, rec, "2025/全市/placement_rate"
    if rule_id == "Q003":
        rec.loc[0, "parts_sum"] = 99.0
        return mart, rec, "2025/fulltime_teachers"
    assert rule_id == "Q004"
    mart.loc[1, "completeness"] = 0.5  # last year's 0.5 is not this year's problem
    return mart, rec, "2025/全市/placement_rate"


@pytest.fixture(scope="module")
def mart_rules():
    outcome = {"clean mart passes": check_mart("ch_test", MART, RECONCILIATION, 2025).passed}
    for rule in (r for r in rules().values() if r["check_kind"] in registry.MART):
        mart, rec, key = _mart_case(rule["rule_id"])
        result = check_mart("ch_test", mart, rec, 2025)
        outcome[rule["rule_id"]] = [line.split()[0] for line in result.problems] == [
            rule["rule_id"]
        ] and key in result.problems[0]
    return outcome


def test_each_mart_rule_fails_the_gate_on_its_case(mart_rules):
    assert all(mart_rules.values()), sorted(k for k, ok in mart_rules.items() if not ok)


# --- (d) commission datasets and schools' explanations -----------------------------------------------


def _sheet_workbook(path: Path, sheet: str, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.active.title = sheet
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def dataset_rules(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("datasets")
    code = "new_majors"
    labels = [c["column_label_zh"] for c in dataset_columns(code)]
    major = next(iter(sorted(catalogue.majors())))
    good = [1, "二、职业高中", "北京市商业学校", "BJZZ001", "财经商贸大类", "电子商务", major, "3年"]
    counted = "quality_monitoring_new_majors"
    counted_labels = [c["column_label_zh"] for c in dataset_columns(counted)]
    cases = {  # rule -> (file, rows, row of the finding, fragment)
        "": (f"{code}.xlsx", [labels, good], None, None),
        "D001": ("national_majors_list.xlsx", [labels, good], None, "文件名「national_majors_list」"),
        "D002": (f"{code}.xlsx", [labels[:-2], good[:-2]], None, "没有找到规定的表头行"),
        "D003": (f"{counted}.xlsx", [counted_labels, ["优秀", "A", "十二"]], 2, "「专业数（个）」填写为「十二」"),
        "D004": (f"{code}.xlsx", [labels, good[:5] + [None] + good[6:]], 2, "「专业名称」未填写"),
        "D005": (f"{code}.xlsx", [labels, good[:3] + ["BJZZ999"] + good[4:]], 2, "「学校代码」为「BJZZ999」"),
    }
    outcome = {}
    for rule_id, (name, rows, row, fragment) in cases.items():
        findings = parse_dataset(_sheet_workbook(tmp / (rule_id or "clean") / name, "Sheet1", rows)).findings
        if not rule_id:
            outcome["clean dataset has no findings"] = not findings
            continue
        outcome[rule_id] = any(f.rule_id == rule_id and f.row == row and fragment in f.message_zh for f in findings)
    return outcome


def test_each_dataset_rule_fires_on_its_file(dataset_rules):
    assert all(dataset_rules.values()), sorted(k for k, ok in dataset_rules.items() if not ok)


@pytest.fixture(scope="module")
def explanation_rules(tmp_path_factory):
    """Files in an explanations folder through load_explanations: row (or file) -> the rule refusing it."""
    folder = tmp_path_factory.mktemp("explanations")
    header = [label for label, _ in EXPLANATION_COLUMNS]

    def row(school="BJGZ014", year=2025, rule="P100", explanation="招生规模扩大", by="张老师"):
        return [school, year, rule, "graduates", "毕业生数", "学生规模!D6", "", explanation, by, "2026-03-01"]

    rows = {  # row number in the sheet -> expected rule (None: accepted)
        3: (row(), None),
        4: (row(rule="X001"), "E001"),
        5: (row(by=""), "E002"),
        6: (row(rule="Z999"), "E003"),
        7: (row(school="BJXX999"), "E005"),
        8: (row(year=2024), "E006"),
    }
    _sheet_workbook(
        folder / "BJGZ014_反馈.xlsx", EXPLANATION_SHEET, [["预警说明"], header, *[r for r, _ in rows.values()]]
    )
    _sheet_workbook(folder / "BJGZ023_反馈.xlsx", "问题清单", [header, row(school="BJGZ023")])
    (folder / "BJGZ024_说明.csv").write_text(",".join(header) + "\n", encoding="utf-8")
    con = duckdb.connect(":memory:")
    load_explanations(con, 2025, folder)
    got = {
        (f, n): r
        for f, n, r in con.execute(
            "select file_name, row_number, problem_rule_id from raw.warning_explanations"
        ).fetchall()
    }
    con.close()
    outcome = {
        f"{want or 'accepted'} row {n}": got.get(("BJGZ014_反馈.xlsx", n), "missing") == want
        for n, (_, want) in rows.items()
    }
    outcome["E004 workbook without the sheet"] = got.get(("BJGZ023_反馈.xlsx", None)) == "E004"
    outcome["E004 csv"] = got.get(("BJGZ024_说明.csv", None)) == "E004"
    return outcome


def test_each_explanation_rule_refuses_its_row(explanation_rules):
    assert all(explanation_rules.values()), sorted(k for k, ok in explanation_rules.items() if not ok)


# --- every rule fires ---------------------------------------------------------------------------------


def _fired(outcome: dict[str, bool]) -> set[str]:
    """The rule IDs that start the keys of outcomes that came true (other keys are controls)."""
    return {key.split()[0] for key, ok in outcome.items() if ok} & set(rules())


def test_every_rule_fires(
    corpus_rules, other_years, reader_faults, batch_rules, yoy_rules, mart_rules, dataset_rules, explanation_rules
):
    sources = {
        "corpus": corpus_rules[0],
        "other years": _fired(other_years),
        "reader faults": _fired(reader_faults),
        "generated batch cases": _fired(batch_rules),
        "generated year-on-year cases": _fired(yoy_rules),
        "mart frames": _fired(mart_rules),
        "datasets": _fired(dataset_rules),
        "explanations": _fired(explanation_rules),
    }
    fired = set().union(*sources.values())
    assert not fired - set(rules()), sorted(fired - set(rules()))
    assert fired == set(rules()), (
        f"rules no case fires: {sorted(set(rules()) - fired)} ({ {k: len(v) for k, v in sources.items()} })"
    )
