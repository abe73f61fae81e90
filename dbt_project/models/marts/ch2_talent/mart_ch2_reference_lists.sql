-- Chapter 二 list tables from the commission's datasets: national textbooks per school (003 表 2-4) and the
-- 贯通培养 enrolment plan per school and major (003 表 2-5), keyed as the tables print them.
select
    dataset_code, data_year, school_name as row_key, school_code, cast(null as varchar) as major_code,
    textbook_count as value
from {{ ref('stg_ref_national_textbooks') }}
union all
select
    dataset_code, data_year, school_name || '|' || major_code as row_key, school_code, major_code,
    planned_enrolment as value
from {{ ref('stg_ref_through_training_plan') }}
