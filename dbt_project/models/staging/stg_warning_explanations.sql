-- Accepted explanations from the schools' returned 预警说明 sheets.
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
    loaded_at
from {{ source('raw', 'warning_explanations') }}
where status = 'accepted'
