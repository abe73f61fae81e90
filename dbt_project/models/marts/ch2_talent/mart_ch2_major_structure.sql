-- 专业结构: students and enrolment by 专业大类 and by major, with their shares of the level's total
-- (001 表 2-1, 表 2-2), over the in-scope schools' current submissions.
with rows_ as (
    select sm.*, sy.level
    from {{ ref('stg_submission_majors') }} as sm
    inner join {{ ref('int_school_years') }} as sy
        on sy.school_code = sm.school_code and sy.data_year = sm.data_year and sy.in_city_scope
    where {{ partition_years('sm.data_year') }}
),

by_major as (
    select r.data_year, r.level, 'major' as grouping, r.major_code as code,
           sum(r.students) as students, sum(r.enrol) as enrol, count(distinct r.school_code) as schools
    from rows_ as r
    group by r.data_year, r.level, r.major_code
),

by_category as (
    select r.data_year, r.level, 'category' as grouping, m.category_code as code,
           sum(r.students) as students, sum(r.enrol) as enrol, count(distinct r.school_code) as schools
    from rows_ as r
    inner join {{ ref('dim_major') }} as m on m.major_code = r.major_code
    group by r.data_year, r.level, m.category_code
),

both_ as (
    select * from by_major
    union all
    select * from by_category
)

select
    cast(b.data_year as integer) as data_year,
    b.level,
    b.grouping,
    b.code,
    m.major_name as name,
    -- as the reports print it: a local major outside the national catalogue (code …W) is marked (目录外)
    case
        when b.code like '%W' then '(目录外)' || regexp_replace(m.major_name, '（\d{4} 目录外）', '')
        else m.major_name
    end as printed_name,
    cast(b.students as bigint) as students,
    cast(b.enrol as bigint) as enrol,
    cast(b.schools as bigint) as schools,
    cast(100.0 * b.students / nullif(sum(b.students) over (partition by b.data_year, b.level, b.grouping), 0) as double)
        as students_share,
    cast(100.0 * b.enrol / nullif(sum(b.enrol) over (partition by b.data_year, b.level, b.grouping), 0) as double)
        as enrol_share
from both_ as b
-- major and 大类 codes are unique over the catalogue's levels (dim_major.level is 中职 / 高职专科 / 职业本科)
left join {{ ref('dim_major') }} as m on m.major_code = b.code
