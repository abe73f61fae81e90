"""Display units and rounding as the reports print them; change wording by semantics."""

import re
from decimal import Decimal

import pytest

from orchestration.reports.formatting import change_words, display, grouped, round_half_up, scale_for, signed
from orchestration.reports.metrics import Metric
from orchestration.reports.sources import Sources
from orchestration.reports.trace import Trace


@pytest.mark.parametrize(
    "base,shown,scale",
    [
        ("人", "万人", 10_000),
        ("元", "亿元", 100_000_000),
        ("元", "万元", 10_000),
        ("平方米", "万平方米", 10_000),
        ("册", "册", 1),
    ],
)
def test_scale_for(base, shown, scale):
    assert scale_for(base, shown) == scale


def test_scale_for_rejects_unrelated_units():
    with pytest.raises(ValueError):
        scale_for("人", "万元")


def test_round_half_up_not_bankers():
    assert round_half_up(0.125, 2) == Decimal("0.13")  # banker's rounding would give 0.12
    assert round_half_up(6.225, 2) == Decimal("6.23")


def test_display_as_printed_in_003():
    assert display(49528, "人", "万人", 2) == "4.95"  # line 478: 4.95万人
    assert display(8_219_876_000, "元", "亿元", 2) == "82.20"  # line 517: 82.20亿元 keeps the trailing zero
    assert display(None, "人", "人") == "—"
    assert grouped(1234567.891, 2) == "1,234,567.89"


def test_change_words():
    assert change_words(248) == ("增加", 248)
    assert change_words(-491) == ("减少", 491)
    assert change_words(0) == ("持平", 0.0)


def _sources() -> Sources:
    """Sources without a warehouse: enough to print and trace the rows a test hands over."""
    sources = Sources.__new__(Sources)
    sources.trace, sources.data_year = Trace(), 2025
    return sources


BASE = {
    "data_year": 2025,
    "indicator_code": "x",
    "indicator_name": "x",
    "group_name": "中职",
    "unit": "人",
    "value": 0,
    "prev_value": 0,
    "change_abs": None,
    "change_pct": None,
    "change_pp": None,
    "schools_reporting": 1,
    "schools_expected": 1,
}


class _Text(Metric):
    """A metric whose printed words are compared as text (the traced numbers' spans taken out)."""

    def __getattribute__(self, name):
        attr = super().__getattribute__(name)
        if name in ("v", "prev", "delta", "pct", "pp"):
            return lambda *a, **k: re.sub(r"<[^>]+>", "", str(attr(*a, **k)))
        return attr


def _metric(**row):
    return _Text({**BASE, **row}, _sources())


def test_count_changes_as_difference_and_percent():
    m = _metric(value=13313, prev_value=14196, change_abs=-883, change_pct=-6.220062)
    assert m.delta(suffix="人") == "减少 883 人"
    assert m.pct() == "降幅 6.22%"


def test_rate_changes_in_percentage_points():
    m = _metric(unit="%", value=37.95, prev_value=39.47, change_pp=-1.52)
    assert m.pp() == "下降 1.52 个百分点"


def test_unchanged_count_reads_as_flat():
    assert _metric(value=757, prev_value=757, change_abs=0.0).delta(suffix="个") == "持平"


@pytest.mark.parametrize(
    "value,decimals,text",
    [
        (6.225, 2, "+6.23"),
        (-6.225, 2, "-6.23"),
        (-1234, 0, "-1,234"),
        (248, 0, "+248"),
        (0.004, 2, "0.00"),
        (-0.004, 2, "0.00"),
    ],
)
def test_signed_changes_round_half_up_like_the_prose(value, decimals, text):
    assert signed(value, decimals) == text


def test_table_and_prose_print_one_change_the_same():
    """A change of 6.225 个百分点 printed "+6.22" in the table and "6.23" in the prose."""
    row = {**BASE, "unit": "%", "value": 40.0, "prev_value": 33.775, "change_pp": 6.225}
    sources = _sources()
    assert str(sources.metric_number(row, "change_pp", "", 2, table=True)).endswith(">+6.23</span>")
    assert _metric(**row).pp() == "提升 6.23 个百分点"
    row = {**row, "unit": "人", "change_pp": None, "change_abs": -883.0, "change_pct": -6.225}
    assert (
        str(sources.metric_number(row, "change_pct", "", 2, table=True)).endswith(">-6.23</span>")
        and _metric(**row).pct() == "降幅 6.23%"
    )
    assert [n.source_key for n in sources.trace.numbers] == [
        "x · 中职 · 2025 · change_pp",
        "x · 中职 · 2025 · change_pct",
    ]


def test_report_page_escapes_what_schools_wrote():
    """File names and messages of quarantined files come from schools: text, never markup."""
    from orchestration.reports.edition import find
    from orchestration.reports.render import _env

    hostile = '<img src=x onerror="alert(1)">.xlsx'
    html = (
        _env()
        .get_template("edition_page.html.j2")
        .render(
            edition=find("2025"),
            chapters=[{"title": "一、基本概况", "code": "ch1", "text": ""}],
            numbers=[],
            generated_at="",
            quality={
                "accepted": 1,
                "expected": 2,
                "quarantined": [{"file_name": hostile, "rule_id": "F001", "message_zh": "<script>x</script>"}],
            },
        )
    )
    assert "<img src=x" not in html and "<script>x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;.xlsx" in html and "&lt;script&gt;" in html
