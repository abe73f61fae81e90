"""Every figure of a report with the words around it: prose sentence by sentence, tables row by row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from orchestration.report_check.model import Figure, Line
from orchestration.report_check.numbers import UNIT_PATTERN, nfkc, to_decimal

FIGURE = re.compile(
    r"(?<![\d.A-Za-z+])(?P<num>-?\d+(?:\.\d+)?)(?P<ratio>\s*:\s*1(?![\d.]))?\s*(?P<unit>" + UNIT_PATTERN + r")?"
)
SECTION_NO = re.compile(r"^\s*\d+(?:\.\d+)+\s*|^\s*\d+\s*[.、]\s*(?!\d)")
CASE_MARK = re.compile(r"【[^】]*】")
YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年|学年)")
LABEL_STOP = re.compile(r"[,;。、:()]")  # quotes belong to a name: “双师型”专任教师
LABEL_TRIM_END = re.compile(r"(为|达|是|达到|约|近|共|共有|有|总计|合计|计|占|总额为|总数为|总值为)+$")
LABEL_TRIM_START = re.compile(r"^(.{0,12}中用于|内容包括|包括|其中|含|另有|另|共|同时|以及|和|及|与|即|,)+")
CHANGE_WORD = re.compile(r"(增长|增加|减少|下降|上升|提高|降低|提升|增幅|增长率|减少了|多|少)(了)?(为|到)?$")


@dataclass
class Sentence:
    line: Line
    text: str  # NFKC text of the sentence (full-width punctuation made ASCII)
    figures: list[tuple[int, int, Figure]] = field(default_factory=list)  # start, end in text


def _skip(text: str, m: re.Match) -> bool:
    num, start, end = m.group("num"), m.start(), m.end("num")
    after = text[end : end + 3].lstrip()
    before = text[:start].rstrip()
    if re.fullmatch(r"(19|20)\d{2}", num) and (after[:1] in ("年", "-", "—", "–") or before.endswith(("-", "—"))):
        return True  # a year or a school year 2019-2020
    if after[:1] in ("月", "日", "届", "号", "+", "批", "级", "版", "期") and not m.group("unit"):
        return True
    if before.endswith(("第", "表", "图", "+", "No.", "案例分享")):
        return True
    if after.startswith("-") and not m.group("unit"):  # 表 2-1, 1-2 年级
        return True
    return False


def label_before(text: str, start: int) -> str:
    head = YEAR.sub(lambda m: " " * len(m.group()), text[:start])
    cut = max((m.end() for m in LABEL_STOP.finditer(head)), default=0)
    # a number earlier in the clause ends the label too (教学班 104 个，平均班额 …)
    nums = list(re.finditer(r"\d+(?:\.\d+)?\s*(?:" + UNIT_PATTERN + r")?", head[cut:]))
    if nums:
        cut += nums[-1].end()
    label = head[cut:].strip()
    label = YEAR.sub("", label)
    label = re.sub(r"\s+", "", label)
    label = LABEL_TRIM_START.sub("", label)
    label = LABEL_TRIM_END.sub("", label)
    return label


def sentence_year(text: str, start: int) -> int | None:
    years = [int(m.group(1)) for m in YEAR.finditer(text[:start])]
    return years[-1] if years else None


def prose(lines: list[Line]) -> list[Sentence]:
    out: list[Sentence] = []
    for line in lines:
        if line.cells is not None or not line.text.strip():
            continue
        text = nfkc(line.text)
        text = SECTION_NO.sub(lambda m: " " * len(m.group()), text, count=1)
        text = CASE_MARK.sub(lambda m: " " * len(m.group()), text)
        for part in re.split(r"(?<=[。!?])", text):
            if not part.strip():
                continue
            s = Sentence(line, part)
            for m in FIGURE.finditer(part):
                if _skip(part, m):
                    continue
                value = to_decimal(m.group("num"))
                unit = m.group("unit") or (":1" if m.group("ratio") else "")
                label = label_before(part, m.start())
                kind = "change" if CHANGE_WORD.search(label) or re.search(r"(比|较)(上|去)", label) else "level"
                fig = Figure(
                    where=line.where,
                    no=line.no,
                    label=label,
                    value=value,
                    unit=unit,
                    printed=m.group().strip(),
                    year=sentence_year(part, m.start()),
                    kind=kind,
                    context=part.strip(),
                )
                s.figures.append((m.start(), m.end(), fig))
            out.append(s)
    return out


@dataclass
class Cell:
    value: Decimal
    printed: str
    percent: bool
    ratio: bool


def parse_cell(text: str) -> Cell | None:
    s = nfkc(text).strip().replace(" ", "")
    m = re.fullmatch(r"([-−]?\d+(?:\.\d+)?)(%)?(?::1)?", s)
    if not m:
        return None
    return Cell(to_decimal(m.group(1)), text.strip(), bool(m.group(2)), s.endswith(":1"))


@dataclass
class Table:
    header: Line
    rows: list[Line]


def tables(lines: list[Line]) -> list[Table]:
    by_block: dict[int, list[Line]] = {}
    for ln in lines:
        if ln.cells is not None and ln.block:
            if all(re.fullmatch(r"-*", c) for c in ln.cells):
                continue  # a markdown rule line
            by_block.setdefault(ln.block, []).append(ln)
    return [Table(rows[0], rows[1:]) for rows in by_block.values() if len(rows) > 1]


def unit_in_label(label: str) -> str:
    m = re.search(r"[((]\s*(" + UNIT_PATTERN + r")\s*[))]", nfkc(label))
    return m.group(1) if m else ""


def header_year(cell: str) -> int | None:
    m = re.fullmatch(r"((?:19|20)\d{2})\s*(年|年度|学年)?", nfkc(cell).strip())
    return int(m.group(1)) if m else None
