"""The report's own arithmetic: change columns, growth rates, 个百分点, and parts against their total.

Every check works on the numbers as printed. A change must be the difference of its two values; a growth
rate (b − a) / a; the change of a rate is a difference in 个百分点, never a percent; parts listed after
其中 / 包括 (or "X 中 …" naming an earlier total) must add up to their total.
"""

from __future__ import annotations

import re
from decimal import Decimal

from orchestration.report_check.figures import (
    Cell,
    Sentence,
    Table,
    header_year,
    parse_cell,
    unit_in_label,
)
from orchestration.report_check.model import Figure, Problem, TableRow
from orchestration.report_check.numbers import UNITS, convert, decimals, printed_ok, same_family, shown, signed

HUNDRED = Decimal(100)
RATE_LABEL = re.compile(r"率|比例|占比|%")


# ---------------------------------------------------------------- tables with year and change columns


def _columns(header: tuple[str, ...]) -> dict[str, int] | None:
    years = [(i, y) for i, c in enumerate(header) if (y := header_year(c))]
    cols: dict[str, int] = {}
    for i, c in enumerate(header):
        c = c.replace(" ", "")
        if re.search(r"增长率|增幅|变化率|增减率|增长百分比", c):
            cols["rate"] = i
        elif re.search(r"增长量|增长数|增减|变化量|增加量|变化数|增长$|增量", c):
            cols["change"] = i
    if len(years) < 2 or not cols:
        return None
    cols["a"], cols["b"] = years[0][0], years[1][0]
    return cols


def change_rows(table: Table) -> list[tuple[TableRow, dict[str, Cell | None], bool]]:
    """The rows of a table with two year columns and a change or growth-rate column."""
    cols = _columns(table.header.cells or ())
    if cols is None:
        return []
    header = table.header.cells or ()
    years = (header_year(header[cols["a"]]), header_year(header[cols["b"]]))
    out = []
    group = ""
    for ln in table.rows:
        cells = ln.cells or ()
        offset = len(cells) - len(header)
        first_value = min(cols.values()) + offset
        if first_value < 1:
            continue
        names = [c for c in cells[:first_value]]
        if names and names[0]:
            group = names[0] if len(names) > 1 else ""
        label_parts = [c for c in names if c]
        if names and not names[0] and group:
            label_parts = [group, *label_parts]
        label = " ".join(label_parts)
        printed = {k: cells[i + offset] if 0 <= i + offset < len(cells) else "" for k, i in cols.items()}
        parsed = {k: parse_cell(v) if v else None for k, v in printed.items()}
        if parsed["a"] is None or parsed["b"] is None:
            continue
        is_rate = parsed["a"].percent or parsed["b"].percent or bool(RATE_LABEL.search(label.replace("生师比", "")))
        is_rate = is_rate and not parsed["a"].ratio
        out.append((TableRow(ln.where, ln.no, label, printed, years), parsed, is_rate))
    return out


def _desc(a: Cell, b: Cell, years: tuple[int, int] | None) -> str:
    ya, yb = years or ("", "")
    return f"{ya} 年 {a.printed} → {yb} 年 {b.printed}" if years else f"{a.printed} → {b.printed}"


def check_change_table(table: Table) -> list[Problem]:
    problems: list[Problem] = []
    for row, cells, is_rate in change_rows(table):
        a, b = cells["a"], cells["b"]
        diff = b.value - a.value
        places = max(decimals(a.value), decimals(b.value))
        ctx = f"{row.label}：{_desc(a, b, row.years)}"
        c = cells.get("change")
        if c is not None:
            ok = printed_ok(c.value, diff)
            if is_rate:
                should = f"{signed(diff, places)} 个百分点"
                if not ok:
                    why = f"两年数值之差为 {should}，表中印为 {c.printed}"
                    if printed_ok(-c.value, diff):
                        why += "，符号错误"
                    if c.percent:
                        why += "；比率的变化应以“个百分点”表示，不能写作百分数"
                    problems.append(Problem(row.where, row.no, "变化量", row.label, c.printed, should, why, ctx))
                elif c.percent:
                    why = "比率的变化应以“个百分点”表示，不能写作百分数（数值正确，单位错误）"
                    problems.append(Problem(row.where, row.no, "百分点", row.label, c.printed, should, why, ctx))
            elif not ok:
                should = signed(diff, places)
                why = f"两年数值之差为 {should}，表中印为 {c.printed}"
                if printed_ok(-c.value, diff):
                    why += "，符号错误"
                problems.append(Problem(row.where, row.no, "变化量", row.label, c.printed, should, why, ctx))
        r = cells.get("rate")
        if r is not None and a.value != 0:
            pct = diff / a.value * HUNDRED
            if not printed_ok(r.value, pct):
                shown_places = max(decimals(r.value), 2)
                should = f"{signed(pct, shown_places)}%"
                why = f"按两年数值计算增长率为 ({shown(b.value)} − {shown(a.value)}) ÷ {shown(a.value)} = {should}"
                why += f"，表中印为 {r.printed}"
                if printed_ok(-r.value, pct):
                    why += "，符号错误（实为" + ("下降" if pct < 0 else "上升") + "）"
                if is_rate:
                    why += f"；比率的变化应以个百分点表示：{signed(diff, places)} 个百分点"
                problems.append(Problem(row.where, row.no, "增长率", row.label, r.printed, should, why, ctx))
    return problems


def check_ratio_cells(table: Table) -> list[Problem]:
    """A row with one ratio cell (0.41:1) under a 比 header and two other numbers: the ratio of the two."""
    problems = []
    header = table.header.cells or ()
    for ln in table.rows:
        cells = ln.cells or ()
        parsed = [(i, parse_cell(c)) for i, c in enumerate(cells)]
        ratios = [(i, p) for i, p in parsed if p and p.ratio]
        plain = [(i, p) for i, p in parsed if p and not p.ratio and not p.percent]
        if len(ratios) != 1 or len(plain) != 2 or len(header) != len(cells):
            continue
        i, r = ratios[0]
        if "比" not in header[i] or plain[1][1].value == 0:
            continue
        (_, p), (_, q) = plain
        exact = p.value / q.value
        if not printed_ok(r.value, exact):
            should = f"{shown(exact, max(decimals(r.value), 2))}:1"
            why = f"{p.printed} ÷ {q.printed} = {should}，表中印为 {r.printed}"
            problems.append(Problem(ln.where, ln.no, "比值", header[i], r.printed, should, why, ln.text))
    return problems


# ---------------------------------------------------------------- prose: a value, its change and growth rate


def _overlap(a: str, b: str) -> int:
    return len({c for c in a if "\u4e00" <= c <= "\u9fff"} & {c for c in b if "\u4e00" <= c <= "\u9fff"})


def check_prose_changes(sentences: list[Sentence], table_rows: list) -> list[Problem]:
    """比上一年增长 D（增长率 R %）after a value V: R must be D / (V − D); a rate's change is in 个百分点;
    when a table of the report holds the same value with its previous year, D must be their difference."""
    problems = []
    for s in sentences:
        figs = [f for _, _, f in s.figures]
        for k, level in enumerate(figs):
            if level.kind != "level" or k + 1 >= len(figs) or figs[k + 1].kind != "change":
                continue
            d = figs[k + 1]
            if d.unit == "%" and re.search(r"增长率|增幅", d.label):
                continue  # a growth rate straight after the value: no difference printed
            down = bool(re.search(r"减少|下降|降低|少", d.label))
            delta = -d.value if down else d.value
            rate = figs[k + 2] if k + 2 < len(figs) and figs[k + 2].unit == "%" and "率" in figs[k + 2].label else None
            ctx = s.text.strip()
            if level.unit == "%":
                if d.unit == "%":
                    why = f"{level.label}是比率，其变化应以“个百分点”表示，不能写作 {d.printed}"
                    problems.append(
                        Problem(d.where, d.no, "百分点", level.label, d.printed, f"{shown(d.value)} 个百分点", why, ctx)
                    )
            elif rate is not None and same_family(d.unit or level.unit, level.unit):
                prev = level.value - convert(delta, d.unit or level.unit, level.unit)
                if prev != 0:
                    pct = convert(delta, d.unit or level.unit, level.unit) / prev * HUNDRED
                    if not printed_ok(rate.value, pct):
                        should = f"{shown(pct, max(decimals(rate.value), 1))}%"
                        why = (
                            f"上年数为 {shown(level.value)} − {shown(d.value)} = {shown(prev)}，"
                            f"增长率应为 {should}，文中印为 {rate.printed}"
                        )
                        problems.append(
                            Problem(rate.where, rate.no, "增长率", level.label, rate.printed, should, why, ctx)
                        )
            # the same value in a change table of the report
            for row, cells, is_rate in table_rows:
                a, b = cells["a"], cells["b"]
                if b.value != level.value or _overlap(row.label, level.label) < 2 or (level.unit == "%") != is_rate:
                    continue
                diff = b.value - a.value
                if not printed_ok(abs(d.value), abs(diff)) or (diff < 0) != down and diff != 0:
                    unit = "个百分点" if is_rate else (d.unit or level.unit)
                    should = f"{'下降' if diff < 0 else '上升' if is_rate else '增加'} {shown(abs(diff))} {unit}"
                    why = f"{row.where}的表中为 {a.printed} → {b.printed}，变化 {signed(diff, decimals(diff))}"
                    why += f"，文中印为 {d.printed}"
                    problems.append(Problem(d.where, d.no, "变化量", level.label, d.printed, should, why, ctx))
                break
    return problems


# ---------------------------------------------------------------- parts and their total

MARKER = re.compile(r"其中|包括")
REFERENCE = re.compile(r"^\s*(?P<name>[\u4e00-\u9fff]{2,12}?)中(?:用于|的)?")
TOTAL_SUFFIX = re.compile(r"(总额|总计|合计|总数|总值|总量)$")


def _excluded_spans(text: str) -> list[tuple[int, int]]:
    """Figures in brackets and after 含 are sub-parts of the figure before them."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\([^()]*\)", text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"含[^,;。]*", text)]
    return spans


def _inherits(text: str, end: int) -> bool:
    nxt = text[end : end + 1]
    return nxt in ("", ",", ";", "。", "、", " ")


def _parts(s: Sentence, lo: int, hi: int, total: Figure) -> list[Figure]:
    spans = _excluded_spans(s.text)
    out = []
    for start, end, f in s.figures:
        if not lo <= start < hi or any(a <= start < b for a, b in spans) or f.kind != "level":
            continue
        unit = f.unit or (total.unit if _inherits(s.text, end) else "")
        if unit and same_family(unit, total.unit):
            out.append(Figure(f.where, f.no, f.label, convert(f.value, unit, total.unit), total.unit, f.printed))
    return out


def _sum_problem(total: Figure, parts: list[Figure], s: Sentence) -> Problem | None:
    if len(parts) < 2 or any(p.value > total.value for p in parts):
        return None  # one part says nothing about the rest; a part above the total means we found the wrong total
    tol = Decimal("0.5") * Decimal(1).scaleb(-decimals(total.value))
    tol += sum(Decimal("0.5") * Decimal(1).scaleb(-decimals(p.value)) for p in parts)
    got = sum((p.value for p in parts), Decimal(0))
    if abs(got - total.value) <= tol:
        return None
    gap = total.value - got
    terms = " + ".join(f"{p.label or '?'} {shown(p.value)}" for p in parts)
    why = (
        f"分项 {terms} = {shown(got)} {total.unit}，与所述总数 {total.printed} 相差 {shown(abs(gap))} {total.unit}"
        f"（分项合计{'少于' if gap > 0 else '多于'}总数）"
    )
    should = f"{shown(got)} {total.unit}"
    return Problem(s.line.where, s.line.no, "分项合计", total.label, total.printed, should, why, s.text.strip())


def _family_ok(f: Figure) -> bool:
    return f.unit in UNITS and f.unit not in ("%", "个百分点") and f.kind == "level"


def check_parts(sentences: list[Sentence]) -> list[Problem]:
    problems: list[Problem] = []
    earlier: list[Figure] = []
    prev: Sentence | None = None
    for s in sentences:
        marks = [m.start() for m in MARKER.finditer(s.text)]
        bounds = [0, *marks, len(s.text)]
        for k in range(len(bounds) - 1):
            lo, hi = bounds[k], bounds[k + 1]
            semi = s.text.find(";", lo)
            if k > 0 and 0 <= semi < hi:
                hi = semi  # a list after 其中 ends at the semicolon
            total = None
            if k == 0:
                m = REFERENCE.match(s.text)
                if m:
                    name = m.group("name")
                    total = next(
                        (f for f in reversed(earlier) if _family_ok(f) and TOTAL_SUFFIX.sub("", f.label) == name),
                        None,
                    )
            else:
                before = [f for st, _, f in s.figures if bounds[k - 1] <= st < bounds[k] and _family_ok(f)]
                if not before and k == 1 and prev is not None and prev.line.no == s.line.no:
                    before = [f for _, _, f in prev.figures if _family_ok(f)]
                total = before[-1] if before else None
            if total is None:
                continue
            problem = _sum_problem(total, _parts(s, lo, hi, total), s)
            if problem:
                problems.append(problem)
        earlier.extend(f for _, _, f in s.figures)
        prev = s
    return problems


def table_units(row: TableRow) -> str:
    return unit_in_label(row.label)
