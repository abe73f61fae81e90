"""Intake building blocks: cell values, label matching, the template round trip, staging a part."""

import gc
import hashlib
import sys

import duckdb
import pytest

from orchestration import catalogue
from orchestration.defs.resources import Warehouse
from orchestration.intake.loader import batch
from orchestration.intake.parse import ParsedSubmission, parse_submission
from orchestration.intake.template import write_csv, write_workbook
from orchestration.intake.values import UNCALCULATED, NoCachedValue, NotANumber, Percent, parse_number, parse_percent


@pytest.mark.parametrize(
    "cell,value",
    [
        (12, 12.0),
        (3.5, 3.5),
        (0, 0.0),
        ("0", 0.0),
        ("1,234", 1234.0),
        ("12,345,678", 12345678.0),
        ("１２３", 123.0),
        ("１２３，４５６．７", 123456.7),
        (" 7 ", 7.0),
        ("\u00a07\u3000", 7.0),
        ("1 234", 1234.0),
        ("—", None),
        ("——", None),
        ("--", None),
        ("－－", None),
        ("/", None),
        ("／", None),
        ("无", None),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_number(cell, value):
    assert parse_number(cell) == value


@pytest.mark.parametrize("cell", ["约三十人", "85%", "1,23", True, "12人"])
def test_text_is_not_a_number(cell):
    with pytest.raises(NotANumber):
        parse_number(cell)


def test_a_formula_without_result_is_not_a_blank():
    with pytest.raises(NoCachedValue):
        parse_number(UNCALCULATED)


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("94.26%", Percent(94.26, False)),
        ("９４．２６％", Percent(94.26, False)),
        (" 94.26 % ", Percent(94.26, False)),
        (94.26, Percent(94.26, False)),
        ("94.26", Percent(94.26, False)),
        ("0.5%", Percent(0.5, False)),
        (0.9426, Percent(94.26, True)),
        ("0.9426", Percent(94.26, True)),
        (1, Percent(100.0, True)),
        (0.07, Percent(7.0, True)),
        (0, Percent(0.0, False)),
        ("—", Percent(None, False)),
        (None, Percent(None, False)),
    ],
)
def test_parse_percent(cell, expected):
    assert parse_percent(cell) == expected


def test_labels_match_names_aliases_and_units_in_headers():
    index = catalogue.label_index("2025", "高职")
    assert index[("教师队伍", catalogue.normalize_label("“双师型”专任教师数"))].code == "dual_qualified_teachers"
    assert index[("教师队伍", catalogue.normalize_label("双师型教师数"))].code == "dual_qualified_teachers"  # alias
    assert index[("学生规模", catalogue.normalize_label("全日制专科在校生数（人）"))].code == "students_associate_ft"


def test_blank_template_has_every_row_and_reports_missing_values(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", "中职", 2025, info={"school_code": "BJZZ001"})
    sub = parse_submission(path, 2025)
    expected = {r.code for r in catalogue.template_rows("2025", "中职")}
    assert {v["indicator_code"] for v in sub.values} == expected
    assert all(v["value"] is None for v in sub.values)
    assert not [f for f in sub.findings if f.rule_id in ("S001", "R001", "R002")]


def test_csv_and_workbook_read_the_same(tmp_path):
    values = {r.code: n for n, r in enumerate(catalogue.template_rows("2025", "高职"), start=1)}
    info = {"school_code": "BJGZ002", "school_name": "北京工业职业技术学院"}
    a = parse_submission(write_workbook(tmp_path / "a.xlsx", "高职", 2025, info, values), 2025)
    b = parse_submission(write_csv(tmp_path / "b.csv", "高职", 2025, info, values), 2025)
    as_map = lambda s: {v["indicator_code"]: v["value"] for v in s.values}  # noqa: E731
    assert as_map(a) == as_map(b) == {k: float(v) for k, v in values.items()}
    assert a.school_code == b.school_code == "BJGZ002"


@pytest.mark.parametrize("majors", [0, 2])
@pytest.mark.parametrize("level", ["高职", "中职"])
def test_csv_and_workbook_read_the_same_with_and_without_list_records(tmp_path, level, majors):
    """A CSV has no rows of a list sheet without records (a school that lists no majors): that is the
    workbook's empty 专业设置, not a missing sheet (S001 refused such CSVs)."""
    codes = [code for code in catalogue.majors() if len(code) == 6][:majors]
    records = [{"major_code": c, "major_name": "示例专业", "enrol": 10, "students": 30} for c in codes]
    values = {"list:专业设置": records}
    info = {"school_code": "BJZZ001" if level == "中职" else "BJGZ002"}
    a = parse_submission(write_workbook(tmp_path / "a.xlsx", level, 2025, info, values), 2025)
    b = parse_submission(write_csv(tmp_path / "b.csv", level, 2025, info, values), 2025)
    assert sorted(f.rule_id for f in a.findings) == sorted(f.rule_id for f in b.findings)
    assert "S001" not in {f.rule_id for f in b.findings}
    as_list = lambda s: sorted((r["row_key"], r["column_name"], r["value"]) for r in s.list_rows)  # noqa: E731
    assert as_list(a) == as_list(b)
    assert len(as_list(b)) == (
        2 * majors if "专业设置" in catalogue.list_columns(a.info["template_version"], level) else 0
    )


def test_a_csv_without_a_value_sheet_still_misses_it(tmp_path):
    """Only list sheets may be absent from a CSV: a value sheet with no rows is still missing (S001)."""
    path = write_csv(tmp_path / "c.csv", "高职", 2025, {"school_code": "BJGZ002"}, {})
    sheet = catalogue.template_rows("2025", "高职")[0].sheet
    kept = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if not line.startswith(sheet + ",")]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8-sig")
    assert ("S001", sheet) in {(f.rule_id, f.sheet) for f in parse_submission(path, 2025).findings}


def test_missing_sheet_and_unreadable_file(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    assert [f.rule_id for f in parse_submission(bad, 2025).findings] == ["F001"]
    assert "文件「x.xlsx」" in parse_submission(bad, 2025).findings[0].message_zh


def test_a_row_given_twice_is_an_error_not_a_silent_choice(tmp_path):
    from openpyxl import load_workbook

    values = {r.code: 10 for r in catalogue.template_rows("2025", "中职")}
    path = write_workbook(tmp_path / "d.xlsx", "中职", 2025, {"school_code": "BJZZ001"}, values)
    wb = load_workbook(path)
    ws = wb["教师队伍"]
    ws.append([99, "专任教师数", "人", 12, ""])
    wb.save(path)
    findings = [f for f in parse_submission(path, 2025).findings if f.rule_id == "R004"]
    assert len(findings) == 1 and findings[0].row == ws.max_row and findings[0].severity == "error"


# --- files, names and the landing folder -----------------------------------------------------------


@pytest.mark.parametrize(
    "name,shown",
    [
        ("BJZZ001_2025.xlsx", "BJZZ001_2025.xlsx"),
        ("a\x07b.xlsx", "a\\x07b.xlsx"),
        ("a\nb", "a\\nb"),
        ("x\u202egpj.xlsx", "x\\u202egpj.xlsx"),
        ("\udcb1\udcb1.xlsx", "\\xb1\\xb1.xlsx"),
    ],
)
def test_display_name_escapes_what_a_terminal_or_page_would_interpret(name, shown):
    from orchestration.intake.files import display_name

    assert display_name(name) == shown


@pytest.mark.parametrize(
    "name,problem",
    [
        ("BJZZ001_2025.xlsx", None),
        ("北京市商业学校（更正）_2025.xlsx", None),
        ("a|b.xlsx", "「|」"),
        ("a\\b.xlsx", "「\\」"),
        ("a?.xlsx", "「?」"),
        ("...", "句点"),
        ("a\x07.xlsx", "控制字符"),
        ("x" * 201, "201 个字符"),
        ("CON.xlsx", "设备名"),
        ("\udcb1.xlsx", "编码"),
    ],
)
def test_file_name_rules(name, problem):
    from orchestration.intake.files import name_problem

    found = name_problem(name)
    assert (found is None) if problem is None else (problem in found)


def test_landing_files_skip_lock_files_hidden_files_and_folders_but_not_odd_entries(tmp_path):
    import os

    from orchestration.intake.files import landing_files

    for name in ("BJZZ001_2025.xlsx", "~$BJZZ001_2025.xlsx", ".DS_Store", "..."):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "commission").mkdir()
    os.symlink(tmp_path / "commission", tmp_path / "linked_folder")
    assert [p.name for p in landing_files(tmp_path)] == ["...", "BJZZ001_2025.xlsx", "linked_folder"]


# --- hostile workbooks -----------------------------------------------------------------------------


def _findings(path):
    return [(f.rule_id, f.message_zh) for f in parse_submission(path, 2025).findings]


def test_a_dtd_is_found_in_utf16_and_across_chunk_boundaries(tmp_path, monkeypatch):
    import zipfile

    from orchestration.intake import reader
    from tests.corpus.hostile.make import BILLION_LAUGHS, MINIMAL_PARTS

    utf16 = tmp_path / "utf16.xlsx"
    with zipfile.ZipFile(utf16, "w") as zf:
        for name, text in MINIMAL_PARTS.items():
            zf.writestr(name, text)
        zf.writestr("xl/workbook.xml", BILLION_LAUGHS.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    assert [r for r, _ in _findings(utf16)] == ["F004"]
    monkeypatch.setattr(reader, "CHUNK", 5)  # every marker straddles chunks
    assert [r for r, _ in _findings(utf16)] == ["F004"]


@pytest.mark.parametrize(
    "window, formula, dimension",
    [
        (b'<c r="D4"><f>5+5</f></c>', True, []),
        (b'<x:c r="D4"><x:f t="shared" si="0"/></x:c>', True, []),
        (b'<c r="D4" ref="D4:D9"><v>1</v></c><is><t>of </t></is>', False, []),  # "f " and "f=" not in a tag
        (b"<a:b:f>", False, []),  # a prefix is one name
        (b'<dimension ref="A1:XFD9"/>', False, [b"XFD9"]),
        (b'<x:dimension ref="A1:B2"/><dimension ref="C3"/>', False, [b"B2", b"C3"]),
        (b'xdimension <dimension ref="D4"', False, [b"D4"]),  # a rejected name overlapping the element
        (b'<dimensions ref="A1"/>', False, []),
    ],
)
def test_elements_are_found_from_their_name_as_the_whole_pattern_finds_them(window, formula, dimension):
    """The scan finds `<f` and `<dimension` (with any namespace prefix) from the name, which is fast, and checks
    the opening behind it; it must find what `<(?:\\w+:)?name` finds, element for element."""
    import random
    import re

    from orchestration.intake import reader

    whole_formula = re.compile(rb"<(?:\w+:)?f[\s>/]")
    whole_dimension = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="(?:[A-Z]+[0-9]+:)?([A-Z]+[0-9]+)"')

    def found(window):
        formulas = next(reader._elements(reader.FORMULA_NAME, window), None) is not None
        dimensions = [m[1] for m in reader._elements(reader.DIMENSION_NAME, window)]
        assert formulas == (whole_formula.search(window) is not None), window
        assert dimensions == [m[1] for m in whole_dimension.finditer(window)], window
        return formulas, dimensions

    assert found(window) == (formula, dimension)
    pieces = [b"<", b">", b"f", b" ", b"/", b"x:", b":", b"a", b"dimension", b' ref="A1"', b' ref="B2:XFD99"', b'"']
    rng = random.Random(13)
    for _ in range(20_000):
        found(b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))))


def test_a_formula_saved_without_result_is_an_error_not_a_blank(tmp_path):
    """openpyxl, like many generators, writes formulas without results (calamine reads them as empty
    cells). Every value of one sheet is such a formula, with nothing right of it."""
    from openpyxl import load_workbook

    values = {r.code: 10 for r in catalogue.template_rows("2025", "中职")}
    path = write_workbook(tmp_path / "f.xlsx", "中职", 2025, {"school_code": "BJZZ001"}, values)
    wb = load_workbook(path)
    ws = wb["校企合作"]
    for row in range(4, ws.max_row + 1):
        ws.cell(row, 4).value = "=5+5"
        ws.cell(row, 5).value = None
    ws.cell(3, 5).value = None
    wb.save(path)
    findings = [f for f in parse_submission(path, 2025).findings if f.rule_id == "V005"]
    assert sorted(f.cell for f in findings) == sorted(f"D{row}" for row in range(4, ws.max_row + 1))
    assert all(f.severity == "error" and "没有它的计算结果" in f.message_zh for f in findings)


# --- layout a clerk may change ---------------------------------------------------------------------


@pytest.mark.parametrize("students_header", ["在校生数（人）", "在校生数", "在校生数(人)", " 在校生数 （ 人 ） "])
def test_list_sheet_columns_match_with_or_without_units(tmp_path, students_header):
    from openpyxl import load_workbook

    major = next(code for code in catalogue.majors() if len(code) == 6)
    values = {"list:专业设置": [{"major_code": major, "major_name": "示例专业", "enrol": 10, "students": 30}]}
    path = write_workbook(tmp_path / "l.xlsx", "中职", 2022, {"school_code": "BJZZ001"}, values)
    wb = load_workbook(path)
    ws = wb["专业设置"]
    next(c for c in ws[3] if c.value == "在校生数（人）").value = students_header
    wb.save(path)
    sub = parse_submission(path, 2022)
    assert {r["column_name"]: r["value"] for r in sub.list_rows} == {"enrol": 10.0, "students": 30.0}


def test_info_sheet_read_when_shifted_right(tmp_path):
    from openpyxl import load_workbook

    path = write_workbook(
        tmp_path / "s.xlsx", "中职", 2025, {"school_code": "BJZZ001", "school_name": "北京市商业学校"}
    )
    wb = load_workbook(path)
    wb["基本信息"].insert_cols(1, 2)
    wb.save(path)
    sub = parse_submission(path, 2025)
    assert sub.school_code == "BJZZ001" and not [f for f in sub.findings if f.rule_id in ("S002", "M006")]


def test_school_names_former_names_and_ambiguity():
    assert catalogue.school_by_name("北京市劲松职业高级中学").code == "BJZZ021"  # seeds/school_former_names.csv
    assert catalogue.school_by_name("  北京电子科技职业学院 ").code == "BJGZ001"  # schools.csv former_names, spaces
    assert catalogue.school_by_name("北京市不存在的学校") is None
    assert "北京市西城区职业学校" in catalogue.schools()["BJZZ035"].former_names


def test_labels_match_across_full_and_half_width_brackets_and_spaces():
    index = catalogue.label_index("2025", "中职")
    for label in (
        "开发并获国（境）外采用的课程标准数",
        "开发并获国(境)外采用的课程标准数",
        "开发并获国 ( 境 ) 外采用的课程标准数",
    ):
        assert index[("国际合作", catalogue.normalize_label(label))].code == "course_standards_adopted_abroad"


def test_an_empty_text_result_is_a_result():
    from orchestration.intake.reader import _has_result

    assert _has_result(b' r="D4" t="str"', b'<f>IF(A1,"",1)</f><v></v>')  # Excel: the formula gave ""
    assert _has_result(b' r="D4"', b"<f>5+5</f><v>10</v>")
    assert not _has_result(b' r="D4"', b"<f>5+5</f><v />")  # openpyxl: never calculated
    assert not _has_result(b' r="D4"', b"<f>5+5</f>")


@pytest.mark.parametrize(
    ("students", "found"),
    [("约30", "「在校生数（人）」填写为「约30」"), (-3, "「在校生数（人）」为 -3"), (2.5, "「在校生数（人）」为 2.5")],
)
def test_a_list_count_that_is_not_a_whole_number_is_refused_and_not_read(tmp_path, students, found):
    major = next(code for code in catalogue.majors() if len(code) == 6)
    values = {"list:专业设置": [{"major_code": major, "major_name": "示例专业", "enrol": 10, "students": students}]}
    path = write_workbook(tmp_path / "l.xlsx", "中职", 2022, {"school_code": "BJZZ001"}, values)
    sub = parse_submission(path, 2022)
    [finding] = [f for f in sub.findings if f.rule_id == "L005"]
    assert finding.found == found and finding.sheet == "专业设置" and finding.cell.startswith("E")
    assert {r["column_name"] for r in sub.list_rows} == {"enrol"}


def test_a_staged_part_holds_none_of_its_python_values_and_lands_only_at_the_finish(tmp_path):
    """DuckDB keeps every string it scanned from a DataFrame alive until the transaction that scanned it ends:
    a part's values must leave this process when the part is staged, not when the whole batch commits (a
    batch of 10,000 files held ~0.7 GiB that way), and nothing reaches the raw tables before the finish."""

    def part(n: int) -> list[ParsedSubmission]:
        (tmp_path / f"S{n}_2025.xlsx").touch()
        values = [
            {
                "indicator_code": f"ind_{i}",
                "value": float(i),
                "raw_text": f"{n}-{i}",
                "cell": f"D{i}",
                "note": f"说明{n}{i}",
            }
            for i in range(5000)
        ]
        return [
            ParsedSubmission(
                path=tmp_path / f"S{n}_2025.xlsx",
                file_hash=f"{n:02d}".ljust(64, "0"),
                info={"school_code": f"S{n}"},
                values=values,
            )
        ]

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with batch(con, 2025) as loading:
        gc.collect()
        before = sys.getallocatedblocks()
        for n in range(3):
            loading.add(part(n), {})
        gc.collect()
        held = sys.getallocatedblocks() - before
        assert held < 2000, f"{held} Python objects of staged parts still alive"  # 3 × 5,000 rows × 4 strings if held
        assert con.execute("select count(*) from raw.submission_values").fetchone() == (0,)
        loading.finish({}, unchanged=[])
    assert con.execute("select count(*), count(distinct raw_text) from raw.submission_values").fetchone() == (
        15000,
        15000,
    )
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (0,)


def test_a_batch_larger_than_duckdbs_memory_limit_is_staged_on_disk_not_in_memory(tmp_path, monkeypatch):
    """The run's own connection is capped like dbt's (VOCWH_DUCKDB_MEMORY_LIMIT): a batch of 50,000 files
    stages gigabytes of values, which must spill to the temporary folder beside the warehouse file rather
    than stay in the run's memory (DuckDB's own default is 80 % of the machine)."""
    monkeypatch.setenv("VOCWH_DUCKDB_MEMORY_LIMIT", "32MB")
    warehouse = Warehouse(duckdb_path=str(tmp_path / "w.duckdb"), landing_root="", published_path="")
    (tmp_path / "S1_2025.xlsx").touch()
    # ~100 MB of text that compresses little (hex digests), so what DuckDB stages is well over the limit
    values = [
        {
            "indicator_code": f"ind_{i}",
            "value": float(i),
            "raw_text": "".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest() for k in range(16)),
            "cell": f"D{i}",
            "note": None,
        }
        for i in range(100_000)
    ]
    submission = ParsedSubmission(
        path=tmp_path / "S1_2025.xlsx", file_hash="1".ljust(64, "0"), info={"school_code": "S1"}, values=values
    )
    usage = "select sum(memory_usage_bytes), sum(temporary_storage_bytes) from duckdb_memory()"
    with warehouse.connect() as con:
        with batch(con, 2025) as loading:
            loading.add([submission], {})
            in_memory, on_disk = con.execute(usage).fetchone()
            assert in_memory <= 32 << 20 and on_disk > 0 and in_memory + on_disk > 48 << 20, (in_memory, on_disk)
            # another connection of this process to the file, opened plainly, is not refused for its configuration
            duckdb.connect(str(tmp_path / "w.duckdb")).close()
            loading.finish({}, unchanged=[])
        assert con.execute("select count(*), count(distinct raw_text) from raw.submission_values").fetchone() == (
            100_000,
            100_000,
        )
