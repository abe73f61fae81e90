-- Every explanation of a warning, the latest per data year, school, rule and indicator, from either
-- channel: the returned 预警说明 sheet, or the 说明 the school wrote on the flagged row of its current
-- submission (by the file's 填报人, when it arrived). An explanation without a who does not count.
with returned as (
    select
        data_year, school_code, rule_id, indicator_code, explanation, explained_by, explained_at,
        file_name, 'returned_sheet' as channel
    from {{ ref('stg_warning_explanations') }}
),

on_the_row as (
    select
        f.data_year, f.school_code, f.rule_id, f.indicator_code, v.note as explanation,
        s.filled_by as explained_by, s.received_at as explained_at, s.file_name, 'submission_note' as channel
    from {{ ref('stg_submission_findings') }} as f
    inner join {{ ref('stg_submissions') }} as s
        on s.submission_id = f.submission_id and s.is_current
    inner join {{ ref('stg_submission_values') }} as v
        on v.submission_id = f.submission_id and v.indicator_code = f.indicator_code
    where f.severity = 'warning'
        and nullif(trim(v.note), '') is not null
        and nullif(trim(s.filled_by), '') is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by data_year, school_code, rule_id, indicator_code
            order by explained_at desc, channel, file_name
        ) as recency
    from (select * from returned union all select * from on_the_row) as both_channels
)

select data_year, school_code, rule_id, indicator_code, explanation, explained_by, explained_at, file_name, channel
from ranked
where recency = 1
