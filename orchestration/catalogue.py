"""Reference data from seeds/: the indicator catalogue, template layout and school registry.

Pure functions over the CSV files; the same files are dbt seeds, so Python and SQL read one truth.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from orchestration.settings import SEEDS_DIR

LEVELS = ("高职", "中职")


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with open(seeds_dir / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split("|") if part.strip()]


def normalize_label(text: object) -> str:
    """Label key for matching: full-width to half-width, no spaces, no leading 其中/序号 noise."""
    return _normalized_label(str(text or ""))


@lru_cache(maxsize=1 << 16)  # every workbook repeats the same few hundred labels
def _normalized_label(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    s = s.replace("“", "").replace("”", "").replace('"', "")
    s = re.sub(r"^(其中|含)[:：]?", "", s)
    s = re.sub(r"[（(][^（()）]*[)）]$", "", s)  # a unit written into the label: 在校生数（人）
    return s


def normalize_unit(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    aliases: tuple[str, ...]
    unit: str
    level: str
    value_type: str
    aggregation: str
    numerator_code: str
    denominator_code: str
    min_value: float | None
    max_value: float | None
    source: str
    required: bool
    table_row: int
    whole_number: bool
    description: str = ""  # the definition and scope (口径) a school reads in the template's 填报说明
    chapter: str = ""
    yoy_min_abs_change: float | None = None  # a smaller year-on-year move is never a warning (small counts)

    def applies_to(self, level: str) -> bool:
        return self.level in ("全部", level)


def _num(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


@cache
def indicators(seeds_dir: Path = SEEDS_DIR) -> dict[str, Indicator]:
    out = {}
    for r in read_seed("indicators", seeds_dir):
        out[r["indicator_code"]] = Indicator(
            code=r["indicator_code"],
            name_zh=r["name_zh"],
            aliases=tuple(split_list(r["aliases"])),
            unit=r["unit"],
            level=r["level"],
            value_type=r["value_type"],
            aggregation=r["aggregation"],
            numerator_code=r["numerator_code"],
            denominator_code=r["denominator_code"],
            min_value=_num(r["min_value"]),
            max_value=_num(r["max_value"]),
            source=r["source"],
            required=r["required"] == "true",
            table_row=int(r["table_row"]),
            whole_number=r["whole_number"] == "true",
            description=r.get("description", ""),
            chapter=r.get("chapter", ""),
            yoy_min_abs_change=_num(r.get("yoy_min_abs_change", "")),
        )
    return out


@cache
def components(seeds_dir: Path = SEEDS_DIR) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for r in read_seed("indicator_components", seeds_dir):
        out.setdefault(r["indicator_code"], []).append(r["component_code"])
    return {k: tuple(v) for k, v in out.items()}


@cache
def template_version_for(data_year: int, level: str, seeds_dir: Path = SEEDS_DIR) -> str | None:
    """The template a school of `level` fills for `data_year`; None where no data are collected."""
    for r in read_seed("template_versions", seeds_dir):
        if int(r["data_year"]) == int(data_year) and r["level"] == level:
            return r["template_version"]
    return None


@cache
def is_census(data_year: int, level: str, seeds_dir: Path = SEEDS_DIR) -> bool:
    """True when the city collects `level` in `data_year` from every school; False for a voluntary
    collection (a template schools may fill for a district report) and where no data are collected."""
    return any(
        int(r["data_year"]) == int(data_year) and r["level"] == level and r["collection"] == "census"
        for r in read_seed("template_versions", seeds_dir)
    )


def collected_years(seeds_dir: Path = SEEDS_DIR) -> list[int]:
    return sorted({int(r["data_year"]) for r in read_seed("template_versions", seeds_dir)})


@cache  # read for every submission parsed
def template_sheets(version: str, level: str, seeds_dir: Path = SEEDS_DIR) -> tuple[dict[str, str], ...]:
    rows = [
        r
        for r in read_seed("template_sheets", seeds_dir)
        if r["template_version"] == version and r["level"] in ("全部", level)
    ]
    return tuple(sorted(rows, key=lambda r: int(r["sheet_order"])))


@cache
def guide(seeds_dir: Path = SEEDS_DIR) -> dict[str, tuple[dict[str, str], ...]]:
    """The instructions sheets of the submission workbook (seeds/template_guide.csv): sheet -> its items
    in order. The writer puts them first; the intake skips them (they hold no values)."""
    out: dict[str, list[dict[str, str]]] = {}
    for r in read_seed("template_guide", seeds_dir):
        out.setdefault(r["sheet_name"], []).append(r)
    return {k: tuple(sorted(v, key=lambda r: int(r["item_order"]))) for k, v in out.items()}


@cache
def list_columns(version: str, level: str, seeds_dir: Path = SEEDS_DIR) -> dict[str, tuple[dict[str, str], ...]]:
    """List sheets of a template (one row per record, e.g. 专业设置 per major): sheet -> its columns in order."""
    out: dict[str, list[dict[str, str]]] = {}
    for r in read_seed("list_sheet_columns", seeds_dir):
        if r["template_version"] == version and r["level"] == level:
            out.setdefault(r["sheet_name"], []).append(r)
    return {k: tuple(sorted(v, key=lambda c: int(c["column_order"]))) for k, v in out.items()}


@cache
def majors(seeds_dir: Path = SEEDS_DIR) -> dict[str, dict[str, str]]:
    return {r["major_code"]: r for r in read_seed("majors", seeds_dir)}


@dataclass(frozen=True)
class TemplateRow:
    """One row of one year's template: that year's wording and unit for a catalogue indicator."""

    indicator: Indicator
    sheet: str
    label: str
    unit: str
    order: int
    required: bool = False  # compulsory in this template (template_rows.required), not the catalogue's flag

    @property
    def code(self) -> str:
        return self.indicator.code


@cache
def template_rows(version: str, level: str, seeds_dir: Path = SEEDS_DIR) -> tuple[TemplateRow, ...]:
    """The rows a school of `level` fills in template `version`, sheet by sheet in table order."""
    inds = indicators(seeds_dir)
    sheet_order = {r["sheet_name"]: int(r["sheet_order"]) for r in template_sheets(version, level, seeds_dir)}
    rows = [
        TemplateRow(
            inds[r["indicator_code"]],
            r["sheet_name"],
            r["row_label"],
            r["unit"],
            int(r["row_order"]),
            required=r["required"] == "true",
        )
        for r in read_seed("template_rows", seeds_dir)
        if r["template_version"] == version and r["level"] == level
    ]
    return tuple(sorted(rows, key=lambda r: (sheet_order.get(r.sheet, 99), r.order)))


@cache  # read-only for its callers: built once per template, not per file
def label_index(version: str, level: str, seeds_dir: Path = SEEDS_DIR) -> dict[tuple[str, str], TemplateRow]:
    """(sheet, normalized label) -> template row, over the year's wording, the name and aliases.

    Rows match by name, never by position."""
    index: dict[tuple[str, str], TemplateRow] = {}
    for row in template_rows(version, level, seeds_dir):
        for label in (row.label, row.indicator.name_zh, *row.indicator.aliases):
            index[(row.sheet, normalize_label(label))] = row
    return index


@dataclass(frozen=True)
class School:
    code: str
    name: str
    former_names: tuple[str, ...]
    school_type: str
    level: str
    district: str
    sponsor: str
    ownership: str  # 公办 / 民办 as the marts group them: a column of the registry, not derived in code
    active_from: int
    active_to: int | None
    is_placeholder: bool
    excluded_years: frozenset[int]

    def active_in(self, data_year: int) -> bool:
        return self.active_from <= data_year and (self.active_to is None or data_year <= self.active_to)

    def in_city_scope(self, data_year: int) -> bool:
        """Counted in the city figures that year (seeds/city_scope_exclusions.csv says who is kept apart)."""
        return self.active_in(data_year) and data_year not in self.excluded_years


@cache
def schools(seeds_dir: Path = SEEDS_DIR) -> dict[str, School]:
    excluded: dict[str, set[int]] = {}
    for r in read_seed("city_scope_exclusions", seeds_dir):
        excluded.setdefault(r["school_code"], set()).update(range(int(r["first_year"]), int(r["last_year"]) + 1))
    # former names: those printed beside the registry name, and the renames with their year (school_former_names)
    former: dict[str, list[str]] = {}
    for r in read_seed("school_former_names", seeds_dir):
        former.setdefault(r["school_code"], []).append(r["former_name"])
    out = {}
    for r in read_seed("schools", seeds_dir):
        out[r["school_code"]] = School(
            code=r["school_code"],
            name=r["school_name"],
            former_names=tuple(dict.fromkeys([*split_list(r["former_names"]), *former.get(r["school_code"], [])])),
            school_type=r["school_type"],
            level=r["level"],
            district=r["district"],
            sponsor=r["sponsor"],
            ownership=r["ownership"],
            active_from=int(r["active_from"]),
            active_to=int(r["active_to"]) if r["active_to"] else None,
            is_placeholder=r["is_placeholder"] == "true",
            excluded_years=frozenset(excluded.get(r["school_code"], ())),
        )
    return out


def school_by_name(name: str, seeds_dir: Path = SEEDS_DIR) -> School | None:
    """The one school whose registry name or former name this is; None when none or several match."""
    key = normalize_label(name)
    found = [s for s in schools(seeds_dir).values() if key in {normalize_label(n) for n in (s.name, *s.former_names)}]
    return found[0] if len(found) == 1 else None
