-- Who reported what: one row per loaded data year × expected school × indicator on its level's
-- template that year, reported or not. "Which schools did not report X" is `where not reported`.
-- A school is expected when its level is collected that year (int_school_years.is_collected); an
-- indicator is expected of it when its level's template of that year has a row for it. Only loaded
-- years: a year without any accepted submission has no rows.
with loaded_years as (
    select distinct data_year from {{ ref('stg_submissions') }} where is_current
),

expected as (
    select
        sy.data_year,
        sy.school_code,
        sy.school_name,
        sy.level,
        sy.in_city_scope,
        sy.template_version,
        r.indicator_code,
        min(r.row_order) as row_order
    from {{ ref('int_school_years') }} as sy
    inner join loaded_years as y on y.data_year = sy.data_year
    inner join {{ ref('template_rows') }} as r
        on r.template_version = sy.template_version and r.level = sy.level
    where sy.is_collected and r.indicator_code is not null
    group by all
),

current_submissions as (
    select data_year, school_code, submission_id, file_name
    from {{ ref('stg_submissions') }}
    where is_current
)

select
    e.data_year,
    e.school_code,
    e.school_name,
    e.level,
    e.in_city_scope,
    e.template_version,
    e.row_order,
    e.indicator_code,
    i.name_zh as indicator_name,
    i.unit,
    s.submission_id is not null as submitted,
    v.value is not null as reported,
    v.value,
    s.submission_id,
    s.file_name,
    v.sheet,
    v.cell
from expected as e
inner join {{ ref('dim_indicator') }} as i on i.indicator_code = e.indicator_code
left join current_submissions as s on s.data_year = e.data_year and s.school_code = e.school_code
left join {{ ref('stg_submission_values') }} as v
    on v.submission_id = s.submission_id and v.indicator_code = e.indicator_code
