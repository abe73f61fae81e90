"""004 (北京市昌平区中等职业教育质量年度报告 2020) as a submission fixture: 北京市昌平职业学校, data years 2019
and 2020, only the rows the report fills, written with the project's own template writer.

Every value is a figure 004 prints, in base units (万元 × 10 000 = 元). Where 004 prints only a rate or a
per-student value, the count behind it is back-computed from the printed figure and the printed
denominator (so the warehouse recomputes the printed value), and the line says so:
- 专任教师 2019: 178 = the one count on which 004's 2019 shares all round to the printed values
  (66 研究生 = 56 + 10 per 1.3 → 37.08 %, 59 高级 → 33.15 %, 149 双师型 → 83.71 %); 2020: 260 (printed).
- 生师比: 004 prints 11.2:1 and 12.1:1, but its own counts give 2299 / 178 = 12.9 and 2380 / 260 = 9.2; the
  warehouse computes Σ在校生 / Σ专任教师 and shows that contradiction instead of copying it.
- 纸质图书 = 生均 × 在校生 (54.37 × 2299, 56.47 × 2380; 004's “12.5 万册” does not match its 56.47).
- 实训工位 = 生均 × 在校生 (1.05 × 2299, 1.01 × 2380).
- 教学仪器设备值 2020 is printed (19109.33 万元), 2019 = 19109.33 − 1027.45 万元; 2020 per student is
  then 8.03 万元 (004's prose), not the 8.17 of its table.
- 兼职教师专业课时: printed only as a share (26.6 %, 15.6 %): on a nominal 10 000 专业课课时.
- 对口就业: printed only as a rate (96.2 %, 97.2 %): on a nominal 500 直接就业人数.
- 就业去向落实人数: 989 (100 %), 818 (96.5 % of 848).
"""

from __future__ import annotations

from pathlib import Path

from orchestration import catalogue
from orchestration.intake.template import write_workbook

SCHOOL_NAME = "北京市昌平职业学校"
LEVEL = "中职"
WAN = 10_000

FIGURES: dict[int, dict[str, float]] = {
    2019: {
        "enrol_secondary": 612,
        "students_secondary_ft": 2299,
        "graduates": 989,
        "fulltime_teachers": 178,
        "senior_title_teachers": 59,
        "bachelor_plus_teachers": 178,
        "dual_qualified_teachers": 149,
        "specialty_course_hours": 10_000,
        "adjunct_specialty_course_hours": 2_660,
        "equipment_value": round((19109.33 - 1027.45) * WAN),
        "paper_books": 124_997,
        "onsite_workstations": 2_414,
        "graduates_placed": 989,
        "graduates_employed": 500,
        "graduates_employed_major_related": 481,
        "starting_salary": 4600,
        "social_training_person_times": 28_578,
    },
    2020: {
        "enrol_secondary": 978,
        "students_secondary_ft": 2380,
        "graduates": 848,
        "fulltime_teachers": 260,
        "senior_title_teachers": 77,
        "bachelor_plus_teachers": 259,
        "dual_qualified_teachers": 186,
        "specialty_course_hours": 10_000,
        "adjunct_specialty_course_hours": 1_560,
        "land_area": 405_436,
        "floor_area": 155_272,
        "equipment_value": round(19109.33 * WAN),
        "paper_books": 134_399,
        "onsite_workstations": 2_404,
        "graduates_placed": 818,
        "graduates_employed": 500,
        "graduates_employed_major_related": 486,
        "starting_salary": 4600,
        "social_training_person_times": 33_907,
        # 6.1 经费 (lines ~260–268)
        "funding_input_total": round(10497.2895 * WAN),
        "funding_input_personnel": round(5356.3488 * WAN),
        "funding_input_public": round(1745.9922 * WAN),
        "funding_input_project": round(2565.0143 * WAN),
        "funding_project_flagship": round(1128.9127 * WAN),
        "funding_project_infrastructure": round(925 * WAN),
        "funding_project_other": round(474.1416 * WAN),
        "funding_input_per_student": round(274.1440 * WAN),
        "funding_input_policy": round(355.7902 * WAN),
        "funding_policy_student_aid": round(237.7027 * WAN),
        "funding_policy_counterpart": round(118.0875 * WAN),
    },
}


def school_code() -> str:
    school = catalogue.school_by_name(SCHOOL_NAME)
    assert school is not None and school.level == LEVEL and school.district == "昌平区"
    return school.code


def write_004(folder: Path, data_year: int) -> Path:
    """The workbook of `data_year`'s figures, in that year's 中职 template (a voluntary collection)."""
    year = data_year
    code = school_code()
    folder.mkdir(parents=True, exist_ok=True)
    info = {"school_code": code, "school_name": SCHOOL_NAME, "filled_by": "测试", "phone": "010-00000000"}
    return write_workbook(folder / f"{code}_{year}.xlsx", LEVEL, year, info=info, values=dict(FIGURES[data_year]))
