-- Every school in every data year it is active, whether its level is collected that year, and
-- whether the city figures count it. The collected, in-scope schools are the expected reporters:
-- the denominator of every completeness figure. A voluntary collection (a template schools may fill
-- for a district report, seeds/template_versions.csv) expects no school and makes no city figure.
-- A district's figures count its schools of a level whose template exists that year, census or voluntary
-- (in_district_scope), less the schools that are not vocational schools (city_scope_exclusions).
with templates as (
    select distinct data_year, level, template_version, collection = 'census' as is_census
    from {{ ref('template_versions') }}
),

years as (
    select distinct data_year from templates
),

excluded as (
    select distinct school_code, first_year, last_year from {{ ref('city_scope_exclusions') }}
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
    coalesce(t.is_census, false) and x.school_code is null as in_city_scope,
    t.template_version is not null and s.district is not null and x.school_code is null as in_district_scope
from years as y
inner join {{ ref('stg_schools') }} as s
    on y.data_year >= s.active_from
    and (s.active_to is null or y.data_year <= s.active_to)
left join templates as t
    on t.data_year = y.data_year and t.level = s.level
left join excluded as x
    on x.school_code = s.school_code and y.data_year between x.first_year and x.last_year
