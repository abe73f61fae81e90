"""The report check: a numeral in the text that no mart row or fact backs fails the edition.

Numbers printed through the sources are wrapped in <span class="n">; everything else in the report body
is searched for digits. Allowed without a source: years (2025 年, 2021—2025 年), dates (9 月 1 日),
numbering (表 2-3, 图 1-1, 案例 3-1, 第 2 批, （1）, 1.), cells of list tables (data from a mart or dataset:
row numbers, codes, names), and the names in
seeds/report_numeral_terms.csv (1+X, 3+2 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from orchestration import catalogue

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "td", "th", "figcaption", "caption"}
SKIPPED_CLASSES = {"n", "data", "meta", "missing"}
YEAR = r"(?:19|20)\d{2}"
ALLOWED = [
    rf"{YEAR}\s*(?:年|届|级|学年|—|–|-|－|~|～|至|/)",  # 2025 年, 2021—
    rf"(?<=[—–\-－~～至/])\s*{YEAR}",  # —2025
    r"\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?",  # 9 月 1 日
    r"\d{1,2}\s*日",
    r"(?:表|图|案例)\s*\d+\s*[-—–－.]\s*\d+",  # 表 2-3, 案例 3-1
    r"第\s*\d+\s*[批届章节条项次轮期个]",  # 第 2 批
    r"^\s*[（(]?\d+[）)．.、]",  # (1) 1. 1、 at the start of a block
    r"[（(]\d+[）)]",
]


@dataclass(frozen=True)
class Untraced:
    numeral: str
    sentence: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}：「{self.sentence}」中的数字 {self.numeral} 既不来自数据集市也不来自事实登记册"


class _Text(HTMLParser):
    """Text of each block of the report body, with traced numbers and allowed cells left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str, str]] = []  # (heading it is under, text, text with skipped parts blanked)
        self._stack: list[tuple[str, bool]] = []
        self._text: list[tuple[str, str]] | None = None
        self._heading = ""

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "meta", "link"):
            return
        classes = set((dict(attrs).get("class") or "").split())
        self._stack.append((tag, bool(classes & SKIPPED_CLASSES) or tag in ("style", "script", "title")))
        if tag in BLOCKS and self._text is None:
            self._text = []
            self._block = (tag, len(self._stack))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, _ = self._stack.pop()
            if self._text is not None and len(self._stack) < self._block[1]:
                text = "".join(shown for shown, _ in self._text).replace("\n", " ")
                if self._block[0] in ("h1", "h2", "h3"):
                    self._heading = text.strip()
                self.blocks.append(
                    (self._heading, text, "".join(masked for _, masked in self._text).replace("\n", " "))
                )
                self._text = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if (
            self._text is not None
        ):  # a traced number is blanked, same length: the sentence is cut from the text as printed
            self._text.append((data, "\u3000" * len(data) if self._skipping() else data))


def terms() -> list[str]:
    return [r["term"] for r in catalogue.read_seed("report_numeral_terms")]


def untraced(body_html: str) -> list[Untraced]:
    """Every numeral of the body that came from neither a mart nor the facts register."""
    parser = _Text()
    parser.feed(body_html)
    allowed = re.compile("|".join(ALLOWED + [re.escape(t) for t in terms()]))
    out = []
    for heading, text, masked in parser.blocks:
        masked = allowed.sub(lambda m: "\u3000" * len(m.group()), masked)
        for match in re.finditer(r"\d+(?:[.,]\d+)*", masked):
            out.append(Untraced(match.group(), _sentence(text, match.start()), heading))
    return out


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(p, 0, at) for p in "。；！？") + 1
    ends = [e for e in (text.find(p, at) for p in "。；！？") if e >= 0]
    return text[start : (min(ends) + 1 if ends else len(text))].strip()
