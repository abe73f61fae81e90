-- Accepted explanations of warnings, the latest per school, year, rule and indicator.
with ranked as (
    select
        data_year,
        school_code,
        rule_id,
        coalesce(indicator_code, '') as indicator_code,
        explanation,
        explained_by,
        explained_at,
        file_name,
        file_hash,
        loaded_at,
        row_number() over (
            partition by data_year, school_code, rule_id, coalesce(indicator_code, '')
            order by explained_at desc, loaded_at desc, file_hash desc
        ) as recency
    from {{ source('raw', 'warning_explanations') }}
    where status = 'accepted'
)

select data_year, school_code, rule_id, indicator_code, explanation, explained_by, explained_at, file_name, file_hash, loaded_at
from ranked
where recency = 1
