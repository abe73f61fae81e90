-- 专业设置: one row per school, data year and major from the current accepted submission.
select
    v.data_year,
    v.school_code,
    v.row_key as major_code,
    max(case when v.column_name = 'enrol' then v.value end) as enrol,
    max(case when v.column_name = 'students' then v.value end) as students,
    min(v.row_number) as row_number
from {{ source('raw', 'submission_list_values') }} as v
inner join {{ ref('stg_submissions') }} as s
    on s.submission_id = v.submission_id and s.is_current
where v.sheet = '专业设置'
group by v.data_year, v.school_code, v.row_key
