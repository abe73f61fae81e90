-- Every finding of every submission version, with how it is resolved. Errors must be fixed (the file
-- is quarantined until a corrected version arrives); info findings (an extra sheet ignored) need nothing. A warning is open until the school explains it
-- (its returned 预警说明, with who and when) or the commission tolerates it (seeds/warning_tolerances.csv);
-- open warnings of current submissions hold the report back.
with submissions as (
    select * from {{ ref('stg_submissions') }} where {{ partition_years() }}
),

findings as (
    select
        f.*,
        s.status as submission_status,
        s.is_current,
        s.is_latest,
        s.received_at,
        row_number() over (order by f.submission_id, f.sheet, f.row_number, f.cell, f.rule_id, f.indicator_code, f.found) as finding_key
    from {{ ref('stg_submission_findings') }} as f
    inner join submissions as s on s.submission_id = f.submission_id
),

tolerances as (
    select
        f.finding_key, t.reason, t.granted_by, t.granted_at,
        row_number() over (partition by f.finding_key order by t.granted_at desc, t.school_code nulls last) as recency
    from findings as f
    inner join {{ ref('warning_tolerances') }} as t
        on t.rule_id = f.rule_id
        and t.data_year = f.data_year
        and coalesce(t.school_code, f.school_code) = f.school_code
        and coalesce(t.indicator_code, f.indicator_code, '') = coalesce(f.indicator_code, '')
    where f.severity = 'warning'
)

select
    f.data_year,
    f.school_code,
    f.file_name,
    f.submission_id,
    f.submission_status,
    f.is_current,
    f.is_latest,
    f.received_at,
    f.rule_id,
    f.severity,
    f.title_zh,
    f.sheet,
    f.row_number,
    f.cell,
    f.indicator_code,
    i.name_zh as indicator_name,
    f.found,
    f.expected,
    f.message_zh,
    case
        when f.severity = 'error' then 'must_fix'
        when f.severity = 'info' then 'noted'
        when e.explanation is not null then 'explained'
        when t.reason is not null then 'tolerated'
        else 'open'
    end as resolution,
    coalesce(e.explanation, t.reason) as resolution_text,
    coalesce(e.explained_by, t.granted_by) as resolved_by,
    coalesce(e.explained_at, cast(t.granted_at as timestamp)) as resolved_at,
    '{{ invocation_id }}' as dbt_invocation_id
from findings as f
left join {{ ref('int_warning_explanations') }} as e
    on f.severity = 'warning'
    and e.data_year = f.data_year
    and e.school_code = f.school_code
    and e.rule_id = f.rule_id
    and e.indicator_code = coalesce(f.indicator_code, '')
left join tolerances as t on t.finding_key = f.finding_key and t.recency = 1
left join {{ ref('stg_indicators') }} as i on i.indicator_code = f.indicator_code
