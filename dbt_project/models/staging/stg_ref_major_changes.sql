-- stg_ref_major_changes: one row per record of the reference dataset(s) 'new_majors', 'withdrawn_majors', typed.
select
    dataset_code,
    data_year,
    row_number,
    max(case when column_name = 'school_name' then value_text end) as school_name,
    max(case when column_name = 'school_code' then value_text end) as school_code,
    max(case when column_name = 'category_name' then value_text end) as category_name,
    max(case when column_name = 'major_name' then value_text end) as major_name,
    max(case when column_name = 'major_code' then value_text end) as major_code,
    max(case when column_name = 'duration' then value_text end) as duration
from {{ ref('stg_reference_rows') }}
where dataset_code in ('new_majors', 'withdrawn_majors')
group by dataset_code, data_year, row_number
