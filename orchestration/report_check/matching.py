"""Figures to catalogue indicators (name, alias, unit), then to the warehouse's values for that school (or
the city) and year. The warehouse is opened read-only; without it, or without the school's year in it,
nothing is compared and the check says so."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from orchestration.catalogue import Indicator, indicators, normalize_label
from orchestration.report_check.model import Figure, Problem
from orchestration.report_check.numbers import UNITS, convert, printed_ok, same_family, shown


def _index() -> dict[str, list[Indicator]]:
    idx: dict[str, list[Indicator]] = {}
    for ind in indicators().values():
        for name in (ind.name_zh, *ind.aliases):
            idx.setdefault(normalize_label(name), []).append(ind)
    return idx


def _keys(label: str) -> list[str]:
    k = normalize_label(label)
    k = re.sub(r"[((][^()]*[))]", "", k)
    k = re.sub(r"^(学校|全校|我校|本校|我区中职|学生)(有|共有)?", "", k) or k
    # who the figure is of, not what it is: 全市职业院校专任教师 is 专任教师 (of the city's schools)
    k = re.sub(r"^(全市|北京市?|本市)?(职业院校|中职学校|高职院校|中职|高职)(的)?", "", k) or k
    keys = [k, k + "数"]
    for a, b in (("资产", ""), ("在职", "在岗"), ("人数", "数"), ("以上", "及以上")):
        if a in k:
            keys += [k.replace(a, b), k.replace(a, b) + "数"]
    if k.startswith("总"):
        keys += [k[1:], k[1:] + "数"]
    return keys


def unit_fits(fig_unit: str, ind_unit: str) -> bool:
    if ind_unit == "%":
        return fig_unit == "%"
    return same_family(fig_unit, ind_unit)


def match(label: str, unit: str, level: str | None) -> tuple[Indicator | None, bool]:
    """The catalogue indicator a printed label and unit stand for, or None; and whether the label names it
    (its name or an alias) rather than only ending with a name (国家示范性虚拟仿真实训基地 is a part of
    虚拟仿真实训基地, so a different value there is no disagreement)."""
    if not unit:
        return None, False
    idx = _index()
    cands: list[Indicator] = []
    for k in _keys(label):
        cands += idx.get(k, [])
    exact = bool(cands)
    if not cands:  # the label ends with a known name: 毕业生初次就业率 → 初次就业率
        k = _keys(label)[0]
        if not k.startswith(("生均", "人均")):
            cands = [i for key, inds in idx.items() if len(key) >= 4 and k.endswith(key) for i in inds]
    cands = [i for i in cands if unit_fits(unit, i.unit) and (level is None or i.applies_to(level))]
    return (cands[0], exact) if cands else (None, False)


@dataclass
class WarehouseValues:
    """Values by (indicator code, data year): one for a school, one per group for the city."""

    note: str  # what the warehouse holds for this check, in Chinese
    values: dict[tuple[str, int], list[tuple[str, Decimal, str]]] = field(default_factory=dict)


def load_values(db: Path, year: int, school: str | None) -> WarehouseValues:
    if not db.exists():
        return WarehouseValues(f"未找到数据仓库文件 {db}：只核对报告自身的算术，未与填报数据比对")
    import duckdb

    years = (year - 1, year)
    try:
        con = duckdb.connect(str(db), read_only=True)
    except Exception as e:
        return WarehouseValues(f"无法只读打开数据仓库 {db}（{e}）：只核对报告自身的算术")
    try:
        if school:
            rows = con.execute(
                # the school's submitted figures and its own rates, per-student values and ratios
                "select indicator_code, data_year, school_code, value, unit from marts.mart_school_indicator_year "
                "where school_code = ? and data_year in (?, ?) and value is not null",
                [school, *years],
            ).fetchall()
        else:
            # the city figures, and the facts register the city report also prints (a part of a figure, a
            # count of one programme: 综合高中班在校生 2573 人)
            rows = con.execute(
                "select indicator_code, data_year, group_name, value, unit from marts.fct_city_indicator_year "
                "where data_year in (?, ?) and value is not null "
                "union all select fact_code, data_year, '事实', value, unit from marts.fct_report_facts "
                "where data_year in (?, ?) and value is not null",
                [*years, *years],
            ).fetchall()
    except Exception as e:
        return WarehouseValues(f"数据仓库中没有可比对的表（{e}）：只核对报告自身的算术")
    finally:
        con.close()
    out = WarehouseValues("")
    for code, y, group, value, unit in rows:
        out.values.setdefault((code, int(y)), []).append((group, Decimal(str(value)), unit))
    who = f"学校 {school}" if school else "全市"
    if not any(y == year for _, y in out.values):
        out.note = f"数据仓库中没有{who} {year} 年的数据：只核对报告自身的算术"
    else:
        out.note = f"已与数据仓库中{who} {year} 年（及上年）的{'填报' if school else '汇总'}数据比对"
    return out


def _agreeing(fig: Figure, values: list[tuple[str, Decimal, str]]) -> str | None:
    """The first of `values` (group, value, unit) the printed figure shows, in the printed unit, or None."""
    for _group, value, wh_unit in values:
        if wh_unit in UNITS and fig.unit in UNITS and UNITS[wh_unit][0] == UNITS[fig.unit][0]:
            in_printed = convert(value, wh_unit, fig.unit)
        elif wh_unit == fig.unit or (wh_unit in ("", None) and fig.unit == "%"):
            in_printed = value
        else:
            continue
        if printed_ok(fig.value, in_printed) or fig.value == in_printed:
            return f"{shown(in_printed)} {fig.unit}"
    return None


def compare(fig: Figure, level: str | None, year: int, wh: WarehouseValues, school: str | None) -> Problem | None:
    """Match one figure and compare it; sets its indicator and status."""
    if fig.kind != "level":
        fig.status = fig.status or "变化量"
        return None
    unit = fig.unit
    ind, exact = match(fig.label, unit, level)
    if ind is None:
        fig.status = "未匹配"
        return None
    fig.indicator_code, fig.indicator_name = ind.code, ind.name_zh
    fig_year = fig.year or year
    found = wh.values.get((ind.code, fig_year))
    if not found:
        fig.status = "无填报数据" if school else "无全市数据"
        return None
    agreed = _agreeing(fig, found)
    if agreed is not None:
        fig.status, fig.warehouse_value = "一致", agreed
        return None
    if not school:  # the city report prints parts and programmes too: the same value as another city figure
        other = _agreeing(fig, [v for (code, y), vs in wh.values.items() if y == fig_year for v in vs])
        if other is not None:
            fig.status, fig.warehouse_value = "未匹配（与另一全市数字一致）", other
            return None
    if not exact:  # the label only ends with the indicator's name: a part of it, not a disagreement
        fig.status = "未匹配（名称部分相符）"
        return None
    fig.status = "不符"
    fig.warehouse_value = "；".join(f"{g + '：' if not school else ''}{shown(v)} {u}" for g, v, u in found)
    kind = "与填报数据不符" if school else "与全市数据不符"
    source = "学校填报" if school else "全市汇总（marts.fct_city_indicator_year）"
    why = f"{ind.name_zh}（{ind.code}）{fig_year} 年{source}为 {fig.warehouse_value}，报告印为 {fig.printed}"
    return Problem(fig.where, fig.no, kind, fig.label, fig.printed, fig.warehouse_value, why, fig.context)
