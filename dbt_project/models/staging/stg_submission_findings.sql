-- Rule findings of every submission version, with the rule's texts for feedback and the appendix.
select
    f.submission_id,
    f.data_year,
    f.file_name,
    f.school_code,
    f.rule_id,
    f.severity,
    r.stage,
    r.title_zh,
    f.sheet,
    f.row_number,
    f.cell,
    f.indicator_code,
    f.found,
    f.expected,
    f.message_zh,
    f.loaded_at
from {{ source('raw', 'submission_findings') }} as f
left join {{ ref('quality_rules') }} as r on r.rule_id = f.rule_id
