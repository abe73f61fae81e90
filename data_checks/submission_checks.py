"""Batch-stage rules that run as Great Expectations suites over the submissions of one intake batch.

Each submission is one row of a wide frame (one column per indicator, plus the totals of its list
sheets), so one suite per level covers the whole batch and every failing row maps back to its file,
sheet and cell. List-sheet records (one row per major) are a second frame. Each check kind below
contributes its expectations to the suite of its frame and words the finding of a failing row; which
kind implements a rule is decided in data_checks/registry.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_checks.gx_runner import expectations
from orchestration import catalogue
from orchestration.findings import Finding
from orchestration.intake.parse import ParsedSubmission
from orchestration.workbook_text import plain_number

KEY = "file_name"
LIST_KEY = [KEY, "sheet", "row_number", "row_key"]
INFO_SHEET = "基本信息"
# a cell already reported as unreadable, uncalculated or missing gets no second finding
UNREADABLE = ("V001", "V005", "V007", "V008", "R003", "R001")


@dataclass
class Context:
    """What the expectations and the wording of a level's batch need."""

    data_year: int
    level: str
    subs: dict[str, ParsedSubmission]  # by file name
    frame: pd.DataFrame
    indicators: list[catalogue.Indicator] = field(default_factory=list)

    def sub(self, row: dict) -> ParsedSubmission:
        return self.subs[row[KEY]]


def level_of(sub: ParsedSubmission) -> str | None:
    declared = sub.info.get("level")
    if declared in catalogue.LEVELS:
        return str(declared)
    school = catalogue.schools().get(sub.school_code or "")
    return school.level if school else None


def indicators_of(level: str, data_year: int) -> list[catalogue.Indicator]:
    version = catalogue.template_version_for(data_year, level)
    return [r.indicator for r in catalogue.template_rows(version, level)] if version else []


def required_codes_of(level: str, data_year: int) -> frozenset[str]:
    """The indicators whose rows are compulsory in the level's template that year (template_rows.required);
    a blank optional row is not reported, never a finding."""
    version = catalogue.template_version_for(data_year, level)
    return frozenset(r.code for r in catalogue.template_rows(version, level) if r.required) if version else frozenset()


def submission_frame(subs: list[ParsedSubmission], codes: list[str]) -> pd.DataFrame:
    rows = []
    for s in subs:
        row: dict[str, object] = {KEY: s.file_name, "school_code": s.school_code, "data_year": s.info.get("data_year")}
        level = s.info.get("level")  # no school, or no level (S002 says so): nothing to compare
        row["school_level"] = f"{s.school_code}|{level}" if s.school_code and level else None
        row.update({c: None for c in codes})
        row.update({v["indicator_code"]: v["value"] for v in s.values})
        for r in s.list_rows:  # totals of list sheets, to compare with the indicator they break down
            key = f"_list_{r['column_name']}"
            row[key] = (row.get(key) or 0) + (r["value"] or 0)
        rows.append(row)
    df = pd.DataFrame(rows)
    df[codes] = df[codes].astype("float64")
    return df


def list_record_frame(subs: list[ParsedSubmission]) -> pd.DataFrame:
    records: dict[tuple, dict] = {}
    for s in subs:
        for r in s.list_rows:
            key = (s.file_name, r["sheet"], r["row_number"])
            rec = records.setdefault(
                key, {KEY: s.file_name, "sheet": r["sheet"], "row_number": r["row_number"], "row_key": r["row_key"]}
            )
            rec[r["column_name"]] = r["value"]
    return pd.DataFrame(list(records.values()), columns=LIST_KEY if not records else None)


def _at(sub: ParsedSubmission, code: str) -> dict:
    where = next((v for v in sub.values if v["indicator_code"] == code), None)
    return {"sheet": where["sheet"], "row": where["row_number"], "cell": where["cell"]} if where else {}


def _in_unreadable_sheet(sub: ParsedSubmission, code: str) -> bool:
    """The indicator's sheet is missing (S001) or has no header row (S003): one finding for the sheet, not one
    per row."""
    missing = {f.sheet for f in sub.findings if f.rule_id in ("S001", "S003")}
    if not missing:
        return False
    rows = catalogue.template_rows(sub.info.get("template_version", ""), level_of(sub))
    return any(r.code == code and r.sheet in missing for r in rows)


def _already_reported(sub: ParsedSubmission, code: str) -> bool:
    return any(f.indicator_code == code and f.rule_id in UNREADABLE for f in sub.findings) or _in_unreadable_sheet(
        sub, code
    )


class Registry:
    """M001–M004: the school, year and level of the file against the registry. An unknown school is
    reported once, as unknown (M001), not again as inactive or of another level."""

    frame = "submission"
    COLUMN = {
        "school_known": "school_code",
        "school_active": "school_code",
        "year_match": "data_year",
        "level_match": "school_level",
    }
    FIELD = {
        "school_known": "school_code",
        "school_active": "school_code",
        "year_match": "data_year",
        "level_match": "level",
    }

    def expectations(self, rule: dict, ctx: Context) -> list:
        # the value set is a suite parameter: the registry (thousands of codes at national scale) is not
        # copied into the stored suite, and GX does not re-serialise it for every expectation it plans
        kind = rule["check_kind"]
        return [
            expectations().ExpectColumnValuesToBeInSet(
                column=self.COLUMN[kind], value_set={"$PARAMETER": kind}, meta={"rule_id": rule["rule_id"]}
            )
        ]

    def parameters(self, rule: dict, ctx: Context) -> dict[str, list[str]]:
        registry = catalogue.schools()
        kind = rule["check_kind"]
        if kind == "school_known":
            return {kind: sorted(registry)}
        if kind == "school_active":
            return {kind: sorted(c for c, s in registry.items() if s.active_in(ctx.data_year))}
        if kind == "year_match":
            return {kind: [str(ctx.data_year)]}
        return {kind: sorted(f"{c}|{s.level}" for c, s in registry.items())}

    def finding(self, rule: dict, meta: dict, row: dict, ctx: Context, unknown: set[str]) -> Finding | None:
        kind, sub = rule["check_kind"], ctx.sub(row)
        if kind in ("school_active", "level_match") and sub.file_name in unknown:
            return None
        school = catalogue.schools().get(sub.school_code or "")
        found, expected = {
            "school_known": (f"学校代码「{sub.school_code}」", "学校名录中的代码"),
            "school_active": (
                f"{school.name if school else sub.school_code} 在 {ctx.data_year} 年度不在招生学校名录中",
                f"{ctx.data_year} 年度招生的学校",
            ),
            "year_match": (f"数据年度「{sub.info.get('data_year')}」", f"{ctx.data_year}"),
            "level_match": (f"办学层次「{sub.info.get('level')}」", f"{school.level if school else '名录中的层次'}"),
        }[kind]
        row_no = sub.info_rows.get(self.FIELD[kind])
        return Finding(rule["rule_id"], sub.file_name, sheet=INFO_SHEET, row=row_no, found=found, expected=expected)


class RequiredValue:
    """V002: a compulsory indicator of the level's template is not blank."""

    frame = "submission"

    def expectations(self, rule: dict, ctx: Context) -> list:
        e = expectations()
        meta = {"rule_id": rule["rule_id"]}
        return [
            e.ExpectColumnValuesToNotBeNull(column=i.code, meta={**meta, "indicator": i.code})
            for i in ctx.indicators
            if i.code in required_codes_of(ctx.level, ctx.data_year)
        ]

    def finding(self, rule: dict, meta: dict, row: dict, ctx: Context, unknown: set[str]) -> Finding | None:
        sub, code = ctx.sub(row), meta["indicator"]
        if _already_reported(sub, code):
            return None
        name = catalogue.indicators()[code].name_zh
        return Finding(
            rule["rule_id"],
            sub.file_name,
            **_at(sub, code),
            indicator_code=code,
            found=f"「{name}」未填写",
            expected="数值（确实为零请填 0）",
        )


class ValueRange:
    """V003: every indicator within the plausible range of the catalogue."""

    frame = "submission"

    def expectations(self, rule: dict, ctx: Context) -> list:
        e = expectations()
        return [
            e.ExpectColumnValuesToBeBetween(
                column=i.code,
                min_value=i.min_value,
                max_value=i.max_value,
                meta={"rule_id": rule["rule_id"], "indicator": i.code},
            )
            for i in ctx.indicators
        ]

    def finding(self, rule: dict, meta: dict, row: dict, ctx: Context, unknown: set[str]) -> Finding | None:
        sub, code = ctx.sub(row), meta["indicator"]
        if _already_reported(sub, code):
            return None
        ind = catalogue.indicators()[code]
        return Finding(
            rule["rule_id"],
            sub.file_name,
            **_at(sub, code),
            indicator_code=code,
            found=f"「{ind.name_zh}」为 {row.get(code):g} {ind.unit}",
            expected=f"{ind.min_value:g}–{ind.max_value:g} {ind.unit}",
        )


def tolerance(rule: dict) -> float:
    """How far Σ parts may stray from the whole for rounding, in the unit of the whole (the rule's threshold
    column; blank: none)."""
    return float(rule["threshold"] or 0)


class PartsAndWhole:
    """A breakdown within one submission: the rule row names the parts and the whole, its check_kind says
    whether the parts make up the whole (parts_equal_whole: exhaustive, |Σ parts − whole| ≤ tolerance) or
    are a 其中 of it (part_le_whole: Σ parts ≤ whole + tolerance), and its threshold is the tolerance for
    rounding, in the unit of the whole. A rule whose parts or whole the level's template does not collect is
    skipped; of a whole named as a sum (专科 + 本科 在校生), a term the template does not collect counts as none
    (the 2020 template, before 职业本科). A submission that leaves a part or the whole blank is not compared
    (V002 asks for the value)."""

    frame = "submission"

    def expectations(self, rule: dict, ctx: Context) -> list:
        parts, wholes = catalogue.split_list(rule["part_codes"]), catalogue.split_list(rule["whole_code"])
        df = ctx.frame
        wholes = [w for w in wholes if w in df.columns]  # a whole the template does not collect is none
        if not set(parts) <= set(df.columns) or not wholes:
            return []
        rule_id, tol = rule["rule_id"], tolerance(rule)
        whole = df[wholes].sum(axis=1, min_count=len(wholes))
        part = df[parts].sum(axis=1, min_count=len(parts))
        gap = f"_gap_{rule_id}"
        df[gap] = (part - whole).round(6)  # Σ parts − whole; NaN where a value is blank (not compared)
        meta = {"rule_id": rule_id, "indicator": parts[0], "parts": parts, "wholes": wholes}
        low = None if rule["check_kind"] == "part_le_whole" else -tol
        return [expectations().ExpectColumnValuesToBeBetween(column=gap, min_value=low, max_value=tol, meta=meta)]

    def finding(self, rule: dict, meta: dict, row: dict, ctx: Context, unknown: set[str]) -> Finding | None:
        sub, code = ctx.sub(row), meta["indicator"]
        if _already_reported(sub, code):
            return None
        found, expected = breakdown_wording(
            rule, meta["parts"], meta["wholes"], dict(ctx.frame.set_index(KEY).loc[sub.file_name])
        )
        return Finding(
            rule["rule_id"], sub.file_name, **_at(sub, code), indicator_code=code, found=found, expected=expected
        )


def breakdown_wording(rule: dict, parts: list[str], wholes: list[str], values: dict) -> tuple[str, str]:
    """(found, expected) of a broken breakdown, in the clerk's words: each part and the whole by name and
    value, the sum of the parts, and the gap between them, in the unit of the whole."""
    ind = catalogue.indicators()
    unit = ind[wholes[0]].unit

    def side(codes: list[str]) -> tuple[str, float]:
        total = sum(float(values[c]) for c in codes)
        terms = " + ".join(f"「{ind[c].name_zh}」{plain_number(float(values[c]))}" for c in codes)
        return (f"{terms} = {plain_number(total)} {unit}" if len(codes) > 1 else f"{terms} {unit}"), total

    (part_text, part_sum), (whole_text, whole_sum) = side(parts), side(wholes)
    gap = round(part_sum - whole_sum, 6)
    subject = "分项之和" if len(parts) > 1 else f"「{ind[parts[0]].name_zh}」"
    whole_name = "、".join(f"「{ind[c].name_zh}」" for c in wholes) + ("之和" if len(wholes) > 1 else "")
    found = (
        f"{part_text}，{whole_text}，{subject}比{whole_name}{'多' if gap > 0 else '少'} {plain_number(abs(gap))} {unit}"
    )
    tol = tolerance(rule)
    if rule["check_kind"] == "parts_equal_whole":
        expected = f"{subject}等于{whole_name}"
        expected += f"（因四舍五入最多相差 {plain_number(tol)} {unit}）" if tol else ""
    else:
        expected = f"{subject}不大于{whole_name}"
        expected += f"（因四舍五入最多超出 {plain_number(tol)} {unit}）" if tol else ""
    return found, expected


class ListSum:
    """L007/L008: the column of a list sheet (one row per major) adds up to the indicator it breaks down."""

    frame = "submission"

    def expectations(self, rule: dict, ctx: Context) -> list:
        column, whole = f"_list_{rule['part_codes']}", rule["whole_code"]
        if not {column, whole} <= set(ctx.frame.columns):
            return []
        meta = {"rule_id": rule["rule_id"], "indicator": whole, "list_column": rule["part_codes"]}
        return [
            expectations().ExpectColumnPairValuesToBeEqual(
                column_A=whole, column_B=column, ignore_row_if="either_value_is_missing", meta=meta
            )
        ]

    def finding(self, rule: dict, meta: dict, row: dict, ctx: Context, unknown: set[str]) -> Finding | None:
        sub, code, column = ctx.sub(row), meta["indicator"], meta["list_column"]
        sheet = next(r["sheet"] for r in sub.list_rows if r["column_name"] == column)
        name = catalogue.indicators()[code].name_zh
        return Finding(
            rule["rule_id"],
            sub.file_name,
            sheet=sheet,
            indicator_code=code,
            found=f"分专业合计 {row.get('_list_' + column):g}，「{name}」{row.get(code):g}",
            expected="分专业合计等于总数",
        )


class ListRecordPartLeWhole:
    """L006: within one record of a list sheet, a part column ≤ its whole (a major's 招生数 ≤ 在校生数)."""

    frame = "list_record"

    def expectations(self, rule: dict, ctx: Context) -> list:
        if not {rule["part_codes"], rule["whole_code"]} <= set(ctx.frame.columns):
            return []
        return [
            expectations().ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=rule["whole_code"],
                column_B=rule["part_codes"],
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta={"rule_id": rule["rule_id"]},
            )
        ]

    def finding(self, rule: dict, meta: dict, row: dict, ctx: Context, unknown: set[str]) -> Finding | None:
        version = catalogue.template_version_for(ctx.data_year, ctx.level)
        label = {
            c["column_name"]: c["column_label_zh"] for c in catalogue.list_columns(version, ctx.level)[row["sheet"]]
        }
        part, whole = rule["part_codes"], rule["whole_code"]
        return Finding(
            rule["rule_id"],
            row[KEY],
            sheet=row["sheet"],
            row=int(row["row_number"]),
            found=f"专业「{row['row_key']}」{label[part]} {row.get(part):g}，{label[whole]} {row.get(whole):g}",
            expected=rule["title_zh"].replace("大于", "不大于"),
        )


class OneFilePerSchool:
    """M007: two new files of one school in one batch: which one is meant cannot be guessed, so neither is
    loaded. Files loaded by an earlier run do not count: a new file for that school supersedes them."""

    def findings(self, rule: dict, subs: list[ParsedSubmission]) -> list[Finding]:
        by_school: dict[str, list[ParsedSubmission]] = {}
        for sub in subs:
            if sub.school_code:
                by_school.setdefault(sub.school_code, []).append(sub)
        out = []
        for code, group in by_school.items():
            for sub in group if len(group) > 1 else []:
                others = "、".join(f"「{o.file_name}」" for o in group if o is not sub)
                out.append(
                    Finding(
                        rule["rule_id"],
                        sub.file_name,
                        sheet=INFO_SHEET,
                        row=sub.info_rows.get("school_code"),
                        found=f"本批次中文件{others}也是学校代码「{code}」的数据",
                        expected="每所学校每个年度只提交一个文件（更正后的文件替换原文件）",
                    )
                )
        return out
