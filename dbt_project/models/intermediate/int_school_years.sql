-- Every school in every data year it is active, whether its level is collected that year, and
-- whether the city figures count it. The collected, in-scope schools are the expected reporters:
-- the denominator of every completeness figure. A voluntary collection (a template schools may fill
-- for a district report, seeds/template_versions.csv) expects no school and makes no city figure.
with templates as (
    select distinct data_year, level, template_version, collection = 'census' as is_census
    from {{ ref('template_versions') }}
),

years as (
    select distinct data_year from templates
)

select
    y.data_year,
    s.school_code,
    s.school_name,
    s.school_type,
    s.level,
    s.district,
    s.ownership,
    t.template_version,
    coalesce(t.is_census, false) as is_collected,
    coalesce(t.is_census, false)
        and not exists (
            select 1 from {{ ref('city_scope_exclusions') }} as x
            where x.school_code = s.school_code and y.data_year between x.first_year and x.last_year
        ) as in_city_scope
from years as y
inner join {{ ref('stg_schools') }} as s
    on y.data_year >= s.active_from
    and (s.active_to is null or y.data_year <= s.active_to)
left join templates as t
    on t.data_year = y.data_year and t.level = s.level
