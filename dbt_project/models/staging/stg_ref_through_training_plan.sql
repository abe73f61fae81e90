-- stg_ref_through_training_plan: one row per record of the reference dataset(s) 'through_training_plan', typed.
select
    dataset_code,
    data_year,
    row_number,
    max(case when column_name = 'school_name' then value_text end) as school_name,
    max(case when column_name = 'school_code' then value_text end) as school_code,
    max(case when column_name = 'major_level' then value_text end) as major_level,
    max(case when column_name = 'major_code' then value_text end) as major_code,
    max(case when column_name = 'major_name' then value_text end) as major_name,
    max(case when column_name = 'major_direction' then value_text end) as major_direction,
    max(case when column_name = 'planned_enrolment' then value_number end) as planned_enrolment,
    max(case when column_name = 'partner_university' then value_text end) as partner_university,
    max(case when column_name = 'partner_major' then value_text end) as partner_major
from {{ ref('stg_reference_rows') }}
where dataset_code in ('through_training_plan')
group by dataset_code, data_year, row_number
