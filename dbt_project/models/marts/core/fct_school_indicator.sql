-- One value per school, data year and indicator (reported or derived), with the school's attributes.
select
    v.data_year,
    v.school_code,
    s.school_name,
    s.school_type,
    s.level,
    s.district,
    sy.in_city_scope,
    v.indicator_code,
    i.name_zh as indicator_name,
    i.unit,
    v.value,
    v.origin,
    v.dbt_invocation_id
from {{ ref('int_school_indicator_values') }} as v
inner join {{ ref('stg_schools') }} as s on s.school_code = v.school_code
inner join {{ ref('int_school_years') }} as sy on sy.school_code = v.school_code and sy.data_year = v.data_year
inner join {{ ref('stg_indicators') }} as i on i.indicator_code = v.indicator_code
where {{ partition_years('v.data_year') }}
