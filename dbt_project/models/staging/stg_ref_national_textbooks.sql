-- stg_ref_national_textbooks: one row per record of the reference dataset(s) 'national_textbooks_by_school', typed.
select
    dataset_code,
    data_year,
    row_number,
    max(case when column_name = 'school_name' then value_text end) as school_name,
    max(case when column_name = 'school_code' then value_text end) as school_code,
    max(case when column_name = 'textbook_count' then value_number end) as textbook_count
from {{ ref('stg_reference_rows') }}
where dataset_code in ('national_textbooks_by_school')
group by dataset_code, data_year, row_number
