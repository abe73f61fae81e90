"""专业结构 (mart_ch2_major_structure): the 专业设置 list sheet is collected by the 2022 and the 2025 中职
templates, so every year they serve has a major structure that adds up to the level's published totals."""

import pytest

from orchestration import catalogue, settings
from tests.helpers import read_only


def test_2025_secondary_template_collects_the_major_list():
    for year in (2024, 2025):
        version = catalogue.template_version_for(year, "中职")
        columns = catalogue.list_columns(version, "中职")["专业设置"]
        assert {c["column_name"]: c["maps_to"] for c in columns if c["maps_to"]} == {
            "enrol": "enrol_secondary",
            "students": "students_secondary_ft",
        }
        assert "专业设置" in {s["sheet_name"] for s in catalogue.template_sheets(version, "中职")}


def test_sample_major_lists_add_up_to_the_school_totals():
    from orchestration.samples.generator import school_values

    values = school_values(2025)
    listed = {code: v for code, v in values.items() if v.get("list:专业设置")}
    assert len(listed) == 51  # every in-scope 中职 school of 2025
    for code, v in listed.items():
        records = v["list:专业设置"]
        assert sum(r["students"] for r in records) == v["students_secondary_ft"], code
        assert sum(r["enrol"] for r in records) == v["enrol_secondary"], code
        assert len(records) == v["majors_offered"], code  # 开设专业总数 counts the listed majors
        assert all(0 <= r["enrol"] <= r["students"] and r["students"] > 0 for r in records), code


@pytest.fixture(scope="module")
def structure(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        return con.execute(
            """
            select data_year, level, grouping, count(*), sum(students), sum(enrol), sum(schools),
                   sum(students_share), sum(enrol_share)
            from marts.mart_ch2_major_structure
            group by all
            """
        ).fetchall()


# year -> published 中职 totals: 在校生, 招生 (003 L490/L478 for 2025; seeds/sample/city_totals.csv for 2024),
# and 开设专业总数 (003 表 2-1: 461 in 2025; 478 in 2024)
SECONDARY = {2024: (38867, 14196, 478), 2025: (42587, 13313, 461)}


@pytest.mark.parametrize("year", sorted(SECONDARY))
def test_major_structure_for_the_combined_report_years(structure, year):
    students, enrol, offered = SECONDARY[year]
    rows = {(r[2]): r[3:] for r in structure if r[0] == year and r[1] == "中职"}
    assert set(rows) == {"category", "major"}
    for grouping, (n, s, e, _schools, s_share, e_share) in rows.items():
        assert n > 0 and (s, e) == (students, enrol), grouping
        assert round(s_share, 6) == 100 and round(e_share, 6) == 100, grouping
    assert rows["major"][3] == offered  # one 专业点 per school and major


def test_shares_sum_to_100_per_year_level_and_grouping(structure):
    assert {r[0] for r in structure} >= {2021, 2022, 2024, 2025}
    for year, level, grouping, *_, s_share, e_share in structure:
        assert round(s_share, 6) == 100, (year, level, grouping)
        assert e_share is None or round(e_share, 6) == 100, (year, level, grouping)
