"""A workbook layout saved once by openpyxl, filled with rows per copy (orchestration/reports/workbook_layout.py).

Every copy is read back with openpyxl and with python-calamine (what the intake reads returned workbooks with):
values keep their types, text stays text, rows take the layout's styles, wrapped rows are as tall as their text.
"""

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import IllegalCharacterError
from python_calamine import CalamineWorkbook

from orchestration.reports.workbook_layout import WorkbookLayout

WRAP = Alignment(wrap_text=True, vertical="top")
YELLOW = PatternFill("solid", fgColor="FFF2CC")


@pytest.fixture(scope="module")
def layout():
    """Two sheets: 清单 with a bold 13-point title, bold labels and wrapped cells (C 40 wide, the input column B
    yellow); 日期 with a date-formatted column B."""
    wb = Workbook()
    ws = wb.active
    ws.title = "清单"
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["序号", "说明", "问题"])
    ws.append([None, None, None])
    for c in ws[2]:
        c.font = Font(bold=True)
    for c in ws[3]:
        c.alignment = WRAP
    ws["B3"].fill = YELLOW
    ws.column_dimensions["C"].width = 40
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    dates = wb.create_sheet("日期")
    dates.append(["日期", "说明日期"])
    dates["B2"].number_format = "yyyy-mm-dd"
    dates["A2"].alignment = WRAP
    saved = io.BytesIO()
    wb.save(saved)
    return WorkbookLayout(saved.getvalue())


def _write(layout, tmp_path, first, second=(), title="标题"):
    return layout.write(tmp_path / "copy.xlsx", title, [first, second])


def test_values_keep_their_types_and_text_stays_text(layout, tmp_path):
    texts = ["  前后有空格 ", "a & b < c > d", "#N/A", "=1+1", "换\n行", "正常文字"]
    rows = [["标题"], ["序号", "说明", "问题"], *([n, t, None] for n, t in enumerate(texts, start=1))]
    rows += [[2.5, True, False], [10**15 + 1, 0, -3]]
    path = _write(layout, tmp_path, rows)
    ws = load_workbook(path)["清单"]
    assert [ws.cell(r, 2).value for r in range(3, 3 + len(texts))] == texts
    assert [ws.cell(r, 2).data_type for r in range(3, 3 + len(texts))] == ["s"] * len(texts)  # "#N/A", "=1+1" too
    assert [c.value for c in ws[9]] == [2.5, True, False] and [c.value for c in ws[10]] == [10**15 + 1, 0, -3]
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("清单").to_python()
    assert calamine[0][0] == "标题" and calamine[4][1] == "#N/A" and calamine[3][1] == "a & b < c > d"


def test_dates_are_dates_in_a_date_column_and_text_elsewhere(layout, tmp_path):
    stamp = datetime(2025, 10, 8, 9, 30)
    path = _write(layout, tmp_path, [["t"]], [["日期", "说明日期"], [stamp, stamp], [None, date(2025, 9, 1)]])
    ws = load_workbook(path)["日期"]
    assert ws["B2"].is_date and ws["B2"].value == stamp and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["B3"].value == datetime(2025, 9, 1)
    assert ws["A2"].value == "2025-10-08 09:30:00"  # not a bare serial number in a general column
    with pytest.raises(TypeError, match="timezones"):
        _write(layout, tmp_path, [["t"]], [[], [None, datetime(2025, 1, 1, tzinfo=UTC)]])


@pytest.mark.parametrize(
    "value,error",
    [(1j, ValueError), ({"a": 1}, ValueError), ("a\x00b", IllegalCharacterError), ("bell\x07", IllegalCharacterError)],
)
def test_a_value_no_cell_can_hold_fails_the_copy_and_leaves_no_file(layout, tmp_path, value, error):
    with pytest.raises(error):
        _write(layout, tmp_path, [["t"], [], [None, value]])
    assert list(tmp_path.iterdir()) == []


def test_rows_take_the_styles_of_the_layout_rows(layout, tmp_path):
    path = _write(layout, tmp_path, [["标题"], ["序号", "说明", "问题"], [1, None, "x"], [2], [3, "y"]])
    wb = load_workbook(path)
    ws = wb["清单"]
    assert ws["A1"].font.b and ws["A1"].font.sz == 13 and ws["B2"].font.b
    for r in (3, 4, 5):  # rows past the layout's last take its styles, as wide as its styled cells
        assert [c.alignment.wrap_text for c in ws[r]] == [True, True, True]
        assert ws.cell(r, 2).fill.fgColor.rgb == "00FFF2CC"  # the input column yellow, even where empty
        assert ws.cell(r, 1).fill.fill_type is None
    assert not ws["A3"].font.b
    assert ws.freeze_panes == "A3" and ws.column_dimensions["C"].width == 40 and ws.print_title_rows == "$1:$2"
    assert ws.max_row == 5 and ws.max_column == 3
    assert wb.properties.title == "标题"


def test_a_wrapped_row_is_as_tall_as_its_text(layout, tmp_path):
    long = "数值变化过大，请核对后在说明列写明原因。" * 8  # 160 CJK characters: ≥ 8 lines of a 40-wide column
    rows = [["t"], ["序号", "说明", "问题"], [1, "短", "短"], [2, "短", long], [3, "第一行\n第二行\n第三行", "x"]]
    rows.append([4, "说明" * 2000, "x"])  # a school's very long explanation
    ws = load_workbook(_write(layout, tmp_path, rows))["清单"]
    assert ws.row_dimensions[6].height == 409  # as tall as Excel allows, not a row it refuses
    assert ws.row_dimensions[3].height is None  # one line: the default height
    assert ws.row_dimensions[4].height >= 8 * 15
    assert ws.row_dimensions[5].height == 3 * 15  # the 8.43-wide column B: one line per paragraph
    assert ws.row_dimensions[1].height is None  # the title does not wrap: no height however long


def test_the_title_is_escaped_and_every_copy_is_whole(layout, tmp_path):  # the layout has no title of its own
    path = _write(layout, tmp_path, [["t"]], title="学校 <A&B>")
    assert load_workbook(path).properties.title == "学校 <A&B>"
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        assert "xl/worksheets/sheet2.xml" in package.namelist()
    with pytest.raises(IllegalCharacterError):
        _write(layout, tmp_path, [["t"]], title="a\x00b")
    with pytest.raises(ValueError, match="2 sheets, 1 given"):
        layout.write(tmp_path / "one.xlsx", "t", [[["t"]]])
