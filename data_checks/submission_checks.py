"""Per-submission quality gate: the rules of seeds/quality_rules.csv run as one GX suite per level.

One row per submission (wide, one column per indicator) so one validation covers a whole
batch, and every failing row maps back to the file, sheet and cell it came from.
"""
from __future__ import annotations

import pandas as pd

from data_checks.gx_runner import validate
from orchestration import catalogue
from orchestration.intake.findings import Finding, rules
from orchestration.intake.parse import ParsedSubmission

KEY = "file_name"


def check_submissions(subs: list[ParsedSubmission], data_year: int) -> None:
    """Append the findings of the GX rules to each submission (in place)."""
    readable = [s for s in subs if s.info.get("level") in catalogue.LEVELS or _registry_level(s)]
    for level in catalogue.LEVELS:
        batch = [s for s in readable if (s.info.get("level") or _registry_level(s)) == level]
        if batch:
            _check_level(batch, level, data_year)


def _registry_level(sub: ParsedSubmission) -> str | None:
    school = catalogue.schools().get(sub.school_code or "")
    return school.level if school else None


def _frame(subs: list[ParsedSubmission], codes: list[str]) -> pd.DataFrame:
    rows = []
    for s in subs:
        row: dict[str, object] = {KEY: s.file_name, "school_code": s.school_code, "data_year": s.info.get("data_year")}
        row["school_level"] = f"{s.school_code}|{s.info.get('level')}" if s.school_code else None  # no school, no level to compare
        row.update({c: None for c in codes})
        row.update({v["indicator_code"]: v["value"] for v in s.values})
        for r in s.list_rows:  # totals of list sheets, to compare with the indicator they break down
            key = f"_list_{r['column_name']}"
            row[key] = (row.get(key) or 0) + (r["value"] or 0)
        rows.append(row)
    df = pd.DataFrame(rows)
    df[codes] = df[codes].astype("float64")
    return df


def _expectations(level: str, data_year: int, df: pd.DataFrame):
    import great_expectations as gx

    e = gx.expectations
    registry = catalogue.schools()
    out = [
        e.ExpectColumnValuesToBeInSet(column="school_code", value_set=sorted(registry), meta={"rule_id": "M001"}),
        e.ExpectColumnValuesToBeInSet(
            column="school_code", value_set=sorted(c for c, s in registry.items() if s.active_in(data_year)), meta={"rule_id": "M002"}
        ),
        e.ExpectColumnValuesToBeInSet(column="data_year", value_set=[str(data_year)], meta={"rule_id": "M003"}),
        e.ExpectColumnValuesToBeInSet(
            column="school_level", value_set=sorted(f"{c}|{s.level}" for c, s in registry.items()), meta={"rule_id": "M004"}
        ),
    ]
    for ind in _indicators(level, data_year):
        if ind.required:
            out.append(e.ExpectColumnValuesToNotBeNull(column=ind.code, meta={"rule_id": "V002", "indicator": ind.code}))
        out.append(
            e.ExpectColumnValuesToBeBetween(
                column=ind.code, min_value=ind.min_value, max_value=ind.max_value, meta={"rule_id": "V003", "indicator": ind.code}
            )
        )
    present = set(df.columns)
    for rule in rules().values():
        if rule["check_kind"] == "list_sum_equals" and f"_list_{rule['part_codes']}" in present and rule["whole_code"] in present:
            meta = {"rule_id": rule["rule_id"], "indicator": rule["whole_code"], "list_column": rule["part_codes"]}
            out.append(e.ExpectColumnPairValuesToBeEqual(column_A=rule["whole_code"], column_B=f"_list_{rule['part_codes']}", ignore_row_if="either_value_is_missing", meta=meta))
        if rule["check_kind"] not in ("part_le_whole", "parts_equal_whole"):
            continue
        parts, wholes = catalogue.split_list(rule["part_codes"]), catalogue.split_list(rule["whole_code"])
        if not set(parts + wholes) <= present:
            continue
        a, b = f"_whole_{rule['rule_id']}", f"_part_{rule['rule_id']}"
        df[a] = df[wholes].sum(axis=1, min_count=len(wholes))
        df[b] = df[parts].sum(axis=1, min_count=len(parts))
        meta = {"rule_id": rule["rule_id"], "indicator": parts[0], "parts": parts, "wholes": wholes}
        if rule["check_kind"] == "part_le_whole":
            out.append(e.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing", meta=meta))
        else:
            out.append(e.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b, ignore_row_if="either_value_is_missing", meta=meta))
    return out


def _indicators(level: str, data_year: int) -> list[catalogue.Indicator]:
    version = catalogue.template_version_for(data_year, level)
    return [r.indicator for r in catalogue.template_rows(version, level)] if version else []


def _check_level(subs: list[ParsedSubmission], level: str, data_year: int) -> None:
    codes = [i.code for i in _indicators(level, data_year)]
    df = _frame(subs, codes)
    failures, _ = validate(df, _expectations(level, data_year, df), f"submissions_{level}_{data_year}", [KEY])
    by_file = {s.file_name: s for s in subs}
    _check_list_rows(subs, level, data_year, by_file)
    for failure in failures:
        for unexpected in failure.unexpected_rows:
            sub = by_file[unexpected[KEY]]
            finding = _finding(sub, failure.meta, unexpected, data_year)
            if finding is not None:
                sub.findings.append(finding)


def _check_list_rows(subs: list[ParsedSubmission], level: str, data_year: int, by_file) -> None:
    """Row rules of list sheets (part ≤ whole within a record, e.g. a major's 招生数 ≤ 在校生数)."""
    records: dict[tuple, dict] = {}
    for s in subs:
        for r in s.list_rows:
            rec = records.setdefault((s.file_name, r["sheet"], r["row_number"]), {KEY: s.file_name, "sheet": r["sheet"], "row_number": r["row_number"], "row_key": r["row_key"]})
            rec[r["column_name"]] = r["value"]
    if not records:
        return
    import great_expectations as gx

    df = pd.DataFrame(list(records.values()))
    expectations = []
    for rule in rules().values():
        if rule["check_kind"] == "part_le_whole" and rule["stage"] == "row" and {rule["part_codes"], rule["whole_code"]} <= set(df.columns):
            expectations.append(
                gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=rule["whole_code"], column_B=rule["part_codes"], or_equal=True, ignore_row_if="either_value_is_missing", meta={"rule_id": rule["rule_id"]}
                )
            )
    if not expectations:
        return
    failures, _ = validate(df, expectations, f"list_rows_{level}_{data_year}", [KEY, "sheet", "row_number", "row_key"])
    version = catalogue.template_version_for(data_year, level)
    for failure in failures:
        rule = rules()[failure.meta["rule_id"]]
        for bad in failure.unexpected_rows:
            label = {c["column_name"]: c["column_label_zh"] for c in catalogue.list_columns(version, level)[bad["sheet"]]}
            part, whole = rule["part_codes"], rule["whole_code"]
            by_file[bad[KEY]].findings.append(
                Finding(
                    rule["rule_id"], bad[KEY], sheet=bad["sheet"], row=int(bad["row_number"]),
                    found=f"专业「{bad['row_key']}」{label[part]} {bad.get(part):g}，{label[whole]} {bad.get(whole):g}",
                    expected=rule["title_zh"].replace("大于", "不大于"),
                )
            )


def _in_missing_sheet(sub: ParsedSubmission, code: str) -> bool:
    """The indicator's sheet is missing from the workbook (S001): one finding for the sheet, not one per row."""
    missing = {f.sheet for f in sub.findings if f.rule_id == "S001"}
    if not missing:
        return False
    rows = catalogue.template_rows(sub.info.get("template_version", ""), sub.info.get("level") or _registry_level(sub))
    return any(r.code == code and r.sheet in missing for r in rows)


def _finding(sub: ParsedSubmission, meta: dict, row: dict, data_year: int) -> Finding | None:
    rule_id = meta["rule_id"]
    ids = {f.rule_id for f in sub.findings}
    if rule_id.startswith("M"):
        if rule_id in ("M002", "M004") and "M001" in ids:
            return None  # an unknown school is reported once, as unknown
        field = {"M001": "school_code", "M002": "school_code", "M003": "data_year", "M004": "level"}[rule_id]
        info_row = sub.info.get("_rows", {}).get(field)
        school = catalogue.schools().get(sub.school_code or "")
        found, expected = {
            "M001": (f"学校代码「{sub.school_code}」", "学校名录中的代码"),
            "M002": (f"{school.name if school else sub.school_code} 在 {data_year} 年度不在招生学校名录中", f"{data_year} 年度招生的学校"),
            "M003": (f"数据年度「{sub.info.get('data_year')}」", f"{data_year}"),
            "M004": (f"办学层次「{sub.info.get('level')}」", f"{school.level if school else '名录中的层次'}"),
        }[rule_id]
        return Finding(rule_id, sub.file_name, sheet="基本信息", row=info_row, found=found, expected=expected)
    code = meta["indicator"]
    if "list_column" in meta:
        ind = catalogue.indicators()[code]
        return Finding(
            rule_id, sub.file_name, sheet=next(r["sheet"] for r in sub.list_rows if r["column_name"] == meta["list_column"]), indicator_code=code,
            found=f"分专业合计 {row.get('_list_' + meta['list_column']):g}，「{ind.name_zh}」{row.get(code):g}", expected="分专业合计等于总数",
        )
    if any(f.indicator_code == code and f.rule_id in ("V001", "V005", "V007", "V008", "R003", "R001") for f in sub.findings) or _in_missing_sheet(sub, code):
        return None  # the cell is already reported as unreadable, uncalculated or missing, or its sheet is
    where = next((v for v in sub.values if v["indicator_code"] == code), None)
    ind = catalogue.indicators()[code]
    if rule_id == "V002":
        found, expected = f"「{ind.name_zh}」未填写", "数值（确实为零请填 0）"
    elif rule_id == "V003":
        found = f"「{ind.name_zh}」为 {row.get(code):g} {ind.unit}"
        expected = f"{ind.min_value:g}–{ind.max_value:g} {ind.unit}"
    else:
        names = lambda codes: " + ".join(catalogue.indicators()[c].name_zh for c in codes)  # noqa: E731
        got = lambda prefix: row.get(f"_{prefix}_{rule_id}")  # noqa: E731
        op = "≤" if meta.get("parts") and rules()[rule_id]["check_kind"] == "part_le_whole" else "="
        found = f"{names(meta['parts'])} = {got('part'):g}，{names(meta['wholes'])} = {got('whole'):g}"
        expected = f"{names(meta['parts'])} {op} {names(meta['wholes'])}"
    return Finding(
        rule_id,
        sub.file_name,
        sheet=where["sheet"] if where else "",
        row=where["row_number"] if where else None,
        cell=where["cell"] if where else "",
        indicator_code=code,
        found=found,
        expected=expected,
    )
