"""Deterministic sample submissions: one workbook per school and year whose city aggregates
equal the city totals in seeds/sample/city_totals.csv (which reproduce the published report).

School values look like real schools: sizes vary (a stable size per school), rates differ
between schools, and parts stay within their wholes by the same part/whole rules the intake
enforces (seeds/quality_rules.csv).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from functools import cache
from pathlib import Path

from orchestration import catalogue
from orchestration.findings import rules
from orchestration.intake.template import write_csv, write_dataset_workbook, write_workbook
from orchestration.samples.explanations import write_sample_explanations
from orchestration.settings import SEEDS_DIR

OUTSIDE_SCOPE_SHARE = 0.3  # a school outside the city scope is sized like a small 高职 school
CSV_EVERY = 12  # every n-th school submits CSV instead of a workbook, as some do
BACHELOR_ONLY = {"enrol_bachelor_ft", "students_bachelor_ft"}
AMOUNT_STEP = {"元": 100}  # amounts printed in 万元 with 2 decimals are whole hundreds of 元


def _rng(*parts: object) -> random.Random:
    seed = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def school_size(code: str) -> float:
    return _rng("size", code).lognormvariate(0, 0.55)


def allocate(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Integers proportional to weights, summing to total, none above its cap (largest remainder)."""
    n = len(weights)
    caps = caps if caps is not None else [math.inf] * n
    if total > sum(caps):
        raise ValueError(f"cannot place {total} within caps summing to {sum(caps)}")
    share = [0.0] * n
    free = set(range(n))
    rest = float(total)
    while free:
        wsum = sum(weights[i] for i in free) or len(free)
        over = {i for i in free if rest * (weights[i] or 1) / wsum > caps[i]}
        if not over:
            for i in free:
                share[i] = rest * (weights[i] if wsum else 1) / wsum
            break
        for i in over:
            share[i] = caps[i]
            rest -= caps[i]
        free -= over
    out = [min(int(math.floor(s + 1e-9)), caps[i]) for i, s in enumerate(share)]
    order = sorted(range(n), key=lambda i: share[i] - out[i], reverse=True)
    short = total - sum(out)
    while short > 0:
        for i in order:
            if short and out[i] < caps[i]:
                out[i] += 1
                short -= 1
    return out


@cache
def _part_rules() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(parts, wholes) of each part/whole rule."""
    return tuple(
        (tuple(catalogue.split_list(r["part_codes"])), tuple(catalogue.split_list(r["whole_code"])))
        for r in rules().values()
        if r["check_kind"] in ("part_le_whole", "parts_equal_whole")
    )


@cache
def _rules_with_part(code: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """The part/whole rules in which `code` is a part: asked for every school and indicator."""
    return tuple((parts, wholes) for parts, wholes in _part_rules() if code in parts)


def _order(codes: list[str]) -> list[str]:
    """Wholes before their parts, parts in rule order."""
    later = defaultdict(set)
    for parts, wholes in _part_rules():
        for i, p in enumerate(parts):
            later[p] |= set(wholes) | set(parts[:i])
    done: list[str] = []
    pending = list(codes)
    while pending:
        for c in pending:
            if not (later[c] & set(pending)):
                done.append(c)
                pending.remove(c)
                break
    return done


def _wholes_here(wholes: list[str], school_values: dict) -> list[str]:
    """The terms of a whole the school's template has (its values so far hold only the template's codes,
    wholes before parts); a term the template does not collect counts as none, as the intake counts it."""
    return [w for w in wholes if w in school_values]


def _caps(code: str, school_values: dict[str, float]) -> float:
    """The most a part can be: its whole less the parts of the same breakdown placed before it, so Σ parts stays
    within the whole at every school (and fills it exactly where the city totals of the parts add up to it)."""
    cap = math.inf
    for parts, wholes in _rules_with_part(code):
        if here := _wholes_here(wholes, school_values):
            before = parts[: parts.index(code)]
            cap = min(cap, sum(school_values[w] or 0 for w in here) - sum(school_values.get(p) or 0 for p in before))
    return cap


def _city_totals() -> dict[tuple[int, str, str], tuple[int, int]]:
    """(year, group, indicator) -> (total, number of schools that leave it blank)."""
    return {
        (int(r["data_year"]), r["group_name"], r["indicator_code"]): (
            int(float(r["value"])),
            int(r.get("missing_schools") or 0),
        )
        for r in catalogue.read_seed("sample/city_totals")
    }


def _major_totals(data_year: int, level: str, city: dict[str, int]) -> dict[str, dict[str, int]]:
    """indicator -> {major: city total}, scaled to the level's city total (seeds/sample/major_totals.csv)."""
    raw: dict[str, dict[str, int]] = defaultdict(dict)
    for r in catalogue.read_seed("sample/major_totals"):
        if int(r["data_year"]) == data_year and r["level"] == level:
            raw[r["indicator_code"]][r["major_code"]] = int(r["value"])
    out: dict[str, dict[str, int]] = {}
    for code in sorted(raw, key=lambda c: c != "students_secondary_ft"):  # students first: they cap enrolment
        majors = sorted(raw[code])
        caps = (
            [out["students_secondary_ft"].get(m, 0) for m in majors]
            if code != "students_secondary_ft" and "students_secondary_ft" in out
            else None
        )
        out[code] = dict(zip(majors, allocate(city[code], [raw[code][m] for m in majors], caps), strict=True))
    return out


def _major_records(data_year: int, level: str, members, city: dict[str, int]) -> dict[str, list[dict[str, object]]]:
    """school -> its 专业设置 records: each major is taught at one to three schools, larger schools more often."""
    totals = _major_totals(data_year, level, city)
    if not totals:
        return {}
    students, enrol = totals["students_secondary_ft"], totals.get("enrol_secondary", {})
    records: dict[str, list[dict[str, object]]] = defaultdict(list)
    by_size = sorted(members, key=lambda s: -school_size(s.code))
    for i, major in enumerate(sorted(students, key=lambda m: (-students[m], m))):
        # every school teaches at least one major; most majors are taught at one to three schools
        rng = _rng("major", major)
        extra = rng.choices(members, weights=[school_size(s.code) for s in members], k=int(rng.random() * 3))
        chosen = sorted({s.code: s for s in [by_size[i % len(by_size)], *extra]}.values(), key=lambda s: s.code)
        split = allocate(students[major], [school_size(s.code) for s in chosen])
        split_enrol = allocate(enrol.get(major, 0), split, split)
        for s, n, e in zip(chosen, split, split_enrol, strict=True):
            records[s.code].append(
                {"major_code": major, "major_name": catalogue.majors()[major]["major_name"], "enrol": e, "students": n}
            )
    return records


def _has_major_totals(data_year: int, level: str) -> bool:
    return any(
        int(r["data_year"]) == data_year and r["level"] == level for r in catalogue.read_seed("sample/major_totals")
    )


@cache  # asked for every school; read-only for its caller
def _major_mix(data_year: int, level: str, indicator: str) -> dict[str, int]:
    """major -> city value of `indicator` in the year nearest `data_year` that seeds/sample/major_totals.csv has
    for the level (the major mix moves slowly; later years win ties)."""
    seed = catalogue.read_seed("sample/major_totals")
    rows = [r for r in seed if r["level"] == level and r["indicator_code"] == indicator]
    years = sorted({int(r["data_year"]) for r in rows}, key=lambda y: (abs(y - data_year), -y))
    return {r["major_code"]: int(r["value"]) for r in rows if years and int(r["data_year"]) == years[0]}


def _school_major_records(
    data_year: int, level: str, school_code: str, values: dict[str, object], columns
) -> list[dict[str, object]]:
    """A school's 专业设置 records that add up to its own totals: as many majors as its 开设专业总数 (at most one per
    在校生), drawn by the city's major mix in an order stable across years, so a school keeps its majors."""
    maps = {c["column_name"]: c["maps_to"] for c in columns if c["maps_to"]}
    students, enrol = values.get(maps.get("students")), values.get(maps.get("enrol")) or 0
    mix = _major_mix(data_year, level, maps.get("students", ""))
    if not students or not mix or enrol > students:
        return []
    # weighted order without replacement (key u^(1/w)), per school, not per year
    rng = _rng("majors", school_code)
    order = sorted(mix, key=lambda m: -(rng.random() ** (1 / mix[m])) if mix[m] else 0)
    offered = values.get("majors_offered") or 1
    chosen = sorted(order[: max(1, min(int(offered), int(students), len(order)))])
    weights = [mix[m] * _rng("major size", school_code, m).uniform(0.5, 1.5) for m in chosen]
    split = [n + 1 for n in allocate(int(students) - len(chosen), weights)]  # every major has students
    split_enrol = allocate(int(enrol), split, split)
    names = catalogue.majors()
    return [
        {"major_code": m, "major_name": names[m]["major_name"], "enrol": e, "students": n}
        for m, n, e in zip(chosen, split, split_enrol, strict=True)
    ]


def school_values(data_year: int) -> dict[str, dict[str, object]]:
    """code -> {indicator: value (None = left blank), 'list:<sheet>': records} for every school that
    submits that year."""
    totals = _city_totals()
    registry = [s for s in catalogue.schools().values() if s.active_in(data_year) and s.level in catalogue.LEVELS]
    out: dict[str, dict[str, int | None]] = {s.code: {} for s in registry}
    for level in catalogue.LEVELS:
        version = catalogue.template_version_for(data_year, level)
        if version is None or not catalogue.is_census(data_year, level):  # no school submits unasked
            continue
        members = [s for s in registry if s.level == level and s.in_city_scope(data_year)]
        codes = _order(list(dict.fromkeys(r.code for r in catalogue.template_rows(version, level))))
        school_level = [c for c in codes if catalogue.indicators()[c].aggregation == "none"]  # no city total to split
        codes = [c for c in codes if c not in school_level]
        lists = catalogue.list_columns(version, level)
        published_mix = _has_major_totals(data_year, level)
        for sheet in lists if published_mix else ():
            # School totals follow from the school's majors, so the two sheets agree by construction.
            city = {c: totals[(data_year, level, c)][0] for c in ("students_secondary_ft", "enrol_secondary")}
            absent = _blank_schools(data_year, members, totals[(data_year, level, "students_secondary_ft")][1])
            for s in members:
                if s.code in absent:
                    out[s.code].update(students_secondary_ft=None, enrol_secondary=None)
            teaching = [s for s in members if s.code not in absent]
            for code, records in _major_records(data_year, level, teaching, city).items():
                out[code][f"list:{sheet}"] = records
                out[code]["students_secondary_ft"] = sum(r["students"] for r in records)
                out[code]["enrol_secondary"] = sum(r["enrol"] for r in records)
        for code in codes:
            if any(code in out[s.code] for s in members):
                continue
            groups = [t for t in _types(members) if (data_year, t, code) in totals]
            public = (data_year, f"{level}公办", code)
            if not groups and public in totals:  # a 公办 subtotal is published: 民办 schools share the rest
                level_total = totals[(data_year, level, code)][0]
                for owned, total in (("公办", totals[public][0]), ("民办", level_total - totals[public][0])):
                    _allocate_indicator(code, data_year, [s for s in members if s.ownership == owned], total, out)
                continue
            for group in groups or [level]:
                in_group = [s for s in members if not groups or s.school_type == group]
                total, missing = totals.get((data_year, group, code), (None, 0))
                if total is None:
                    raise KeyError(f"seeds/sample/city_totals.csv has no {level} total for {code} in {data_year}")
                _allocate_indicator(code, data_year, in_group, total, out, missing)
        if not published_mix:
            # No city totals by major for the year: each school's majors follow its own totals (allocated above,
            # by school type where the report splits them), so the two sheets agree by construction.
            for sheet, columns in lists.items():
                for s in members:
                    records = _school_major_records(data_year, level, s.code, out[s.code], columns)
                    if records:
                        out[s.code][f"list:{sheet}"] = records
        # Schools kept apart from the city figures submit too, where the totals name them (首钢工学院).
        apart = [
            s
            for s in registry
            if s.level == level
            and not s.in_city_scope(data_year)
            and any((data_year, s.name, c) in totals for c in codes)
        ]
        for s in apart:
            for code in codes:
                explicit = totals.get((data_year, s.name, code))
                mean = totals[(data_year, level, code)][0] / max(len(members), 1)
                total = explicit[0] if explicit else round(mean * OUTSIDE_SCOPE_SHARE)
                # its parts are rounded one by one, so together they may pass their whole by a unit: keep each
                # within what the whole leaves (a no-op where they fit), and close exact breakdowns below
                _allocate_indicator(code, data_year, [s], max(0, int(min(total, _caps(code, out[s.code])))), out, 0)
            _close_exhaustive_breakdowns(out[s.code])
        for s in registry:
            if s.level == level and any(v is not None for v in out[s.code].values()):  # schools that submit
                out[s.code].update({code: _school_rate(code, s.code, data_year) for code in school_level})
        for s in members:
            _close_exhaustive_breakdowns(out[s.code])
    return {code: vals for code, vals in out.items() if vals}


def _school_rate(code: str, school_code: str, data_year: int) -> float:
    """A value only schools report (e.g. 体质健康测试优良率, 初次就业起薪): stable per school, moving a little
    by year."""
    if catalogue.indicators()[code].unit == "元/月":  # a monthly pay, whole hundreds of 元
        base = _rng(code, school_code).uniform(4000, 6500)
        return float(round((base + _rng(code, school_code, data_year).uniform(-200, 200)) / 100) * 100)
    base = _rng(code, school_code).uniform(55, 85)
    return round(base + _rng(code, school_code, data_year).uniform(-3, 3), 2)


def _close_exhaustive_breakdowns(values: dict[str, object]) -> None:
    """Where a rule says the parts add up to the whole (parts_equal_whole), the last part takes what the
    others leave, so a sample school's breakdown is exact (the allocation keeps each part within its whole)."""
    for r in rules().values():
        if r["check_kind"] != "parts_equal_whole":
            continue
        parts, wholes = catalogue.split_list(r["part_codes"]), catalogue.split_list(r["whole_code"])
        if not all(values.get(c) is not None for c in parts + wholes):
            continue
        rest = sum(values[w] for w in wholes) - sum(values[p] for p in parts[:-1])
        if rest >= 0:
            values[parts[-1]] = rest


def _types(members) -> set[str]:
    return {s.school_type for s in members}


def _blank_schools(data_year: int, schools, missing: int) -> set[str]:
    """The schools that do not report an indicator, as the report's footnote says.

    One ranking per year for every indicator, so the schools missing a rarer item are among those
    missing a more common one, and a school missing everything simply did not submit."""
    ranked = sorted(schools, key=lambda s: _rng("blank", data_year, s.code).random())
    return {s.code for s in ranked[:missing]}


def _allocate_indicator(code: str, data_year: int, schools, total: int, out, missing: int = 0) -> None:
    ind = catalogue.indicators()[code]
    blank = _blank_schools(data_year, schools, missing)
    eligible = [
        s for s in schools if s.code not in blank and (code not in BACHELOR_ONLY or s.school_type == "职业本科")
    ]
    if code == "attached_secondary_students":
        eligible = _attached_class_schools(schools)
    step = AMOUNT_STEP.get(ind.unit, 1)
    if total % step:
        step = 1
    weights, caps = [], []
    for s in eligible:
        # a part is sized by its whole, where the school's template has the whole
        parent = [w for _, wholes in _rules_with_part(code) for w in _wholes_here(wholes, out[s.code])]
        base = sum(out[s.code][w] or 0 for w in parent) if parent else school_size(s.code)
        # a school's profile is stable (second factor); years move it a little (first factor)
        weights.append(base * _rng(code, s.code, data_year).uniform(0.9, 1.1) * _rng(code, s.code).uniform(0.7, 1.3))
        cap = _caps(code, out[s.code])
        caps.append(int(cap // step) if cap != math.inf else math.inf)
    shares = allocate(total // step, weights, caps) if eligible else []
    given = {s.code: v * step for s, v in zip(eligible, shares, strict=True)}
    for s in schools:
        out[s.code][code] = None if s.code in blank else given.get(s.code, 0)


def _attached_class_schools(schools, count: int = 13):
    """The 13 高职 schools that run attached 中职 classes (003 line 499), stable across years."""
    ranked = sorted(schools, key=lambda s: _rng("attached", s.code).random())
    return sorted(ranked[:count], key=lambda s: s.code)


def _datasets(out_dir: Path, year: int) -> list[Path]:
    """The commission's reference datasets of the year, as published: seeds/sample/datasets/<code>_<year>.csv."""
    from orchestration.intake.datasets import COMMISSION_FOLDER, specs

    written = []
    for code in sorted(specs()):
        if (SEEDS_DIR / "sample" / "datasets" / f"{code}_{year}.csv").exists():
            records = catalogue.read_seed(f"sample/datasets/{code}_{year}")
            written.append(
                write_dataset_workbook(out_dir / str(year) / COMMISSION_FOLDER / f"{code}.xlsx", code, year, records)
            )
    return written


def generate(out_dir: Path, years: list[int], workers: int = 1) -> list[Path]:
    """The sample submissions of each year under out_dir/<year>/; `workers` > 1 writes the schools' files in
    that many worker processes (the benchmark's thousands of schools), with the same bytes as one."""
    written = []
    for year in years:
        written += _datasets(out_dir, year)
        schools = [
            (out_dir, year, n, code, values)
            for n, (code, values) in enumerate(sorted(school_values(year).items()))
            if not all(v is None for k, v in values.items() if not k.startswith("list:"))  # it did not submit
        ]
        if workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # A multiprocessing.Pool ends its workers with SIGTERM when its `with` block closes; where SIGTERM
            # is ignored (inherited from a CI runner or a nohup), they never end and the pool waits for them
            # forever (seen in the test suite). The executor tells its workers to stop and waits for them.
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                written += pool.map(_write_school, *zip(*schools, strict=True), chunksize=64)
        else:
            written += [_write_school(*school) for school in schools]
        written += write_sample_explanations(out_dir, year, school_values)
    return written


def _write_school(out_dir: Path, year: int, n: int, code: str, values: dict) -> Path:
    school = catalogue.schools()[code]
    info = {"school_code": code, "school_name": school.name, "filled_by": "示例数据"}
    if n % CSV_EVERY == CSV_EVERY - 1:
        return write_csv(out_dir / str(year) / f"{code}_{year}.csv", school.level, year, info, values)
    return write_workbook(out_dir / str(year) / f"{code}_{year}.xlsx", school.level, year, info, values)
