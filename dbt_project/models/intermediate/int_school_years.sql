-- Every school in every data year it is active, with the groups it is counted in.
-- These are the schools expected to report: the denominator of every completeness figure.
with years as (
    select distinct data_year from {{ ref('template_versions') }}
    union
    select distinct data_year from {{ ref('stg_submissions') }}
)

select
    y.data_year,
    s.school_code,
    s.school_name,
    s.school_type,
    s.level,
    s.district,
    s.in_city_scope
from years as y
inner join {{ ref('stg_schools') }} as s
    on y.data_year >= s.active_from
    and (s.active_to is null or y.data_year <= s.active_to)
