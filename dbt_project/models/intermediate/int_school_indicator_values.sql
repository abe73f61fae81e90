-- Long fact of school × year × indicator: reported values plus derived sums (seeds/indicator_components.csv).
-- A derived sum exists only when every component that applies to the school's level is reported, and
-- never beside a value the school reports for the same indicator.
with reported as (
    select data_year, school_code, indicator_code, value
    from {{ ref('stg_submission_values') }}
    where {{ partition_years() }}
),

applicable_components as (
    select c.indicator_code, c.component_code, i.level as component_level
    from {{ ref('indicator_components') }} as c
    inner join {{ ref('stg_indicators') }} as i on i.indicator_code = c.component_code
),

-- the reported values the sums read (components) and the totals a school reports itself: the joins below hash
-- these few indicators' rows, not every reported value (at 50,000 schools those hash tables outgrew dbt's 512 MB)
reported_components as (
    select * from reported
    where indicator_code in (select component_code from applicable_components)
),

reported_totals as (
    select * from reported
    where indicator_code in (select indicator_code from applicable_components)
),

derived as (
    select
        sy.data_year,
        sy.school_code,
        ac.indicator_code,
        case when count(r.value) = count(*) then sum(r.value) end as value
    from {{ ref('int_school_years') }} as sy
    inner join applicable_components as ac
        on ac.component_level in ('全部', sy.level)
    left join reported_components as r
        on r.data_year = sy.data_year
        and r.school_code = sy.school_code
        and r.indicator_code = ac.component_code
    where {{ partition_years('sy.data_year') }}
        -- a total the school reports itself (经费投入总额) is kept as reported; its parts are checked by rules
        and not exists (
            select 1 from reported_totals as own
            where own.data_year = sy.data_year and own.school_code = sy.school_code
                and own.indicator_code = ac.indicator_code
        )
    group by sy.data_year, sy.school_code, ac.indicator_code
    -- only schools that submitted this year get derived rows
    having count(r.indicator_code) > 0
)

select data_year, school_code, indicator_code, value, 'reported' as origin, '{{ invocation_id }}' as dbt_invocation_id from reported
union all
select data_year, school_code, indicator_code, value, 'derived' as origin, '{{ invocation_id }}' as dbt_invocation_id from derived
