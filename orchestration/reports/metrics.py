"""What the editors' templates call: m('enrol_total', '职业院校合计').v('万人', 2), f('backbone_majors_batch2').v().

Every number they print goes through Sources (traced, one formatting path); the words around a change
(增加 / 减少 / 持平, 个百分点) are chosen here from the sign, so the text never contradicts the number.
"""

from __future__ import annotations

from markupsafe import Markup

from orchestration.reports.formatting import change_words
from orchestration.reports.sources import NO_CHANGE, NO_PREV, Sources, clean


class Metric:
    def __init__(self, row: dict, sources: Sources):
        self.row, self._s = row, sources

    @property
    def unit(self) -> str:
        return self.row["unit"]

    @property
    def name(self) -> str:
        return self.row["indicator_name"]

    @property
    def missing(self) -> int:
        return int(self.row["schools_expected"] - self.row["schools_reporting"])

    @property
    def reported(self) -> bool:
        return clean(self.row["value"]) is not None

    def v(self, unit: str | None = None, decimals: int = 0) -> Markup:
        return self._s.metric_number(self.row, "value", unit or "", decimals)

    def reporting(self) -> Markup:
        """How many schools reported the figure (traced: a completeness remark in the text)."""
        return self._s.count(self.row, "schools_reporting")

    def expected(self) -> Markup:
        """How many schools were expected to report it."""
        return self._s.count(self.row, "schools_expected")

    def prev(self, unit: str | None = None, decimals: int = 0) -> Markup:
        return self._s.metric_number(self.row, "prev_value", unit or "", decimals)

    def _words(self, measure: str, up: str, down: str, unit: str, decimals: int, suffix: str) -> Markup:
        if self._s.prev_missing:  # a change against a year not loaded: 上年数据未采集
            return self._s.not_collected(measure)
        verb, size = change_words(clean(self.row[measure]), up, down)
        if size is None:
            return self._s.trace.problem(f"{self.name}没有上一年度数据，不能写变化")
        if not size:
            return Markup(verb)
        number = self._s.metric_number(self.row, measure, unit, decimals, magnitude=True)
        gap = "" if suffix in ("", "%") else " "  # 增幅 6.22% but 增加 248 人
        return Markup("{} {}{}{}").format(verb, number, gap, suffix)

    def delta(
        self, unit: str | None = None, decimals: int = 0, up: str = "增加", down: str = "减少", suffix: str = ""
    ) -> Markup:
        """'增加 248 人' / '减少 491 人' / '持平', in display units."""
        return self._words("change_abs", up, down, unit or "", decimals, suffix)

    def pct(self, decimals: int = 2, up: str = "增幅", down: str = "降幅") -> Markup:
        return self._words("change_pct", up, down, "", decimals, "%")

    def pp(self, decimals: int = 2, up: str = "提升", down: str = "下降") -> Markup:
        return self._words("change_pp", up, down, "", decimals, "个百分点")


class Fact:
    def __init__(self, row: dict, sources: Sources):
        self.row, self._s = row, sources

    @property
    def unit(self) -> str:
        return self.row["unit"] or ""

    @property
    def statement(self) -> str:
        return self.row["statement"]

    def v(self, unit: str | None = None, decimals: int | None = None) -> Markup:
        return self._s.fact_number(self.row, unit or "", decimals)


class Missing:
    """Stands for an unknown metric or fact: every method prints the recorded problem."""

    def __init__(self, shown: Markup):
        self._shown = shown
        self.unit = self.name = self.statement = ""
        self.missing = 0
        self.reported = False

    def __getattr__(self, _name):
        return lambda *args, **kwargs: self._shown


class NotCollected:
    """A metric of the previous data year when that year is not loaded: not reported; whatever a
    template prints of it says 上年数据未采集 (render.no_previous_year() words it)."""

    unit = name = statement = ""
    missing = 0
    reported = False

    def __getattr__(self, name):
        shown = Markup(NO_CHANGE if name in ("delta", "pct", "pp") else NO_PREV)
        return lambda *args, **kwargs: shown


class Lookup:
    """m() and f() for one edition's templates."""

    def __init__(self, sources: Sources):
        self._s = sources

    def m(self, code: str, group: str, at: int = 0) -> Metric | Missing | NotCollected:
        if at < 0 and self._s.prev_missing:
            return NotCollected()
        row = self._s.metric_or_problem(code, group, at)
        return Missing(row) if isinstance(row, Markup) else Metric(row, self._s)

    def f(self, code: str) -> Fact | Missing:
        row = self._s.fact_or_problem(code)
        return Missing(row) if isinstance(row, Markup) else Fact(row, self._s)
